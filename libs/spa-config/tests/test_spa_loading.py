"""Loading spa files: the embedded demo, one file, a folder of them."""

from __future__ import annotations

import shutil
from datetime import time
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from spa_config import (
    AgentAutonomy,
    Category,
    Credential,
    DepositRefund,
    PercentDeposit,
    PerSyringePrice,
    PerUnitPrice,
    ResourceKind,
    SpaConfigError,
    load_spas,
    parse_spa,
)

FIXTURES = Path(__file__).parent / "fixtures"
DEMO = resources.files("spa_config") / "demo" / "lumen-aesthetics.yaml"


def test_demo_spa_loads_when_no_path_is_given() -> None:
    spas = load_spas(None)

    assert len(spas) == 1
    spa = spas.get("lumen-aesthetics")
    assert spa.name == "Lumen Aesthetics"
    assert spa.tz == ZoneInfo("America/Los_Angeles")
    assert spa.phone_numbers == ("+14155550100",)
    assert spa.front_desk_phone == "+14155550199"
    assert spa.locale == "en-US"
    assert "automated assistant" in spa.greeting


def test_demo_spa_is_rich_enough_to_demo_every_service() -> None:
    spa = load_spas(None).get("lumen-aesthetics")

    assert {p.credential for p in spa.providers} >= {
        Credential.NP,
        Credential.RN,
        Credential.MD,
        Credential.ESTHETICIAN,
        Credential.LASER_TECHNICIAN,
    }
    assert len(spa.resources) >= 3
    assert {r.kind for r in spa.resources} == {ResourceKind.ROOM, ResourceKind.DEVICE}
    assert len(spa.services) >= 10
    assert {s.category for s in spa.services} >= {
        Category.NEUROTOXIN,
        Category.FILLER,
        Category.LASER,
        Category.FACIAL,
        Category.SKIN,
        Category.CONSULT,
    }
    assert spa.hours.sunday == ()
    assert all(getattr(spa.hours, day) for day in ("monday", "friday", "saturday"))
    assert len(spa.closures) >= 2
    assert len(spa.faq) >= 4
    assert spa.packages and spa.memberships
    assert len(spa.escalation_contacts) == 2
    assert spa.policies.agent_autonomy is AgentAutonomy.FULL


def test_demo_prices_deposits_and_recalls_are_realistic() -> None:
    spa = load_spas(None).get("lumen-aesthetics")

    botox = spa.service("botox")
    assert isinstance(botox.price, PerUnitPrice)
    assert (botox.price.unit_price, botox.price.unit) == (1400, "unit")
    assert botox.price.estimate() == (28000, 56000)
    assert botox.recall_interval_days == 84
    assert "forehead lines" in botox.aliases

    lips = spa.service("lip-filler")
    assert isinstance(lips.price, PerSyringePrice)
    assert lips.deposit_for(new_patient=False) == 5000
    assert lips.recall_interval_days == 270
    assert lips.consult_required_for_new and lips.intake_required

    laser = spa.service("laser-hair-removal")
    assert laser.series_sessions == 6
    assert isinstance(laser.deposit, PercentDeposit)
    assert laser.deposit.refund is DepositRefund.CREDIT
    assert laser.deposit_for(new_patient=True) == 24000  # 20% of 6 x $200

    assert spa.service("injectables-consult").price.estimate() == (0, 0)
    assert spa.service("lip-filler").aftercare.schedule


def test_loaded_models_are_frozen() -> None:
    spa = load_spas(None).get("lumen-aesthetics")

    with pytest.raises(ValidationError):
        spa.name = "Renamed"
    assert isinstance(spa.services, tuple)
    assert isinstance(spa.service("botox").aliases, tuple)


def test_a_single_file_loads() -> None:
    spas = load_spas(FIXTURES / "glow.yaml")

    assert [s.id for s in spas] == ["glow-med-spa"]
    # Written "+1 (212) 555-0142" in the file, stored as E.164.
    assert spas.get("glow-med-spa").phone_numbers == ("+12125550142", "+12125550143")


def test_a_folder_loads_every_yaml_and_yml_file_side_by_side(tmp_path: Path) -> None:
    shutil.copy(str(DEMO), tmp_path / "lumen.yaml")
    shutil.copy(FIXTURES / "glow.yaml", tmp_path / "glow.yml")
    (tmp_path / "notes.txt").write_text("not a spa")

    spas = load_spas(str(tmp_path))

    assert len(spas) == 2
    assert [s.id for s in spas.all()] == ["glow-med-spa", "lumen-aesthetics"]
    assert spas.get("glow-med-spa").tz == ZoneInfo("America/New_York")
    assert spas.get("lumen-aesthetics").tz == ZoneInfo("America/Los_Angeles")


def test_a_folder_without_spa_files_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SpaConfigError, match=r"has no \*\.yaml or \*\.yml files"):
        load_spas(tmp_path)


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SpaConfigError, match="does not exist"):
        load_spas(tmp_path / "nowhere.yaml")


def test_yaml_1_1_surprises_are_read_as_written() -> None:
    # Unquoted 19:00 is 1140 in YAML 1.1, and `no` is false: both stay text here.
    text = (FIXTURES / "glow.yaml").read_text()
    text = text.replace('wednesday: ["10:00-19:00"]', "wednesday: [10:00-19:00]")
    text = text.replace("aliases: [botox, forehead lines]", "aliases: [botox, no, on]")
    text = text.replace('{start: "10:00", end: "16:00"}', "{start: 10:00, end: 16:00}")

    spa = parse_spa(text)

    assert str(spa.hours.wednesday[0]) == "10:00-19:00"
    assert spa.service("botox").aliases == ("botox", "no", "on")
    shift = spa.provider("kim-nguyen").shifts.saturday
    assert shift is not None
    assert (shift.start, shift.end) == (time(10), time(16))
