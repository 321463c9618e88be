"""The people and the rooms and devices a booking ties up."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from .fields import E164, Email, Model, Slug, Text
from .schedule import TimeOff, WeeklyShifts


class Credential(StrEnum):
    """A provider's licence; a service lists the ones allowed to perform it."""

    NP = "NP"
    RN = "RN"
    PA = "PA"
    MD = "MD"
    ESTHETICIAN = "esthetician"
    LASER_TECHNICIAN = "laser_technician"


class Provider(Model):
    id: Slug
    name: Text
    credential: Credential
    services: tuple[Slug, ...]
    shifts: WeeklyShifts
    time_off: tuple[TimeOff, ...] = ()

    def is_off(self, day: date) -> bool:
        return any(leave.covers(day) for leave in self.time_off)


class ResourceKind(StrEnum):
    ROOM = "room"
    DEVICE = "device"


class Resource(Model):
    """A room or device that only one appointment can use at a time."""

    id: Slug
    name: Text
    kind: ResourceKind


class EscalationContact(Model):
    """Staff the assistant hands a conversation to."""

    name: Text
    role: Text
    phone: E164
    email: Email | None = None
    warm_transfer: bool = False
