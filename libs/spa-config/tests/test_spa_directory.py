"""Finding a spa by id or by the number a patient called, and spas that clash."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from spa_config import SpaConfigError, SpaDirectory, UnknownSpa, load_spas, parse_spa

FIXTURES = Path(__file__).parent / "fixtures"
DEMO = resources.files("spa_config") / "demo" / "lumen-aesthetics.yaml"


@pytest.fixture(scope="module")
def two_spas() -> SpaDirectory:
    lumen = load_spas(None).get("lumen-aesthetics")
    glow = load_spas(FIXTURES / "glow.yaml").get("glow-med-spa")
    return SpaDirectory([lumen, glow])


@pytest.mark.parametrize(
    ("number", "spa_id"),
    [
        ("+14155550100", "lumen-aesthetics"),
        ("+1 415-555-0100", "lumen-aesthetics"),
        ("+1 (415) 555-0100", "lumen-aesthetics"),
        ("(415) 555-0100", "lumen-aesthetics"),
        ("415.555.0100", "lumen-aesthetics"),
        ("1-415-555-0100", "lumen-aesthetics"),
        ("+12125550142", "glow-med-spa"),
        ("+12125550143", "glow-med-spa"),
    ],
)
def test_by_number_normalises_the_number(two_spas: SpaDirectory, number: str, spa_id: str) -> None:
    spa = two_spas.by_number(number)

    assert spa is not None
    assert spa.id == spa_id


@pytest.mark.parametrize("number", ["+14155550199", "+442079460000", "", "not a number", "+1"])
def test_by_number_is_none_for_numbers_no_spa_owns(two_spas: SpaDirectory, number: str) -> None:
    assert two_spas.by_number(number) is None


def test_get_unknown_spa_raises_unknown_spa_not_key_error(two_spas: SpaDirectory) -> None:
    with pytest.raises(UnknownSpa) as caught:
        two_spas.get("nowhere")

    assert not isinstance(caught.value, KeyError)
    assert caught.value.spa_id == "nowhere"


def test_directory_iterates_in_order(two_spas: SpaDirectory) -> None:
    assert len(two_spas) == 2
    assert [s.id for s in two_spas] == ["lumen-aesthetics", "glow-med-spa"]
    assert two_spas.all() == list(two_spas)


def test_same_id_in_two_files_names_both_files(tmp_path: Path) -> None:
    shutil.copy(str(DEMO), tmp_path / "a.yaml")
    text = DEMO.read_text().replace('"+14155550100"', '"+14155550101"')
    (tmp_path / "b.yaml").write_text(text)

    with pytest.raises(SpaConfigError) as caught:
        load_spas(tmp_path)

    assert [str(p) for p in caught.value.problems] == [
        "b.yaml: id: 'lumen-aesthetics' is already the id of the spa in a.yaml"
    ]


def test_same_number_in_two_files_names_both_files(tmp_path: Path) -> None:
    shutil.copy(str(DEMO), tmp_path / "lumen.yaml")
    glow = (FIXTURES / "glow.yaml").read_text()
    (tmp_path / "glow.yaml").write_text(glow.replace('"+12125550143"', '"+1 415 555 0100"'))

    with pytest.raises(SpaConfigError) as caught:
        load_spas(tmp_path)

    assert [str(p) for p in caught.value.problems] == [
        "lumen.yaml: phone_numbers[0]: +14155550100 is already the number of the spa in glow.yaml"
    ]


def test_problems_in_several_files_are_reported_together(tmp_path: Path) -> None:
    shutil.copy(str(DEMO), tmp_path / "lumen.yaml")
    (tmp_path / "broken.yaml").write_text("id: [oops\n")
    glow = (FIXTURES / "glow.yaml").read_text()
    (tmp_path / "glow.yaml").write_text(glow.replace("America/New_York", "Mars/Olympus_Mons"))

    with pytest.raises(SpaConfigError) as caught:
        load_spas(tmp_path)

    assert [p.file for p in caught.value.problems] == ["broken.yaml", "glow.yaml"]


def test_in_memory_directory_rejects_duplicates() -> None:
    glow = parse_spa((FIXTURES / "glow.yaml").read_text())

    with pytest.raises(SpaConfigError, match="'glow-med-spa' is already the id"):
        SpaDirectory([glow, glow], sources=["first.yaml", "second.yaml"])
