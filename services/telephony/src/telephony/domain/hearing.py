"""What Twilio heard in one turn of a call, and what that means for the call.

Silence and speech too unclear to act on are "misses": the first earns a re-prompt, and the
limit in a row ends the call politely rather than looping forever. A caller who says only a
farewell ("ok thanks, bye") is let go without a round trip to the agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telephony.domain.text import normalise


class Heard(StrEnum):
    SPEECH = "speech"
    DIGITS = "digits"
    SILENCE = "silence"
    UNCLEAR = "unclear"
    GOODBYE = "goodbye"


@dataclass(frozen=True)
class Turn:
    speech: str
    digits: str
    # None when the speech provider gave no confidence (some do not): trusted then.
    confidence: float | None


def hear(turn: Turn, min_confidence: float) -> Heard:
    if turn.digits.strip():
        return Heard.DIGITS
    if not normalise(turn.speech):
        return Heard.SILENCE
    if turn.confidence is not None and turn.confidence < min_confidence:
        return Heard.UNCLEAR
    if is_goodbye(turn.speech):
        return Heard.GOODBYE
    return Heard.SPEECH


class AfterMiss(StrEnum):
    REPROMPT = "reprompt"
    GIVE_UP = "give_up"


def after_miss(misses_in_a_row: int, limit: int) -> AfterMiss:
    """`misses_in_a_row` counts this one."""
    return AfterMiss.GIVE_UP if misses_in_a_row >= limit else AfterMiss.REPROMPT


_CLOSERS = (
    "bye",
    "bye bye",
    "goodbye",
    "good bye",
    "see you",
    "see ya",
    "talk to you later",
    "talk later",
    "have a good day",
    "have a nice day",
    "have a great day",
    "have a good one",
    "have a good night",
    "adios",
    "hasta luego",
)
# Words that may surround a farewell without making it a request ("no that's all, thanks, bye").
_POLITE = frozenset(
    "ok okay thanks thank you so much very alright all right great perfect cool no nope "
    "well then for now that's that is all nothing else gracias muchas bueno".split()
)


def is_goodbye(speech: str) -> bool:
    words = normalise(speech).split()
    if not words or len(words) > 12:
        return False
    text = f" {' '.join(words)} "
    found = False
    for closer in sorted(_CLOSERS, key=len, reverse=True):
        if f" {closer} " in text:
            found = True
            text = text.replace(f" {closer} ", " ")
    return found and all(word in _POLITE for word in text.split())
