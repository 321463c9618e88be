"""Lockout after repeated failed passwords: decided here, stored by the account store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockoutPolicy:
    threshold: int
    minutes: int

    def is_locked(self, locked_until: datetime | None, now: datetime) -> bool:
        return locked_until is not None and locked_until > now

    def after_failure(self, failures_before: int, now: datetime) -> tuple[int, datetime | None]:
        """The new failure count, and until when the account is locked (None: not locked).

        The count restarts after a lock so the next window gets the full threshold again.
        """
        failures = failures_before + 1
        if failures >= self.threshold:
            return 0, now + timedelta(minutes=self.minutes)
        return failures, None
