"""The treatment menu: what each service is, costs, needs and asks of the patient after."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from .fields import Keyword, Model, Slug, Text
from .pricing import Deposit, NoDeposit, Price
from .staff import Credential


class Category(StrEnum):
    NEUROTOXIN = "neurotoxin"
    FILLER = "filler"
    LASER = "laser"
    FACIAL = "facial"
    SKIN = "skin"
    CONSULT = "consult"
    BODY = "body"
    WELLNESS = "wellness"
    OTHER = "other"


class ResourceNeed(Model):
    """One room or device a booking must hold: any one of `any_of`.

    Written as a resource id ("laser-room") or a list of interchangeable ids
    (["treatment-1", "treatment-2"]).
    """

    any_of: tuple[Slug, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _from_ids(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"any_of": (data,)}
        if isinstance(data, list | tuple):
            return {"any_of": data}
        return data


class AftercareChannel(StrEnum):
    SMS = "sms"
    CALL = "call"


class AftercareKind(StrEnum):
    INSTRUCTIONS = "instructions"
    CHECK_IN = "check_in"


class AftercareStep(Model):
    """A touch after the visit: `day` 0 is the day of the appointment."""

    day: int = Field(ge=0, le=400)
    channel: AftercareChannel
    kind: AftercareKind


class Aftercare(Model):
    instructions: str = ""
    schedule: tuple[AftercareStep, ...] = ()


class Service(Model):
    id: Slug
    name: Text
    category: Category
    aliases: tuple[Keyword, ...] = ()
    description: str = ""
    duration_minutes: int = Field(gt=0, le=12 * 60)
    buffer_before_minutes: int = Field(default=0, ge=0, le=240)
    buffer_after_minutes: int = Field(default=0, ge=0, le=240)
    price: Price
    credentials: tuple[Credential, ...] = Field(min_length=1)
    resources: tuple[ResourceNeed, ...] = ()
    deposit: Deposit = NoDeposit()
    consult_required_for_new: bool = False
    intake_required: bool = False
    lead_time_hours: int = Field(default=2, ge=0)
    horizon_days: int = Field(default=90, ge=1, le=730)
    slot_step_minutes: int = Field(default=15, ge=5, le=240)
    recall_interval_days: int | None = Field(default=None, ge=1)
    series_sessions: int | None = Field(default=None, ge=2)
    aftercare: Aftercare = Aftercare()

    @property
    def blocked_minutes(self) -> int:
        """How long the provider and resources are tied up: buffers plus the treatment."""
        return self.buffer_before_minutes + self.duration_minutes + self.buffer_after_minutes

    def deposit_for(self, *, new_patient: bool) -> int:
        """The deposit to collect when booking, in minor units.

        A percentage is taken of the low end of the price estimate, times the number of
        sessions when the service is sold as a series (the deposit secures the whole series).
        """
        base = self.price.estimate()[0] * (self.series_sessions or 1)
        return self.deposit.amount_for(base, new_patient=new_patient)
