"""Signing in and out: password with lockout, or OIDC (authorization code + PKCE).

The sign-in form is protected against forged posts by a double-submit token (a cookie
and a form field that must match), since there is no session yet to hold one.
"""

from __future__ import annotations

import logging
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.auth.accounts import Account, Refusal
from console.auth.oidc import OidcError
from console.auth.sessions import cookie_name
from console.web.context import Console, console_of
from console.web.security import current, same_token

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
LOGIN_CSRF = "console_login_csrf"


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_page(
    request: Request, console: Console, *, error: str | None = None, status: int = 200,
    next_url: str = "/",
) -> HTMLResponse:  # fmt: skip
    token = secrets.token_urlsafe(24)
    response = console.templates.TemplateResponse(
        request,
        "login.html",
        {
            "csrf_token": token,
            "error": error,
            "next": next_url,
            "oidc": console.oidc is not None,
            "signed_out": request.query_params.get("signed_out") == "1",
        },
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF, token, httponly=True, secure=console.settings.cookie_secure,
        samesite="strict", path="/",
    )  # fmt: skip
    return response


async def _signed_in(console: Console, account: Account, next_url: str) -> Response:
    async with console.db() as conn:
        # Ended sessions are refused anyway; clearing them here keeps the table small.
        await console.sessions.prune(conn, console.clock())
        value = await console.sessions.start(conn, account.id, console.clock())
    response = RedirectResponse(safe_next(next_url), status_code=303)
    response.set_cookie(
        cookie_name(console.settings.cookie_secure),
        value,
        max_age=int(console.sessions.policy.max_age.total_seconds()),
        httponly=True,
        secure=console.settings.cookie_secure,
        samesite="strict",
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF, path="/")
    log.info("signed in", extra={"account": account.id, "role": account.role.value})
    return response


@router.get("/login")
async def login_form(request: Request, next: str = "/") -> Response:
    console = console_of(request)
    return _login_page(request, console, next_url=safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=300)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    console = console_of(request)
    if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF)):
        raise HTTPException(403, detail="csrf")
    async with console.db() as conn, conn.transaction():
        outcome = await console.accounts.authenticate(conn, username, password, console.clock())
    if isinstance(outcome, Refusal):
        key = "login.locked" if outcome is Refusal.LOCKED else "login.invalid"
        return _login_page(
            request, console, error=console.say(key), status=401 if key == "login.invalid" else 429,
            next_url=safe_next(next),
        )  # fmt: skip
    return await _signed_in(console, outcome, next)


@router.post("/logout")
async def logout(
    request: Request, csrf_token: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    console = console_of(request)
    principal = await current(request)
    cookie = request.cookies.get(cookie_name(console.settings.cookie_secure))
    if principal is not None and cookie:
        if not same_token(csrf_token, principal.csrf_token):
            raise HTTPException(403, detail="csrf")
        async with console.db() as conn:
            await console.sessions.end(conn, cookie)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    response.delete_cookie(cookie_name(console.settings.cookie_secure), path="/")
    return response


@router.get("/auth/oidc/start")
async def oidc_start(request: Request) -> Response:
    console = console_of(request)
    if console.oidc is None:
        raise HTTPException(404)
    try:
        async with console.db() as conn:
            url = await console.oidc.begin(conn, console.clock())
    except OidcError as exc:
        log.warning("OIDC sign-in could not start", extra={"reason": str(exc)})
        return _login_page(request, console, error=console.say("login.oidc_failed"), status=502)
    return RedirectResponse(url, status_code=303)


@router.get("/auth/oidc/callback")
async def oidc_callback(
    request: Request, code: str = "", state: str = "", error: str = ""
) -> Response:
    console = console_of(request)
    if console.oidc is None:
        raise HTTPException(404)
    if error or not code or not state:
        return _login_page(request, console, error=console.say("login.oidc_failed"), status=401)
    try:
        async with console.db() as conn, conn.transaction():
            subject, username = await console.oidc.finish(conn, code, state, console.clock())
            account = await console.accounts.for_oidc(conn, subject, username)
    except OidcError as exc:
        log.warning("OIDC sign-in refused", extra={"reason": str(exc)})
        return _login_page(request, console, error=console.say("login.oidc_failed"), status=401)
    if account is None:
        return _login_page(request, console, error=console.say("login.oidc_unknown"), status=403)
    return await _signed_in(console, account, "/")
