"""The console in a real browser: headless Chromium (Debian's package) driven by Playwright.

1. The whole system as production runs it (sandbox phone, telephony, scheduler, agent,
   console as processes): a patient texts something urgent, the handoff appears in the
   open inbox without a reload, staff claim it, reply, and the reply reaches the phone.
2. The console alone: shadow drafts approved and edited, and the report page's numbers.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from console_harness import PASSWORD, SPA, Console, eventually, fresh_stack, stamp

from console.domain.roles import Role
from medspa.common.v1 import common_pb2
from medspa.events.v1 import conversation_pb2, telephony_pb2
from medspa_kit.crypto import Purpose

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
SPA_NUMBER = "+14155550100"
MANAGER = "manager@spa.test"
MANAGER_PASSWORD = "bootstrap password for the browser test"


def chromium() -> str:
    """Debian's Chromium, installed here when missing; the test skips only if that fails."""
    if shutil.which(CHROMIUM) is None and shutil.which("apt-get"):
        # A fresh machine's package lists may be empty or stale: refresh them once first.
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "chromium"],
        ):
            subprocess.run(command, capture_output=True, timeout=600, check=False)
    if shutil.which(CHROMIUM) is None:
        pytest.skip(
            "chromium is not installed and `apt-get install -y chromium` did not install it"
        )
    return CHROMIUM


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    executable = chromium()
    pytest.importorskip("playwright", reason="playwright belongs in the root dev dependencies")
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        launched = await driver.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="module")
async def system(stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    from tests.integration.system import build_system

    async with fresh_stack(stack) as (database_url, namespace):
        workdir: Path = tmp_path_factory.mktemp("console-system")
        running = build_system(workdir, stack.nats_url, database_url, namespace)
        running["console"].env.update(
            CONSOLE_BOOTSTRAP_USERNAME=MANAGER,
            CONSOLE_BOOTSTRAP_PASSWORD=MANAGER_PASSWORD,
            CONSOLE_SCHEDULER_GRPC_TARGET=f"127.0.0.1:{running.grpc_port}",
        )
        try:
            await running.start("sandbox", "scheduler", "telephony", "agent", "console")
            yield running
        finally:
            running.stop()


async def sign_in(page: Any, base: str, username: str, password: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r".*/(inbox|audit)$"))


async def live_feed_open(page: Any) -> None:
    """The page has its live feed: what is announced from now on reaches it."""
    await page.wait_for_selector('body[data-live-state="open"]', state="attached")


async def test_live_handoff_claimed_and_answered_from_the_inbox(system: Any, browser: Any) -> None:
    # localhost, not 127.0.0.1: browsers treat it as a secure context, so the console's
    # Secure __Host- session cookie works over plain HTTP in the test.
    base = f"http://localhost:{system['console'].port}"
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, base, MANAGER, MANAGER_PASSWORD)
    await page.wait_for_selector("#inbox-rows")
    await live_feed_open(page)

    patient = f"+1415555{uuid.uuid4().int % 10000:04d}"
    async with httpx.AsyncClient(timeout=10) as http:
        sent = await http.post(
            f"{system['sandbox'].url}/sandbox/sms",
            json={"from": patient, "to": SPA_NUMBER,
                  "body": "My lip is turning white and it hurts so bad after filler yesterday"},
        )  # fmt: skip
        sent.raise_for_status()

        # No reload: the row arrives through the live feed.
        row = page.locator("tr.handoff.priority-urgent").first
        await row.wait_for(timeout=60_000)
        await row.get_by_role("button", name="Claim").click()
        await page.wait_for_url(re.compile(r".*/handoffs/.*"))
        assert await page.locator(".phone").inner_text() == patient
        await page.fill("textarea[name=text]", "This is the nurse at Lumen. Calling you now.")
        await page.get_by_role("button", name="Send text").click()
        await page.wait_for_selector(".note")
        assert await page.locator(".turn.staff").count() == 1

        async def reply_on_phone() -> dict | None:
            messages = (
                await http.get(f"{system['sandbox'].url}/sandbox/messages", params={"phone": patient})
            ).json()  # fmt: skip
            return next((m for m in messages if m["direction"] == "outbound"
                         and "Calling you now" in m["body"]), None)  # fmt: skip

        reply = await eventually(reply_on_phone, 60)
        assert reply["to"] == patient

    # The calendar page reads the real scheduler over gRPC: the demo spa's providers, by name.
    await page.goto(f"{base}/calendar")
    assert await page.locator("section.column h2", has_text="Sofia Ramirez, NP").count() == 1
    assert await page.locator("p.error").count() == 0
    await context.close()


async def test_shadow_drafts_and_the_report_in_the_browser(console: Console, browser: Any) -> None:
    username = await console.account(Role.MANAGER)
    base = console.url.replace("127.0.0.1", "localhost")
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, base, username, PASSWORD)
    await page.goto(f"{base}/settings")
    await page.check("input[value=shadow]")
    await page.get_by_role("button", name="Save").first.click()
    await page.wait_for_selector(".note")
    patient = f"+1415555{uuid.uuid4().int % 10000:04d}"
    drafted = []
    for words in ("Tuesday at 2pm works with Sofia.", "We open at 9."):
        drafted.append(
            await console.publish(
                conversation_pb2.ReplyDrafted(
                    spa_id=SPA,
                    conversation_id=str(uuid.uuid4()),
                    draft=console.cipher.seal(words, Purpose.SMS_BODY),
                    channel=common_pb2.CHANNEL_SMS,
                    intent="book",
                    patient_phone=console.cipher.seal(patient, Purpose.PHONE),
                    drafted_at=stamp(console.clock.now()),
                )
            )
        )
    await page.goto(f"{base}/drafts")
    first = page.locator(f'article[data-draft="{drafted[0]}"]')
    await _reload_until(page, first)
    await first.get_by_role("button", name="Approve and send").click()
    await page.wait_for_selector(".note")
    second = page.locator(f'article[data-draft="{drafted[1]}"]')
    await second.locator("textarea[name=text]").fill("We open at 9 on weekdays, 10 on Saturday.")
    await second.get_by_role("button", name="Send edited").click()
    await page.wait_for_selector(".note")
    bodies = [
        console.cipher.open(c.body, Purpose.SMS_BODY) for c in await console.outbox("message.send")
    ]
    assert "Tuesday at 2pm works with Sofia." in bodies
    assert "We open at 9 on weekdays, 10 on Saturday." in bodies

    # A week of its own, far ahead, so no other test's events are in it: one text at 02:00.
    night = datetime(2029, 3, 6, 10, tzinfo=UTC)
    sid = "SM" + uuid.uuid4().hex
    await console.publish(
        telephony_pb2.SmsReceived(
            spa_id=SPA,
            message_sid=sid,
            from_phone=console.cipher.seal(patient, Purpose.PHONE),
            body=console.cipher.seal("are you open?", Purpose.SMS_BODY),
            received_at=stamp(night),
        )
    )
    await eventually(lambda: console.rows("SELECT 1 FROM contacts WHERE ref = $1", sid))
    await page.goto(f"{base}/report?period=week&day=2029-03-06")
    assert await page.locator('[data-figure="after_hours"]').inner_text() == "1"
    assert await page.locator('[data-figure="conversations"]').inner_text() == "0"
    assert await page.locator("svg.chart").count() == 3
    await context.close()


async def _reload_until(page: Any, locator: Any) -> None:
    """The drafts page lists what the console has stored; reload until the new one is in."""
    async with asyncio.timeout(30):
        while not await locator.count():
            await page.reload()


async def test_a_failed_refund_appears_live_on_callbacks_and_is_sorted_out(
    console: Console, browser: Any
) -> None:
    from medspa.events.v1 import deposit_pb2

    username = await console.account(Role.FRONT_DESK)
    base = console.url.replace("127.0.0.1", "localhost")
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, base, username, PASSWORD)
    await page.goto(f"{base}/callbacks")
    await live_feed_open(page)
    deposit_id = str(uuid.uuid4())
    # Published after the page is open: only the live feed can bring the row in.
    await console.publish(deposit_pb2.DepositRefundFailed(
        spa_id=SPA, deposit_id=deposit_id, appointment_id=str(uuid.uuid4()),
        amount=common_pb2.Money(amount_minor=12500, currency="USD"), reason="lost_or_stolen_card",
        refund_ref="re_live", attempt=1,
    ))  # fmt: skip
    row = page.locator(f'tr[data-payment-issue="refund-{deposit_id}-1"]')
    await row.wait_for()
    assert "$125.00" in await row.inner_text()
    assert "lost or stolen card" in await row.inner_text()
    await row.locator("select[name=resolution]").select_option("patient_contacted")
    await row.get_by_role("button", name="Sorted").click()
    await page.wait_for_selector(".note")
    assert await page.locator(f'tr[data-payment-issue="refund-{deposit_id}-1"]').count() == 0
    await context.close()
