"""One patient turn: understand it, consult the calendar, compose the reply.

The decision is made from plain values (the domain); this module does the
calendar I/O around it. Every word comes from the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.domain.intents import Intent, MenuItem, understand
from agent.domain.speech import spoken_list, spoken_time
from agent.ports import Calendar, CalendarUnavailable, MenuService, OfferedSlot
from medspa_kit.catalog import Catalog
from spa_config import SpaConfig

MENU_NAMES_IN_GREETING = 4


@dataclass(frozen=True)
class Reply:
    text: str
    intent: Intent
    service_id: str | None
    offered: tuple[OfferedSlot, ...] = ()


class TurnTaker:
    def __init__(
        self, calendar: Calendar, catalog: Catalog, *, offer: int, search_days: int
    ) -> None:
        self._calendar = calendar
        self._catalog = catalog
        self._offer = offer
        self._search_days = search_days

    async def take(self, spa: SpaConfig, text: str, now: datetime) -> Reply:
        say = self._catalog.say
        try:
            menu = await self._calendar.services(spa.id)
            understood = understand(text, [MenuItem(s.id, s.name, s.aliases) for s in menu])
            if understood.intent is Intent.BOOK and understood.service_id:
                return await self._offer_slots(spa, menu, understood.service_id, now)
            return await self._greet(spa, menu, understood.intent, now)
        except CalendarUnavailable:
            return Reply(say("calendar_unavailable"), Intent.UNKNOWN, None)

    async def _greet(
        self, spa: SpaConfig, menu: list[MenuService], intent: Intent, now: datetime
    ) -> Reply:
        say = self._catalog.say
        bookable = [s for s in menu if s.category != "consult"] or menu
        parts = [say("greeting", greeting=spa.greeting)]
        if bookable:
            names = [s.name for s in bookable[:MENU_NAMES_IN_GREETING]]
            parts.append(say("menu", services=spoken_list(names)))
            first = bookable[0]
            slots = await self._calendar.find_slots(
                spa.id, first.id, now, now + timedelta(days=self._search_days), 1
            )
            if slots:
                parts.append(
                    say(
                        "next_opening",
                        service=first.name,
                        when=spoken_time(slots[0].start, spa.tz, now),
                        provider=slots[0].provider_name,
                    )
                )
        parts.append(say("ask_what"))
        return Reply(" ".join(parts), intent, None)

    async def _offer_slots(
        self, spa: SpaConfig, menu: list[MenuService], service_id: str, now: datetime
    ) -> Reply:
        say = self._catalog.say
        service = next(s for s in menu if s.id == service_id)
        slots = await self._calendar.find_slots(
            spa.id, service_id, now, now + timedelta(days=self._search_days), self._offer
        )
        if not slots:
            text = say("no_openings", service=service.name, days=self._search_days)
            return Reply(text, Intent.BOOK, service_id)
        lines = [say("offer_intro", service=service.name)]
        lines += [
            say(
                "offer_line",
                number=i,
                when=spoken_time(slot.start, spa.tz, now),
                provider=slot.provider_name,
            )
            for i, slot in enumerate(slots, start=1)
        ]
        lines.append(say("offer_ask"))
        return Reply("\n".join(lines), Intent.BOOK, service_id, tuple(slots))
