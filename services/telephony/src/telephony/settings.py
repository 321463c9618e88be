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
