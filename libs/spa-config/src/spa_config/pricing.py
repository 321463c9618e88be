"""What a treatment costs and what deposit secures it, in integer minor units."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from .fields import Model, Money, Text


class CountRange(Model):
    """The usual quantity for one visit (units of toxin, syringes of filler)."""

    min: int = Field(ge=1)
    max: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max < self.min:
            raise ValueError(f"max {self.max} is below min {self.min}")
        return self


class FixedPrice(Model):
    kind: Literal["fixed"] = "fixed"
    amount: Money

    def estimate(self) -> tuple[int, int]:
        """The (low, high) total for one visit, in minor units."""
        return self.amount, self.amount


class PerUnitPrice(Model):
    kind: Literal["per_unit"] = "per_unit"
    unit_price: Money
    unit: Text = "unit"
    typical_units: CountRange

    def estimate(self) -> tuple[int, int]:
        return self.unit_price * self.typical_units.min, self.unit_price * self.typical_units.max


class PerSyringePrice(Model):
    kind: Literal["per_syringe"] = "per_syringe"
    syringe_price: Money
    typical_syringes: CountRange

    def estimate(self) -> tuple[int, int]:
        low, high = self.typical_syringes.min, self.typical_syringes.max
        return self.syringe_price * low, self.syringe_price * high


Price = Annotated[FixedPrice | PerUnitPrice | PerSyringePrice, Field(discriminator="kind")]


class DepositAppliesTo(StrEnum):
    NEW_PATIENTS = "new_patients"
    EVERYONE = "everyone"


class DepositRefund(StrEnum):
    """What a paid deposit becomes when the patient cancels in time.

    A cancellation inside the policy window, or a no-show, forfeits it whatever this says.
    """

    REFUNDABLE = "refundable"
    NON_REFUNDABLE = "non_refundable"
    CREDIT = "credit"


class NoDeposit(Model):
    kind: Literal["none"] = "none"

    def amount_for(self, base: int, *, new_patient: bool) -> int:
        return 0


class _Deposit(Model):
    applies_to: DepositAppliesTo = DepositAppliesTo.EVERYONE
    refund: DepositRefund = DepositRefund.REFUNDABLE

    def applies(self, *, new_patient: bool) -> bool:
        return new_patient or self.applies_to is DepositAppliesTo.EVERYONE


class FixedDeposit(_Deposit):
    kind: Literal["fixed"] = "fixed"
    amount: int = Field(strict=True, gt=0)

    def amount_for(self, base: int, *, new_patient: bool) -> int:
        """The deposit to collect; `base` (the booking's price) does not change a fixed one."""
        return self.amount if self.applies(new_patient=new_patient) else 0


class PercentDeposit(_Deposit):
    kind: Literal["percent"] = "percent"
    percent: int = Field(strict=True, gt=0, le=100)

    def amount_for(self, base: int, *, new_patient: bool) -> int:
        """`percent` of `base` minor units, rounded half up to a whole minor unit."""
        if not self.applies(new_patient=new_patient):
            return 0
        return (base * self.percent + 50) // 100


Deposit = Annotated[NoDeposit | FixedDeposit | PercentDeposit, Field(discriminator="kind")]
