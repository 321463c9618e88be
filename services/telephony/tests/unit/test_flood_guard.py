"""The per-caller token bucket: a burst is let through, a flood is not, and it refills."""

from __future__ import annotations

from telephony.domain.flood import FloodGuard


def test_a_burst_passes_then_the_flood_is_held_back() -> None:
    guard = FloodGuard(burst=3, per_second=0.5)
    assert [guard.allow("a", 0.0) for _ in range(5)] == [True, True, True, False, False]


def test_tokens_come_back_at_the_rate() -> None:
    guard = FloodGuard(burst=2, per_second=0.5)
    assert guard.allow("a", 0.0) and guard.allow("a", 0.0)
    assert not guard.allow("a", 1.0)
    assert guard.allow("a", 2.0)
    assert not guard.allow("a", 2.0)


def test_callers_are_counted_apart() -> None:
    guard = FloodGuard(burst=1, per_second=0.01)
    assert guard.allow("a", 0.0)
    assert not guard.allow("a", 0.0)
    assert guard.allow("b", 0.0)


def test_memory_stays_bounded_and_idle_callers_are_forgotten() -> None:
    guard = FloodGuard(burst=1, per_second=1.0, max_keys=10)
    for n in range(10):
        guard.allow(f"old-{n}", 0.0)
    for n in range(100):
        assert guard.allow(f"new-{n}", 100.0 + n)
    assert len(guard._buckets) <= 10
