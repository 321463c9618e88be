"""The few lines printed once the stack is up: where everything listens, what to text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from devstack.infra.urls import PgUrl
from devstack.services import Service


def banner_lines(
    services: Sequence[Service],
    env: Mapping[str, str],
    *,
    nats_url: str,
    database_url: str,
    spa_number: str,
    how_to: Sequence[str],
) -> list[str]:
    width = max((len(s.name) for s in services), default=0)
    width = max(width, len("PostgreSQL"))
    role_width = max((len(s.role) for s in services), default=0)
    lines = ["The front desk is up."]
    for service in services:
        where = [f"{p.label} 127.0.0.1:{p.resolve(env)}" for p in service.extra_ports]
        url = service.base_url(env)
        where.insert(0, url if service.http.label == "http" else f"{service.http.label} {url}")
        lines.append(f"  {service.name:<{width}}  {service.role:<{role_width}}  {', '.join(where)}")
    lines.append(f"  {'NATS':<{width}}  {'':<{role_width}}  {nats_url}")
    database = PgUrl.parse(database_url).masked()
    lines.append(f"  {'PostgreSQL':<{width}}  {'':<{role_width}}  {database}")
    lines.append(f"The demo spa's number is {spa_number}.")
    lines.extend(how_to)
    return lines
