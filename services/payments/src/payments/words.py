"""What payments says to a patient, from its catalog, in the spa's locale and time zone.

The cancellation terms are rendered from the spa's configuration, and their
version is a digest of the exact words, so the dispute record can show which
text a patient saw.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from medspa_kit.catalog import Catalog
from payments.domain.money import Money
from payments.domain.policy import Terms


@cache
def _catalog(locale: str) -> Catalog:
    return Catalog.load("payments", locale)


def policy_version(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


class Words:
    def __init__(self, locale: str, tz: ZoneInfo) -> None:
        self._catalog = _catalog(locale)
        self._tz = tz

    def say(self, key: str, **values: object) -> str:
        return self._catalog.say(key, **values)

    def keys(self) -> set[str]:
        return self._catalog.keys()

    def when(self, instant: datetime) -> str:
        return instant.astimezone(self._tz).strftime(self.say("format.when"))

    def time(self, instant: datetime) -> str:
        return instant.astimezone(self._tz).strftime(self.say("format.time"))

    def policy(self, terms: Terms, amount: Money) -> str:
        return self.say(
            f"policy.{terms.refund.value}", window=terms.window_hours, amount=amount.display()
        )
