"""A per-caller token bucket against floods (a script texting or dialling the spa nonstop).

Each key starts with `burst` tokens and earns `per_second` back; a request spends one. State is
per process: a flood is throttled on every replica it reaches, which is the point, and a
restart forgives everyone, which is harmless. Idle full buckets are forgotten so memory stays
bounded by the callers active in the last few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float


class FloodGuard:
    def __init__(self, *, burst: int, per_second: float, max_keys: int = 50_000) -> None:
        if burst < 1 or per_second <= 0:
            raise ValueError("a flood guard needs a burst of at least 1 and a positive rate")
        self._burst = float(burst)
        self._rate = per_second
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def allow(self, key: str, now: float) -> bool:
        """Spend a token for `key` at monotonic time `now`; False when none is left."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.at) * self._rate)
        bucket.at = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _forget_idle(self, now: float) -> None:
        refill_s = self._burst / self._rate
        idle = [k for k, b in self._buckets.items() if now - b.at >= refill_s]
        for key in idle:
            del self._buckets[key]
        if len(self._buckets) >= self._max_keys:
            # Everyone is active: drop the longest idle half rather than grow without bound.
            by_age = sorted(self._buckets, key=lambda k: self._buckets[k].at)
            for key in by_age[: len(by_age) // 2]:
                del self._buckets[key]
