"""When a failed Twilio request may be tried again, and how long to wait first."""

from __future__ import annotations

from enum import StrEnum


class Failure(StrEnum):
    RETRY = "retry"  # Twilio did not take it (429, 5xx, no connection): send again later
    AMBIGUOUS = "ambiguous"  # it may have been taken (the answer timed out): look before resending
    FINAL = "final"  # refused for good (a bad number, an unsubscribed recipient)


def of_status(http_status: int) -> Failure:
    if http_status == 429 or http_status >= 500:
        return Failure.RETRY
    return Failure.FINAL


def backoff_seconds(attempt: int, *, base: float, cap: float, jitter: float) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random (jitter in [0, 1)).

    Attempt 1 waits about `base`, each next one twice as long, never more than `cap`; the
    random half keeps many senders that failed together from retrying together.
    """
    if attempt < 1:
        raise ValueError("attempts count from 1")
    if not 0 <= jitter < 1:
        raise ValueError("jitter must be in [0, 1)")
    ceiling = min(cap, base * 2.0 ** (attempt - 1))
    return ceiling / 2 + ceiling / 2 * jitter
