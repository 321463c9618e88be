"""What the spa sells beyond single visits, and what it tells callers who ask."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from .fields import Keyword, Model, Money, Slug, Text


class PackageItem(Model):
    service: Slug
    quantity: int = Field(default=1, ge=1)


class Package(Model):
    """Several visits sold together at one price."""

    id: Slug
    name: Text
    description: str = ""
    items: tuple[PackageItem, ...] = Field(min_length=1)
    price: Money


class MembershipPeriod(StrEnum):
    MONTH = "month"
    YEAR = "year"


class Membership(Model):
    """A recurring plan: `price` is charged every `period`."""

    id: Slug
    name: Text
    description: str = ""
    perks: tuple[Text, ...] = Field(min_length=1)
    price: Money
    period: MembershipPeriod = MembershipPeriod.MONTH


class FaqEntry(Model):
    question: Text
    answer: Text
    keywords: tuple[Keyword, ...] = ()
