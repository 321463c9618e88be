from pathlib import Path

from devstack.environment import (
    SANDBOX_ACCOUNT_SID,
    SANDBOX_AUTH_TOKEN,
    enabled_services,
    real_twilio,
    service_env,
)
from devstack.services import SERVICES

KEYS = Path("/repo/.run/field-keys.json")


def build(base: dict[str, str]) -> dict[str, str]:
    return service_env(
        base,
        nats_url="nats://127.0.0.1:4222",
        database_url="postgresql://p@h/db",
        field_key_file=KEYS,
    )


def test_by_default_every_service_talks_to_the_sandbox() -> None:
    env = build({})

    assert env["TWILIO_API_BASE_URL"] == "http://127.0.0.1:8090"
    assert env["TWILIO_ACCOUNT_SID"] == SANDBOX_ACCOUNT_SID
    assert env["TWILIO_AUTH_TOKEN"] == SANDBOX_AUTH_TOKEN
    assert "sandbox" in [s.name for s in enabled_services({})]


def test_real_credentials_switch_the_sandbox_off() -> None:
    base = {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "real"}

    env = build(base)

    assert real_twilio(base)
    assert "TWILIO_API_BASE_URL" not in env
    assert env["TWILIO_ACCOUNT_SID"] == base["TWILIO_ACCOUNT_SID"]
    assert env["TWILIO_AUTH_TOKEN"] == "real"
    assert "sandbox" not in [s.name for s in enabled_services(base)]


def test_a_sid_with_a_base_url_is_a_sandbox_of_the_callers_choosing() -> None:
    base = {"TWILIO_ACCOUNT_SID": "AC" + "2" * 32, "TWILIO_API_BASE_URL": "http://127.0.0.1:9999"}

    env = build(base)

    assert not real_twilio(base)
    assert env["TWILIO_API_BASE_URL"] == "http://127.0.0.1:9999"
    assert env["TWILIO_ACCOUNT_SID"] == base["TWILIO_ACCOUNT_SID"]
    assert env["TWILIO_AUTH_TOKEN"] == SANDBOX_AUTH_TOKEN
    assert "sandbox" in [s.name for s in enabled_services(base)]


def test_servers_and_key_file_are_set_and_every_port_has_a_value() -> None:
    env = build({"PATH": "/usr/bin"})

    assert env["NATS_URL"] == "nats://127.0.0.1:4222"
    assert env["DATABASE_URL"] == "postgresql://p@h/db"
    assert env["FIELD_KEY_FILE"] == str(KEYS)
    assert env["PATH"] == "/usr/bin"
    assert env["PYTHONUNBUFFERED"] == "1"
    for service in SERVICES:
        for port in service.ports:
            assert env[port.var] == str(port.default)


def test_the_located_servers_win_over_the_callers_urls() -> None:
    # A container may have moved the servers to other ports than the caller asked for.
    env = build({"NATS_URL": "nats://elsewhere:1", "DATABASE_URL": "postgresql://x@y/z"})

    assert env["NATS_URL"] == "nats://127.0.0.1:4222"
    assert env["DATABASE_URL"] == "postgresql://p@h/db"


def test_moving_a_port_moves_the_peers_that_call_it() -> None:
    env = build(
        {"TELEPHONY_PORT": "18001", "SANDBOX_PORT": "18090", "SCHEDULER_GRPC_PORT": "15051"}
    )

    assert env["SANDBOX_WEBHOOK_BASE"] == "http://127.0.0.1:18001"
    assert env["TELEPHONY_PUBLIC_URL"] == "http://127.0.0.1:18001"
    assert env["TWILIO_API_BASE_URL"] == "http://127.0.0.1:18090"
    assert env["SCHEDULER_GRPC_TARGET"] == "127.0.0.1:15051"


def test_the_table_has_unique_names_and_ports() -> None:
    names = [s.name for s in SERVICES]
    variables = [p.var for s in SERVICES for p in s.ports]
    defaults = [p.default for s in SERVICES for p in s.ports]

    assert len(set(names)) == len(names)
    assert len(set(variables)) == len(variables)
    assert len(set(defaults)) == len(defaults)
