"""The spa's `policies.missed_call_callback` decides what a missed call gets: nothing, a
text, or a text and a call; a choice changed after the call was planned is kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from outreach_world import SPA, World, drop_world, la, make_world, spa_with

from medspa.events.v1 import telephony_pb2
from spa_config import MissedCallCallback

pytestmark = pytest.mark.integration
CALLER = "+14155550177"


@pytest.fixture
async def calling(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    """A spa that texts and calls back."""
    made = await make_world(
        database_url,
        tmp_path_factory.getbasetemp(),
        start=la(2, 10),
        spas=spa_with(missed_call_callback=MissedCallCallback.TEXT_AND_CALL),
    )
    try:
        yield made
    finally:
        await drop_world(made)


def missed(world: World, call_sid: str = "CA1") -> telephony_pb2.CallMissed:
    event = telephony_pb2.CallMissed(
        spa_id=SPA.id, call_sid=call_sid, from_phone=world.seal(CALLER), reason="unanswered"
    )
    event.missed_at.FromDatetime(world.clock.now())
    return event


async def a_minute_after_a_missed_call(world: World) -> list[str]:
    await world.event(missed(world))
    await world.run()
    await world.at(world.clock.now() + timedelta(minutes=1))
    return [s.name for s in await world.sent(CALLER)]


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        (MissedCallCallback.OFF, []),
        (MissedCallCallback.TEXT, ["message.send"]),
        (MissedCallCallback.TEXT_AND_CALL, ["message.send", "call.place"]),
    ],
)
async def test_the_spa_chooses_what_a_missed_call_gets(
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    choice: MissedCallCallback,
    sent: list[str],
) -> None:
    world = await make_world(
        database_url,
        tmp_path_factory.getbasetemp(),
        start=la(2, 10),
        spas=spa_with(missed_call_callback=choice),
    )
    try:
        assert await a_minute_after_a_missed_call(world) == sent
        if choice is MissedCallCallback.OFF:
            # Off is the spa's choice, not a skip: no job, nothing said.
            assert await world.jobs() == []
            assert await world.outbox() == []
    finally:
        await drop_world(world)


async def test_the_demo_spa_texts_back_without_calling(world: World) -> None:
    assert SPA.policies.missed_call_callback is MissedCallCallback.TEXT
    assert await a_minute_after_a_missed_call(world) == ["message.send"]


async def test_turned_off_after_the_call_was_planned_nothing_goes(calling: World) -> None:
    await calling.event(missed(calling))
    # The owner switches callbacks off (a new configuration, a restart) before they run.
    calling.spas = spa_with(missed_call_callback=MissedCallCallback.OFF)
    await calling.run()
    await calling.at(calling.clock.now() + timedelta(minutes=1))
    assert await calling.sent(CALLER) == []
    skipped = await calling.said("outreach.skipped")
    assert sorted((s.kind, s.reason) for s in skipped) == [
        ("missed_call_call", "callback_off"),
        ("missed_call_text", "callback_off"),
    ]


async def test_down_to_text_only_the_planned_call_is_not_placed(calling: World) -> None:
    await calling.event(missed(calling))
    calling.spas = spa_with(missed_call_callback=MissedCallCallback.TEXT)
    await calling.run()
    await calling.at(calling.clock.now() + timedelta(minutes=1))
    assert [s.name for s in await calling.sent(CALLER)] == ["message.send"]
    [skipped] = await calling.said("outreach.skipped")
    assert (skipped.kind, skipped.reason) == ("missed_call_call", "callback_off")
