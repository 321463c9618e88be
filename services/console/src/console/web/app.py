"""The FastAPI app: pages, the /v1 API with its OpenAPI document, static files, and how
refusals are answered (JSON for the API, a page for people)."""

from __future__ import annotations

import asyncio
from importlib import resources

import asyncpg
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from console.actions import Conflict, Invalid, NotFound
from console.auth.passwords import WeakPassword
from console.domain.roles import Permission
from console.ports import CalendarUnavailable
from console.web import api, api_admin, auth_routes, pages, pages_admin
from console.web.context import Console
from console.web.pages import label
from console.web.security import SecurityHeaders, SignInRequired, current

PACKAGE = resources.files("console.web")
TITLED = {401, 403, 404, 409, 422, 503}
# Everything people and scripts reach, besides /static and /v1/openapi.json. The public
# Ingress routes exactly these paths' first segments (deploy/k8s checks it against this list),
# so the kit's /metrics, /healthz and /readyz on the same port stay inside the cluster.
ROUTERS = (auth_routes.router, pages.router, pages_admin.router, api.router, api_admin.router)
STATIC = "/static"
OPENAPI = "/v1/openapi.json"


def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=str(PACKAGE / "templates"))


def create_app(console: Console) -> FastAPI:
    app = FastAPI(
        title="Med spa front desk: staff console API",
        version="1.0.0",
        description=(
            "The staff console's JSON API. Authenticate with `Authorization: Bearer <token>`"
            " (a manager issues tokens) or a console session cookie plus `X-CSRF-Token`."
        ),
        # The interactive docs page loads scripts from a CDN, which the console's CSP refuses;
        # the document itself is what scripts and schemathesis read.
        docs_url=None,
        openapi_url=OPENAPI,
        redoc_url=None,
    )
    app.state.console = console
    # Every template, error pages included, gets the words and the permission names.
    env = console.templates.env
    env.globals.update(
        P=Permission, t=console.say, label=lambda prefix, value: label(console, prefix, value)
    )
    # Replaced by the runtime's stop event in wire(), so open streams end on shutdown.
    app.state.stop = asyncio.Event()
    app.add_middleware(SecurityHeaders, hsts=console.settings.cookie_secure)
    app.mount(STATIC, StaticFiles(directory=str(PACKAGE / "static")), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _install_errors(app, console)
    return app


def _install_errors(app: FastAPI, console: Console) -> None:
    async def answer(request: Request, status: int, detail: str) -> Response:
        if request.url.path.startswith("/v1/"):
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return JSONResponse({"detail": detail}, status_code=status, headers=headers)
        key = {403: "csrf.refused" if detail == "csrf" else "denied", 404: "not_found",
               503: "calendar.unavailable"}.get(status)  # fmt: skip
        return console.templates.TemplateResponse(
            request,
            "error.html",
            {
                "title": console.say(f"title.{status}" if status in TITLED else "title.other"),
                "message": console.say(key) if key else detail,
                "who": await current(request) if status != 503 else None,
            },
            status_code=status,
        )

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, _: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}" if request.method == "GET" else "/login",
                                status_code=303)  # fmt: skip

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return await answer(request, exc.status_code, str(exc.detail))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, _: NotFound) -> Response:
        return await answer(request, 404, "not found")

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> Response:
        return await answer(request, 409, str(exc))

    @app.exception_handler(Invalid)
    async def invalid(request: Request, exc: Invalid) -> Response:
        return await answer(request, 422, str(exc))

    @app.exception_handler(WeakPassword)
    async def weak(request: Request, _: WeakPassword) -> Response:
        return await answer(request, 422, "password.weak")

    @app.exception_handler(CalendarUnavailable)
    async def calendar_down(request: Request, _: CalendarUnavailable) -> Response:
        return await answer(request, 503, "calendar unavailable")

    @app.exception_handler(asyncpg.DataError)
    async def malformed(request: Request, _: asyncpg.DataError) -> Response:
        # Input PostgreSQL cannot take (a NUL in a form field, a number past 64 bits) is the
        # caller's mistake, not the console's.
        return await answer(request, 422, "malformed input")

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/v1/"):
            # Field names and messages only: the offending values may be patient data.
            errors = [
                {"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()
            ]
            return JSONResponse({"detail": errors}, status_code=422)
        return await answer(request, 422, "check the form")
