"""`make bench` (agent): a rules-brain turn in process, and a text answered through the stack.

    .venv/bin/python services/agent/bench/bench_agent.py [--in-process-only] [--patients 20]
        [--pause 2]

In process: the engine with the rules brain and an in-memory calendar, over a mix of
the turns patients send (greeting, a booking with a time, a pick, a name, a question,
a clinical question that goes to staff); target p50 under 5 ms.
Through the stack: concurrent patients texting the Twilio sandbox, each turn timed from
the inbound text to the reply at the sandbox (the sandbox's own timestamps); target p99
under 300 ms at 20 concurrent patients. Twice: patients answering each reply two seconds
later (`--pause`; people take longer), then back to back, a stress that finds how many
texts a second the machine answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "eval"))

import httpx  # noqa: E402
from fakes import FakeCalendar, new_phone  # noqa: E402

from agent.brains.rules import RulesBrain  # noqa: E402
from agent.domain.speech import Channel  # noqa: E402
from agent.domain.state import State  # noqa: E402
from agent.engine import Engine, Incoming  # noqa: E402
from agent.settings import AgentSettings, ConversationPolicy  # noqa: E402
from agent.words import Words  # noqa: E402
from medspa_kit.catalog import Catalog  # noqa: E402
from spa_config import load_spas  # noqa: E402

CONVERSATION = (
    "hi there",
    "something for my forehead lines, monday around 2",
    "the later one",
    "Jane Doe",
    "where do I park?",
    "is it safe while breastfeeding?",
)
# A stuck reply fails the run instead of hanging it.
REPLY_DEADLINE_S = 120.0
# Telephony paces texts per sender number; one US long code sends 1 segment a second, so 20
# patients on one number wait on the carrier, not on the stack. The bench sends as a spa with a
# high-throughput number does (a short code: 100 segments a second).
SEGMENTS_PER_SECOND = 100.0
# The agent's own pool, as deployed (the whole-system tests squeeze every service to 4).
AGENT_POOL = 10
# How long a patient takes to read a reply and text back; people take longer, so 20 such
# patients are a busier spa than 20 real ones.
PATIENT_PAUSE_S = 2.0
TEXTS = ("hydrafacial next week", "1", "Jane Doe", "where do I park?", "what are your hours")


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99, ordered[-1]


def table(title: str, rows: list[tuple[str, list[float], str]]) -> None:
    print(f"\n{title}")
    print(f"{'what':<50} {'n':>6} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}  target")
    for name, samples, target in rows:
        p50, p99, worst = percentiles(samples)
        print(f"{name:<50} {len(samples):>6} {p50:>9.2f} {p99:>9.2f} {worst:>9.2f}  {target}")


class CachedCalendar(FakeCalendar):
    """The in-memory calendar with its slot lists computed once: the bench times the
    agent's own work, not the fake's slot arithmetic."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._cache: dict[tuple[object, ...], list[object]] = {}

    def _slots(self, spa_id, service_id, start, end):  # type: ignore[no-untyped-def]
        key = (spa_id, service_id, start, end, len(self.booked))
        if key not in self._cache:
            self._cache[key] = super()._slots(spa_id, service_id, start, end)
        return list(self._cache[key])


async def in_process(rounds: int) -> list[tuple[str, list[float], str]]:
    spas = load_spas(None)
    spa = spas.get("lumen-aesthetics")
    now = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    calendar = CachedCalendar(spas, now)
    engine = Engine(calendar, Words(Catalog.load("agent")), RulesBrain(), ConversationPolicy())
    samples: list[float] = []
    for n in range(rounds):
        state = State()
        for i, text in enumerate(CONVERSATION):
            incoming = Incoming(text, Channel.SMS, now + timedelta(seconds=i), f"b{n}-{i}", "SM")
            started = time.perf_counter()
            await engine.turn(spa, f"c{n}", "+14155550123", state, incoming)
            samples.append((time.perf_counter() - started) * 1000)
    return [("rules-brain turn, in process", samples, "p50 < 5 ms")]


async def through_stack(
    patients: int, rate: float, pool: int, pause_s: float
) -> list[tuple[str, list[float], str]]:
    from stack import running_stack

    service_env = {
        "telephony": {"TELEPHONY_SEGMENTS_PER_SECOND": str(rate)},
        "agent": {"DATABASE_POOL_MAX": str(pool)},
    }
    async with running_stack(service_env=service_env) as (system, stack):
        async with httpx.AsyncClient(timeout=30) as client:

            async def one(pause: float = 0.0, start: float = 0.0) -> list[float]:
                await asyncio.sleep(start)
                return await patient(client, stack.sandbox_url, stack.spa_number, TEXTS, pause)

            # One conversation alone first: the path's own latency, and first-use costs paid.
            alone = await one()
            # Patients as people text: each reads the reply and answers a moment later, the
            # conversations starting spread over that moment, as they do.
            paced = await asyncio.gather(
                *(one(pause_s, pause_s * n / patients) for n in range(patients))
            )
            warm = len(spans(system.trace_file("agent"), "sms.received process"))
            sends_warm = len(spans(system.trace_file("telephony"), "message.send process"))
            # The stress: every patient answers the instant the reply lands, many times the
            # traffic of as many people; it finds what the machine can carry.
            started = time.perf_counter()
            stressed = await asyncio.gather(*(one() for _ in range(patients)))
            elapsed = time.perf_counter() - started
        agent = spans(system.trace_file("agent"), "sms.received process")[warm:]
        sends = spans(system.trace_file("telephony"), "message.send process")[sends_warm:]
    back_to_back = [s for r in stressed for s in r]
    print(f"\nback to back: {len(back_to_back) / elapsed:.1f} texts answered a second")
    return [
        ("text in to reply out, 1 patient", alone, ""),
        (
            f"{patients} patients at once, answering {pause_s:g} s after each reply",
            [s for r in paced for s in r],
            "p99 < 300 ms",
        ),
        (f"{patients} patients at once, back to back (stress)", back_to_back, ""),
        ("  the agent's own turn (its consumer span)", agent, ""),
        # Telephony takes the reply commands one at a time: at 20 patients they queue here.
        ("  telephony taking the reply (its consumer span)", sends, ""),
    ]


def spans(traces: Path, name: str) -> list[float]:
    """How long each span of this name took, in milliseconds, from a service's trace file."""
    if not traces.exists():
        return []
    found = []
    for line in traces.read_text().splitlines():
        span = json.loads(line)
        if span["name"] == name:
            found.append((span["end_ns"] - span["start_ns"]) / 1e6)
    return found


async def patient(
    client: httpx.AsyncClient,
    sandbox: str,
    spa_number: str,
    texts: tuple[str, ...],
    pause_s: float = 0.0,
) -> list[float]:
    phone = new_phone()
    latencies = []
    seen: list[dict[str, str]] = []
    for n, text in enumerate(texts):
        if n and pause_s:
            await asyncio.sleep(pause_s)
        sent = await client.post(
            f"{sandbox}/sandbox/sms", json={"from": phone, "to": spa_number, "body": text}
        )
        sent.raise_for_status()
        # Long polls: the sandbox answers the moment something new lands, so waiting for the
        # reply costs the machine nothing the services could have used.
        async with asyncio.timeout(REPLY_DEADLINE_S):
            while True:
                query = {"phone": phone, "wait": 10} | ({"after": seen[-1]["sid"]} if seen else {})
                seen += (await client.get(f"{sandbox}/sandbox/messages", params=query)).json()
                inbound = [m for m in seen if m["direction"] == "inbound"]
                outbound = [m for m in seen if m["direction"] == "outbound"]
                if len(outbound) >= len(inbound):
                    break
        arrived = datetime.fromisoformat(inbound[-1]["at"])
        answered = datetime.fromisoformat(outbound[len(inbound) - 1]["at"])
        latencies.append((answered - arrived).total_seconds() * 1000)
    return latencies


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--in-process-only", action="store_true")
    parser.add_argument("--patients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument(
        "--segments-per-second", type=float, default=SEGMENTS_PER_SECOND,
        help="telephony's pace per sender number (1 for a US long code)",
    )  # fmt: skip
    parser.add_argument("--agent-pool", type=int, default=AGENT_POOL)
    parser.add_argument(
        "--pause", type=float, default=PATIENT_PAUSE_S,
        help="seconds a patient takes to answer each reply",
    )  # fmt: skip
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    table("agent: in process", await in_process(args.rounds))
    if not args.in_process_only:
        texts = AgentSettings(database_pool_max=args.agent_pool).text_concurrency()
        table(
            "agent: through the stack (webhook, JetStream, agent, gRPC, Twilio REST); sender"
            f" {args.segments_per_second:g} segments/s, agent pool {args.agent_pool},"
            f" {texts} texts at once",
            await through_stack(
                args.patients, args.segments_per_second, args.agent_pool, args.pause
            ),
        )
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    asyncio.run(main())
