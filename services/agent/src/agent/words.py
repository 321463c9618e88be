"""Every word the agent says, from the catalog, fitted to the channel.

A call uses the `voice.` variant of an entry when the catalog has one (no links,
no "reply 1, 2 or 3"); amounts are formatted as money for the channel.
"""

from __future__ import annotations

from typing import Any

from agent.domain.policy import Said
from agent.domain.speech import Channel, money
from medspa_kit.catalog import Catalog

MONEY = frozenset({"price", "deposit", "fee", "total_low", "total_high", "amount"})


class Words:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._keys = catalog.keys()

    def say(self, key: str, channel: Channel = Channel.SMS, **values: Any) -> str:
        voiced = f"voice.{key}"
        chosen = voiced if channel is Channel.VOICE and voiced in self._keys else key
        shaped = {
            k: money(v, channel) if k in MONEY and isinstance(v, int) else v
            for k, v in values.items()
        }
        return str(self.catalog.say(chosen, **shaped))

    def ref(self, key: str) -> str:
        """Which wording a patient answered, for the record: "agent.<key>@<locale>"."""
        if key not in self._keys:
            raise KeyError(key)
        return f"agent.{key}@{self.catalog.locale}"

    def render(self, said: Said, channel: Channel = Channel.SMS) -> str:
        return self.say(said.key, channel, **said.values)
