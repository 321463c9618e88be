"""Outreach's composition root: build the adapters, wire handlers and the runner, start.

`build` takes the seams tests replace (the calendar and contacts, and the clock); all
else is real: PostgreSQL, NATS, the catalog, the rules.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from pydantic import ValidationError

from medspa_kit.catalog import Catalog
from medspa_kit.runtime import Runtime, Wire, main_entry, run_service
from outreach import api
from outreach.adapters.calendar_grpc import GrpcCalendar
from outreach.adapters.clock import SystemClock
from outreach.dispatch import Dispatcher
from outreach.domain.offers import Waves
from outreach.domain.planning import Timing
from outreach.domain.rules import Limits
from outreach.handlers import Handlers
from outreach.ports import Calendar, Clock, Contacts
from outreach.runner import JobRunner
from outreach.settings import OutreachSettings
from outreach.work.context import Policy

NAME = "outreach"


def policy_from(settings: OutreachSettings) -> Policy:
    return Policy(
        timing=Timing(
            reminder_hours=settings.reminder_hours,
            reminder_min_after_booking=timedelta(
                minutes=settings.reminder_min_after_booking_minutes
            ),
            aftercare_same_day_delay=timedelta(minutes=settings.aftercare_delay_minutes),
            send_at=settings.send_at,
            missed_call_call_delay=timedelta(seconds=settings.missed_call_call_delay_s),
        ),
        waves=Waves(
            size=settings.waitlist_wave_size,
            gap=timedelta(minutes=settings.waitlist_wave_minutes),
            max_recipients=settings.waitlist_max_recipients,
        ),
        offer_hold_minutes=settings.offer_hold_minutes,
        offer_min_notice=timedelta(minutes=settings.offer_min_notice_minutes),
        recall_search=timedelta(days=settings.recall_search_days),
        recall_slots=settings.recall_slots,
        attribution_window=timedelta(days=settings.attribution_window_days),
    )


def limits_from(settings: OutreachSettings) -> Limits:
    return Limits(
        patient_cap=settings.patient_cap,
        patient_window=timedelta(hours=settings.patient_cap_window_hours),
        number_daily_cap=settings.number_daily_cap,
        response_texts_in_quiet_hours=settings.response_texts_in_quiet_hours,
    )


def build(
    settings: OutreachSettings,
    *,
    calendar: Calendar | None = None,
    contacts: Contacts | None = None,
    clock: Clock | None = None,
) -> tuple[FastAPI, Wire]:
    binding = api.Binding()
    app = FastAPI(title=NAME)
    app.include_router(api.router(binding))

    async def wire(runtime: Runtime) -> None:
        now = clock or SystemClock()
        policy = policy_from(settings)
        if calendar is None or contacts is None:
            grpc_calendar = GrpcCalendar(settings.calendar_target, settings.calendar_deadline_s)
            runtime.closers.append(grpc_calendar.close)
        dispatcher = Dispatcher(
            runtime.spas,
            contacts or grpc_calendar,
            calendar or grpc_calendar,
            runtime.cipher,
            Catalog.load(NAME),
            policy,
            limits_from(settings),
            settings.bus_namespace,
        )
        Handlers(
            runtime.spas,
            runtime.cipher,
            now,
            policy.timing,
            missed_call_cooldown=timedelta(minutes=settings.missed_call_cooldown_minutes),
        ).register(runtime.consumer)
        runner = JobRunner(
            runtime.pool,
            dispatcher,
            runtime.cipher,
            now,
            batch_size=settings.batch_size,
            idle_s=settings.idle_s,
        )
        runtime.tasks.append(runner.run(runtime.stop))
        runtime.tasks.append(runner.sample(runtime.stop))
        binding.pool = runtime.pool
        binding.token = (
            settings.internal_token.get_secret_value() if settings.internal_token else None
        )

    return app, wire


async def serve(settings: OutreachSettings) -> None:
    app, wire = build(settings)
    await run_service(NAME, settings, wire, port=settings.port, host=settings.host, app=app)


def main() -> None:
    try:
        settings = OutreachSettings()
    except ValidationError as exc:
        raise SystemExit(f"startup failed: {exc}") from None
    main_entry(lambda: serve(settings))
