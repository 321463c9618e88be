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
        """The terms of a deposit of `amount`, with the no-show fee where it asks for more."""
        text = self.say(
            f"policy.{terms.refund.value}", window=terms.window_hours, amount=amount.display()
        )
        rest = terms.fee_beyond(amount)
        if terms.no_show_fee is not None and rest.positive:
            text += " " + self.say(
                "policy.fee_beyond_deposit",
                fee=terms.no_show_fee.display(),
                rest=rest.display(),
            )
        return text

    def card_policy(self, terms: Terms) -> str:
        """The terms of a card saved for the no-show fee, with no deposit."""
        assert terms.no_show_fee is not None, "a card is kept only for a fee"
        return self.say("policy.card", window=terms.window_hours, fee=terms.no_show_fee.display())
