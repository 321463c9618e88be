"""Console's composition root.

The staff console arrives with issue 8; until then it serves health, owns its schema and is wired into the stack.
"""

from __future__ import annotations

from console.settings import ConsoleSettings
from medspa_kit.runtime import Runtime, main_entry, run_service


async def serve(settings: ConsoleSettings) -> None:
    async def wire(runtime: Runtime) -> None:
        return None

    await run_service("console", settings, wire, port=settings.port, host=settings.host)


def main() -> None:
    settings = ConsoleSettings()
    main_entry(lambda: serve(settings))
