"""One segment a second per sender number, with segments held for their length."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from telephony.domain.pacing import reserve

T0 = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


def test_an_idle_sender_sends_now_and_is_held_for_its_segments() -> None:
    slot = reserve(None, T0, segments=3, segments_per_second=1.0)
    assert (slot.send_at, slot.next_free_at) == (T0, T0 + seconds(3))


def test_a_burst_is_spread_one_segment_a_second() -> None:
    next_free = None
    starts = []
    for segments in (1, 2, 1, 1):
        slot = reserve(next_free, T0, segments, 1.0)
        starts.append(slot.send_at)
        next_free = slot.next_free_at
    assert starts == [T0, T0 + seconds(1), T0 + seconds(3), T0 + seconds(4)]


def test_idle_time_is_not_saved_up_for_a_burst() -> None:
    slot = reserve(T0 - seconds(60), T0, 1, 1.0)
    assert slot.send_at == T0


def test_the_rate_is_configurable() -> None:
    slot = reserve(T0, T0, 10, segments_per_second=10.0)
    assert slot.next_free_at == T0 + seconds(1)
    slow = reserve(None, T0, 1, segments_per_second=0.5)
    assert slow.next_free_at == T0 + seconds(2)


@pytest.mark.parametrize(("segments", "rate"), [(0, 1.0), (1, 0.0), (1, -1.0)])
def test_nonsense_is_refused(segments: int, rate: float) -> None:
    with pytest.raises(ValueError):
        reserve(None, T0, segments, rate)
