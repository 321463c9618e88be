"""Settings every service shares, read once from the environment in main.py.

Each service subclasses CommonSettings with its own env prefix (TELEPHONY_,
AGENT_ ...); the shared fields keep their plain names through aliases so one
NATS_URL or DATABASE_URL configures the whole system.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _alias(name: str) -> AliasChoices:
    return AliasChoices(name)


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    nats_url: str = Field("nats://127.0.0.1:4222", validation_alias=_alias("NATS_URL"))
    database_url: str = Field(
        "postgresql://postgres@127.0.0.1:5432/medspa", validation_alias=_alias("DATABASE_URL")
    )
    # Connections per service replica; size it so replicas x services fit the server.
    database_pool_max: int = Field(10, ge=2, validation_alias=_alias("DATABASE_POOL_MAX"))
    # Root of every subject and stream name; tests use a unique one per run so
    # they never collide with a running `make up`.
    bus_namespace: str = Field("medspa", validation_alias=_alias("MEDSPA_BUS_NAMESPACE"))
    # JetStream replicas for the streams every service declares: 3 on a production
    # cluster, 1 on a single development server.
    stream_replicas: int = Field(1, ge=1, le=5, validation_alias=_alias("MEDSPA_STREAM_REPLICAS"))
    spa_config: Path | None = Field(None, validation_alias=_alias("SPA_CONFIG"))
    # Production: FIELD_KEYS='{"k2026": "<base64 32 bytes>"}' and FIELD_KEY_ACTIVE=k2026.
    # Development: a key generated once into FIELD_KEY_FILE.
    field_keys: str | None = Field(None, validation_alias=_alias("FIELD_KEYS"))
    field_key_active: str | None = Field(None, validation_alias=_alias("FIELD_KEY_ACTIVE"))
    # Keys the blind index that finds a patient by phone; it must not rotate with
    # the encryption keys or every lookup breaks.
    field_index_key: str | None = Field(None, validation_alias=_alias("FIELD_INDEX_KEY"))
    field_key_file: Path = Field(
        Path(".run/field-keys.json"), validation_alias=_alias("FIELD_KEY_FILE")
    )
    otlp_endpoint: str | None = Field(None, validation_alias=_alias("OTEL_EXPORTER_OTLP_ENDPOINT"))
    # Writes finished spans as JSON lines, for local debugging and the end-to-end test.
    traces_file: Path | None = Field(None, validation_alias=_alias("OTEL_TRACES_FILE"))
    log_level: str = Field("INFO", validation_alias=_alias("LOG_LEVEL"))
    migrate_on_start: bool = Field(True, validation_alias=_alias("MIGRATE_ON_START"))
    startup_timeout_s: float = Field(60.0, validation_alias=_alias("STARTUP_TIMEOUT_S"))
