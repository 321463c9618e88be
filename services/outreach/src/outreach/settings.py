"""Outreach's settings."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from medspa_kit.settings import CommonSettings


class OutreachSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="OUTREACH_", extra="ignore", populate_by_name=True)

    host: str = "0.0.0.0"
    port: int = 8004
