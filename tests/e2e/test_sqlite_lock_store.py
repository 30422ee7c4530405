"""The SQLite lock store in Rasa's own environment, several processes on one lock file: every ticket
number is issued once, and a conversation another process holds is not served until it lets go."""

from __future__ import annotations

import select
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.stack import ROOT, rasa_or_skip

pytestmark = pytest.mark.rasa

TICKETS = textwrap.dedent(
    """
    import sys
    from integrations.rasa_engine.sqlite_lock_store import SQLiteLockStore

    store = SQLiteLockStore(db=sys.argv[1])
    sys.stdin.readline()  # start together
    print(" ".join(str(store.issue_ticket("shopper-1", lock_lifetime=600)) for _ in range(int(sys.argv[2]))))
    """
)

HOLD = textwrap.dedent(
    """
    import asyncio, sys
    from integrations.rasa_engine.sqlite_lock_store import SQLiteLockStore

    async def main() -> None:
        store = SQLiteLockStore(db=sys.argv[1])
        async with store.lock("shopper-1", wait_time_in_seconds=0.05):
            print("holding", flush=True)
            sys.stdin.readline()  # until told to let go
        print("released", flush=True)

    asyncio.run(main())
    """
)

WAIT = textwrap.dedent(
    """
    import asyncio, sys
    from integrations.rasa_engine.sqlite_lock_store import SQLiteLockStore

    async def main() -> None:
        store = SQLiteLockStore(db=sys.argv[1])
        print("ready", flush=True)
        sys.stdin.readline()  # until told to try
        async with store.lock("shopper-1", wait_time_in_seconds=0.05):
            print("served", flush=True)

    asyncio.run(main())
    """
)


def rasa_python() -> str:
    rasa_bin, _model = rasa_or_skip()
    return str(Path(rasa_bin).parent / "python")


def start(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [rasa_python(), "-c", code, *args],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        text=True,
    )


def test_processes_taking_tickets_at_once_never_get_the_same_number(tmp_path: Path) -> None:
    db, each = str(tmp_path / "locks.db"), 150
    workers = [start(TICKETS, db, str(each)) for _ in range(4)]
    outputs = [w.communicate("go\n", timeout=120)[0] for w in workers]
    numbers = [int(n) for out in outputs for n in out.split()]
    assert len(numbers) == 4 * each
    assert sorted(numbers) == list(range(4 * each))  # Rasa numbers tickets from 0


def test_a_conversation_one_process_holds_is_served_in_another_only_after_it_lets_go(tmp_path: Path) -> None:
    db = str(tmp_path / "locks.db")
    with start(HOLD, db) as holder, start(WAIT, db) as waiter:
        served_after_holder(holder, waiter)


def served_after_holder(holder: subprocess.Popen[str], waiter: subprocess.Popen[str]) -> None:
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "holding"
    assert waiter.stdout is not None and waiter.stdin is not None
    assert waiter.stdout.readline().strip() == "ready"
    waiter.stdin.write("try\n")
    waiter.stdin.flush()
    readable, _, _ = select.select([waiter.stdout], [], [], 3.0)
    assert not readable  # still waiting for the holder: nothing printed, not exited
    holder.stdin.write("done\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "released"
    assert waiter.communicate(timeout=60)[0].strip() == "served"
    assert holder.wait(timeout=30) == 0 and waiter.returncode == 0
