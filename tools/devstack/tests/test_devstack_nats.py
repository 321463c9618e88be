from pathlib import Path

import pytest
from devstack_support import free_port

from devstack.infra import InfraError, ensure_nats
from devstack.infra.nats import NotAnswering, nats_server_binary, probe_nats

pytestmark = pytest.mark.integration

LOCAL_NATS = "nats://127.0.0.1:4222"


async def test_a_running_server_is_used_and_left_running() -> None:
    handle = await ensure_nats(LOCAL_NATS)

    assert (handle.url, handle.origin, handle.started) == (LOCAL_NATS, "existing", False)
    await handle.stop()
    await probe_nats(LOCAL_NATS)


async def test_with_nothing_answering_a_private_server_starts_with_jetstream_and_stops(
    tmp_path: Path,
) -> None:
    assert nats_server_binary() is not None
    url = f"nats://127.0.0.1:{free_port()}"

    handle = await ensure_nats(url, run_dir=tmp_path)
    try:
        assert (handle.url, handle.origin) == (url, "process")
        await probe_nats(url)  # answers, with JetStream
        assert (tmp_path / "nats" / "data" / "jetstream").is_dir()
        assert (tmp_path / "logs" / "nats.log").stat().st_size > 0
    finally:
        await handle.stop()

    with pytest.raises(NotAnswering):
        await probe_nats(url)


async def test_a_server_elsewhere_that_does_not_answer_is_one_clear_line(tmp_path: Path) -> None:
    # Reserved for documentation (RFC 5737): never this machine, never answering.
    with pytest.raises(InfraError) as failure:
        await ensure_nats("nats://192.0.2.1:4222", run_dir=tmp_path)

    assert str(failure.value) == (
        "NATS did not answer at 192.0.2.1:4222 and could not be started: "
        "192.0.2.1 is not this machine"
    )
