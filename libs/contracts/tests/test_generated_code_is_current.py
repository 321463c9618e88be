"""The committed contract code must be exactly what `make proto` generates."""

import filecmp
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
COMMITTED = REPO / "libs" / "contracts" / "src" / "medspa"


def _files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_generated_code_matches_protos(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "genproto.py"), str(tmp_path)], check=True
    )
    fresh = tmp_path / "medspa"
    assert _files(fresh) == _files(COMMITTED), "files differ: run `make proto` and commit"
    stale = [
        name
        for name in sorted(_files(fresh))
        if not filecmp.cmp(fresh / name, COMMITTED / name, shallow=False)
    ]
    assert not stale, f"generated code is stale, run `make proto`: {stale}"


def test_every_event_message_is_importable() -> None:
    from medspa.events.v1 import booking_pb2, telephony_pb2

    assert booking_pb2.BookingHeld.DESCRIPTOR.full_name == "medspa.events.v1.BookingHeld"
    assert telephony_pb2.SmsReceived.DESCRIPTOR.full_name == "medspa.events.v1.SmsReceived"
