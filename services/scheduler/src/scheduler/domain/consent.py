"""Marketing consent: what a patient's answer must say, and which answer stands.

Marketing texts (recall offers) need the patient's yes; reminders and aftercare do
not. An answer records where it was given (the channel) and which wording it
answered (a catalog key and locale, never the words), so the exact question can be
shown later. The latest answer stands, whichever way it went: a "no" from an
opt-out texted before a later "yes" on a call does not undo the "yes", and a "yes"
given before a later STOP is withdrawn by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.errors import FieldViolation

CHANNELS = ("sms", "voice", "console")
MAX_WORDING_REF = 200


@dataclass(frozen=True, slots=True)
class ConsentAnswer:
    granted: bool
    channel: str
    wording_ref: str


def check_answer(
    granted: bool, channel: str, wording_ref: str
) -> tuple[ConsentAnswer, list[FieldViolation]]:
    """The answer with its text trimmed, or every reason it is refused. A yes must name
    the wording it answered; a no stands whatever was asked."""
    problems: list[FieldViolation] = []
    where = channel.strip().lower()
    if where not in CHANNELS:
        problems.append(
            FieldViolation("channel", "bad_channel", f"where the patient answered: {CHANNELS}")
        )
    wording = wording_ref.strip()
    if granted and not wording:
        problems.append(
            FieldViolation("wording_ref", "required", "the wording a yes answered is required")
        )
    elif len(wording) > MAX_WORDING_REF:
        problems.append(
            FieldViolation("wording_ref", "too_long", f"at most {MAX_WORDING_REF} characters")
        )
    return ConsentAnswer(granted, where, wording), problems


def stands(answered_at: int, on_file_at: int | None) -> bool:
    """Whether an answer given at `answered_at` replaces the one on file (latest wins;
    of two at the same second, the one heard last)."""
    return on_file_at is None or answered_at >= on_file_at
