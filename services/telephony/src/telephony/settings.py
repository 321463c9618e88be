"""Telephony's settings: the Twilio edge."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from medspa_kit.settings import CommonSettings

SANDBOX_ACCOUNT_SID = "AC00000000000000000000000000000000"
SANDBOX_AUTH_TOKEN = "sandbox-auth-token"  # noqa: S105 - the local sandbox's well-known token


class TelephonySettings(CommonSettings):
    model_config = SettingsConfigDict(
        env_prefix="TELEPHONY_", extra="ignore", populate_by_name=True
    )

    host: str = "0.0.0.0"
    port: int = 8001
    # The base URL Twilio calls us at. Signatures are computed over it, so behind
    # a proxy it must be the public URL, not the pod's address.
    public_url: str = "http://127.0.0.1:8001"
    twilio_account_sid: str = Field(
        SANDBOX_ACCOUNT_SID, validation_alias=AliasChoices("TWILIO_ACCOUNT_SID")
    )
    twilio_auth_token: str = Field(
        SANDBOX_AUTH_TOKEN, validation_alias=AliasChoices("TWILIO_AUTH_TOKEN")
    )
    # Set to the local sandbox in development and tests; unset, the real Twilio.
    twilio_api_base_url: str | None = Field(
        None, validation_alias=AliasChoices("TWILIO_API_BASE_URL")
    )
    # A REST call to Twilio that has not answered by then is treated as ambiguous: it may
    # have been taken, so it is looked up before being sent again.
    twilio_timeout_s: float = Field(10.0, gt=0)

    # Voice. How long a caller's turn waits on the agent before a filler is spoken.
    turn_deadline_s: float = Field(2.0, gt=0)
    # Fillers spoken while the agent is still thinking before the call falls back to staff.
    max_fillers: int = Field(2, ge=0, le=5)
    # Seconds Twilio waits for the caller to start speaking in a turn.
    gather_timeout_s: int = Field(5, ge=1, le=30)
    # Silent or unclear turns in a row before the spa ends the call politely.
    max_misses: int = Field(2, ge=1, le=5)
    # Speech recognised below this confidence is asked again (a provider that gives none is trusted).
    min_confidence: float = Field(0.2, ge=0, le=1)
    # How long staff phones ring on a warm transfer.
    transfer_ring_seconds: int = Field(20, ge=5, le=120)
    # How long a whisper waits for the staff member to press a key and take the call.
    whisper_accept_seconds: int = Field(8, ge=3, le=30)
    # Longest outbound call, a guard against a call left open by a confused machine.
    call_time_limit_s: int = Field(900, ge=60)

    # Texts. Segments per second per sender number (a US long code: 1).
    segments_per_second: float = Field(1.0, gt=0)
    send_workers: int = Field(4, ge=1, le=64)
    send_max_attempts: int = Field(6, ge=1, le=20)
    retry_base_s: float = Field(1.0, gt=0)
    retry_cap_s: float = Field(60.0, gt=0)

    # Webhook protection.
    max_request_bytes: int = Field(64 * 1024, ge=4096)
    # Per caller: texts relayed to the agent (a burst, then a steady rate).
    sms_flood_burst: int = Field(10, ge=1)
    sms_flood_per_minute: float = Field(20.0, gt=0)
    # Per caller: calls answered.
    call_flood_burst: int = Field(5, ge=1)
    call_flood_per_hour: float = Field(20.0, gt=0)
