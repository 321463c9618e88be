"""Whether the spa was open at a moment, in its own zone (after-hours answers are the leak)."""

from __future__ import annotations

from datetime import datetime

from spa_config import SpaConfig


def is_open(spa: SpaConfig, at: datetime) -> bool:
    local = at.astimezone(spa.tz)
    return any(r.start <= local.time() < r.end for r in spa.open_ranges(local.date()))
