"""Settings: Stripe's keys by their plain names, and Stripe refused without them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from payments.settings import PaymentsSettings


def test_defaults_serve_the_sandbox_on_8003(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PAYMENTS_PROVIDER", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    settings = PaymentsSettings()
    assert (settings.provider, settings.port) == ("sandbox", 8003)
    assert settings.internal_token is None


def test_stripe_reads_its_keys_by_plain_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENTS_PROVIDER", "stripe")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_x")
    monkeypatch.setenv("PAYMENTS_STRIPE_API_BASE", "http://127.0.0.1:9")
    monkeypatch.setenv("SCHEDULER_GRPC_TARGET", "scheduler:50051")
    settings = PaymentsSettings()
    assert settings.stripe_secret_key is not None
    assert settings.stripe_secret_key.get_secret_value() == "sk_test_x"
    assert settings.stripe_api_base == "http://127.0.0.1:9"
    assert settings.calendar_target == "scheduler:50051"
    # Secrets never print.
    assert "sk_test_x" not in repr(settings)


@pytest.mark.parametrize("missing", ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"])
def test_stripe_without_its_keys_is_refused(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    monkeypatch.setenv("PAYMENTS_PROVIDER", "stripe")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_x")
    monkeypatch.delenv(missing)
    with pytest.raises(ValidationError, match="needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET"):
        PaymentsSettings()
