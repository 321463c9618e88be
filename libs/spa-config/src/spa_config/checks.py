"""Checks that span several parts of one spa: ids that must exist, services someone can do."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .errors import Loc
from .menu import Category

if TYPE_CHECKING:
    from .spa import SpaConfig

Found = list[tuple[Loc, str]]


def reference_problems(spa: SpaConfig) -> Found:
    return [
        *_duplicate_ids(spa),
        *_duplicate_numbers(spa),
        *_provider_services(spa),
        *_service_resources(spa),
        *_unstaffed_services(spa),
        *_package_services(spa),
        *_consults(spa),
    ]


def _duplicate_ids(spa: SpaConfig) -> Found:
    found: Found = []
    groups: dict[str, Iterable[str]] = {
        "providers": (p.id for p in spa.providers),
        "resources": (r.id for r in spa.resources),
        "services": (s.id for s in spa.services),
        "packages": (p.id for p in spa.packages),
        "memberships": (m.id for m in spa.memberships),
    }
    for field, ids in groups.items():
        first: dict[str, int] = {}
        for i, id_ in enumerate(ids):
            if id_ in first:
                found.append(
                    ((field, i, "id"), f"{id_!r} is already used by {field}[{first[id_]}]")
                )
            first.setdefault(id_, i)
    return found


def _duplicate_numbers(spa: SpaConfig) -> Found:
    seen: set[str] = set()
    found: Found = []
    for i, number in enumerate(spa.phone_numbers):
        if number in seen:
            found.append((("phone_numbers", i), f"{number} is listed twice"))
        seen.add(number)
    return found


def _provider_services(spa: SpaConfig) -> Found:
    services = {s.id: s for s in spa.services}
    found: Found = []
    for i, provider in enumerate(spa.providers):
        for j, service_id in enumerate(provider.services):
            loc: Loc = ("providers", i, "services", j)
            service = services.get(service_id)
            if service is None:
                found.append((loc, f"unknown service {service_id!r}"))
            elif provider.credential not in service.credentials:
                # Scope of practice: listing someone for a treatment their licence does not
                # cover is a mistake to fix, not something to quietly ignore.
                allowed = ", ".join(service.credentials)
                found.append(
                    (
                        loc,
                        f"{service_id!r} needs one of {allowed}; {provider.id!r} is "
                        f"{provider.credential}",
                    )
                )
    return found


def _service_resources(spa: SpaConfig) -> Found:
    known = {r.id for r in spa.resources}
    return [
        (("services", i, "resources", j), f"unknown resource {resource_id!r}")
        for i, service in enumerate(spa.services)
        for j, need in enumerate(service.resources)
        for resource_id in need.any_of
        if resource_id not in known
    ]


def _unstaffed_services(spa: SpaConfig) -> Found:
    return [
        (
            ("services", i),
            f"no provider lists {service.id!r} and holds one of its credentials "
            f"({', '.join(service.credentials)})",
        )
        for i, service in enumerate(spa.services)
        if not spa.providers_for(service.id)
    ]


def _package_services(spa: SpaConfig) -> Found:
    known = {s.id for s in spa.services}
    return [
        (("packages", i, "items", j, "service"), f"unknown service {item.service!r}")
        for i, package in enumerate(spa.packages)
        for j, item in enumerate(package.items)
        if item.service not in known
    ]


def _consults(spa: SpaConfig) -> Found:
    if any(s.category is Category.CONSULT for s in spa.services):
        return []
    return [
        (("services", i, "consult_required_for_new"), "no consult service to book first")
        for i, service in enumerate(spa.services)
        if service.consult_required_for_new
    ]
