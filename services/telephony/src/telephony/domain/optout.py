"""What an inbound text asks of the texting relationship itself: stop, start again, or help.

Carrier keywords count only when they are the whole message (any case, any padding or
punctuation), so "cancel my appointment" still reaches the agent. Since the FCC's 2025 rule a
patient may also revoke consent "by any reasonable means", so plain requests such as "pls stop
texting" or "no más" opt out too; those patterns name texting explicitly, so "can I stop by
tomorrow?" does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from telephony.domain.text import normalise


class Ask(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


@dataclass(frozen=True)
class Keyword:
    ask: Ask
    # What matched: the carrier keyword in capitals, or "PLAIN_LANGUAGE".
    label: str


PLAIN_LANGUAGE = "PLAIN_LANGUAGE"

# CTIA's list plus the FCC's (REVOKE, OPT OUT), and the Spanish words carriers honour.
_OPT_OUT_WORDS = frozenset(
    {
        "stop",
        "stopall",
        "stop all",
        "unsubscribe",
        "end",
        "quit",
        "cancel",
        "revoke",
        "optout",
        "opt out",
    }
    | {"alto", "parar", "basta", "cancelar"}
)
_OPT_IN_WORDS = frozenset({"start", "yes", "unstop"})
_HELP_WORDS = frozenset({"help", "info", "ayuda"})

_TEXTS = r"(?:text(?:s|ing)?|txt(?:s|ing)?|sms|messag(?:e|es|ing)|msgs?|reminders?)"
_NEVER = r"(?:don't|dont|do not|never)"
_PLAIN_OPT_OUT = tuple(
    re.compile(pattern)
    for pattern in (
        # The whole message is a plea to stop: "please stop", "stop it now".
        r"^(?:(?:please|pls|plz|just|ok|okay|ya|omg) )*stop"
        r"(?: (?:please|pls|plz|now|it|already|thanks|thank you|all))*$",
        rf"\bstop (?:\w+ ){{0,3}}{_TEXTS}\b",  # stop texting me, stop sending me reminders
        rf"\b{_NEVER} (?:text|txt|message|msg|contact|sms) me\b",
        rf"\b{_NEVER} send (?:me )?(?:any )?(?:more )?{_TEXTS}\b",
        rf"\bno more {_TEXTS}\b",
        r"\bunsubscribe\b",
        # "opt out" of the texts, not of the deposit.
        rf"\bopt(?: me)? ?out\b(?! of)|\bopt(?: me)? ?out of (?:\w+ ){{0,2}}{_TEXTS}\b",
        r"\b(?:remove|take) me (?:off|from|out of) (?:your|the|this|ur) "
        r"(?:list|texts?|messages?|mailing list|contacts?)\b",
        r"\bleave me alone\b",
        # Spanish: "no más" on its own (inside a sentence, in Mexico, it means "just").
        r"^(?:ya )?no mas(?: (?:mensajes|textos|msjs?|por favor|gracias))*$",
        r"\bno (?:me )?(?:envie|envies|mande|mandes|escriba|escribas|textee|textees)n? "
        r"(?:mas|mensajes|textos)\b",
        r"\bdej(?:a|e|en) de (?:enviar|mandar|escribir)(?:me|nos)?\b",
    )
)


def classify(body: str) -> Keyword | None:
    """The keyword a text amounts to, or None for an ordinary message."""
    text = normalise(body)
    if text in _OPT_OUT_WORDS:
        return Keyword(Ask.OPT_OUT, text.replace(" ", "").upper())
    if text in _OPT_IN_WORDS:
        return Keyword(Ask.OPT_IN, text.upper())
    if text in _HELP_WORDS:
        return Keyword(Ask.HELP, text.upper())
    if any(pattern.search(text) for pattern in _PLAIN_OPT_OUT):
        return Keyword(Ask.OPT_OUT, PLAIN_LANGUAGE)
    return None


class Action(StrEnum):
    OPT_OUT = "opt_out"  # record it and send the one confirmation
    OPT_IN = "opt_in"  # record it and confirm
    HELP = "help"  # answer with the spa's name and number
    NOTHING = "nothing"  # already opted out: no second confirmation
    RELAY = "relay"  # an ordinary message: on to the agent


def decide(keyword: Keyword | None, opted_out: bool) -> Action:
    """What to do with a text given the sender's current state.

    START, YES and UNSTOP only mean "opt back in" from someone who opted out: from anyone
    else "yes" is an answer (to "shall I book 3 pm?") and goes to the agent.
    """
    if keyword is None:
        return Action.RELAY
    if keyword.ask is Ask.HELP:
        return Action.HELP
    if keyword.ask is Ask.OPT_OUT:
        return Action.NOTHING if opted_out else Action.OPT_OUT
    return Action.OPT_IN if opted_out else Action.RELAY
