"""A running sandbox, a stand-in telephony service to receive its webhooks, and clients."""

from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr
from sandbox_support import ACCOUNT_SID, AUTH_TOKEN, Receiver
from twilio.rest import Client

from twilio_sandbox.app import create_app
from twilio_sandbox.client import sandbox_client
from twilio_sandbox.settings import SandboxSettings
from twilio_sandbox.testing import serve_in_thread


@pytest.fixture(scope="session")
def receiver() -> Iterator[tuple[Receiver, str]]:
    telephony = Receiver()
    with serve_in_thread(telephony.app) as base_url:
        yield telephony, base_url


@pytest.fixture(scope="session")
def settings(receiver: tuple[Receiver, str]) -> SandboxSettings:
    return SandboxSettings(
        sandbox_webhook_base=receiver[1],
        sandbox_status_delay=0.01,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=SecretStr(AUTH_TOKEN),
    )


@pytest.fixture(scope="session")
def sandbox_url(settings: SandboxSettings) -> Iterator[str]:
    with serve_in_thread(create_app(settings)) as base_url:
        yield base_url


@pytest.fixture
def telephony(receiver: tuple[Receiver, str]) -> Receiver:
    receiver[0].reset()
    return receiver[0]


@pytest.fixture
def telephony_url(receiver: tuple[Receiver, str]) -> str:
    return receiver[1]


@pytest.fixture
def http(sandbox_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox_url) as client:
        client.delete("/sandbox/messages").raise_for_status()
        client.delete("/sandbox/calls").raise_for_status()
        yield client


@pytest.fixture
def twilio(sandbox_url: str, http: httpx.Client) -> Client:
    return sandbox_client(sandbox_url, ACCOUNT_SID, AUTH_TOKEN)
