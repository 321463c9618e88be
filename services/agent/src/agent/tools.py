"""The tools both brains use: an allow-list over the calendar and the spa's answers.

The rules that keep a booking honest live here, not in a brain, so an LLM
cannot talk its way around them: only a slot offered in this conversation can
be held; every hold and confirm carries a request id derived from the turn, so
a redelivered turn repeats the same call instead of booking twice; under
`shadow` autonomy nothing on the calendar changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from agent.domain import offers as offer_rules
from agent.domain.speech import Channel
from agent.domain.state import Booking, Offer, Stage, State
from agent.domain.when import TimeWish
from agent.ports import (
    Appointment,
    Calendar,
    CalendarRefused,
    CalendarUnavailable,
    ConsentRequest,
    HoldRequest,
    MenuService,
    SlotSearch,
    SlotUnavailable,
)
from spa_config import SpaConfig


@dataclass(frozen=True)
class TurnContext:
    """Who and when: everything a turn knows besides the conversation's state."""

    spa: SpaConfig
    conversation_id: str
    phone: str
    now: datetime
    channel: Channel
    # Seeds request ids: the inbound event id, or the call sid and turn number.
    turn_ref: str
    # What the carrier calls the message or call (MessageSid, CallSid).
    message_ref: str
    returning: bool = False
    dry_run: bool = False


class HoldStatus(StrEnum):
    HELD = "held"
    TAKEN = "taken"
    CONSULT_FIRST = "consult_required"
    NOT_OFFERED = "not_offered"
    REFUSED = "refused"
    NOT_SENT = "not_sent"  # shadow autonomy: staff approve first


@dataclass(frozen=True)
class HoldOutcome:
    status: HoldStatus
    booking: Booking | None = None
    alternatives: tuple[Offer, ...] = ()
    reason: str = ""


class ConsentState(StrEnum):
    RECORDED = "recorded"
    PENDING = "pending"  # the scheduler did not take it yet: retried until it does
    REFUSED = "refused"  # the scheduler never will (it does not know the patient)


@dataclass(frozen=True)
class ConsentNote:
    """A patient's yes or no to marketing texts, and whether the scheduler has it yet."""

    request: ConsentRequest
    state: ConsentState


@dataclass(frozen=True)
class Found:
    offers: tuple[Offer, ...]
    # False when nothing matched the wish exactly and these are the nearest.
    exact: bool


class Toolbox:
    def __init__(
        self,
        calendar: Calendar,
        ctx: TurnContext,
        state: State,
        *,
        offer_count: int,
        search_days: int,
    ) -> None:
        self.calendar = calendar
        self.ctx = ctx
        self.state = state
        self.offer_count = offer_count
        self.search_days = search_days
        self._menu: list[MenuService] | None = None

    async def menu(self) -> list[MenuService]:
        if self._menu is None:
            self._menu = await self.calendar.services(self.ctx.spa.id)
        return self._menu

    async def service(self, service_id: str) -> MenuService | None:
        return next((s for s in await self.menu() if s.id == service_id), None)

    async def find(self, service_id: str, wish: TimeWish, provider_id: str = "") -> Found:
        """Search the calendar for the wish (relaxing it when full) and remember the offers."""
        spa = self.ctx.spa
        for plan in offer_rules.searches(wish, self.ctx.now, spa.tz, self.search_days):
            if plan.end <= plan.start:
                continue
            found = await self.calendar.find_slots(
                spa.id,
                SlotSearch(
                    service_id=service_id,
                    start=plan.start,
                    end=plan.end,
                    days_of_week=plan.weekdays,
                    parts_of_day=plan.parts,
                    near=plan.near,
                    provider_id=provider_id,
                    limit=offer_rules.CANDIDATES,
                    spread_across_days=True,
                ),
            )
            picked = offer_rules.pick(found, plan.wish, spa.tz, self.offer_count)
            if picked:
                self.remember(picked)
                return Found(tuple(picked), plan.exact)
        self.state.offers = []
        return Found((), False)

    def remember(self, offers: list[Offer]) -> None:
        self.state.offers = list(offers)
        self.state.offered_at = self.ctx.now
        self.state.stage = Stage.OFFERED

    def request_id(self, action: str, key: str) -> str:
        return f"{action}:{self.ctx.conversation_id}:{self.ctx.turn_ref}:{key}"

    async def hold(self, offer: Offer) -> HoldOutcome:
        if offer.key not in {o.key for o in self.state.offers}:
            return HoldOutcome(HoldStatus.NOT_OFFERED)
        if self.ctx.dry_run:
            return HoldOutcome(HoldStatus.NOT_SENT)
        request = HoldRequest(
            spa_id=self.ctx.spa.id,
            request_id=self.request_id("hold", offer.key),
            offer=offer,
            phone=self.ctx.phone,
            name=self.state.name or "",
            conversation_id=self.ctx.conversation_id,
        )
        try:
            appt = await self.calendar.hold(request)
        except SlotUnavailable as taken:
            alternatives = offer_rules.pick(
                taken.alternatives, TimeWish(), self.ctx.spa.tz, self.offer_count
            )
            if alternatives:
                self.remember(alternatives)
            status = (
                HoldStatus.CONSULT_FIRST if taken.reason == "consult_required" else HoldStatus.TAKEN
            )
            return HoldOutcome(status, alternatives=tuple(alternatives), reason=taken.reason)
        except CalendarRefused as refused:
            return HoldOutcome(HoldStatus.REFUSED, reason=refused.reason)
        booking = booking_of(appt)
        self.state.booking = booking
        self.state.patient_id = appt.patient_id or self.state.patient_id
        return HoldOutcome(HoldStatus.HELD, booking=booking)

    async def confirm(self) -> Booking | None:
        booking = self.state.booking
        if booking is None or booking.status != "held" or self.ctx.dry_run:
            return None
        appt = await self.calendar.confirm(
            self.ctx.spa.id,
            booking.appointment_id,
            self.request_id("confirm", booking.appointment_id),
        )
        self.state.booking = booking_of(appt, confirmation_sent=booking.confirmation_sent)
        return self.state.booking

    async def upcoming(self) -> list[Appointment] | None:
        """The patient's held and confirmed visits ahead; None when we do not know them."""
        if not self.state.patient_id:
            return None
        found = await self.calendar.appointments(
            self.ctx.spa.id, self.state.patient_id, self.ctx.now
        )
        return [a for a in found if a.start > self.ctx.now]

    async def cancel(self, appointment_id: str, reason: str) -> Appointment | None:
        if self.ctx.dry_run:
            return None
        return await self.calendar.cancel(
            self.ctx.spa.id,
            appointment_id,
            self.request_id("cancel", appointment_id),
            reason,
        )

    async def record_consent(self, granted: bool, wording_ref: str) -> ConsentNote:
        """The patient's answer to the marketing question, to the scheduler's record of it."""
        state = self.state
        request = ConsentRequest(
            spa_id=self.ctx.spa.id,
            request_id=self.request_id("consent", "marketing"),
            granted=granted,
            channel=self.ctx.channel.value,
            wording_ref=wording_ref,
            patient_id=state.patient_id or "",
            phone="" if state.patient_id else self.ctx.phone,
        )
        try:
            await self.calendar.set_marketing_consent(request)
        except CalendarUnavailable:
            return ConsentNote(request, ConsentState.PENDING)
        except CalendarRefused:
            return ConsentNote(request, ConsentState.REFUSED)
        return ConsentNote(request, ConsentState.RECORDED)


def booking_of(appt: Appointment, *, confirmation_sent: bool = False) -> Booking:
    return Booking(
        appointment_id=appt.id,
        service_id=appt.service_id,
        service_name=appt.service_name,
        provider_id=appt.provider_id,
        provider_name=appt.provider_name,
        start=appt.start,
        status=appt.status,
        deposit_minor=appt.deposit_minor,
        hold_expires_at=appt.hold_expires_at,
        confirmation_sent=confirmation_sent,
    )
