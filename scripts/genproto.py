"""Generate the Python contract code from proto/ into libs/contracts/src/ (`make proto`).

Usage: python scripts/genproto.py [OUTPUT_ROOT]

The output root defaults to libs/contracts/src. The drift test generates into a
temporary folder and compares, so what is committed is always what this makes.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

REPO = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO / "proto"
DEFAULT_OUT = REPO / "libs" / "contracts" / "src"
# Files with services get gRPC stubs; the rest are messages only.
SERVICE_PROTOS = {"medspa/calendar/v1/calendar.proto"}


def generate(out_root: Path) -> list[Path]:
    protos = sorted(p.relative_to(PROTO_ROOT).as_posix() for p in PROTO_ROOT.rglob("*.proto"))
    well_known = str(resources.files("grpc_tools") / "_proto")
    for proto in protos:
        args = [
            "grpc_tools.protoc",
            f"-I{PROTO_ROOT}",
            f"-I{well_known}",
            f"--python_out={out_root}",
            f"--pyi_out={out_root}",
        ]
        if proto in SERVICE_PROTOS:
            args.append(f"--grpc_python_out={out_root}")
        if protoc.main([*args, proto]) != 0:
            raise SystemExit(f"protoc failed on {proto}")
    # Packages need __init__.py so type checkers and wheel builds see them.
    packages = {(out_root / p).parent for p in protos}
    for package in sorted(packages):
        current = package
        while current != out_root:
            (current / "__init__.py").touch()
            current = current.parent
    return sorted(out_root.joinpath("medspa").rglob("*.py*"))


def main() -> None:
    out_root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    out_root.mkdir(parents=True, exist_ok=True)
    written = generate(out_root)
    print(f"generated {len(written)} files under {out_root}")


if __name__ == "__main__":
    main()
