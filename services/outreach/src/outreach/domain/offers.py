"""Waitlist offers in the list's order, and what a yes does to an offer.

An opened slot is offered in waves: the first `wave_size` patients on the list at once,
the next wave a little later if nobody has said yes, never after the offer expires. The
first yes wins the slot; everyone already offered it is then told it has gone, and the
waves not yet sent are called off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True)
class Waves:
    size: int = 3
    gap: timedelta = timedelta(minutes=20)
    max_recipients: int = 9


@dataclass(frozen=True)
class Planned:
    patient_id: str
    position: int
    due_at: datetime


def plan_waves(
    patient_ids: list[str], now: datetime, expires_at: datetime, waves: Waves
) -> list[Planned]:
    """Offers in list order; a patient listed twice is offered once, at their first place."""
    ordered = list(dict.fromkeys(p for p in patient_ids if p))
    out: list[Planned] = []
    for position, patient_id in enumerate(ordered[: waves.max_recipients]):
        due = now + waves.gap * (position // waves.size)
        if due >= expires_at:
            break
        out.append(Planned(patient_id, position, due))
    return out


class OfferState(StrEnum):
    OPEN = "open"
    WON = "won"
    GONE = "gone"


class AcceptOutcome(StrEnum):
    # Try to hold the slot for this patient.
    HOLD = "hold"
    # The slot went to someone else, or outside outreach: tell this patient so.
    TOO_LATE = "too_late"
    # This patient already has it (a repeated yes): nothing more to do.
    ALREADY_THEIRS = "already_theirs"
    # Not someone this offer went to, or a choice it did not make: ignore.
    NOT_OFFERED = "not_offered"


def on_accept(
    state: OfferState,
    winner: str,
    patient_id: str,
    offered_to: set[str],
    choice: int,
    choices: int,
    now: datetime,
    expires_at: datetime,
) -> AcceptOutcome:
    if patient_id not in offered_to or not 1 <= choice <= choices:
        return AcceptOutcome.NOT_OFFERED
    if state is OfferState.WON and winner == patient_id:
        return AcceptOutcome.ALREADY_THEIRS
    if state is not OfferState.OPEN or now >= expires_at:
        return AcceptOutcome.TOO_LATE
    return AcceptOutcome.HOLD
