"""Where the local stack keeps its state: `.run/` at the workspace root."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    root: Path

    @classmethod
    def discover(cls, start: Path | None = None) -> Paths:
        """The nearest folder up from `start` (default: cwd) holding `uv.lock`, else `start`.

        Anchoring on the lock file lets `python -m devstack` run from any sub-folder and still
        share one `.run/` with `make`.
        """
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "uv.lock").is_file():
                return cls(folder)
        return cls(here)

    @property
    def run(self) -> Path:
        return self.root / ".run"

    @property
    def logs(self) -> Path:
        return self.run / "logs"

    @property
    def field_key_file(self) -> Path:
        return self.run / "field-keys.json"

    @property
    def pidfile(self) -> Path:
        return self.run / "devstack.pid"

    @property
    def state_file(self) -> Path:
        """Written by the background supervisor once every service is ready."""
        return self.run / "devstack.json"

    @property
    def supervisor_log(self) -> Path:
        return self.logs / "devstack.log"

    def service_log(self, name: str) -> Path:
        return self.logs / f"{name}.log"
