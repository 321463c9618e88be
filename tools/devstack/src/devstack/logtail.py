"""The last lines of a log file, read from its end so old runs' output costs nothing."""

from __future__ import annotations

import os
from pathlib import Path

_CHUNK = 16384


def tail_lines(path: Path, count: int) -> list[str]:
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - _CHUNK))
            data = file.read()
    except FileNotFoundError:
        return []
    lines = data.decode(errors="replace").splitlines()
    return lines[-count:] if count > 0 else []
