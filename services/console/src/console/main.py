"""Console's composition root: build the stores, the web app and the calendar client; wire the
event subscriptions, the deadline sweeper and the live feed; bootstrap the first manager."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from console.actions import Actions
from console.adapters.calendar_grpc import GrpcCalendar
from console.adapters.conversations import ConversationStore
from console.adapters.facts import Facts
from console.adapters.inbox import InboxStore
from console.adapters.live import LiveHub
from console.adapters.money import MoneyIssues
from console.auth.accounts import Accounts
from console.auth.oidc import OidcClient, OidcConfig
from console.auth.passwords import Passwords
from console.auth.sessions import SessionPolicy, Sessions
from console.auth.tokens import Tokens
from console.domain.lockout import LockoutPolicy
from console.handlers import Handlers
from console.ports import Calendar
from console.settings import ConsoleSettings
from console.sweeper import DeadlineSweeper
from console.web.app import create_app, templates
from console.web.context import Console
from medspa_kit.catalog import Catalog
from medspa_kit.crypto import cipher_from_settings
from medspa_kit.runtime import Runtime, StartupError, main_entry, run_service
from spa_config import UnknownSpa, load_spas

log = logging.getLogger(__name__)
# The agent closes a conversation after this long idle; a text joins a known conversation
# inside the same window.
THREAD_IDLE = timedelta(hours=72)


def utc_now() -> datetime:
    return datetime.now(UTC)


def build(
    settings: ConsoleSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
    calendar: Calendar | None = None,
    passwords: Passwords | None = None,
) -> tuple[FastAPI, Callable[[Runtime], object]]:
    """The app and its wiring; tests pass a clock, a fake calendar or a cheaper hasher."""
    cipher = cipher_from_settings(
        settings.field_keys, settings.field_key_active, settings.field_index_key,
        settings.field_key_file,
    )  # fmt: skip
    conversations = ConversationStore(cipher, THREAD_IDLE)
    inbox = InboxStore(cipher)
    money = MoneyIssues(cipher)
    oidc = None
    if settings.oidc_enabled:
        assert settings.oidc_issuer and settings.oidc_client_id and settings.oidc_redirect_url
        oidc = OidcClient(
            OidcConfig(
                issuer=settings.oidc_issuer,
                client_id=settings.oidc_client_id,
                client_secret=(
                    settings.oidc_client_secret.get_secret_value()
                    if settings.oidc_client_secret
                    else None
                ),
                redirect_url=settings.oidc_redirect_url,
                scopes=settings.oidc_scopes,
                username_claim=settings.oidc_username_claim,
                timeout_s=settings.oidc_timeout_s,
            )
        )
    console = Console(
        settings=settings,
        spas=load_spas(settings.spa_config),
        cipher=cipher,
        catalog=Catalog.load("console"),
        templates=templates(),
        accounts=Accounts(
            passwords or Passwords(),
            LockoutPolicy(settings.lockout_threshold, settings.lockout_minutes),
        ),
        sessions=Sessions(
            SessionPolicy(
                idle=timedelta(minutes=settings.session_idle_minutes),
                max_age=timedelta(hours=settings.session_max_hours),
            )
        ),
        tokens=Tokens(),
        oidc=oidc,
        conversations=conversations,
        inbox=inbox,
        facts=Facts(),
        actions=Actions(cipher, conversations, inbox, settings.bus_namespace, clock),
        calendar=calendar
        or GrpcCalendar(settings.scheduler_grpc_target, settings.scheduler_deadline_s),
        hub=LiveHub(),
        clock=clock,
        money=money,
    )
    app = create_app(console)

    async def wire(runtime: Runtime) -> None:
        console.pool = runtime.pool
        console.spas = runtime.spas
        app.state.stop = runtime.stop
        await _bootstrap(console)
        Handlers(
            settings, runtime.cipher, runtime.spas, conversations, inbox, console.facts, clock,
            money,
        ).register(runtime.consumer)  # fmt: skip
        sweeper = DeadlineSweeper(
            runtime.pool, runtime.cipher, runtime.spas, console.catalog, settings.bus_namespace,
            clock, settings.sweep_every_s,
        )  # fmt: skip
        runtime.tasks.append(sweeper.run(runtime.stop))
        runtime.tasks.append(console.hub.run(runtime.pool, runtime.stop))
        runtime.closers.append(console.calendar.close)
        if oidc is not None:
            runtime.closers.append(oidc.close)

    return app, wire


async def _bootstrap(console: Console) -> None:
    settings = console.settings
    if not (settings.bootstrap_username and settings.bootstrap_password):
        return
    spa_id = settings.bootstrap_spa_id or console.spas.all()[0].id
    try:
        console.spa(spa_id)
    except UnknownSpa:
        raise StartupError(f"CONSOLE_BOOTSTRAP_SPA_ID {spa_id!r} is not a configured spa") from None
    async with console.db() as conn, conn.transaction():
        created = await console.accounts.bootstrap(
            conn,
            spa_id,
            settings.bootstrap_username,
            settings.bootstrap_password.get_secret_value(),
        )
    if created:
        log.info("first manager account created", extra={"spa_id": spa_id})


async def serve(settings: ConsoleSettings) -> None:
    app, wire = build(settings)
    await run_service("console", settings, wire, port=settings.port, host=settings.host, app=app)  # type: ignore[arg-type]


def main() -> None:
    settings = ConsoleSettings()
    main_entry(lambda: serve(settings))
