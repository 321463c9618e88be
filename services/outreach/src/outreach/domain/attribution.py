"""Which outreach earned a booking, for the owner's recovered-revenue report.

An offer the patient accepted earns its own booking outright. Otherwise the latest
recall, waitlist offer or missed-call callback to the patient in the window before the
booking earns it (last touch). Otherwise a booking the assistant made while the spa was
closed is an after-hours booking. Reminders and aftercare keep visits; they are not
credited with new ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from outreach.domain.model import JobKind

SOURCES = {
    JobKind.MISSED_CALL_TEXT: "missed_call",
    JobKind.MISSED_CALL_CALL: "missed_call",
    JobKind.RECALL: "recall",
    JobKind.OFFER: "waitlist",
}
AFTER_HOURS = "after_hours"


@dataclass(frozen=True)
class Touch:
    job_id: int
    kind: JobKind
    at: datetime


@dataclass(frozen=True)
class Credit:
    source: str
    job_id: int | None
    touched_at: datetime | None


def credit(
    booked_at: datetime,
    accepted_offer: Touch | None,
    touches: list[Touch],
    window: timedelta,
    *,
    booked_by_assistant_while_closed: bool,
) -> Credit | None:
    if accepted_offer is not None and accepted_offer.kind in SOURCES:
        return Credit(SOURCES[accepted_offer.kind], accepted_offer.job_id, accepted_offer.at)
    eligible = [t for t in touches if t.kind in SOURCES and booked_at - window <= t.at <= booked_at]
    if eligible:
        last = max(eligible, key=lambda t: (t.at, t.job_id))
        return Credit(SOURCES[last.kind], last.job_id, last.at)
    if booked_by_assistant_while_closed:
        return Credit(AFTER_HOURS, None, None)
    return None
