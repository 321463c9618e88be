"""Configuration from the environment and the phone number helpers."""

import pytest

from twilio_sandbox.phones import country_of, display_format, from_query, is_e164
from twilio_sandbox.settings import SandboxSettings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SANDBOX_HOST",
        "SANDBOX_PORT",
        "SANDBOX_WEBHOOK_BASE",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = SandboxSettings()
    assert (settings.sandbox_host, settings.sandbox_port) == ("127.0.0.1", 8090)
    assert settings.sms_webhook_url == "http://127.0.0.1:8001/twilio/sms"
    assert settings.twilio_account_sid == "AC00000000000000000000000000000000"
    assert settings.twilio_auth_token.get_secret_value() == "sandbox-auth-token"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_HOST", "0.0.0.0")
    monkeypatch.setenv("SANDBOX_PORT", "9999")
    monkeypatch.setenv("SANDBOX_WEBHOOK_BASE", "https://telephony.example/")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "9" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "from-env")
    settings = SandboxSettings()
    assert (settings.sandbox_host, settings.sandbox_port) == ("0.0.0.0", 9999)
    assert settings.sms_webhook_url == "https://telephony.example/twilio/sms"
    assert settings.twilio_account_sid == "AC" + "9" * 32
    assert settings.twilio_auth_token.get_secret_value() == "from-env"
    assert "from-env" not in repr(settings)


def test_phone_helpers() -> None:
    assert is_e164("+15551234567") and not is_e164("15551234567")
    assert from_query(" 15551234567") == from_query("+15551234567") == "+15551234567"
    assert [country_of(n) for n in ("+15551234567", "+447700900123", "+35312345678")] == [
        "US",
        "GB",
        "IE",
    ]
    assert country_of("+8613800138000") == ""
    assert display_format("+15551234567") == "(555) 123-4567"
    assert display_format("+447700900123") == "+447700900123"
