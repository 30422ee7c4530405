"""A one-replica job (``Leadership``, over the real Redis) moves to another replica when its holder dies
without letting go: killed, its lock expires and the next candidate takes the job."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from redis.asyncio import Redis

from integrations.gateway.replicas import Leadership, SharedRedis

ROOT = Path(__file__).resolve().parents[2]
TTL = 1.0

HOLDER = textwrap.dedent(
    """
    import asyncio, sys
    from redis.asyncio import Redis
    from integrations.gateway.replicas import Leadership, SharedRedis

    async def main() -> None:
        async def job() -> None:
            print("leading", flush=True)
            await asyncio.Event().wait()

        shared = SharedRedis(Redis.from_url(sys.argv[1]), sys.argv[2])
        await Leadership(shared, "job", float(sys.argv[3])).run(job)

    asyncio.run(main())
    """
)


def test_a_killed_leader_is_replaced_by_another_replica(redis_url: str, redis_prefix: str) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, redis_url, redis_prefix, str(TTL)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "leading"
        led_while_holder_lived, led_after_it_died = asyncio.run(_candidate(redis_url, redis_prefix, holder))
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert not led_while_holder_lived
    assert led_after_it_died


async def _candidate(redis_url: str, prefix: str, holder: subprocess.Popen[str]) -> tuple[bool, bool]:
    client = Redis.from_url(redis_url)
    leading = asyncio.Event()

    async def job() -> None:
        leading.set()
        await asyncio.Event().wait()

    candidate = Leadership(SharedRedis(client, prefix), "job", TTL)
    running = asyncio.create_task(candidate.run(job))
    try:
        # several of the holder's renewals go by: the candidate must not lead meanwhile
        await asyncio.sleep(3 * TTL)
        led_while_holder_lived = leading.is_set()
        holder.send_signal(signal.SIGKILL)  # no release: only the lock's expiry frees the job
        await asyncio.wait_for(leading.wait(), timeout=10 * TTL)
        return led_while_holder_lived, candidate.is_leader
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await client.aclose()
