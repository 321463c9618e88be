"""A provider's day as an iCalendar (RFC 5545) feed, with the least detail that helps.

Each event says the service and the patient's initials, nothing more: the feed
lives in a third-party calendar app, outside the spa's protection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from scheduler.domain.appointments import Appointment, Status

PRODUCT = "-//medspa front desk//scheduler//EN"


@dataclass(frozen=True, slots=True)
class FeedEvent:
    appointment: Appointment
    service_name: str
    initials: str
    location: str = ""


def initials(name: str) -> str:
    """'Jane van Doe' -> 'J.V.D.'; nothing for no name."""
    return "".join(f"{part[0].upper()}." for part in name.split() if part[:1].isalpha())


def _stamp(instant: int) -> str:
    return datetime.fromtimestamp(instant, UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    start = 0
    while start < len(raw):
        end = min(start + (75 if not parts else 74), len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:
            end -= 1  # never split a UTF-8 character
        parts.append(raw[start:end].decode())
        start = end
    return "\r\n ".join(parts)


_STATUS: Mapping[Status, str] = {
    Status.HELD: "TENTATIVE",
    Status.CONFIRMED: "CONFIRMED",
    Status.COMPLETED: "CONFIRMED",
    Status.NO_SHOW: "CONFIRMED",
}


def render(calendar_name: str, events: Iterable[FeedEvent], now: int) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(calendar_name)}",
    ]
    for event in events:
        appt = event.appointment
        summary = (
            f"{event.service_name} - {event.initials}" if event.initials else event.service_name
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:{appt.id}@scheduler.medspa",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(appt.start)}",
            f"DTEND:{_stamp(appt.end)}",
            f"SUMMARY:{_text(summary)}",
            f"STATUS:{_STATUS.get(appt.status, 'CANCELLED')}",
        ]
        if event.location:
            lines.append(f"LOCATION:{_text(event.location)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
