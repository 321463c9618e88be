"""The scheduler's settings, read once in main.py (SCHEDULER_ prefix, shared names plain)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from medspa_kit.settings import CommonSettings


class SchedulerSettings(CommonSettings):
    model_config = SettingsConfigDict(
        env_prefix="SCHEDULER_", extra="ignore", populate_by_name=True
    )

    host: str = "0.0.0.0"
    # Health, readiness and the providers' iCalendar feeds.
    port: int = 8005
    grpc_port: int = 50051
    # The longest the sweeper waits before looking for due holds again.
    sweep_idle_s: float = 5.0
    # Base of the feed URLs handed to staff (what Google or Apple Calendar will fetch).
    public_url: str = "http://127.0.0.1:8005"
    # How often the retention purge runs (the first run a minute after start); each spa's
    # window is its `policies.retention_days`.
    purge_every_s: float = Field(6 * 3600.0, gt=0)
