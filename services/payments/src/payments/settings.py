"""Payments' settings, read once in main.py (PAYMENTS_ prefix; Stripe's keys by their plain names)."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from medspa_kit.settings import CommonSettings


class PaymentsSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", extra="ignore", populate_by_name=True)

    host: str = "0.0.0.0"
    port: int = 8003
    # The base of payment links and of Stripe's return URLs: what a patient's phone can open.
    public_url: str = "http://127.0.0.1:8003"
    # `sandbox` serves its own payment page (no money moves); `stripe` uses Checkout.
    provider: Literal["sandbox", "stripe"] = "sandbox"
    stripe_secret_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("STRIPE_SECRET_KEY")
    )
    stripe_webhook_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("STRIPE_WEBHOOK_SECRET")
    )
    # Unset: api.stripe.com. Tests point it at a local fake Stripe.
    stripe_api_base: str | None = None
    # How old a signed webhook may be (Stripe's library default is 300 s).
    stripe_webhook_tolerance_s: int = Field(300, ge=1, le=3600)
    stripe_timeout_s: float = 20.0
    # The scheduler's CalendarService, to hold a late payment's slot again.
    calendar_target: str = Field(
        "127.0.0.1:50051",
        validation_alias=AliasChoices("PAYMENTS_CALENDAR_TARGET", "SCHEDULER_GRPC_TARGET"),
    )
    calendar_deadline_s: float = 5.0
    # Bearer token for /internal/* (deposit history, dispute evidence, ledger totals);
    # unset, that API is off.
    internal_token: SecretStr | None = None
    # The longest the expiry sweeper and the job worker sleep between looks.
    idle_s: float = 5.0

    @model_validator(mode="after")
    def _stripe_needs_its_keys(self) -> PaymentsSettings:
        if self.provider == "stripe" and not (
            self.stripe_secret_key and self.stripe_webhook_secret
        ):
            raise ValueError(
                "PAYMENTS_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET"
            )
        return self
