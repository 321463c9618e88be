"""Access: CSRF, lockout, cookie flags, roles refused what they may not see, bearer tokens,
and no protected field in the console's logs."""

from __future__ import annotations

import re
import uuid

import pytest
from console_harness import PASSWORD, Console, Staff, eventually, session_cookie
from test_console_inbox import hand_off, phone

from console.domain.roles import Role

pytestmark = pytest.mark.integration


async def login_page(staff: Staff) -> tuple[str, str]:
    page = await staff.client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return token.group(1), page.headers["set-cookie"].split(";", 1)[0]


async def test_session_cookie_is_secure_http_only_strict_and_host_bound(console: Console) -> None:
    staff = Staff(console.client())
    username = await console.account(Role.FRONT_DESK)
    token, cookie = await login_page(staff)
    answer = await staff.client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
        headers={"Cookie": cookie},
    )  # fmt: skip
    assert answer.status_code == 303
    [header] = [h for h in answer.headers.get_list("set-cookie") if "console_session" in h]
    flags = {part.strip().lower() for part in header.split(";")[1:]}
    assert header.startswith("__Host-console_session=")
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= flags
    assert not any(f.startswith("domain=") for f in flags)
    headers = (await staff.client.get("/login")).headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


async def test_login_without_its_csrf_token_is_refused(console: Console) -> None:
    staff = Staff(console.client())
    username = await console.account(Role.MANAGER)
    answer = await staff.client.post("/login", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 403
    assert not session_cookie(answer)


async def test_changes_without_the_session_csrf_token_are_refused(console: Console) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    _, handoff_id = await hand_off(console, phone())
    await eventually(lambda: _exists(desk, handoff_id))
    assert (await desk.post(f"/v1/handoffs/{handoff_id}/claim", csrf=False)).status_code == 403
    forged = await desk.client.post(
        f"/handoffs/{handoff_id}/claim", headers={"Cookie": desk.cookie},
        data={"csrf_token": "not-the-token"},
    )  # fmt: skip
    assert forged.status_code == 403
    assert (await desk.get(f"/v1/handoffs/{handoff_id}")).json()["status"] == "open"
    assert (await desk.form(f"/handoffs/{handoff_id}/claim", {})).status_code == 303
    assert (await desk.get(f"/v1/handoffs/{handoff_id}")).json()["status"] == "claimed"


async def _exists(staff: Staff, handoff_id: str) -> bool:
    return (await staff.get(f"/v1/handoffs/{handoff_id}")).status_code == 200


async def test_repeated_failures_lock_the_account(console: Console) -> None:
    username = await console.account(Role.FRONT_DESK)
    staff = Staff(console.client())
    threshold = console.settings.lockout_threshold
    for _ in range(threshold - 1):
        token, cookie = await login_page(staff)
        wrong = await staff.client.post(
            "/login", data={"username": username, "password": "wrong password!", "csrf_token": token},
            headers={"Cookie": cookie},
        )  # fmt: skip
        assert wrong.status_code == 401
    token, cookie = await login_page(staff)
    locking = await staff.client.post(
        "/login", data={"username": username, "password": "wrong again!!", "csrf_token": token},
        headers={"Cookie": cookie},
    )  # fmt: skip
    assert locking.status_code == 429
    token, cookie = await login_page(staff)
    right = await staff.client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
        headers={"Cookie": cookie},
    )  # fmt: skip
    assert right.status_code == 429, "a locked account refuses even the right password"
    assert not session_cookie(right)
    console.clock.advance(minutes=console.settings.lockout_minutes + 1)
    token, cookie = await login_page(staff)
    later = await staff.client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
        headers={"Cookie": cookie},
    )  # fmt: skip
    assert later.status_code == 303


REFUSED = {
    Role.AUDITOR: ["/v1/handoffs", "/v1/conversations", "/v1/drafts", "/v1/callbacks",
                   "/v1/appointments", "/v1/waitlist", "/v1/reports/summary",
                   "/v1/settings/autonomy", "/v1/accounts", "/v1/stream",
                   "/v1/payment-issues"],
    Role.FRONT_DESK: ["/v1/audit", "/v1/reports/summary", "/v1/settings/autonomy",
                      "/v1/accounts"],
    Role.PROVIDER: ["/v1/audit", "/v1/drafts", "/v1/callbacks", "/v1/settings/autonomy",
                    "/v1/reports/summary", "/v1/accounts", "/v1/payment-issues"],
}  # fmt: skip
PAGES_REFUSED = {
    Role.AUDITOR: ["/inbox", "/calendar", "/report", "/review", "/drafts", "/callbacks"],
    Role.FRONT_DESK: ["/audit", "/report", "/settings", "/accounts", "/review"],
    Role.PROVIDER: ["/audit", "/drafts", "/settings", "/accounts", "/callbacks"],
}


@pytest.mark.parametrize("role", list(REFUSED))
async def test_each_role_is_refused_what_it_may_not_see(console: Console, role: Role) -> None:
    staff = await console.sign_in(role)
    for path in REFUSED[role]:
        assert (await staff.get(path)).status_code == 403, path
    for path in PAGES_REFUSED[role]:
        assert (await staff.get(path)).status_code == 403, path


async def test_auditor_and_manager_read_the_audit_log(console: Console) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    _, handoff_id = await hand_off(console, phone())
    await eventually(lambda: _exists(desk, handoff_id))
    for role in (Role.AUDITOR, Role.MANAGER):
        reader = await console.sign_in(role)
        rows = (await reader.get(f"/v1/audit?subject_id={handoff_id}")).json()["items"]
        assert {"handoff.stored", "handoff.view"} <= {r["action"] for r in rows}
        assert all("summary" not in r["purpose"] for r in rows)
        assert (await reader.get("/audit")).status_code == 200


async def test_nobody_signed_in_gets_401_from_the_api_and_the_login_page_from_pages(
    console: Console,
) -> None:
    async with console.client() as http:
        assert (await http.get("/v1/handoffs")).status_code == 401
        page = await http.get("/inbox")
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert (
            await http.get("/v1/handoffs", headers={"Authorization": "Bearer msc_nope"})
        ).status_code == 401


async def test_bearer_tokens_act_with_their_role_and_need_no_csrf(console: Console) -> None:
    manager = await console.sign_in(Role.MANAGER)
    made = await manager.post(
        "/v1/tokens", json={"name": "front desk script", "role": "front_desk"}
    )
    assert made.status_code == 201
    token, token_id = made.json()["token"], made.json()["id"]
    bearer = {"Authorization": f"Bearer {token}"}
    async with console.client() as http:
        _, handoff_id = await hand_off(console, phone())
        await eventually(lambda: _seen(http, bearer, handoff_id))
        assert (
            await http.post(f"/v1/handoffs/{handoff_id}/claim", headers=bearer)
        ).status_code == 204
        assert (await http.get("/v1/audit", headers=bearer)).status_code == 403
        assert (
            await manager.client.delete(f"/v1/tokens/{token_id}", headers=manager.headers())
        ).status_code == 204
        assert (await http.get("/v1/handoffs", headers=bearer)).status_code == 401


async def _seen(http, bearer: dict[str, str], handoff_id: str) -> bool:
    return (await http.get(f"/v1/handoffs/{handoff_id}", headers=bearer)).status_code == 200


async def test_signing_out_ends_the_session(console: Console) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    assert (await desk.get("/v1/me")).status_code == 200
    assert (await desk.form("/logout", {})).status_code == 303
    assert (await desk.get("/v1/me")).status_code == 401


async def test_no_protected_field_reaches_the_logs(
    console: Console, capfd: pytest.CaptureFixture[str]
) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    patient = phone()
    secret_words = f"my secret symptom {uuid.uuid4().hex[:6]}"
    _, handoff_id = await hand_off(console, patient, words=secret_words)
    await eventually(lambda: _exists(desk, handoff_id))
    await desk.post(f"/v1/handoffs/{handoff_id}/reply", json={"text": f"About {secret_words}"})
    await desk.get(f"/handoffs/{handoff_id}")
    out, err = capfd.readouterr()
    for value in (patient, patient.removeprefix("+"), secret_words, "odd feeling in the lip"):
        assert value not in out and value not in err
