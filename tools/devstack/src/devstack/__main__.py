"""`python -m devstack run|up|down|status|phone`: the whole system on one machine."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from devstack import control, runner
from devstack.demo import DEMO_PATIENT, spa_number
from devstack.environment import sandbox_url
from devstack.paths import Paths
from devstack.phone import REPLY_WAIT_S, PhoneSettings, run_phone, stdin_lines


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    ready = argparse.ArgumentParser(add_help=False)
    ready.add_argument(
        "--ready-within",
        type=float,
        default=runner.READY_WITHIN_S,
        metavar="SECONDS",
        help="how long every service has to answer /readyz (default %(default).0f)",
    )
    commands.add_parser(
        "run", parents=[ready], help="everything in the foreground, then the terminal phone"
    )
    up = commands.add_parser(
        "up", parents=[ready], help="everything in the background; returns once ready"
    )
    up.add_argument("--within", type=float, default=control.UP_WITHIN_S, metavar="SECONDS")
    commands.add_parser("down", help="stop what `up` started")
    commands.add_parser("status", help="each service's readiness")
    commands.add_parser("supervise", parents=[ready], help="the background supervisor `up` starts")
    phone = commands.add_parser("phone", help="text the running spa from this terminal")
    phone.add_argument("--from", dest="patient", default=DEMO_PATIENT, help="default %(default)s")
    phone.add_argument("--to", dest="spa", help="default: the configured (or demo) spa's number")
    phone.add_argument("--sandbox", help="the Twilio sandbox's URL (default from SANDBOX_PORT)")
    phone.add_argument(
        "--reply-wait",
        type=float,
        default=REPLY_WAIT_S,
        metavar="SECONDS",
        help="how long to wait for the spa's answer (default %(default).0f)",
    )
    return parser


async def _main(args: argparse.Namespace) -> int:
    env = dict(os.environ)  # read once; everything below gets it passed in
    paths = Paths.discover()
    match args.command:
        case "run":
            return await runner.run_foreground(paths, env, args.ready_within)
        case "supervise":
            return await runner.run_detached(paths, env, args.ready_within)
        case "up":
            return await control.up(
                paths, env, sys.stdout, ready_within=args.ready_within, within=args.within
            )
        case "down":
            return await control.down(paths, sys.stdout)
        case "status":
            return await control.status(paths, env, sys.stdout)
        case _:  # phone
            settings = PhoneSettings(
                sandbox_url=args.sandbox or sandbox_url(env),
                patient=args.patient,
                spa=args.spa or spa_number(env.get("SPA_CONFIG")),
                interactive=sys.stdin.isatty(),
                reply_wait=args.reply_wait,
            )
            return await run_phone(settings, stdin_lines(sys.stdin), sys.stdout, sys.stderr)


def main() -> None:
    args = _parser().parse_args()
    try:
        code = asyncio.run(_main(args))
    except KeyboardInterrupt:  # Ctrl-C in `up`, `down`, `status` or the standalone phone
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
