"""The agent's settings, read once in main.py."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from medspa_kit.settings import CommonSettings

# Pool connections the agent keeps for other work than patients' texts: the outbox relay's
# listener and its publishing, a voice turn, and the other subscriptions and sweeps.
RESERVED_CONNECTIONS = 4


class BrainKind(StrEnum):
    RULES = "rules"
    LLM = "llm"


class FlagAction(StrEnum):
    CONSULT = "consult"  # book a consultation with a nurse practitioner instead
    HANDOFF = "handoff"  # hand the conversation to staff


class ChangesBy(StrEnum):
    AGENT = "agent"  # the agent cancels and reschedules, reading the policy first
    STAFF = "staff"  # the agent hands these to staff


@dataclass(frozen=True)
class ConversationPolicy:
    """How conversations behave where the spa's YAML has no field (yet): deployment-wide."""

    faq_min_score: float = 0.6
    intake_flag_action: FlagAction = FlagAction.CONSULT
    changes_by: ChangesBy = ChangesBy.AGENT
    # Offers older than this are checked again before they are held.
    offer_ttl_minutes: int = 240
    offer_count: int = 3
    search_days: int = 14


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

    faq_min_score: float = 0.6
    intake_flag_action: FlagAction = FlagAction.CONSULT
    changes_by: ChangesBy = ChangesBy.AGENT
    offer_ttl_minutes: int = 240
    # A conversation quiet this long is closed and summarised; the next message starts a new one.
    thread_idle_hours: int = 72
    sweep_every_s: float = 60.0
    # A card link kept past an unanswered question is texted on its own after this much quiet.
    card_link_quiet_minutes: int = 15

    brain: BrainKind = BrainKind.RULES
    # Any OpenAI-compatible endpoint: https://api.openai.com/v1, a vLLM or Ollama server ...
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str = "gpt-4o-mini"
    # Past this the rules brain answers instead; a caller on the phone gets less.
    llm_timeout_s: float = 8.0
    llm_voice_timeout_s: float = 2.5
    llm_max_tool_rounds: int = 4

    # Voice turns arrive on <namespace>.rpc.<spa_id>.voice.turn; replicas share them.
    voice_queue: str = "agent-voice"
    # Callers' turns answered at once per replica; each waits for a pool connection, and
    # telephony plays a filler if the answer is later than its deadline.
    voice_turns_at_once: int = Field(8, ge=1, le=64)

    # Patients' texts handled at once per replica (one patient's texts still one at a time).
    # Unset: the pool less what the rest of the agent keeps busy (RESERVED_CONNECTIONS).
    texts_at_once: int | None = Field(None, ge=1, le=64)

    def text_concurrency(self) -> int:
        """Each text in flight holds a pool connection for its whole turn, so the rest of
        the agent keeps its own: the outbox relay's wake-up listener and its publishing,
        a live call's turn, and the other subscriptions and sweeps."""
        if self.texts_at_once is not None:
            return min(self.texts_at_once, self.database_pool_max)
        return max(1, self.database_pool_max - RESERVED_CONNECTIONS)

    def conversation_policy(self) -> ConversationPolicy:
        return ConversationPolicy(
            faq_min_score=self.faq_min_score,
            intake_flag_action=self.intake_flag_action,
            changes_by=self.changes_by,
            offer_ttl_minutes=self.offer_ttl_minutes,
            offer_count=self.slots_to_offer,
            search_days=self.search_days,
        )
