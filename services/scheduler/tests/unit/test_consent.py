"""Marketing consent answers (checked, the latest standing) and a patient's zone from
their number."""

from __future__ import annotations

import pytest

from scheduler.adapters.patients import phone_zone
from scheduler.domain.consent import ConsentAnswer, check_answer, stands


def test_a_yes_names_its_channel_and_wording():
    assert check_answer(True, " SMS ", " agent.consent_ask@en ") == (
        ConsentAnswer(True, "sms", "agent.consent_ask@en"),
        [],
    )


def test_a_no_needs_no_wording():
    assert check_answer(False, "voice", "") == (ConsentAnswer(False, "voice", ""), [])


@pytest.mark.parametrize(
    ("granted", "channel", "wording", "expected"),
    [
        (True, "email", "agent.consent_ask@en", [("channel", "bad_channel")]),
        (True, "", "agent.consent_ask@en", [("channel", "bad_channel")]),
        (True, "sms", " ", [("wording_ref", "required")]),
        (False, "console", "x" * 201, [("wording_ref", "too_long")]),
        (True, "fax", "", [("channel", "bad_channel"), ("wording_ref", "required")]),
    ],
)
def test_bad_answers_name_every_field(granted, channel, wording, expected):
    _, problems = check_answer(granted, channel, wording)
    assert [(p.field, p.reason) for p in problems] == expected


@pytest.mark.parametrize(
    ("answered_at", "on_file_at", "expected"),
    [(100, None, True), (100, 99, True), (100, 100, True), (99, 100, False)],
)
def test_the_latest_answer_stands(answered_at, on_file_at, expected):
    assert stands(answered_at, on_file_at) is expected


@pytest.mark.parametrize(
    ("number", "zone"),
    [
        ("+14155550123", "America/Los_Angeles"),
        ("+12125550123", "America/New_York"),
        ("+33142685300", "Europe/Paris"),
        # A UK mobile range spans the Crown dependencies' zones: ambiguous, the spa's.
        ("+447911123456", ""),
        # Toll-free numbers have no place.
        ("+18005550123", ""),
        ("not a number", ""),
    ],
)
def test_a_patients_zone_is_the_one_their_number_names(number, zone):
    assert phone_zone(number) == zone
