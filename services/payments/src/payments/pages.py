"""The patient's pages: the sandbox's hosted payment page (pay a deposit, or save
a card for the no-show fee), and the return page Stripe (or the sandbox) sends
the patient back to.

The return page settles the payment too, through the same path as the webhook,
so whichever arrives first fulfils it and the other finds it done. Every word
comes from the catalog; every value is escaped.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from medspa_kit.catalog import DEFAULT_LOCALE
from payments.adapters import rows
from payments.adapters.rows import Record
from payments.adapters.sandbox import DEFAULT_CARD, TEST_CARDS, SandboxSession, link_state
from payments.adapters.sandbox import NAME as SANDBOX
from payments.bound import Binding, Bound
from payments.domain.deposit import SETTLED, Purpose, State
from payments.ports import LinkStatus
from payments.words import Words

# Sandbox tokens and Stripe session ids; anything else is not a link of ours.
_REF = re.compile(r"^[A-Za-z0-9_-]{8,255}$")

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 28rem; margin: 2rem auto; padding: 0 1rem;
  color: #222; }}
form {{ display: inline; }}
button {{ font-size: 1rem; padding: .6rem 1rem; margin: .4rem .4rem .4rem 0; border-radius: .4rem;
  border: 1px solid #999; background: #fff; }}
button.pay {{ background: #1d6b57; color: #fff; border-color: #1d6b57; }}
.terms, .note {{ color: #555; font-size: .9rem; }}
</style></head>
<body>{body}</body></html>
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _page(locale: str, title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        _PAGE.format(lang=_e(locale), title=_e(title), body=body),
        status_code=status,
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            # The page needs nothing but its own inline style and forms posting back here.
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self';"
                " frame-ancestors 'none'"
            ),
        },
    )


def _context(bound: Bound, record: Record) -> tuple[Words, str, dict[str, str]]:
    spa = bound.events.spa(record.spa_id)
    words = bound.events.words(record.spa_id)
    values = {
        "spa": spa.name,
        "service": bound.events.service_name(record.spa_id, record.service_id),
        "when": words.when(record.appointment_start),
        "amount": record.due.display(),
        "credit": record.deposit.held_credit.display(),
        "expires": words.time(record.expires_at),
    }
    return words, spa.locale, values


def _message(bound: Bound, record: Record, key: str) -> HTMLResponse:
    words, locale, values = _context(bound, record)
    if key == "page.paid":
        values["amount"] = record.deposit.amount.display()
    text = words.say(key, **values)
    return _page(locale, _title(words, record, values), f"<p>{_e(text)}</p>")


def _title(words: Words, record: Record, values: dict[str, str]) -> str:
    card = record.deposit.purpose is Purpose.CARD
    return words.say("page.card_title" if card else "page.title", **values)


def _plain(key: str, status: int = 200) -> HTMLResponse:
    """A page that belongs to no deposit we can name, in the default locale."""
    text = Words(DEFAULT_LOCALE, ZoneInfo("UTC")).say(key)
    return _page(DEFAULT_LOCALE, text, f"<p>{_e(text)}</p>", status)


# Past the patient's part: money on its way somewhere.
_UNDER_WAY = frozenset({State.REFUND_PENDING, State.REFUND_FAILED, State.FEE_PENDING})


def _card_status_key(record: Record, link: LinkStatus) -> str:
    state = record.deposit.state
    if state in SETTLED or state in _UNDER_WAY:
        return "page.settled"
    if record.deposit.card_on_file or link is LinkStatus.SAVED:
        return "page.card_saved"
    if state is State.DECLINED or link is LinkStatus.DECLINED:
        return "page.card_declined"
    if state is State.REQUESTED and link is LinkStatus.OPEN:
        return "page.card_pending"
    return "page.card_expired"


def _status_key(record: Record, link: LinkStatus) -> str:
    state = record.deposit.state
    if record.deposit.purpose is Purpose.CARD:
        return _card_status_key(record, link)
    if state in (State.PAID, State.LATE_PAID) or link is LinkStatus.PAID:
        return "page.paid" if state is State.PAID else "page.processing"
    if state is State.DECLINED or link is LinkStatus.DECLINED:
        return "page.declined"
    if state in SETTLED or state in _UNDER_WAY:
        return "page.settled"
    return "page.expired"


def router(binding: Binding) -> APIRouter:
    routes = APIRouter()

    async def _sandbox_record(bound: Bound, token: str) -> tuple[Record, LinkStatus] | None:
        if bound.sandbox is None or not _REF.match(token):
            return None
        session = await bound.sandbox.session(token)
        if session is None:
            return None
        async with bound.pool.acquire() as conn:
            record = await rows.load(conn, session.deposit_id)
        return (record, session.status) if record else None

    @routes.get("/pay/return", response_class=HTMLResponse, include_in_schema=False)
    async def returned(session_id: str = Query("", max_length=255)) -> Response:
        bound = binding.get()
        if not _REF.match(session_id):
            return _plain("page.not_found", 404)
        outcome = await bound.settlements.returned(session_id)
        if outcome.record is None or outcome.state is None:
            return _plain("page.not_found", 404)
        if (
            outcome.state.status is LinkStatus.OPEN
            and outcome.record.deposit.state is State.REQUESTED
            and outcome.record.deposit.purpose is Purpose.DEPOSIT
        ):
            return _message(bound, outcome.record, "page.processing")
        return _message(bound, outcome.record, _status_key(outcome.record, outcome.state.status))

    @routes.get("/pay/cancelled", response_class=HTMLResponse, include_in_schema=False)
    async def cancelled() -> Response:
        return _plain("page.cancelled")

    @routes.get("/pay/{token}", response_class=HTMLResponse, include_in_schema=False)
    async def payment_page(token: str) -> Response:
        bound = binding.get()
        found = await _sandbox_record(bound, token)
        if found is None:
            return _plain("page.not_found", 404)
        record, link = found
        if link is not LinkStatus.OPEN or record.deposit.state is not State.REQUESTED:
            return _message(bound, record, _status_key(record, link))
        if record.deposit.purpose is Purpose.CARD:
            return _card_page(bound, record, token)
        words, locale, values = _context(bound, record)
        session = await bound.sandbox.session(token) if bound.sandbox else None
        cards = _test_cards(words) if session and session.saves_card else ""
        credit = (
            f"<p>{_e(words.say('page.credit', **values))}</p>"
            if record.deposit.held_credit.positive
            else ""
        )
        body = (
            f"<h1>{_e(words.say('page.heading', **values))}</h1>"
            f"<p>{_e(words.say('page.when', **values))}</p>"
            f"<p><strong>{_e(words.say('page.amount', **values))}</strong></p>{credit}"
            f"<p>{_e(words.say('page.expires', **values))}</p>"
            f'<p class="terms">{_e(record.policy_text)}</p>'
            f'<form method="post" action="/pay/{_e(token)}/pay">{cards}'
            f'<button class="pay" type="submit">{_e(words.say("page.pay", **values))}</button></form>'
            f'<form method="post" action="/pay/{_e(token)}/decline">'
            f'<button type="submit">{_e(words.say("page.decline", **values))}</button></form>'
            f'<p class="note">{_e(words.say("page.sandbox"))}</p>'
        )
        return _page(locale, _title(words, record, values), body)

    async def _finish(token: str, action: str, card: str = DEFAULT_CARD) -> Response:
        bound = binding.get()
        sandbox = bound.sandbox
        if sandbox is None or not _REF.match(token):
            return _plain("page.not_found", 404)
        session: SandboxSession | None
        if action == "pay":
            session = await sandbox.pay(token, card)
        elif action == "save":
            session = await sandbox.save(token, card)
        else:
            session = await sandbox.decline(token)
        if session is None:
            return _plain("page.not_found", 404)
        # As Stripe would send a webhook: the sandbox's own report, keyed by what it did.
        state = link_state(session)
        await bound.settlements.report(
            SANDBOX, token, session.deposit_id, state, f"sandbox:{token}:{state.status.value}"
        )
        return RedirectResponse(f"/pay/return?session_id={token}", status_code=303)

    @routes.post("/pay/{token}/pay", include_in_schema=False)
    async def pay(token: str, request: Request) -> Response:
        return await _finish(token, "pay", await _chosen_card(request))

    @routes.post("/pay/{token}/save", include_in_schema=False)
    async def save(token: str, request: Request) -> Response:
        return await _finish(token, "save", await _chosen_card(request))

    @routes.post("/pay/{token}/decline", include_in_schema=False)
    async def decline(token: str) -> Response:
        return await _finish(token, "decline")

    return routes


async def _chosen_card(request: Request) -> str:
    """The test card picked on the page (a form field; anything unknown is the default)."""
    body = (await request.body())[:1024].decode("utf-8", "replace")
    chosen = parse_qs(body).get("card", [DEFAULT_CARD])[0]
    return chosen if chosen in TEST_CARDS else DEFAULT_CARD


def _test_cards(words: Words) -> str:
    """The sandbox's test cards, as Stripe's test numbers behave when charged later."""
    options = "".join(
        f'<option value="{_e(card)}">{_e(words.say(f"page.test_card.{card}"))}</option>'
        for card in TEST_CARDS
    )
    return f'<p><label>{_e(words.say("page.test_card"))} <select name="card">{options}</select></label></p>'


def _card_page(bound: Bound, record: Record, token: str) -> HTMLResponse:
    """The sandbox's page to save a card for the no-show fee: nothing is charged."""
    words, locale, values = _context(bound, record)
    body = (
        f"<h1>{_e(words.say('page.card_heading', **values))}</h1>"
        f"<p>{_e(words.say('page.when', **values))}</p>"
        f"<p><strong>{_e(words.say('page.card_amount', **values))}</strong></p>"
        f"<p>{_e(words.say('page.expires', **values))}</p>"
        f'<p class="terms">{_e(record.policy_text)}</p>'
        f'<form method="post" action="/pay/{_e(token)}/save">{_test_cards(words)}'
        f'<button class="pay" type="submit">{_e(words.say("page.save"))}</button></form>'
        f'<form method="post" action="/pay/{_e(token)}/decline">'
        f'<button type="submit">{_e(words.say("page.no_thanks"))}</button></form>'
        f'<p class="note">{_e(words.say("page.sandbox"))}</p>'
    )
    return _page(locale, _title(words, record, values), body)
