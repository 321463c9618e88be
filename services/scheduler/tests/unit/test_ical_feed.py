from __future__ import annotations

from scheduler_spa import NOW

from scheduler.domain.appointments import Appointment, Status
from scheduler.domain.ical import FeedEvent, initials, render


def test_initials():
    assert initials("Jane van Doe") == "J.V.D."
    assert initials("  ") == ""
    assert initials("Zoë 'Zo' Ng") == "Z.N."


def test_render_is_rfc5545_with_minimum_detail():
    appt = Appointment(
        id="3f1c",
        spa_id="glow",
        service_id="botox",
        provider_id="ana",
        resource_ids=("room-1",),
        patient_id="p1",
        start=1_796_061_600,
        end=1_796_063_400,
        status=Status.HELD,
        hold_expires_at=None,
        deposit_minor=0,
        currency="USD",
        new_patient=False,
    )
    text = render("Ana, NP", [FeedEvent(appt, "Botox; touch-up", "J.D.", "Room 1")], NOW)
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "DTSTART:20261130T180000Z" in lines
    assert "SUMMARY:Botox\\; touch-up - J.D." in lines
    assert "STATUS:TENTATIVE" in lines
    assert "X-WR-CALNAME:Ana\\, NP" in lines
    assert all(len(line.encode()) <= 75 for line in lines)


def test_long_lines_fold_without_splitting_characters():
    text = render("é" * 100, [], NOW)
    folded = [line for line in text.split("\r\n") if line.startswith(("X-WR", " "))]
    assert len(folded) > 1
    assert "".join(line.removeprefix(" ") for line in folded) == "X-WR-CALNAME:" + "é" * 100
    assert all(len(line.encode()) <= 75 for line in folded)
