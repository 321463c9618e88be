"""The seams between the deposit flow and the world.

A payment provider (Stripe, the embedded sandbox) is one interface: a link to
pay (or to save a card), what became of it, expiring it, refunding it, charging
a saved card. Every call that changes something carries an idempotency key, so a
retry after a timeout or a crash is the same call, never a second charge or refund.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from payments.domain.money import Money


class ProviderUnavailable(Exception):
    """The provider could not be reached or failed; the same call may be retried."""


class ProviderRefused(Exception):
    """The provider refused the request as made; retrying it unchanged will not help."""


class LinkPurpose(StrEnum):
    PAY = "pay"  # charge `amount`
    PAY_AND_KEEP_CARD = "pay_and_keep_card"  # charge it, and keep the card for a later fee
    SAVE_CARD = "save_card"  # charge nothing; keep a card for a fee of `amount`


@dataclass(frozen=True, slots=True)
class LinkRequest:
    deposit_id: str
    spa_id: str
    appointment_id: str
    amount: Money
    # What the patient is paying for, as the provider's page names it: the spa and
    # the time, no patient data and no treatment.
    description: str
    # The cancellation terms shown beside the pay button, word for word.
    policy_text: str
    expires_at: datetime
    idempotency_key: str
    purpose: LinkPurpose = LinkPurpose.PAY


@dataclass(frozen=True, slots=True)
class Link:
    ref: str
    url: str


class LinkStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    DECLINED = "declined"
    EXPIRED = "expired"
    SAVED = "saved"  # a card was saved, nothing charged


@dataclass(frozen=True, slots=True)
class LinkState:
    status: LinkStatus
    payment_ref: str = ""
    amount: Money | None = None
    # Set when the link kept a card: what to charge it through later.
    card_ref: str = ""
    customer_ref: str = ""


@dataclass(frozen=True, slots=True)
class RefundResult:
    ref: str
    # The provider refused it at once (a failure can also come later, by webhook).
    failed: bool = False
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    """The no-show fee, charged to a saved card with nobody present."""

    deposit_id: str
    spa_id: str
    appointment_id: str
    card_ref: str
    customer_ref: str
    amount: Money
    # What the charge is, as the card statement and the provider's records name it.
    description: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class ChargeResult:
    ref: str
    charged: bool
    # Why the card refused it (the provider's decline code), when it did.
    reason: str = ""


class PaymentProvider(Protocol):
    name: str

    async def create_link(self, request: LinkRequest) -> Link: ...

    async def lookup(self, link_ref: str) -> LinkState: ...

    async def expire_link(self, link_ref: str, idempotency_key: str) -> LinkState:
        """Close the link; answers its state after, which is PAID if the patient got there first."""
        ...

    async def refund(
        self, deposit_id: str, payment_ref: str, amount: Money, idempotency_key: str
    ) -> RefundResult:
        """Refund `amount` of the payment; answers the provider's refund."""
        ...

    async def charge_saved_card(self, request: ChargeRequest) -> ChargeResult:
        """Charge a saved card off-session. A card that refuses is an answer
        (charged=False), not an error: asking again with the same key gets the same
        refusal, and a new attempt is a decision for staff, never a retry."""
        ...


class CalendarUnavailable(Exception):
    """The calendar did not answer; ask again later."""


class SlotGone(Exception):
    """The calendar refused to hold the slot again; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HoldStatus(StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"
    # Expired, cancelled, completed, a no-show, or unknown: the slot is not this patient's.
    GONE = "gone"
    RELEASED = "released"


@dataclass(frozen=True, slots=True)
class HoldAgain:
    spa_id: str
    request_id: str
    service_id: str
    provider_id: str
    start: datetime
    patient_phone: str
    conversation_id: str


class Calendar(Protocol):
    async def status(self, spa_id: str, appointment_id: str) -> HoldStatus: ...

    async def hold(self, request: HoldAgain) -> str:
        """Hold the slot; answers the appointment id. Raises SlotGone or CalendarUnavailable."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC."""
        ...
