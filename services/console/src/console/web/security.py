"""Who is asking and whether they may: sessions or bearer tokens, roles, CSRF, page headers.

Pages send an unsigned-in visitor to the sign-in page; the API answers 401. A role
without the permission gets 403 either way. Every state-changing request made with a
session cookie must carry the session's CSRF token (form field `csrf_token` or header
`X-CSRF-Token`); bearer-token requests carry no cookie, so there is nothing to forge.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from fastapi import Depends, HTTPException, Request, Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from console.auth.principal import Principal
from console.auth.sessions import cookie_name
from console.domain.roles import Permission
from console.web.context import console_of

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    """A page asked for by someone not signed in: answered with a redirect to /login."""


async def current(request: Request) -> Principal | None:
    """The principal of this request, resolved once and kept on the request."""
    if hasattr(request.state, "principal"):
        found: Principal | None = request.state.principal
        return found
    console = console_of(request)
    principal: Principal | None = None
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    async with console.db() as conn:
        if scheme.lower() == "bearer" and token:
            principal = await console.tokens.load(conn, token.strip())
        else:
            cookie = request.cookies.get(cookie_name(console.settings.cookie_secure))
            if cookie:
                principal = await console.sessions.load(conn, cookie, console.clock())
    request.state.principal = principal
    return principal


async def check_csrf(request: Request, principal: Principal) -> None:
    if request.method not in UNSAFE or principal.kind != "staff":
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = principal.csrf_token or ""
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, detail="csrf")


def api_user(permission: Permission | None = None) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        principal = await current(request)
        if principal is None:
            raise HTTPException(401, detail="sign in or send a bearer token",
                                headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        if permission is not None and not principal.can(permission):
            raise HTTPException(403, detail="denied")
        await check_csrf(request, principal)
        return principal

    return dependency


def page_user(permission: Permission | None = None) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        principal = await current(request)
        if principal is None or principal.kind != "staff":
            raise SignInRequired()
        if permission is not None and not principal.can(permission):
            raise HTTPException(403, detail="denied")
        await check_csrf(request, principal)
        return principal

    return dependency


def Api(permission: Permission | None = None) -> Principal:
    """`who: Principal = Api(Permission.X)` in an API route's signature."""
    result: Principal = Depends(api_user(permission))
    return result


def Page(permission: Permission | None = None) -> Principal:
    result: Principal = Depends(page_user(permission))
    return result


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


class SecurityHeaders(BaseHTTPMiddleware):
    """Headers on every answer: no framing, no sniffing, scripts and styles only from here,
    and nothing with patient data kept in a cache."""

    def __init__(self, app: object, *, hsts: bool) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self._hsts = hsts

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
            " object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.url.path.startswith("/static/"):
            headers.setdefault("Cache-Control", "no-store")
        if self._hsts:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
