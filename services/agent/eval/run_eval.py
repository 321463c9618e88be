"""`make eval`: every conversation scenario through the whole stack, pass rate by category.

    .venv/bin/python services/agent/eval/run_eval.py [--only SUBSTRING] [--verbose]

Exits non-zero when a scenario fails or any reply gives clinical advice. Scenarios run
one after another: they book real slots on one calendar, and two running at once could
take each other's times (a real race the agent handles, but not what a scenario expects).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runner import Result, Runner, Scenario, summary_table
from stack import running_stack


def _report(result: Result, verbose: bool) -> None:
    mark = "PASS" if result.passed else "FAIL"
    print(f"{mark}  {result.scenario.category:<24} {result.scenario.id}", flush=True)
    if not result.passed or verbose:
        for failure in result.failures:
            print(f"        - {failure}")
        if verbose or not result.passed:
            for said, reply in result.transcript:
                print(f"        patient: {said}")
                print(f"        spa:     {reply.replace(chr(10), ' / ')}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only", default="", help="run scenarios whose id or category contains this"
    )
    parser.add_argument("--verbose", action="store_true", help="print every transcript")
    args = parser.parse_args()
    scenarios = [s for s in Scenario.load_all() if args.only in s.id or args.only in s.category]
    print(f"bringing up the stack for {len(scenarios)} scenarios ...", flush=True)
    async with running_stack() as (_, stack):
        runner = Runner(stack)
        started = time.monotonic()
        results = []
        for scenario in scenarios:
            result = await runner.run(scenario)
            _report(result, args.verbose)
            results.append(result)
        elapsed = time.monotonic() - started
    print()
    print(summary_table(results))
    print(f"{len(results)} scenarios in {elapsed:.0f}s")
    failed = any(not r.passed for r in results) or any(r.advice for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
