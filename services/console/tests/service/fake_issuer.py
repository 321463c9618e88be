"""A tiny OpenID Connect issuer for tests: discovery, authorize (signs in whoever the test
says), token with PKCE checked, and its signing keys. RS256, one key, served on localhost."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import uvicorn
from console_harness import eventually, free_port
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, HTTPException
from fastapi.responses import RedirectResponse

KID = "test-key-1"


@dataclass
class FakeIssuer:
    url: str
    client_id: str = "console-test"
    # Who the next authorize request signs in (the test sets it).
    email: str = "nobody@spa.test"
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    key: Any = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
                "code_challenge_methods_supported": ["S256"],
            }

        @app.get("/authorize")
        async def authorize(
            redirect_uri: str, state: str, nonce: str, code_challenge: str,
            code_challenge_method: str, client_id: str, response_type: str, scope: str,
        ) -> RedirectResponse:  # fmt: skip
            self.authorize_requests.append(
                {"challenge": code_challenge, "method": code_challenge_method, "scope": scope}
            )
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": nonce, "challenge": code_challenge, "email": self.email,
                                "redirect_uri": redirect_uri}  # fmt: skip
            return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}")

        @app.post("/token")
        async def token(
            grant_type: str = Form(), code: str = Form(), redirect_uri: str = Form(),
            client_id: str = Form(), code_verifier: str = Form(),
        ) -> dict[str, Any]:  # fmt: skip
            grant = self.codes.pop(code, None)
            digest = hashlib.sha256(code_verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if (
                grant is None
                or grant["challenge"] != challenge
                or grant["redirect_uri"] != redirect_uri
            ):
                raise HTTPException(400, detail="invalid_grant")
            now = int(time.time())
            claims = {"iss": self.url, "aud": self.client_id, "sub": f"sub-{grant['email']}",
                      "email": grant["email"], "nonce": grant["nonce"], "iat": now, "exp": now + 300}  # fmt: skip
            id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})
            return {"access_token": "unused", "token_type": "Bearer", "id_token": id_token}

        @app.get("/jwks")
        async def jwks() -> dict[str, Any]:
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            return {"keys": [{**public, "kid": KID, "use": "sig", "alg": "RS256"}]}

        return app


@contextlib.asynccontextmanager
async def serve_fake_issuer() -> AsyncIterator[FakeIssuer]:
    port = free_port()
    issuer = FakeIssuer(f"http://127.0.0.1:{port}")
    server = uvicorn.Server(
        uvicorn.Config(issuer.app(), host="127.0.0.1", port=port, log_config=None)
    )
    task = asyncio.create_task(server.serve())
    await eventually(lambda: _started(server))
    try:
        yield issuer
    finally:
        server.should_exit = True
        await task


async def _started(server: uvicorn.Server) -> bool:
    return server.started
