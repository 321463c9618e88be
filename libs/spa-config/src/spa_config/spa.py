"""One spa's whole configuration, checked as a unit, with the lookups its users need."""

from __future__ import annotations

import re
from datetime import date
from typing import Self
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from .checks import reference_problems
from .errors import ConfigProblems, UnknownId
from .fields import E164, Currency, Locale, Model, Slug, Text, Timezone, Url
from .menu import Service
from .offers import FaqEntry, Membership, Package
from .policies import Policies
from .schedule import Closure, TimeRange, WeeklyHours
from .staff import EscalationContact, Provider, Resource

# Callers must be told they are talking to software (California's bot disclosure law, and
# plain honesty), so a greeting that never says so is refused.
_DISCLOSURE = re.compile(r"\b(automated|virtual|ai|bot|automatizad[oa])\b", re.IGNORECASE)


class Address(Model):
    line1: Text
    line2: str = ""
    city: Text
    region: Text
    postal_code: Text
    country: str = Field(default="US", pattern=r"^[A-Z]{2}$")

    def one_line(self) -> str:
        street = f"{self.line1}, {self.line2}" if self.line2 else self.line1
        return f"{street}, {self.city}, {self.region} {self.postal_code}"


class SpaConfig(Model):
    id: Slug
    name: Text
    timezone: Timezone
    locale: Locale = "en-US"
    currency: Currency = "USD"
    phone_numbers: tuple[E164, ...] = Field(min_length=1)
    front_desk_phone: E164
    address: Address
    website: Url | None = None
    greeting: Text
    hours: WeeklyHours
    closures: tuple[Closure, ...] = ()
    providers: tuple[Provider, ...] = Field(min_length=1)
    resources: tuple[Resource, ...] = ()
    services: tuple[Service, ...] = Field(min_length=1)
    policies: Policies = Policies()
    faq: tuple[FaqEntry, ...] = ()
    packages: tuple[Package, ...] = ()
    memberships: tuple[Membership, ...] = ()
    escalation_contacts: tuple[EscalationContact, ...] = Field(min_length=1)

    @field_validator("greeting")
    @classmethod
    def _discloses_automation(cls, greeting: str) -> str:
        if not _DISCLOSURE.search(greeting):
            raise ValueError("must tell the caller they are talking to an automated assistant")
        return greeting

    @model_validator(mode="after")
    def _references(self) -> Self:
        problems = reference_problems(self)
        if problems:
            raise ConfigProblems(problems)
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def service(self, service_id: str) -> Service:
        for service in self.services:
            if service.id == service_id:
                return service
        raise UnknownId("service", service_id)

    def provider(self, provider_id: str) -> Provider:
        for provider in self.providers:
            if provider.id == provider_id:
                return provider
        raise UnknownId("provider", provider_id)

    def resource(self, resource_id: str) -> Resource:
        for resource in self.resources:
            if resource.id == resource_id:
                return resource
        raise UnknownId("resource", resource_id)

    def providers_for(self, service_id: str) -> list[Provider]:
        """Providers who list the service and hold a credential it allows, in file order."""
        service = self.service(service_id)
        return [
            p
            for p in self.providers
            if service_id in p.services and p.credential in service.credentials
        ]

    def is_closed(self, day: date) -> bool:
        """Whether a closure covers this calendar day (in the spa's own time zone)."""
        return any(closure.covers(day) for closure in self.closures)

    def open_ranges(self, day: date) -> tuple[TimeRange, ...]:
        """The spa's open intervals on this calendar day, none on a closure."""
        return () if self.is_closed(day) else self.hours.on(day)
