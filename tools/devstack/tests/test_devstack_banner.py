from devstack.banner import banner_lines
from devstack.services import SERVICES


def test_the_banner_lists_every_port_the_number_and_how_to_stop_without_secrets() -> None:
    lines = banner_lines(
        SERVICES,
        {"SCHEDULER_GRPC_PORT": "15051"},
        nats_url="nats://127.0.0.1:4222",
        database_url="postgresql://app:secret@127.0.0.1:5432/medspa",
        spa_number="+14155550100",
        how_to=["Ctrl-C stops everything."],
    )
    text = "\n".join(lines)

    for service in SERVICES:
        assert any(line.lstrip().startswith(service.name) for line in lines)
    assert "http://127.0.0.1:8001" in text
    assert "health http://127.0.0.1:8005, gRPC 127.0.0.1:15051" in text
    assert "postgresql://app:***@127.0.0.1:5432/medspa" in text
    assert "secret" not in text
    assert "+14155550100" in text
    assert lines[-1] == "Ctrl-C stops everything."
