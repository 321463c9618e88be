"""Payments's composition root.

Deposits arrive with issue 6; until then payments serves health, owns its schema and is wired into the stack.
"""

from __future__ import annotations

from medspa_kit.runtime import Runtime, main_entry, run_service
from payments.settings import PaymentsSettings


async def serve(settings: PaymentsSettings) -> None:
    async def wire(runtime: Runtime) -> None:
        return None

    await run_service("payments", settings, wire, port=settings.port, host=settings.host)


def main() -> None:
    settings = PaymentsSettings()
    main_entry(lambda: serve(settings))
