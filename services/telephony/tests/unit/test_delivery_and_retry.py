"""Status callbacks never move a message backwards; retries back off and know what is safe."""

from __future__ import annotations

import pytest

from telephony.domain.delivery import advances
from telephony.domain.retry import Failure, backoff_seconds, of_status


@pytest.mark.parametrize(
    ("current", "incoming", "applied"),
    [
        (None, "queued", True),
        ("queued", "sent", True),
        ("sent", "delivered", True),
        ("queued", "delivered", True),
        # Out of order: "sent" arriving after "delivered" is ignored.
        ("delivered", "sent", False),
        ("delivered", "queued", False),
        ("sent", "sent", False),
        ("sent", "failed", True),
        ("sent", "undelivered", True),
        # The first final status wins.
        ("undelivered", "delivered", False),
        ("delivered", "failed", False),
        ("delivered", "read", True),
        ("accepted", "queued", True),
        ("queued", "accepted", False),
        ("sent", "made-up-status", False),
    ],
)
def test_status_only_moves_forward(current: str | None, incoming: str, applied: bool) -> None:
    assert advances(current, incoming) is applied


def test_every_shuffle_of_callbacks_ends_on_the_final_status() -> None:
    from itertools import permutations

    for order in permutations(["queued", "sending", "sent", "delivered"]):
        status = None
        for incoming in order:
            if advances(status, incoming):
                status = incoming
        assert status == "delivered"


@pytest.mark.parametrize(
    ("http", "failure"),
    [
        (429, Failure.RETRY),
        (500, Failure.RETRY),
        (502, Failure.RETRY),
        (503, Failure.RETRY),
        (400, Failure.FINAL),
        (401, Failure.FINAL),
        (404, Failure.FINAL),
    ],
)
def test_which_statuses_are_retried(http: int, failure: Failure) -> None:
    assert of_status(http) is failure


def test_backoff_doubles_up_to_the_cap_with_equal_jitter() -> None:
    fixed = [backoff_seconds(n, base=0.5, cap=8, jitter=0.0) for n in range(1, 7)]
    assert fixed == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]
    most = [backoff_seconds(n, base=0.5, cap=8, jitter=0.999) for n in range(1, 7)]
    assert all(f <= m < 2 * f for f, m in zip(fixed, most, strict=True))


@pytest.mark.parametrize(("attempt", "jitter"), [(0, 0.5), (1, 1.0), (1, -0.1)])
def test_backoff_refuses_nonsense(attempt: int, jitter: float) -> None:
    with pytest.raises(ValueError):
        backoff_seconds(attempt, base=1, cap=2, jitter=jitter)
