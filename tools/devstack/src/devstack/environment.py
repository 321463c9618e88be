"""The environment every service starts with: one NATS, one database, one Twilio.

Twilio is the local sandbox unless real credentials are set: a TWILIO_ACCOUNT_SID with no
TWILIO_API_BASE_URL means "talk to api.twilio.com", so the sandbox stays off.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from devstack.services import SERVICES, Service, service_named

SANDBOX_ACCOUNT_SID = "AC00000000000000000000000000000000"
SANDBOX_AUTH_TOKEN = "sandbox-auth-token"  # noqa: S105 - the sandbox's well-known dev token


def real_twilio(env: Mapping[str, str]) -> bool:
    return bool(env.get("TWILIO_ACCOUNT_SID")) and not env.get("TWILIO_API_BASE_URL")


def enabled_services(env: Mapping[str, str]) -> tuple[Service, ...]:
    real = real_twilio(env)
    return tuple(s for s in SERVICES if not (real and s.twilio_sandbox))


def sandbox_url(env: Mapping[str, str]) -> str:
    return service_named("sandbox").base_url(env)


def service_env(
    base: Mapping[str, str], *, nats_url: str, database_url: str, field_key_file: Path
) -> dict[str, str]:
    """`base` (the caller's environment) plus what wires the services to each other.

    Anything already set in `base` wins, except the server URLs: those are where the servers
    really are, which a container may have moved.
    """
    env = dict(base)
    env["NATS_URL"] = nats_url
    env["DATABASE_URL"] = database_url
    env.setdefault("FIELD_KEY_FILE", str(field_key_file))
    # Unbuffered, so each line reaches the prefixer when it is printed, not at exit.
    env["PYTHONUNBUFFERED"] = "1"
    for service in SERVICES:
        for port in service.ports:
            env.setdefault(port.var, str(port.default))
    # The peers' addresses follow their ports, so moving a port keeps the stack wired.
    telephony = service_named("telephony").base_url(env)
    env.setdefault("TELEPHONY_PUBLIC_URL", telephony)
    env.setdefault("SANDBOX_WEBHOOK_BASE", telephony)
    env.setdefault("SCHEDULER_GRPC_TARGET", f"127.0.0.1:{env['SCHEDULER_GRPC_PORT']}")
    if not real_twilio(base):
        env.setdefault("TWILIO_API_BASE_URL", sandbox_url(env))
        env.setdefault("TWILIO_ACCOUNT_SID", SANDBOX_ACCOUNT_SID)
        env.setdefault("TWILIO_AUTH_TOKEN", SANDBOX_AUTH_TOKEN)
    return env
