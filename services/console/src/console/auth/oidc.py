"""OIDC sign-in: authorization code with PKCE (S256), state and nonce, against any issuer.

The issuer's discovery document names its endpoints; the ID token is checked with the
issuer's published keys (signature, issuer, audience, expiry, nonce) before anyone is
signed in. State, nonce and the PKCE verifier live in `oidc_logins` and are used once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
import jwt

# Long enough to type a password and answer a second factor at the identity provider.
LOGIN_WINDOW = timedelta(minutes=10)
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


class OidcError(RuntimeError):
    """The sign-in cannot be trusted or completed; the message names the step, never a token."""


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str | None
    redirect_url: str
    scopes: str
    username_claim: str
    timeout_s: float


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class OidcClient:
    def __init__(self, config: OidcConfig, http: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._http = http or httpx.AsyncClient(timeout=config.timeout_s)
        self._metadata: dict[str, Any] | None = None

    async def close(self) -> None:
        await self._http.aclose()

    async def _discover(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                response = await self._http.get(url)
                response.raise_for_status()
                metadata = response.json()
            except (httpx.HTTPError, json.JSONDecodeError) as exc:
                raise OidcError(f"discovery failed: {type(exc).__name__}") from exc
            if metadata.get("issuer") != self.config.issuer:
                raise OidcError("discovery names a different issuer")
            self._metadata = metadata
        return self._metadata

    async def begin(self, conn: asyncpg.Connection, now: datetime) -> str:
        """The identity provider's URL to send the browser to."""
        metadata = await self._discover()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        await conn.execute("DELETE FROM oidc_logins WHERE created_at < $1", now - LOGIN_WINDOW)
        await conn.execute(
            "INSERT INTO oidc_logins (state, nonce, code_verifier, created_at)"
            " VALUES ($1, $2, $3, $4)",
            state,
            nonce,
            verifier,
            now,
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "redirect_uri": self.config.redirect_url,
                "scope": self.config.scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": pkce_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        return f"{metadata['authorization_endpoint']}?{query}"

    async def finish(
        self, conn: asyncpg.Connection, code: str, state: str, now: datetime
    ) -> tuple[str, str]:
        """Trade the code for tokens and check the ID token: (subject key, username)."""
        row = await conn.fetchrow(
            "DELETE FROM oidc_logins WHERE state = $1 AND created_at > $2"
            " RETURNING nonce, code_verifier",
            state,
            now - LOGIN_WINDOW,
        )
        if row is None:
            raise OidcError("unknown or expired sign-in state")
        metadata = await self._discover()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_url,
            "client_id": self.config.client_id,
            "code_verifier": row["code_verifier"],
        }
        if self.config.client_secret:
            form["client_secret"] = self.config.client_secret
        try:
            response = await self._http.post(metadata["token_endpoint"], data=form)
            response.raise_for_status()
            id_token = response.json()["id_token"]
        except (httpx.HTTPError, KeyError, json.JSONDecodeError) as exc:
            raise OidcError(f"token exchange failed: {type(exc).__name__}") from exc
        claims = await self._verify(id_token, metadata["jwks_uri"])
        if claims.get("nonce") != row["nonce"]:
            raise OidcError("ID token nonce does not match this sign-in")
        username = claims.get(self.config.username_claim)
        if not isinstance(username, str) or not username:
            raise OidcError(f"ID token has no {self.config.username_claim!r} claim")
        return f"{self.config.issuer}|{claims['sub']}", username

    async def _verify(self, id_token: str, jwks_uri: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
            response = await self._http.get(jwks_uri)
            response.raise_for_status()
            keys = jwt.PyJWKSet.from_dict(response.json())
            key = next((k for k in keys.keys if header.get("kid") in (None, k.key_id)), None)
            if key is None:
                raise OidcError("no published key matches the ID token")
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self.config.client_id,
                issuer=self.config.issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except (jwt.PyJWTError, httpx.HTTPError, json.JSONDecodeError) as exc:
            raise OidcError(f"ID token refused: {type(exc).__name__}") from exc
        return claims
