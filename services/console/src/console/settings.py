"""Console's settings, read once in main.py (CONSOLE_ prefix)."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from medspa_kit.settings import CommonSettings


class ConsoleSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore", populate_by_name=True)

    host: str = "0.0.0.0"
    port: int = 8000
    # The scheduler's CalendarService, for the calendar pages.
    scheduler_grpc_target: str = Field(
        "127.0.0.1:50051",
        validation_alias=AliasChoices("CONSOLE_SCHEDULER_GRPC_TARGET", "SCHEDULER_GRPC_TARGET"),
    )
    scheduler_deadline_s: float = 3.0

    # Sessions. Secure cookies are on unless explicitly switched off for plain-HTTP development.
    cookie_secure: bool = True
    session_idle_minutes: int = Field(30, ge=1, le=24 * 60)
    session_max_hours: int = Field(12, ge=1, le=24 * 7)
    # Lockout: this many failed passwords in a row lock the account for lockout_minutes.
    lockout_threshold: int = Field(5, ge=1, le=100)
    lockout_minutes: int = Field(15, ge=1, le=24 * 60)

    # The first manager, created at start when no account exists for the spa yet.
    bootstrap_username: str | None = None
    bootstrap_password: SecretStr | None = None
    bootstrap_spa_id: str | None = None

    # OIDC login (authorization code + PKCE); off unless the issuer and client id are set.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    # Where the identity provider sends staff back: <console public URL>/auth/oidc/callback.
    oidc_redirect_url: str | None = None
    oidc_scopes: str = "openid email profile"
    # The ID-token claim matched to a console account's username.
    oidc_username_claim: str = "email"
    oidc_timeout_s: float = 10.0

    # Speed to lead: how long a shadow draft may wait for staff, and the missed-call
    # callback promise (the architecture's 90 seconds).
    draft_response_minutes: int = Field(5, ge=1, le=24 * 60)
    missed_call_callback_seconds: int = Field(90, ge=10, le=24 * 3600)
    # How often the deadline sweeper looks for breaches.
    sweep_every_s: float = Field(5.0, gt=0, le=300)

    @model_validator(mode="after")
    def _bootstrap_is_whole(self) -> ConsoleSettings:
        given = [self.bootstrap_username, self.bootstrap_password]
        if any(given) and not all(given):
            raise ValueError(
                "CONSOLE_BOOTSTRAP_USERNAME and CONSOLE_BOOTSTRAP_PASSWORD go together"
            )
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_redirect_url):
            raise ValueError(
                "CONSOLE_OIDC_ISSUER needs CONSOLE_OIDC_CLIENT_ID and CONSOLE_OIDC_REDIRECT_URL"
            )
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_redirect_url)
