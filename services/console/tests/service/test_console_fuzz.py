"""The JSON API fuzzed with schemathesis against its own OpenAPI document: whatever it is
sent, valid or not, it never answers with a server error (5xx)."""

from __future__ import annotations

import asyncio

import pytest
from console_harness import Console

from console.domain.roles import Role

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# The live stream never ends by design; it is tested on its own in test_console_inbox.
ENDLESS = {"/v1/stream"}
EXAMPLES = 20


def fuzz(base_url: str, token: str) -> list[str]:
    """Runs in a worker thread: schemathesis calls with a blocking client, and the console
    under test serves on this test's event loop."""
    import hypothesis
    import schemathesis
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_url(f"{base_url}/v1/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in ENDLESS:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis.settings(
                max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(hypothesis.HealthCheck),
                phases=[hypothesis.Phase.generate],
            )  # fmt: skip
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            def call(case: schemathesis.Case) -> None:
                response = case.call(
                    base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
                )
                if response.status_code >= 500:
                    failures.append(f"{case.operation.label} -> {response.status_code}")

            try:
                call()
            except hypothesis.errors.Unsatisfiable:
                # An operation with nothing to get wrong (no parameters, no body) has no
                # invalid input to generate; its positive run covers it.
                continue
    return failures


async def test_no_input_makes_the_api_fail(console: Console) -> None:
    pytest.importorskip("schemathesis", reason="schemathesis belongs in the root dev dependencies")
    manager = await console.sign_in(Role.MANAGER)
    made = await manager.post("/v1/tokens", json={"name": "fuzzer", "role": "manager"})
    failures = await asyncio.to_thread(fuzz, console.url, made.json()["token"])
    assert failures == []
