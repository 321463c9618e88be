"""Whether a text answers what outreach sent, and how: C or R to a reminder, YES or NO to a
waitlist offer, a number to a recall offer, in the patient's own words too.

Pure. A text that says something else ("can I do Tuesday instead?", "cancel it") is not an
answer: the conversation takes it as usual. An answer that cannot be placed ("yes" to three
choices, a plain "no" to a reminder) is `unclear`, so the patient is asked again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from agent.domain.intents import wants_reschedule
from agent.domain.state import Outreach
from agent.domain.text import contains_phrase, number_in, tokens, yes_or_no

# Past this an answer to something outreach sent is not read as one: a reminder's visit has
# come and gone, an offer has closed.
ANSWER_WINDOW = timedelta(hours=48)


class Expects(StrEnum):
    CONFIRM_OR_RESCHEDULE = "confirm_or_reschedule"
    ACCEPT = "accept"
    CHOOSE_SLOT = "choose_slot"
    CHECK_IN = "check_in"


class Answer(StrEnum):
    CONFIRM = "confirm"
    RESCHEDULE = "reschedule"
    ACCEPT = "accept"
    DECLINE = "decline"
    CHOOSE = "choose"


@dataclass(frozen=True)
class Read:
    answer: Answer | None
    choice: int = 0

    @property
    def unclear(self) -> bool:
        return self.answer is None


UNCLEAR = Read(None)


@dataclass(frozen=True)
class Answered:
    """A patient's answer to a send, as outreach.replied says it."""

    outreach: Outreach
    answer: Answer
    choice: int = 0


CONFIRM_WORDS = frozenset("c confirm confirmed confirming".split())
RESCHEDULE_WORDS = frozenset("r reschedule rescheduling resched move change".split())
CONFIRM_PHRASES = (
    ("see", "you"), ("be", "there"), ("i'll", "be"), ("will", "be", "there"), ("still", "on"),
)  # fmt: skip
TAKE_PHRASES = (("take", "it"), ("i'll", "take"), ("i", "want", "it"), ("i'll", "come"))
# Words around a number that leave it a pick: "the second one please", "option 2", "#3".
AROUND_A_PICK = frozenset(
    "the option number slot time choice pick please i'll take ok okay yes yeah sure "
    "let's do go with i want like would that".split()
)
DECLINE_WORDS = frozenset("no nope nah none pass".split())


def answerable(outreach: Outreach | None, now: datetime) -> bool:
    return outreach is not None and now - outreach.sent_at <= ANSWER_WINDOW


def read_reply(outreach: Outreach, text: str) -> Read | None:
    """The answer the text gives, UNCLEAR when it tries but cannot be placed, None when the
    text is about something else."""
    words = tokens(text)
    if not words:
        return None
    expects = outreach.expects
    if expects == Expects.CONFIRM_OR_RESCHEDULE:
        return _confirm_or_reschedule(text, words)
    if expects == Expects.ACCEPT:
        return _accept(text, words)
    if expects == Expects.CHOOSE_SLOT:
        return _choose(text, words, outreach.choices)
    return None


def _confirm_or_reschedule(text: str, words: list[str]) -> Read | None:
    short = len(words) <= 4
    if short and words[0] in CONFIRM_WORDS:
        return Read(Answer.CONFIRM)
    if (short and words[0] in RESCHEDULE_WORDS) or wants_reschedule(text):
        return Read(Answer.RESCHEDULE)
    if any(w in RESCHEDULE_WORDS - {"r"} for w in words):
        return Read(Answer.RESCHEDULE)
    if any(contains_phrase(words, p) for p in CONFIRM_PHRASES):
        return Read(Answer.CONFIRM)
    said = yes_or_no(text)
    if said is True and short:
        return Read(Answer.CONFIRM)
    if said is False and short:
        # "no" to "C to confirm or R to reschedule" says neither.
        return UNCLEAR
    return None


def _accept(text: str, words: list[str]) -> Read | None:
    if any(contains_phrase(words, p) for p in TAKE_PHRASES):
        return Read(Answer.ACCEPT)
    said = yes_or_no(text)
    if said is None or len(words) > 8:
        return None
    return Read(Answer.ACCEPT if said else Answer.DECLINE)


def _choose(text: str, words: list[str], choices: int) -> Read | None:
    if len(words) > 1 and "one" in words:
        # "the second one", "that one": a pick's filler, unless it is the only number.
        others = [w for w in words if w != "one"]
        words = others if any(number_in(w) is not None for w in others) else words
    picks = [n for w in words if (n := number_in(w)) is not None]
    rest = [w for w in words if number_in(w) is None and w not in AROUND_A_PICK]
    if len(picks) == 1 and not rest:
        number = picks[0]
        return Read(Answer.CHOOSE, number) if 1 <= number <= choices else UNCLEAR
    if picks:
        return None
    if len(words) <= 6 and (any(w in DECLINE_WORDS for w in words) or yes_or_no(text) is False):
        return Read(Answer.DECLINE)
    if yes_or_no(text) is True and len(words) <= 6:
        return Read(Answer.CHOOSE, 1) if choices == 1 else UNCLEAR
    return None
