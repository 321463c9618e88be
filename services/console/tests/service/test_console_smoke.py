"""Smoke: the console starts, serves its OpenAPI document and its sign-in page."""

from __future__ import annotations

import pytest
from console_harness import Console

pytestmark = pytest.mark.integration


async def test_openapi_and_login(console: Console) -> None:
    async with console.client() as http:
        doc = (await http.get("/v1/openapi.json")).json()
        assert "/v1/handoffs" in doc["paths"]
        assert (await http.get("/login")).status_code == 200
