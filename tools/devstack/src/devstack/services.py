"""Every process of the stack in one table: adding a service is adding one line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Port:
    var: str  # the environment variable the service reads it from
    default: int
    label: str = "http"  # "health" when the port serves only /healthz and /readyz

    def resolve(self, env: Mapping[str, str]) -> int:
        return int(env.get(self.var, self.default))


@dataclass(frozen=True)
class Service:
    name: str  # in log prefixes, log file names and `status`
    module: str  # run as `python -m <module>`
    http: Port  # serves GET /healthz and GET /readyz
    role: str  # one phrase for the banner
    extra_ports: tuple[Port, ...] = ()
    twilio_sandbox: bool = False  # off when real Twilio credentials are set

    @property
    def ports(self) -> tuple[Port, ...]:
        return (self.http, *self.extra_ports)

    def base_url(self, env: Mapping[str, str]) -> str:
        return f"http://127.0.0.1:{self.http.resolve(env)}"

    def ready_url(self, env: Mapping[str, str]) -> str:
        return f"{self.base_url(env)}/readyz"


# Start order: the sandbox first, so telephony's first outbound text has somewhere to go.
SERVICES: tuple[Service, ...] = (
    Service("sandbox", "twilio_sandbox", Port("SANDBOX_PORT", 8090), "Twilio stand-in", twilio_sandbox=True),
    Service("telephony", "telephony", Port("TELEPHONY_PORT", 8001), "Twilio webhooks"),
    Service("agent", "agent", Port("AGENT_PORT", 8002, "health"), "conversations"),
    Service("scheduler", "scheduler", Port("SCHEDULER_PORT", 8005, "health"), "calendar", (Port("SCHEDULER_GRPC_PORT", 50051, "gRPC"),)),
    Service("payments", "payments", Port("PAYMENTS_PORT", 8003), "deposits"),
    Service("outreach", "outreach", Port("OUTREACH_PORT", 8004, "health"), "reminders, follow-ups"),
    Service("console", "console", Port("CONSOLE_PORT", 8000), "staff console"),
)  # fmt: skip


def service_named(name: str) -> Service:
    for service in SERVICES:
        if service.name == name:
            return service
    raise KeyError(name)
