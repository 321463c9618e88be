"""The composition root: build the adapters around the flow, wire them, start.

`build` takes the two seams tests replace (the calendar and the clock); all
else is real: PostgreSQL, NATS, and the provider chosen by the settings.
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import ValidationError

from medspa_kit.db import create_pool
from medspa_kit.runtime import Runtime, Wire, main_entry, run_service
from payments import api, handlers, pages, webhooks
from payments.adapters import stripe_provider
from payments.adapters.calendar_grpc import GrpcCalendar
from payments.adapters.clock import SystemClock
from payments.adapters.events import DepositEvents
from payments.adapters.sandbox import SandboxProvider
from payments.adapters.stripe_provider import StripeProvider
from payments.bound import Binding, Bound
from payments.flow.evidence import PolicyEvidence
from payments.flow.expiry import ExpirySweeper
from payments.flow.outcomes import BookingOutcomes
from payments.flow.refunds import RefundRetries
from payments.flow.request import DUE_CHANNEL, DepositRequests
from payments.flow.settle import Settlements
from payments.flow.transitions import JOBS_CHANNEL, Transitions
from payments.flow.waking import Waker, run_loop
from payments.flow.worker import JobWorker
from payments.metrics import TALLY_CHANNEL, Tally
from payments.ports import Calendar, Clock, PaymentProvider
from payments.settings import PaymentsSettings

NAME = "payments"


def _secret(value: object) -> str | None:
    return value.get_secret_value() if value is not None else None  # type: ignore[attr-defined]


def build(
    settings: PaymentsSettings, *, calendar: Calendar | None = None, clock: Clock | None = None
) -> tuple[FastAPI, Wire]:
    binding = Binding()
    app = FastAPI(title=NAME)
    app.include_router(webhooks.router(binding))
    app.include_router(pages.router(binding))
    app.include_router(api.router(binding))

    async def wire(runtime: Runtime) -> None:
        now = clock or SystemClock()
        pool = runtime.pool
        provider, sandbox = await _provider(settings, runtime)
        events = DepositEvents(settings.bus_namespace, runtime.spas, runtime.cipher)
        tally = Tally()
        transitions = Transitions(events, now, tally)
        evidence = PolicyEvidence(runtime.cipher)
        settlements = Settlements(pool, transitions, provider, now)
        handlers.register(
            runtime.consumer,
            DepositRequests(transitions, events, provider, now),
            BookingOutcomes(transitions, events),
            evidence,
            RefundRetries(transitions),
        )
        if calendar is None:
            grpc_calendar = GrpcCalendar(settings.calendar_target, settings.calendar_deadline_s)
            runtime.closers.append(grpc_calendar.close)
        worker = JobWorker(
            pool, transitions, provider, calendar or grpc_calendar, evidence, events, now
        )
        sweeper = ExpirySweeper(pool, transitions, now)
        # The worker's listening connection also hears committed transitions, for the metrics.
        runtime.tasks.append(
            run_loop(
                "job worker",
                pool,
                JOBS_CHANNEL,
                Waker(),
                runtime.stop,
                worker.drain,
                now,
                settings.idle_s,
                also={TALLY_CHANNEL: tally.heard},
            )
        )
        runtime.tasks.append(
            run_loop(
                "expiry sweeper",
                pool,
                DUE_CHANNEL,
                Waker(),
                runtime.stop,
                sweeper.sweep,
                now,
                settings.idle_s,
            )
        )
        binding.bind(
            Bound(
                pool=pool,
                events=events,
                settlements=settlements,
                transitions=transitions,
                evidence=evidence,
                sandbox=sandbox,
                webhook_secret=_secret(settings.stripe_webhook_secret)
                if settings.provider == "stripe"
                else None,
                webhook_tolerance_s=settings.stripe_webhook_tolerance_s,
                internal_token=_secret(settings.internal_token),
            )
        )

    return app, wire


async def _provider(
    settings: PaymentsSettings, runtime: Runtime
) -> tuple[PaymentProvider, SandboxProvider | None]:
    if settings.provider == "stripe":
        key = _secret(settings.stripe_secret_key)
        assert key is not None, "settings refuse stripe without its keys"
        made, http = stripe_provider.client(
            key, settings.stripe_api_base, settings.stripe_timeout_s
        )
        runtime.closers.append(http.close_async)
        return StripeProvider(made, settings.public_url), None
    # The sandbox stands where Stripe would, so it has connections of its own: the
    # flow calls it while holding a connection of the service's pool, and calls into
    # one pool from inside it could wait on each other until none is left.
    sandbox_pool = await create_pool(
        settings.database_url,
        NAME,
        timeout_s=settings.startup_timeout_s,
        max_size=5,
        application_name=f"{NAME}-sandbox",
    )
    runtime.closers.append(sandbox_pool.close)
    sandbox = SandboxProvider(sandbox_pool, settings.public_url)
    return sandbox, sandbox


async def serve(settings: PaymentsSettings) -> None:
    app, wire = build(settings)
    await run_service(NAME, settings, wire, port=settings.port, host=settings.host, app=app)


def main() -> None:
    try:
        settings = PaymentsSettings()
    except ValidationError as exc:
        raise SystemExit(f"startup failed: {exc}") from None
    main_entry(lambda: serve(settings))
