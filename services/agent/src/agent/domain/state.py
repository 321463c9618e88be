"""Where a conversation stands, as plain values that survive a restart.

The whole state is stored encrypted (it holds the name the patient gave and
their intake answers); this module only says what it is and how it reads back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from agent.domain.intake import Intake
from agent.domain.when import TimeWish


class Stage(StrEnum):
    START = "start"
    CLARIFY = "clarify"  # asked which treatment
    INTAKE = "intake"  # asking the injectables intake
    WHEN = "when"  # asked when they would like to come
    OFFERED = "offered"  # slots offered, waiting for a pick
    NAME = "name"  # asked for their name
    CONFIRM = "confirm"  # policy and deposit read, waiting for a yes
    HELD = "held"  # slot held, deposit link on its way
    BOOKED = "booked"
    CANCEL_CONFIRM = "cancel_confirm"  # policy read, waiting for a yes to cancel
    WITH_STAFF = "with_staff"


@dataclass(frozen=True)
class Offer:
    service_id: str
    provider_id: str
    provider_name: str
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        return f"{self.service_id}|{self.provider_id}|{int(self.start.timestamp())}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Offer:
        return cls(
            raw["service_id"],
            raw["provider_id"],
            raw["provider_name"],
            datetime.fromisoformat(raw["start"]),
            datetime.fromisoformat(raw["end"]),
        )


@dataclass
class Booking:
    appointment_id: str
    service_id: str
    service_name: str
    provider_id: str
    provider_name: str
    start: datetime
    status: str  # held, confirmed, cancelled, expired
    deposit_minor: int = 0
    hold_expires_at: datetime | None = None
    confirmation_sent: bool = False

    def to_dict(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["start"] = self.start.isoformat()
        raw["hold_expires_at"] = self.hold_expires_at.isoformat() if self.hold_expires_at else None
        return raw

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Booking:
        expires = raw.get("hold_expires_at")
        return cls(
            **{
                **raw,
                "start": datetime.fromisoformat(raw["start"]),
                "hold_expires_at": datetime.fromisoformat(expires) if expires else None,
            }
        )


@dataclass
class Handoff:
    handoff_id: str
    reason: str
    priority: str
    at: datetime
    # The staff member who claimed it in the console, once one has.
    claimed_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Handoff:
        return cls(**{**raw, "at": datetime.fromisoformat(raw["at"])})


@dataclass
class PolicyTold:
    text: str
    at: datetime
    channel: str
    message_ref: str

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> PolicyTold:
        return cls(**{**raw, "at": datetime.fromisoformat(raw["at"])})


@dataclass
class Outreach:
    """What outreach sent the patient and what an answer to it means (`outreach.sent`)."""

    job_id: str
    kind: str
    # confirm_or_reschedule, accept, choose_slot, check_in
    expects: str
    sent_at: datetime
    offer_id: str = ""
    choices: int = 0
    appointment_id: str = ""
    service_id: str = ""
    # Not yet read against a text: the patient's next text is taken as the answer first.
    fresh: bool = True
    # ACCEPT or CHOOSE said: outreach is holding the slot, and its booking joins this thread.
    accepted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "sent_at": self.sent_at.isoformat()}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Outreach:
        return cls(**{**raw, "sent_at": datetime.fromisoformat(raw["sent_at"])})


@dataclass
class CardLink:
    """Payments' link to save a card for the no-show fee, waiting for a calm moment to be
    texted (never right after a question the agent is waiting on)."""

    deposit_id: str
    appointment_id: str
    text: str
    expires_at: datetime | None = None
    kept_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        raw = asdict(self)
        for name in ("expires_at", "kept_at"):
            moment = raw[name]
            raw[name] = moment.isoformat() if moment else None
        return raw

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CardLink:
        moments = {
            name: datetime.fromisoformat(raw[name]) if raw.get(name) else None
            for name in ("expires_at", "kept_at")
        }
        return cls(**{**raw, **moments})


# Stages with no question of the conversation's own waiting for an answer.
CALM = frozenset({Stage.START, Stage.BOOKED, Stage.HELD})


@dataclass
class State:
    stage: Stage = Stage.START
    # "book" or "reschedule": what the offered slots are for.
    mode: str = "book"
    service_id: str | None = None
    # The treatment wanted when a consultation has to come first.
    wanted_service_id: str | None = None
    also_wants: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    clarified: bool = False
    wish: TimeWish = field(default_factory=TimeWish)
    offers: list[Offer] = field(default_factory=list)
    offered_at: datetime | None = None
    chosen: Offer | None = None
    provider_id: str | None = None  # a provider the patient or the policy asked for
    name: str | None = None
    intake: Intake = field(default_factory=Intake)
    flags: list[str] = field(default_factory=list)
    # The flags were sent where the spa's policy says (a consultation, or staff).
    flags_routed: bool = False
    intake_reported: bool = False
    booking: Booking | None = None
    changing_appointment_id: str | None = None
    patient_id: str | None = None
    handoff: Handoff | None = None
    paused: bool = False
    policy_told: PolicyTold | None = None
    # A yes/no or a name the last reply asked for outside the booking stages:
    # "price" (which treatment?), "consult" (book the free consultation?), "rebook".
    awaiting: str | None = None
    silences: int = 0
    turns_in: int = 0
    unclear_turns: int = 0
    # The channel of the latest turn: "sms" or "voice".
    channel: str = "sms"
    # What the LLM brain has seen: the caller's words and the replies, newest last.
    llm_history: list[dict[str, str]] = field(default_factory=list)
    # The latest thing the spa sent on its own that asks for an answer (a reminder, an offer).
    outreach: Outreach | None = None
    # A card-on-file link not yet texted, and the deposits whose link was (never twice).
    card_link: CardLink | None = None
    card_links_sent: list[str] = field(default_factory=list)
    # The link was texted during a call: the next spoken reply says so.
    card_link_to_mention: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage.value,
            "mode": self.mode,
            "service_id": self.service_id,
            "wanted_service_id": self.wanted_service_id,
            "also_wants": self.also_wants,
            "candidates": self.candidates,
            "clarified": self.clarified,
            "wish": self.wish.to_dict(),
            "offers": [o.to_dict() for o in self.offers],
            "offered_at": self.offered_at.isoformat() if self.offered_at else None,
            "chosen": self.chosen.to_dict() if self.chosen else None,
            "provider_id": self.provider_id,
            "name": self.name,
            "intake": self.intake.to_dict(),
            "flags": self.flags,
            "flags_routed": self.flags_routed,
            "intake_reported": self.intake_reported,
            "booking": self.booking.to_dict() if self.booking else None,
            "changing_appointment_id": self.changing_appointment_id,
            "patient_id": self.patient_id,
            "handoff": self.handoff.to_dict() if self.handoff else None,
            "paused": self.paused,
            "policy_told": self.policy_told.to_dict() if self.policy_told else None,
            "awaiting": self.awaiting,
            "silences": self.silences,
            "turns_in": self.turns_in,
            "unclear_turns": self.unclear_turns,
            "channel": self.channel,
            "llm_history": self.llm_history,
            "outreach": self.outreach.to_dict() if self.outreach else None,
            "card_link": self.card_link.to_dict() if self.card_link else None,
            "card_links_sent": self.card_links_sent,
            "card_link_to_mention": self.card_link_to_mention,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> State:
        if not raw:
            return cls()
        offered_at = raw.get("offered_at")
        return cls(
            stage=Stage(raw.get("stage", Stage.START)),
            mode=raw.get("mode", "book"),
            service_id=raw.get("service_id"),
            wanted_service_id=raw.get("wanted_service_id"),
            also_wants=list(raw.get("also_wants", ())),
            candidates=list(raw.get("candidates", ())),
            clarified=bool(raw.get("clarified")),
            wish=TimeWish.from_dict(raw.get("wish")),
            offers=[Offer.from_dict(o) for o in raw.get("offers", ())],
            offered_at=datetime.fromisoformat(offered_at) if offered_at else None,
            chosen=Offer.from_dict(raw["chosen"]) if raw.get("chosen") else None,
            provider_id=raw.get("provider_id"),
            name=raw.get("name"),
            intake=Intake.from_dict(raw.get("intake")),
            flags=list(raw.get("flags", ())),
            flags_routed=bool(raw.get("flags_routed")),
            intake_reported=bool(raw.get("intake_reported")),
            booking=Booking.from_dict(raw["booking"]) if raw.get("booking") else None,
            changing_appointment_id=raw.get("changing_appointment_id"),
            patient_id=raw.get("patient_id"),
            handoff=Handoff.from_dict(raw["handoff"]) if raw.get("handoff") else None,
            paused=bool(raw.get("paused")),
            policy_told=PolicyTold.from_dict(raw["policy_told"])
            if raw.get("policy_told")
            else None,
            awaiting=raw.get("awaiting"),
            silences=int(raw.get("silences", 0)),
            turns_in=int(raw.get("turns_in", 0)),
            unclear_turns=int(raw.get("unclear_turns", 0)),
            channel=raw.get("channel", "sms"),
            llm_history=list(raw.get("llm_history", ())),
            outreach=Outreach.from_dict(raw["outreach"]) if raw.get("outreach") else None,
            card_link=CardLink.from_dict(raw["card_link"]) if raw.get("card_link") else None,
            card_links_sent=list(raw.get("card_links_sent", ())),
            card_link_to_mention=bool(raw.get("card_link_to_mention")),
        )

    @property
    def with_staff(self) -> bool:
        """Staff have this conversation: the agent stays quiet until they hand it back."""
        return self.handoff is not None or self.paused

    @property
    def settled(self) -> bool:
        """Nothing asked and unanswered, and the agent answering: a text of the spa's own
        (a link) can go now without landing between a question and its answer."""
        fresh_outreach = self.outreach is not None and self.outreach.fresh
        return (
            self.awaiting is None
            and self.stage in CALM
            and not self.with_staff
            and not fresh_outreach
        )

    def card_link_stale(self, now: datetime) -> bool:
        """The kept card link is past its expiry, or its booking was let go (payments closes
        the link then)."""
        link, mine = self.card_link, self.booking
        if link is None:
            return True
        let_go = (
            mine is not None
            and mine.appointment_id == link.appointment_id
            and mine.status in ("cancelled", "expired")
        )
        return let_go or (link.expires_at is not None and link.expires_at <= now)

    def reset_booking_flow(self) -> None:
        """Forget a booking in progress (not a booking already made)."""
        self.stage = Stage.START
        self.mode = "book"
        self.service_id = self.wanted_service_id = None
        self.candidates, self.offers, self.also_wants = [], [], []
        self.clarified = False
        self.wish = TimeWish()
        self.offered_at = self.chosen = None
        self.provider_id = None
        self.changing_appointment_id = None
        self.policy_told = None
        self.awaiting = None
