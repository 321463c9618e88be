"""What the HTTP routes need, bound once the runtime is wired.

Routes exist from the start (so /healthz answers while dependencies come up);
until `wire` binds these, the payment routes answer 503.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from fastapi import HTTPException

from payments.adapters.events import DepositEvents
from payments.adapters.sandbox import SandboxProvider
from payments.flow.evidence import PolicyEvidence
from payments.flow.settle import Settlements
from payments.flow.transitions import Transitions


@dataclass(frozen=True)
class Bound:
    pool: asyncpg.Pool
    events: DepositEvents
    settlements: Settlements
    transitions: Transitions
    evidence: PolicyEvidence
    # Set when the sandbox is the provider: it serves the hosted payment page.
    sandbox: SandboxProvider | None
    # Set when Stripe is the provider: its webhook signing secret.
    webhook_secret: str | None
    webhook_tolerance_s: int
    # Bearer token of the internal staff API; None switches that API off.
    internal_token: str | None


class Binding:
    def __init__(self) -> None:
        self._bound: Bound | None = None

    def bind(self, bound: Bound) -> None:
        self._bound = bound

    def get(self) -> Bound:
        if self._bound is None:
            raise HTTPException(503, "starting")
        return self._bound
