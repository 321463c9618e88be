"""Everything a request handler needs, built once in main.py and kept on the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from fastapi import Request
from fastapi.templating import Jinja2Templates

from console.actions import Actions
from console.adapters.conversations import ConversationStore
from console.adapters.facts import Facts
from console.adapters.inbox import InboxStore
from console.adapters.live import LiveHub
from console.adapters.money import MoneyIssues
from console.auth.accounts import Accounts
from console.auth.oidc import OidcClient
from console.auth.sessions import Sessions
from console.auth.tokens import Tokens
from console.ports import Calendar
from console.settings import ConsoleSettings
from medspa_kit.catalog import Catalog
from medspa_kit.crypto import FieldCipher
from spa_config import SpaConfig, SpaDirectory


@dataclass
class Console:
    settings: ConsoleSettings
    spas: SpaDirectory
    cipher: FieldCipher
    catalog: Catalog
    templates: Jinja2Templates
    accounts: Accounts
    sessions: Sessions
    tokens: Tokens
    oidc: OidcClient | None
    conversations: ConversationStore
    inbox: InboxStore
    facts: Facts
    actions: Actions
    calendar: Calendar
    hub: LiveHub
    clock: Callable[[], datetime]
    money: MoneyIssues
    # Set by wire() once PostgreSQL is up; requests before that get 503 from /readyz first.
    pool: asyncpg.Pool | None = None

    def db(self) -> Any:
        if self.pool is None:
            raise RuntimeError("the console is still starting")
        return self.pool.acquire()

    def spa(self, spa_id: str) -> SpaConfig:
        return self.spas.get(spa_id)

    def say(self, key: str, **values: Any) -> str:
        return self.catalog.say(key, **values)


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console
