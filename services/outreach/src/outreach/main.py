"""Outreach's composition root.

Outreach jobs arrive with issue 7; until then it serves health, owns its schema and is wired into the stack.
"""

from __future__ import annotations

from medspa_kit.runtime import Runtime, main_entry, run_service
from outreach.settings import OutreachSettings


async def serve(settings: OutreachSettings) -> None:
    async def wire(runtime: Runtime) -> None:
        return None

    await run_service("outreach", settings, wire, port=settings.port, host=settings.host)


def main() -> None:
    settings = OutreachSettings()
    main_entry(lambda: serve(settings))
