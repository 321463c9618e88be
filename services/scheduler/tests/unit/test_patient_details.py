"""The details a caller gives about themselves: checked, cleaned, refused with the field."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.domain.patients import MAX_EMAIL, check_birth_date, check_details, check_email

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("ana@example.com", "ana@example.com"),
        ("  Ana.Lopez+spa@Example.CO.uk ", "Ana.Lopez+spa@example.co.uk"),
        ("o'brien@mail-1.example.org", "o'brien@mail-1.example.org"),
    ],
)
def test_good_emails_pass_with_the_domain_in_lower_case(raw, clean):
    assert check_email(raw, "e") == (clean, [])


@pytest.mark.parametrize(
    "raw",
    [
        "ana",
        "ana@",
        "@example.com",
        "ana@example",
        "ana@@example.com",
        "ana lopez@example.com",
        ".ana@example.com",
        "ana.@example.com",
        "an..a@example.com",
        "ana@-example.com",
        "ana@example..com",
        "a" * 65 + "@example.com",
        "a@" + "b" * (MAX_EMAIL) + ".com",
    ],
)
def test_bad_emails_are_refused_with_the_field(raw):
    clean, problems = check_email(raw, "patient.email")
    assert clean == ""
    assert [(p.field, p.reason) for p in problems] == [("patient.email", "bad_email")]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1990-02-30", "bad_date"),
        ("02/03/1990", "bad_date"),
        ("yesterday", "bad_date"),
        ("2026-12-01", "out_of_range"),
        ("1899-12-31", "out_of_range"),
    ],
)
def test_bad_birth_dates_are_refused(raw, reason):
    born, problems = check_birth_date(raw, TODAY, "patient.date_of_birth")
    assert born is None and [p.reason for p in problems] == [reason]


def test_a_birth_date_today_or_before_passes():
    assert check_birth_date("1990-02-28", TODAY, "d") == (date(1990, 2, 28), [])
    assert check_birth_date("2026-11-30", TODAY, "d") == (TODAY, [])


def test_every_bad_detail_is_named_at_once():
    details, problems = check_details("  Ana   Lopez ", "nope", "1990-13-01", TODAY)
    assert details.name == "Ana Lopez"
    assert [p.field for p in problems] == ["patient.email", "patient.date_of_birth"]


def test_nothing_given_is_nothing_refused():
    details, problems = check_details("", " ", "", TODAY)
    assert (details.name, details.email, details.date_of_birth, problems) == ("", "", None, [])


def test_an_overlong_name_is_refused():
    _, problems = check_details("x" * 201, "", "", TODAY, prefix="who")
    assert [(p.field, p.reason) for p in problems] == [("who.name", "too_long")]


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_any_past_date_round_trips(born):
    assert check_birth_date(born.isoformat(), TODAY, "d") == (born, [])


@given(st.text(max_size=80))
def test_any_text_is_either_a_clean_address_or_refused_never_an_error(raw):
    clean, problems = check_email(raw, "e")
    assert bool(clean) != bool(problems)
    if clean:
        assert clean.count("@") >= 1 and " " not in clean and len(clean) <= MAX_EMAIL
        assert check_email(clean, "e") == (clean, [])
