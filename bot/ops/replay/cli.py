"""``shopdesk replay FILE... [--url URL] [--timeout SECONDS] [--junit FILE]``.

Exit status: 0 when every conversation passed, 1 when one failed, 2 when a file is not a valid test
conversation file or the assistant is not there (nothing was replayed).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from bot.ops.replay import report
from bot.ops.replay.gateway import DEFAULT_TIMEOUT, DEFAULT_URL, Gateway, GatewayError
from bot.ops.replay.runner import run
from bot.ops.replay.script import ScriptError, load

ALL_PASSED, SOME_FAILED, NOT_RUN = 0, 1, 2


def cmd_replay(args: argparse.Namespace) -> int:
    problems: list[str] = []
    scripts = []
    for file in args.files:
        try:
            scripts.append(load(Path(file)))
        except ScriptError as exc:
            problems += exc.problems
    if problems:
        print("\n".join(f"error: {p}" for p in problems), file=sys.stderr)
        return NOT_RUN
    started = time.monotonic()
    with Gateway(args.url, args.timeout) as gateway:
        try:
            gateway.ready()
        except GatewayError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return NOT_RUN
        outcomes = run(gateway, scripts)
    print(report.text(outcomes, time.monotonic() - started))
    if args.junit:
        report.junit(outcomes, Path(args.junit))
    return ALL_PASSED if all(o.passed for o in outcomes) else SOME_FAILED


def _positive(text: str) -> float:
    value = float(text)
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("between 0 and 600 seconds")
    return value


def register(sub: Any) -> None:
    """Add ``replay`` to the ``shopdesk`` command's subparsers."""
    replay = sub.add_parser(
        "replay",
        help="run test conversations through the running assistant: PASS or FAIL each",
        description="Replay test conversations (docs/replay-example.yml shows the format) through the "
        "gateway of a running assistant, one fresh web conversation each. Exit status 0 when all pass, "
        "1 when one fails, 2 when nothing could be replayed.",
    )
    replay.add_argument("files", nargs="+", metavar="FILE", help="test conversation files (YAML)")
    replay.add_argument("--url", default=DEFAULT_URL, help=f"the gateway (default {DEFAULT_URL})")
    replay.add_argument(
        "--timeout",
        type=_positive,
        metavar="SECONDS",
        default=DEFAULT_TIMEOUT,
        help=f"seconds to wait for each answer (default {DEFAULT_TIMEOUT:.0f})",
    )
    replay.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML")
    replay.set_defaults(func=cmd_replay)
