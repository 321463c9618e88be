"""Sandbox configuration, read from the environment."""

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxSettings(BaseSettings):
    """Field names map to env vars case-insensitively, e.g. ``SANDBOX_PORT``."""

    model_config = SettingsConfigDict(extra="ignore")

    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = 8090
    # Telephony's public base URL; Twilio signs the exact URL it posts to, so this must match
    # what telephony reconstructs on its side.
    sandbox_webhook_base: str = "http://127.0.0.1:8001"
    # Pause before each outbound status step, so the sender has stored the sid it got back
    # from the create call before the first status callback arrives.
    sandbox_status_delay: float = 0.05
    twilio_account_sid: str = "AC00000000000000000000000000000000"
    twilio_auth_token: SecretStr = SecretStr("sandbox-auth-token")

    @property
    def sms_webhook_url(self) -> str:
        return f"{self.sandbox_webhook_base.rstrip('/')}/twilio/sms"

    @property
    def voice_webhook_url(self) -> str:
        """The number's "A call comes in" webhook."""
        return f"{self.sandbox_webhook_base.rstrip('/')}/twilio/voice"

    @property
    def voice_status_url(self) -> str:
        """The number's "Call status changes" callback, for calls that come in."""
        return f"{self.sandbox_webhook_base.rstrip('/')}/twilio/voice/status"
