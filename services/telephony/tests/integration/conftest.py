"""One telephony process for this module's tests, in a world of its own (see the harness)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr
from telephony_harness import (
    Agent,
    Events,
    World,
    connect,
    start_agent,
    start_events,
    utc_now,
    write_spas,
)

from medspa_kit.crypto import FieldCipher, dev_keyring
from medspa_kit.streams import delete_streams, ensure_streams
from tests.integration.system import SANDBOX_SID, SANDBOX_TOKEN, Process, free_port
from twilio_sandbox.app import create_app
from twilio_sandbox.settings import SandboxSettings
from twilio_sandbox.testing import serve_in_thread

# Short enough to keep tests quick, long enough that a healthy turn never trips it.
TURN_DEADLINE_S = 0.5


@pytest.fixture(scope="session")
async def world(stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    from devstack.infra import create_database, drop_database

    workdir = tmp_path_factory.mktemp("telephony")
    run_id = uuid.uuid4().hex[:10]
    db_name, namespace = f"medspa_tel_{run_id}", f"tel{run_id}"
    database_url = await create_database(stack.admin_database_url, db_name)
    nc = await connect(stack.nats_url)
    await ensure_streams(nc.jetstream(), namespace)
    key_file = workdir / "field-keys.json"
    cipher = FieldCipher(dev_keyring(key_file))
    spas = write_spas(workdir / "spas", utc_now())
    port = free_port()
    telephony_url = f"http://127.0.0.1:{port}"
    sandbox_settings = SandboxSettings(
        sandbox_webhook_base=telephony_url,
        sandbox_status_delay=0.02,
        twilio_account_sid=SANDBOX_SID,
        twilio_auth_token=SecretStr(SANDBOX_TOKEN),
    )
    with serve_in_thread(create_app(sandbox_settings)) as sandbox_url:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "OTEL_", "TELEPHONY_"))},
            "NATS_URL": stack.nats_url,
            "DATABASE_URL": database_url,
            "MEDSPA_BUS_NAMESPACE": namespace,
            "FIELD_KEY_FILE": str(key_file),
            "SPA_CONFIG": str(workdir / "spas"),
            "OTEL_TRACES_FILE": str(workdir / "telephony.traces.jsonl"),
            "STARTUP_TIMEOUT_S": "30",
            "TWILIO_ACCOUNT_SID": SANDBOX_SID,
            "TWILIO_AUTH_TOKEN": SANDBOX_TOKEN,
            "TWILIO_API_BASE_URL": sandbox_url,
            "TELEPHONY_PORT": str(port),
            "TELEPHONY_PUBLIC_URL": telephony_url,
            "TELEPHONY_TURN_DEADLINE_S": str(TURN_DEADLINE_S),
            "TELEPHONY_MAX_FILLERS": "2",
            "TELEPHONY_TWILIO_TIMEOUT_S": "1.0",
            "TELEPHONY_RETRY_BASE_S": "0.05",
            "TELEPHONY_RETRY_CAP_S": "0.2",
            "TELEPHONY_SEGMENTS_PER_SECOND": "50",
            "TELEPHONY_CALL_FLOOD_BURST": "3",
            "TELEPHONY_SMS_FLOOD_BURST": "5",
            "TELEPHONY_MAX_REQUEST_BYTES": "8192",
        }  # fmt: skip
        telephony = Process("telephony", "telephony", port, env, workdir / "telephony.log")
        agent, events = Agent(cipher), Events()
        await start_agent(nc, namespace, agent)
        await start_events(nc, namespace, events)
        telephony.start()
        try:
            await telephony.wait_ready()
            yield World(
                telephony, sandbox_url, database_url, namespace, nc, cipher, agent, events, spas,
                workdir,
            )  # fmt: skip
        finally:
            telephony.stop()
            await delete_streams(nc.jetstream(), namespace)
            await nc.close()
            await drop_database(stack.admin_database_url, db_name)


@pytest.fixture
def agent(world: World) -> Agent:
    """The stand-in agent, answering "How can I help?" unless a test says otherwise."""
    world.agent.respond = world.agent.reply_with("How can I help?")
    world.agent.requests.clear()
    world.agent.asked.clear()
    return world.agent
