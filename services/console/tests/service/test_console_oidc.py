"""OIDC sign-in against a local fake issuer: authorization code with PKCE (S256), state and
nonce used once, and only accounts a manager created may come in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from console_harness import Console, Staff, free_port, running_console, session_cookie
from fake_issuer import FakeIssuer, serve_fake_issuer

from console.domain.roles import Role

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def issuer() -> AsyncIterator[FakeIssuer]:
    async with serve_fake_issuer() as running:
        yield running


@pytest.fixture(scope="module")
async def oidc_console(
    stack, issuer: FakeIssuer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Console]:
    port = free_port()
    async with running_console(
        stack, tmp_path_factory.mktemp("oidc"), port=port, oidc_issuer=issuer.url,
        oidc_client_id=issuer.client_id,
        oidc_redirect_url=f"http://127.0.0.1:{port}/auth/oidc/callback",
    ) as running:  # fmt: skip
        yield running


async def round_trip(console: Console, issuer: FakeIssuer) -> tuple[Staff, httpx.Response, str]:
    """Start at the console, pass through the issuer, come back: the callback's answer."""
    async with httpx.AsyncClient(timeout=10.0) as http:
        start = await http.get(f"{console.url}/auth/oidc/start")
        assert start.status_code == 303
        location = start.headers["location"]
        assert location.startswith(f"{issuer.url}/authorize?")
        callback = (await http.get(location)).headers["location"]
        answer = await http.get(callback)
    return Staff(console.client()), answer, callback


async def test_a_known_account_signs_in_with_pkce(
    oidc_console: Console, issuer: FakeIssuer
) -> None:
    issuer.email = await oidc_console.account(Role.PROVIDER)
    staff, answer, _ = await round_trip(oidc_console, issuer)
    assert answer.status_code == 303, answer.text
    staff.cookie = session_cookie(answer)
    me = (await staff.get("/v1/me")).json()
    assert me["role"] == "provider"
    sent = issuer.authorize_requests[-1]
    assert sent["method"] == "S256" and len(sent["challenge"]) == 43
    assert "openid" in sent["scope"]


async def test_an_unknown_identity_is_refused(oidc_console: Console, issuer: FakeIssuer) -> None:
    issuer.email = "stranger@elsewhere.test"
    _, answer, _ = await round_trip(oidc_console, issuer)
    assert answer.status_code == 403
    assert not session_cookie(answer)


async def test_a_state_is_used_once(oidc_console: Console, issuer: FakeIssuer) -> None:
    issuer.email = await oidc_console.account(Role.FRONT_DESK)
    _, first, callback = await round_trip(oidc_console, issuer)
    assert first.status_code == 303
    async with oidc_console.client() as http:
        replay = await http.get(callback.removeprefix(oidc_console.url))
        assert replay.status_code == 401
        state = parse_qs(urlsplit(callback).query)["state"][0]
        forged = await http.get(f"/auth/oidc/callback?code=made-up&state={state}x")
        assert forged.status_code == 401
