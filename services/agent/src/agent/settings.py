"""The agent's settings."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from medspa_kit.settings import CommonSettings


class AgentSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="AGENT_", extra="ignore", populate_by_name=True)

    host: str = "0.0.0.0"
    port: int = 8002
    scheduler_grpc_target: str = Field(
        "127.0.0.1:50051", validation_alias=AliasChoices("SCHEDULER_GRPC_TARGET")
    )
    # Every calendar call carries this deadline: a patient is waiting on the reply.
    scheduler_deadline_s: float = 2.0
    slots_to_offer: int = 3
    search_days: int = 14
