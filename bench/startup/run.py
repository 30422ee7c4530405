"""Cold first run: a fresh clone, an empty cache, ``scripts/run.sh`` until the first shopper answer.

What a new user waits for on first use: ``scripts/run.sh`` in a clone of the committed tree (``git clone``
of HEAD) with ``SHOPDESK_CACHE`` and uv's and pip's caches pointing at empty temporary folders, so it
builds both environments, exports the sentence encoder, trains the Rasa model, builds the policy index
and starts the three processes; then the first conversation through the gateway, as bench/load's
``first_answers`` holds it. Each line run.sh prints is shown with the seconds since the start, and the
total to the first answer at the end. Loopback ports are chosen free, so a running stack is not
disturbed. Everything is deleted afterwards unless ``--keep``.

    python bench/startup/run.py                    # uv builds the environments (the default)
    python bench/startup/run.py --installer pip    # pip, as before uv (SHOPDESK_INSTALLER=pip)

Run it with the dev environment's Python (bench/load and tests/stack.py come with it); the clone's own
environments are built from scratch. Minutes of CPU on both cores: not on a machine others are timing on.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.load.run import first_answers, ms  # noqa: E402
from tests.stack import free_port  # noqa: E402

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\r")
READY = "ready: chat with the demo shop at "
OUR_VARIABLES = ("SHOPDESK_", "PYTHONPATH", "VIRTUAL_ENV")  # not passed on: the clone sets its own


def follow(process: subprocess.Popen[str], started: float, ready: threading.Event) -> None:
    """Print run.sh's lines with the seconds since the start; set ``ready`` when it says so."""
    assert process.stdout is not None
    for raw in process.stdout:
        line = ANSI.sub("", raw).rstrip()
        if line:
            print(f"{time.perf_counter() - started:7.1f} s  {line}", flush=True)
        if READY in line:
            ready.set()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--installer", choices=("uv", "pip"), default="uv", help="SHOPDESK_INSTALLER")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds")
    parser.add_argument("--keep", action="store_true", help="keep the clone and the caches")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="shopdesk-cold-"))
    clone, cache = work / "clone", work / "cache"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], check=True)
    gateway_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(OUR_VARIABLES)},
        "SHOPDESK_CACHE": str(cache),
        "SHOPDESK_INSTALLER": args.installer,
        "UV_CACHE_DIR": str(work / "uv-cache"),
        "PIP_CACHE_DIR": str(work / "pip-cache"),
        "SHOPDESK_RASA_PORT": str(free_port()),
        "SHOPDESK_ACTIONS_PORT": str(free_port()),
        "SHOPDESK_GATEWAY_PORT": str(gateway_port),
    }
    print(f"cold first run of {clone} (installer {args.installer}; cache {cache})", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: stopped as one below
    )
    ready = threading.Event()
    threading.Thread(target=follow, args=(process, started, ready), daemon=True).start()
    try:
        while not ready.wait(1.0):
            if process.poll() is not None:
                print(f"scripts/run.sh stopped (exit {process.returncode}) first", file=sys.stderr)
                return 1
            if time.perf_counter() - started > args.timeout:
                print(f"not ready after {args.timeout:.0f} s", file=sys.stderr)
                return 1
        up = time.perf_counter() - started
        answers = asyncio.run(first_answers(f"http://127.0.0.1:{gateway_port}"))
        first = up + next(iter(answers.values()))
        print(f"\ncold first run: {up:.1f} s ({up / 60:.1f} min) to ready; first answer at {first:.1f} s")
        for name, seconds in answers.items():
            print(f"{name}: {ms(seconds)}")
        return 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # run.sh's trap stops its three processes
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
