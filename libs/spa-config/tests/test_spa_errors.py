"""Every kind of mistake in a spa file is reported with the file, the field path and why."""

from __future__ import annotations

import copy
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from spa_config import SpaConfigError, parse_spa

FIXTURES = Path(__file__).parent / "fixtures"
DEMO_TEXT = (resources.files("spa_config") / "demo" / "lumen-aesthetics.yaml").read_text()
DEMO_DOC = yaml.safe_load(DEMO_TEXT)
# libyaml when present: these tests write the demo file out again dozens of times.
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

Doc = dict[str, Any]


def problems(change: Callable[[Doc], object]) -> list[str]:
    """The problems reported for the demo spa after `change` edits it, as 'glow.yaml' says."""
    doc = copy.deepcopy(DEMO_DOC)
    change(doc)
    with pytest.raises(SpaConfigError) as caught:
        parse_spa(yaml.dump(doc, Dumper=DUMPER, sort_keys=False), source="glow.yaml")
    assert str(caught.value) == "\n".join(str(p) for p in caught.value.problems)
    return [str(p).split(" (line ")[0] for p in caught.value.problems]


def service(doc: Doc, service_id: str) -> Doc:
    found: Doc = next(s for s in doc["services"] if s["id"] == service_id)
    return found


def provider(doc: Doc, provider_id: str) -> Doc:
    found: Doc = next(p for p in doc["providers"] if p["id"] == provider_id)
    return found


def test_the_demo_itself_has_no_problems() -> None:
    assert parse_spa(DEMO_TEXT).id == "lumen-aesthetics"


def test_zero_duration_names_file_path_and_reason() -> None:
    found = problems(lambda d: d["services"][2].update(duration_minutes=0))

    assert found == ["glow.yaml: services[2].duration_minutes: must be greater than 0 (got 0)"]


def test_unknown_time_zone() -> None:
    found = problems(lambda d: d.update(timezone="America/Los_Angles"))

    assert found == [
        "glow.yaml: timezone: 'America/Los_Angles' is not an IANA time zone like "
        "'America/Los_Angeles'"
    ]


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("+1415555", "'+1415555' is not a valid phone number"),
        ("4155550100", "'4155550100' is not a phone number with its country code"),
        (14155550100, "14155550100 must be a quoted phone number with its country code"),
    ],
)
def test_bad_twilio_number(number: object, reason: str) -> None:
    found = problems(lambda d: d.update(phone_numbers=[number]))

    assert len(found) == 1
    assert found[0].startswith(f"glow.yaml: phone_numbers[0]: {reason}")


def test_bad_escalation_phone() -> None:
    found = problems(lambda d: d["escalation_contacts"][1].update(phone="+1 555"))

    assert found[0].startswith("glow.yaml: escalation_contacts[1].phone: '+1 555' is not")


def test_the_same_twilio_number_twice() -> None:
    found = problems(lambda d: d.update(phone_numbers=["+14155550100", "+1 415 555 0100"]))

    assert found == ["glow.yaml: phone_numbers[1]: +14155550100 is listed twice"]


def test_provider_lists_an_unknown_service() -> None:
    found = problems(lambda d: provider(d, "alex-kim")["services"].append("tattoo-removal"))

    assert found == ["glow.yaml: providers[4].services[2]: unknown service 'tattoo-removal'"]


def test_provider_lists_a_service_their_credential_does_not_allow() -> None:
    found = problems(lambda d: provider(d, "priya-patel")["services"].append("botox"))

    assert found == [
        "glow.yaml: providers[3].services[4]: 'botox' needs one of NP, RN, PA, MD; "
        "'priya-patel' is esthetician"
    ]


def test_service_needs_an_unknown_resource() -> None:
    found = problems(lambda d: service(d, "hydrafacial").update(resources=["facial-suite", "spa"]))

    assert found == ["glow.yaml: services[7].resources[1]: unknown resource 'spa'"]


def test_service_no_qualified_provider_performs() -> None:
    def drop_cheeks(doc: Doc) -> None:
        for p in doc["providers"]:
            if "cheek-filler" in p["services"]:
                p["services"].remove("cheek-filler")

    found = problems(drop_cheeks)

    assert found == [
        "glow.yaml: services[4]: no provider lists 'cheek-filler' and holds one of its "
        "credentials (NP, PA, MD)"
    ]


def test_package_of_an_unknown_service() -> None:
    found = problems(lambda d: d["packages"][0]["items"][0].update(service="laser"))

    assert found == ["glow.yaml: packages[0].items[0].service: unknown service 'laser'"]


def test_consult_required_without_any_consult_service() -> None:
    def no_consults(doc: Doc) -> None:
        consults = {s["id"] for s in doc["services"] if s["category"] == "consult"}
        doc["services"] = [s for s in doc["services"] if s["id"] not in consults]
        for p in doc["providers"]:
            p["services"] = [s for s in p["services"] if s not in consults]

    found = problems(no_consults)

    assert found == [
        "glow.yaml: services[2].consult_required_for_new: no consult service to book first",
        "glow.yaml: services[3].consult_required_for_new: no consult service to book first",
    ]


def test_duplicate_service_id() -> None:
    found = problems(lambda d: d["services"].append(dict(d["services"][1])))

    assert found == ["glow.yaml: services[13].id: 'botox' is already used by services[1]"]


@pytest.mark.parametrize(
    ("price", "reason"),
    [
        (
            {"kind": "per_unit", "unit_price": -1400, "typical_units": {"min": 20, "max": 40}},
            "price.unit_price: must be greater than or equal to 0 (got -1400)",
        ),
        (
            {"kind": "per_unit", "unit_price": 14.5, "typical_units": {"min": 20, "max": 40}},
            "price.unit_price: must be a valid integer (got 14.5)",
        ),
        (
            {"kind": "per_unit", "unit_price": 1400, "typical_units": {"min": 40, "max": 20}},
            "price.typical_units: max 20 is below min 40",
        ),
        (
            {"kind": "flat", "amount": 100},
            "price.kind: must be one of 'fixed', 'per_unit', 'per_syringe' (got 'flat')",
        ),
        ({"amount": 100}, "price.kind: is required"),
        ({"kind": "fixed"}, "price.amount: is required"),
    ],
)
def test_bad_price(price: Doc, reason: str) -> None:
    found = problems(lambda d: service(d, "botox").update(price=price))

    assert found == [f"glow.yaml: services[1].{reason}"]


@pytest.mark.parametrize(
    ("deposit", "reason"),
    [
        ({"kind": "percent", "percent": 120}, "deposit.percent: must be less than or equal to 100"),
        ({"kind": "fixed", "amount": -5}, "deposit.amount: must be greater than 0 (got -5)"),
        (
            {"kind": "fixed", "amount": 500, "refund": "maybe"},
            "deposit.refund: must be 'refundable', 'non_refundable' or 'credit' (got 'maybe')",
        ),
    ],
)
def test_bad_deposit(deposit: Doc, reason: str) -> None:
    found = problems(lambda d: service(d, "botox").update(deposit=deposit))

    assert len(found) == 1
    assert found[0].startswith(f"glow.yaml: services[1].{reason}")


def test_negative_no_show_fee() -> None:
    found = problems(lambda d: d["policies"].update(no_show_fee=-100))

    assert found == [
        "glow.yaml: policies.no_show_fee: must be greater than or equal to 0 (got -100)"
    ]


def test_shift_that_ends_before_it_starts() -> None:
    found = problems(
        lambda d: provider(d, "alex-kim")["shifts"].update(
            saturday={"start": "15:00", "end": "09:00"}
        )
    )

    assert found == [
        "glow.yaml: providers[4].shifts.saturday: shift must end after it starts (15:00-09:00)"
    ]


def test_break_outside_its_shift_and_overlapping_breaks() -> None:
    shift = {
        "start": "09:00",
        "end": "15:00",
        "breaks": ["12:00-12:30", "12:15-12:45", "16:00-16:30"],
    }

    found = problems(lambda d: provider(d, "alex-kim")["shifts"].update(saturday=shift))

    assert found == [
        "glow.yaml: providers[4].shifts.saturday.breaks[2]: break 16:00-16:30 is outside the "
        "shift 09:00-15:00",
        "glow.yaml: providers[4].shifts.saturday.breaks[1]: 12:15-12:45 overlaps 12:00-12:30",
    ]


@pytest.mark.parametrize(
    ("monday", "reason"),
    [
        (["9am-5pm"], "hours.monday[0]: '9am-5pm' is not a time range like '09:00-19:00'"),
        (["19:00-09:00"], "hours.monday[0]: 19:00-09:00 must end after it starts"),
        (["09:00-13:00", "12:00-18:00"], "hours.monday[1]: 12:00-18:00 overlaps 09:00-13:00"),
    ],
)
def test_bad_opening_hours(monday: list[str], reason: str) -> None:
    found = problems(lambda d: d["hours"].update(monday=monday))

    assert found == [f"glow.yaml: {reason}"]


def test_closure_that_ends_before_it_starts() -> None:
    found = problems(
        lambda d: d["closures"][1].update(end=d["closures"][1]["start"].replace(day=1))
    )

    assert found == ["glow.yaml: closures[1]: end 2026-12-01 is before start 2026-12-24"]


def test_unknown_credential_and_misspelt_field() -> None:
    def mistakes(doc: Doc) -> None:
        provider(doc, "sofia-ramirez")["credential"] = "DNP"
        doc["policies"]["quiet_hour"] = {"start": "22:00"}

    found = problems(mistakes)

    assert found == [
        "glow.yaml: providers[1].credential: must be 'NP', 'RN', 'PA', 'MD', 'esthetician' or "
        "'laser_technician' (got 'DNP')",
        "glow.yaml: policies.quiet_hour: is not a known setting (check the spelling)",
    ]


def test_ids_must_be_subject_safe_slugs() -> None:
    found = problems(lambda d: d.update(id="lumen.aesthetics"))

    assert found == [
        "glow.yaml: id: 'lumen.aesthetics' must be 2 to 41 lower-case letters, digits or "
        "hyphens, not starting with a hyphen"
    ]


def test_greeting_must_disclose_the_automated_assistant() -> None:
    found = problems(lambda d: d.update(greeting="Hi, this is Jessica at Lumen!"))

    assert found == [
        "glow.yaml: greeting: must tell the caller they are talking to an automated assistant"
    ]


def test_missing_required_fields() -> None:
    found = problems(lambda d: [d.pop("greeting"), d["services"][0].pop("credentials")])

    assert found == [
        "glow.yaml: greeting: is required",
        "glow.yaml: services[0].credentials: is required",
    ]


def test_every_field_problem_in_a_file_is_reported_at_once() -> None:
    def many(doc: Doc) -> None:
        doc["timezone"] = "Nowhere/Town"
        doc["front_desk_phone"] = "+1 555"
        doc["services"][2]["duration_minutes"] = -5
        doc["services"][3]["aftercare"]["schedule"][0]["channel"] = "email"

    found = problems(many)

    assert [p.split(": ")[1] for p in found] == [
        "timezone",
        "front_desk_phone",
        "services[2].duration_minutes",
        "services[3].aftercare.schedule[0].channel",
    ]


def test_problems_carry_the_line_in_the_file() -> None:
    text = (
        (FIXTURES / "glow.yaml").read_text().replace("duration_minutes: 50", "duration_minutes: 0")
    )

    with pytest.raises(SpaConfigError) as caught:
        parse_spa(text, source="glow.yaml")

    (problem,) = caught.value.problems
    line = text.splitlines().index("    duration_minutes: 0") + 1
    assert (problem.file, problem.path, problem.line) == (
        "glow.yaml",
        "services[2].duration_minutes",
        line,
    )
    assert str(problem) == (
        f"glow.yaml: services[2].duration_minutes: must be greater than 0 (got 0) (line {line})"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The parser's own wording differs between libyaml and pure Python; the place does not.
        ("id: glow\nname: [Glow\n", "glow.yaml: line 3: "),
        ("id: glow\n  name: Glow\n", "glow.yaml: line 2: mapping values are not allowed"),
        ("id: glow\nname: Glow\nid: other\n", "glow.yaml: line 3: duplicate key 'id'"),
        ("", "glow.yaml: is empty"),
        ("- glow\n", "glow.yaml: must be a mapping of spa settings"),
    ],
)
def test_yaml_problems_name_the_file_and_line(text: str, expected: str) -> None:
    with pytest.raises(SpaConfigError) as caught:
        parse_spa(text, source="glow.yaml")

    assert str(caught.value).startswith(expected)
