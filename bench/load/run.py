"""Load benchmark: simulated shoppers chatting through the gateway, against the seeded demo shop.

    python bench/load/run.py [--chats 1,10,50] [--seconds 60] [--database-url URL]
    python bench/load/run.py --gateway http://127.0.0.1:8000 --rasa http://127.0.0.1:5005 \
        [--pid gateway=PID --log gateway=var/logs/gateway.log ...]

Run it with the app venv's python from the repository root (``PYTHONPATH=$PWD``). Without ``--gateway`` it
starts its own stack on free loopback ports, the way ``scripts/run.sh`` does: a fresh demo database (SQLite
in a temporary folder unless ``--database-url`` names another, which is migrated and seeded if empty), the
policy index, the action server, Rasa (``SHOPDESK_TEST_RASA_BIN``/``SHOPDESK_TEST_MODEL`` or the cached
environment and model ``scripts/run.sh`` uses) and the gateway, with the demo clock (``SHOPDESK_NOW``) and
rate limits raised so the load is not refused. It only ever talks to 127.0.0.1.

Each simulated shopper holds the widget's conversation: ``POST /api/conversations``, a WebSocket with
first-frame auth, then five turns on a showcase order, each sent with a ``client_message_id`` —

    order_question   "where is my order SD-10001?"      (the assistant asks for the email)
    verify           "olivia.bennett@example.com"        (status of the verified order)
    return_question  "can I return it?"                  (return eligibility of its lines)
    refund_policy    "how long do refunds take?"         (a quoted policy passage)
    thanks           "thanks, that's all"

— and starts over with a new conversation on the next order until the time is up (no think time unless
``--think``). Figures per concurrency level: p50/p95/p99 per turn type, turns per second, errors (HTTP
status other than 2xx, transport errors, "assistant unavailable" turns, a turn with no reply) and lost
messages (a shopper message absent from the conversation's stored history at the end, or a reply the
API returned that never arrived on the WebSocket), each service's memory (peak RSS and PSS during the
level, its processes and their descendants, ``bench/load/procs.py``) and CPU per turn (/proc), and the
lines naming ``database is locked`` in each process's log.

``--rasa-workers 1,2`` runs the whole measurement on a stack with Rasa's Sanic workers set to each value
in turn (``SANIC_WORKERS``, as ``scripts/run.sh`` sets it from ``SHOPDESK_RASA_WORKERS``) and ends with a
table comparing them. With several workers Rasa runs in prometheus-client's multiprocess mode
(``scripts/rasa_metrics_dir.sh``), so its per-step metrics are summed over the workers; its scrape then has
no ``process_*``, and Rasa's CPU comes from /proc (all its processes) as it does for the levels.

In the same run, before the load, it measures a bare Rasa REST turn that calls no custom action ("hello"
on a fresh sender, straight to Rasa's REST channel, one at a time) and prints each figure also as a ratio
to it. When it starts the stack it also prints the warm start (from the first command to every process
answering its health check; environments and the trained model already cached) and the first answer
(the first shopper turn through the gateway after that, and the first quoted policy passage).

Around the bare run and each level it reads every service's Prometheus ``/metrics`` (Rasa's at
``/webhooks/metrics/``) and prints what the run cost step by step (``bench/load/steps.py``): NLU, policy
prediction, each action server call, tracker store, each action's run, SQL statements, embedding, FAISS,
the request size Rasa sends the action server, and each process's CPU per answered turn.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.load import procs  # noqa: E402
from bench.load.steps import Samples, cpu_seconds, delta, print_steps, scrape  # noqa: E402
from bot.ops.demo_data import DEMO_NOW, SHOWCASE  # noqa: E402
from tests.stack import free_port, rasa_command, stop, wait_until_up  # noqa: E402

LOCKED = "database is locked"
TURN_TIMEOUT = 60.0
INDEX_CACHE = Path.home() / ".cache" / "shopdesk" / "bench-load" / "index"
WS_GRACE = 5.0  # seconds a reply may take to arrive on the WebSocket after the API returned it

# Showcase orders a shopper can ask about with a sensible answer to every turn (delivered, in transit,
# late, returnable or not); one conversation per order, round robin.
ORDERS = [
    case
    for case in SHOWCASE
    if case.kind
    in {
        "in_transit_on_time",
        "late",
        "delivered_5_days_ago",
        "delivered_29_days_ago",
        "delivered_31_days_ago",
        "final_sale",
        "mixed_returnable",
        "split_shipment",
        "international",
        "electronics_20_days",
    }
]


def script(number: str, email: str) -> list[tuple[str, str]]:
    """One shopper's conversation: (turn type, what they type)."""
    return [
        ("order_question", f"where is my order {number}?"),
        ("verify", email),
        ("return_question", "can I return it?"),
        ("refund_policy", "how long do refunds take?"),
        ("thanks", "thanks, that's all"),
    ]


# -- measuring -------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    sent: list[tuple[str, str]] = field(default_factory=list)  # (conversation id, client_message_id)
    replies: list[tuple[str, int]] = field(default_factory=list)  # (conversation id, message id)
    delivered: set[int] = field(default_factory=set)  # message ids seen on WebSockets
    tokens: dict[str, str] = field(default_factory=dict)  # conversation id -> token
    turns: int = 0
    conversations: int = 0
    elapsed: float = 0.0
    lost_shopper: int = 0
    lost_replies: int = 0

    def error(self, kind: str) -> None:
        self.errors[kind] += 1


STACK = "whole stack"  # the peak of the services' sum, sampled at once


async def sample_memory(
    pids: dict[str, int], peaks: dict[str, procs.Memory], stop_event: asyncio.Event
) -> None:
    """Each service's peak RSS and PSS (its processes and their descendants), and the whole stack's."""
    while not stop_event.is_set():
        total = procs.Memory()
        for name, pid in pids.items():
            now = procs.memory(pid)
            peaks[name] = peaks.get(name, procs.Memory()).peak(now)
            total += now
        peaks[STACK] = peaks.get(STACK, procs.Memory()).peak(total)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop_event.wait(), 0.5)


def cpu_now(pids: dict[str, int]) -> dict[str, float]:
    return {name: procs.cpu_seconds(pid) for name, pid in pids.items()}


# -- the simulated shopper ----------------------------------------------------------------------------------


async def listen(ws_url: str, token: str, tally: Tally, ready: asyncio.Event) -> None:
    """The widget's live channel: every message frame's id goes into ``tally.delivered``."""
    try:
        async with websockets.connect(ws_url, open_timeout=TURN_TIMEOUT) as ws:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "status":
                    ready.set()
                elif frame.get("type") == "message":
                    tally.delivered.add(int(frame["message"]["id"]))
    except (OSError, websockets.WebSocketException):
        ready.set()
        tally.error("websocket")


async def turn(
    http: httpx.AsyncClient, tally: Tally, cid: str, token: str, kind: str, text: str
) -> list[dict[str, Any]] | None:
    client_id = f"load-{uuid.uuid4().hex[:16]}"
    tally.sent.append((cid, client_id))
    started = time.perf_counter()
    try:
        response = await http.post(
            f"/api/conversations/{cid}/messages",
            json={"text": text, "client_message_id": client_id},
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError as exc:
        tally.error(f"{kind}: {type(exc).__name__}")
        return None
    elapsed = time.perf_counter() - started
    tally.turns += 1
    if response.status_code != 200:
        tally.error(f"{kind}: HTTP {response.status_code}")
        return None
    body = response.json()
    tally.latencies[kind].append(elapsed)
    replies: list[dict[str, Any]] = body.get("replies") or []
    if not body.get("assistant_available", True):
        tally.error(f"{kind}: assistant unavailable")
    elif not replies:
        tally.error(f"{kind}: no reply")
    tally.replies += [(cid, int(r["id"])) for r in replies]
    return replies


async def shopper(
    number: int, http: httpx.AsyncClient, ws_base: str, tally: Tally, deadline: float, think: float
) -> None:
    index = number
    while time.monotonic() < deadline:
        case = ORDERS[index % len(ORDERS)]
        index += 1
        started = time.perf_counter()
        try:
            opened = await http.post("/api/conversations")
        except httpx.HTTPError as exc:
            opened = None
            tally.error(f"open: {type(exc).__name__}")
        if opened is None or opened.status_code != 201:
            if opened is not None:
                tally.error(f"open: HTTP {opened.status_code}")
            await asyncio.sleep(0.5)  # a refused or failed open: back off rather than spin
            continue
        tally.latencies["open"].append(time.perf_counter() - started)
        conversation = opened.json()
        cid, token = conversation["id"], conversation["token"]
        tally.tokens[cid] = token
        tally.conversations += 1
        ready = asyncio.Event()
        listener = asyncio.create_task(listen(f"{ws_base}/api/conversations/{cid}/ws", token, tally, ready))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready.wait(), TURN_TIMEOUT)
        for kind, text in script(case.number, case.email):
            if time.monotonic() >= deadline:
                break
            await turn(http, tally, cid, token, kind, text)
            if think:
                await asyncio.sleep(think)
        await asyncio.sleep(0.05)
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener


async def count_lost(http: httpx.AsyncClient, tally: Tally) -> None:
    """After the load: every shopper message sent must be stored, every reply must have been delivered."""
    stored: dict[str, set[str]] = {}
    for cid, token in tally.tokens.items():
        for _attempt in range(5):
            response = await http.get(
                f"/api/conversations/{cid}/messages", headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code == 200:
                break
            await asyncio.sleep(0.5)
        response.raise_for_status()
        stored[cid] = {
            m["client_message_id"] for m in response.json()["messages"] if m.get("client_message_id")
        }
    tally.lost_shopper = sum(1 for cid, client_id in tally.sent if client_id not in stored.get(cid, set()))
    tally.lost_replies = sum(1 for _cid, mid in tally.replies if mid not in tally.delivered)


async def run_level(
    gateway: str, chats: int, seconds: float, think: float, pids: dict[str, int]
) -> tuple[Tally, dict[str, procs.Memory]]:
    tally = Tally()
    peaks: dict[str, procs.Memory] = {}
    stop_event = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(pids, peaks, stop_event))
    limits = httpx.Limits(max_connections=chats + 5, max_keepalive_connections=chats + 5)
    ws_base = "ws" + gateway.removeprefix("http")
    async with httpx.AsyncClient(base_url=gateway, timeout=TURN_TIMEOUT, limits=limits) as http:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(shopper(n, http, ws_base, tally, deadline, think) for n in range(chats)))
        tally.elapsed = time.monotonic() - started
        await asyncio.sleep(WS_GRACE if tally.replies else 0)
        stop_event.set()
        await sampler
        await count_lost(http, tally)
    return tally, peaks


async def bare_rasa(rasa: str, seconds: float) -> Tally:
    """Rasa alone: "hello" on a fresh sender (a rule answers it with a response, no custom action)."""
    tally = Tally()
    async with httpx.AsyncClient(base_url=rasa, timeout=TURN_TIMEOUT) as http:
        started = time.monotonic()
        while time.monotonic() < started + seconds:
            t0 = time.perf_counter()
            response = await http.post(
                "/webhooks/rest/webhook",
                json={"sender": f"bench-{uuid.uuid4().hex[:12]}", "message": "hello"},
            )
            tally.turns += 1
            if response.status_code != 200 or not response.json():
                tally.error(f"bare: HTTP {response.status_code}")
                continue
            tally.latencies["bare_rasa"].append(time.perf_counter() - t0)
        tally.elapsed = time.monotonic() - started
    return tally


async def first_answers(gateway: str) -> dict[str, float]:
    """The first shopper conversation after start: the first answer, and the first quoted policy passage."""
    tally = Tally()
    async with httpx.AsyncClient(base_url=gateway, timeout=TURN_TIMEOUT) as http:
        opened = (await http.post("/api/conversations")).json()
        case = ORDERS[0]
        for kind, text in script(case.number, case.email):
            await turn(http, tally, opened["id"], opened["token"], kind, text)
    return {
        "first answer (order question)": tally.latencies["order_question"][0],
        "first policy answer (refund policy)": tally.latencies["refund_policy"][0],
    }


# -- printing -----------------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def print_baseline(bare: Tally) -> dict[str, float]:
    values = bare.latencies["bare_rasa"]
    base = {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "tps": len(values) / bare.elapsed,
    }
    print(
        f'\nbare Rasa REST turn ("hello", no custom action, 1 chat, {bare.elapsed:.0f} s): '
        f"{base['tps']:.1f} turns/s, p50 {ms(base['p50'])}, p95 {ms(base['p95'])}, p99 {ms(base['p99'])}, "
        f"errors {sum(bare.errors.values())}"
    )
    return base


def print_level(
    chats: int,
    tally: Tally,
    peaks: dict[str, procs.Memory],
    logs: dict[str, Path],
    base: dict[str, float],
    cpu: dict[str, float],
) -> None:
    ok = sum(len(v) for k, v in tally.latencies.items() if k != "open")
    tps = ok / tally.elapsed if tally.elapsed else 0.0
    errors = sum(tally.errors.values())
    print(
        f"\n== {chats} chat(s), {tally.elapsed:.0f} s: {tally.conversations} conversations, "
        f"{tally.turns} turns, "
        f"{tps:.1f} answered turns/s ({tps / base['tps']:.2f}x bare Rasa), errors {errors}, "
        f"lost shopper messages {tally.lost_shopper}, replies never delivered live {tally.lost_replies}"
    )
    print(f"{'turn type':<16}{'n':>6}{'p50':>10}{'p95':>10}{'p99':>10}   ratio to bare Rasa p50/p95/p99")
    kinds = ["open", *(kind for kind, _ in script("", ""))]
    everything = [v for k, values in tally.latencies.items() if k != "open" for v in values]
    for kind, values in [*((k, tally.latencies[k]) for k in kinds), ("all turns", everything)]:
        if not values:
            print(f"{kind:<16}{0:>6}")
            continue
        p = [percentile(values, q) for q in (50, 95, 99)]
        ratios = "/".join(f"{v / base[f'p{q}']:.1f}" for v, q in zip(p, (50, 95, 99), strict=True))
        print(f"{kind:<16}{len(values):>6}{ms(p[0]):>10}{ms(p[1]):>10}{ms(p[2]):>10}   {ratios}")
    for kind, count in sorted(tally.errors.items()):
        print(f"  error  {kind}: {count}")
    if peaks:
        print(
            "  peak memory, RSS / PSS (PSS shares the pages forked workers have in common): "
            + ", ".join(f"{n} {m.rss_kib / 1024:.0f} / {m.pss_kib / 1024:.0f} MiB" for n, m in peaks.items())
        )
    if cpu and ok:
        print(
            "  CPU per answered turn, all of each service's processes (/proc): "
            + ", ".join(f"{name} {seconds / ok * 1000:.1f} ms" for name, seconds in cpu.items())
        )
    for name, log in logs.items():
        locked = sum(1 for line in log.read_text(errors="replace").splitlines() if LOCKED in line)
        print(f"  '{LOCKED}' lines so far in the {name} log: {locked}")


# -- the stack ----------------------------------------------------------------------------------------------


def rasa_engine() -> tuple[str, str]:
    """The Rasa binary and trained model: from the test variables, else what scripts/run.sh caches."""
    rasa_bin, model = os.environ.get("SHOPDESK_TEST_RASA_BIN", ""), os.environ.get("SHOPDESK_TEST_MODEL", "")
    if rasa_bin and model:
        return rasa_bin, model
    lib = REPO / "scripts" / "lib.sh"
    found = subprocess.run(
        ["bash", "-c", f'source "{lib}"; r=$(rasa_env); echo "$r/bin/rasa"; ensure_model "$r"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return found[0], found[1]


@dataclass
class RunningStack:
    gateway: str
    rasa: str
    pids: dict[str, int]
    logs: dict[str, Path]
    metrics: dict[str, str] = field(default_factory=dict)  # service -> its Prometheus /metrics URL
    setup: float = 0.0  # migrate, seed, policy index (all cached from an earlier run)
    start: float = 0.0  # the three processes, from launch to every health check answering


@contextlib.contextmanager
def started_stack(database_url: str | None, work: Path, rasa_workers: int = 1) -> Iterator[RunningStack]:
    rasa_bin, model = rasa_engine()
    t0 = time.perf_counter()
    logs_dir = work / "logs"
    logs_dir.mkdir()
    actions_port, rasa_port, gateway_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "SHOPDESK_DATABASE_URL": database_url or f"sqlite:///{work / 'shop.db'}",
        "SHOPDESK_NOW": DEMO_NOW.isoformat(),
        "SHOPDESK_INDEX_DIR": str(INDEX_CACHE),  # kept between runs, like var/index: a warm start
        "SHOPDESK_ACTION_ENDPOINT": f"http://127.0.0.1:{actions_port}/webhook",
        "SHOPDESK_RASA_TRACKER_DB": str(work / "rasa-tracker.db"),
        "SHOPDESK_RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "SHOPDESK_ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}",
        # every simulated shopper comes from 127.0.0.1: lift the per-address limit on new chats
        "SHOPDESK_LIMIT_NEW_CONVERSATIONS": "1000000",
        "SHOPDESK_LIMIT_MESSAGES": "1000000",
        # Rasa's HTTP API and the action server's webhook want their tokens (as scripts/run.sh sets them)
        "SHOPDESK_RASA_TOKEN": secrets.token_hex(16),
        "SHOPDESK_ACTION_SERVER_TOKEN": secrets.token_hex(16),
        # Rasa's Sanic workers (as scripts/run.sh sets them from SHOPDESK_RASA_WORKERS); with several, their
        # metrics are summed in work/rasa-metrics (scripts/rasa_metrics_dir.sh)
        "SANIC_WORKERS": str(rasa_workers),
    }
    cli = [sys.executable, "-m", "bot.ops.cli"]
    for command in (["db", "upgrade"], ["demo", "seed", "--if-empty"], ["knowledge", "build"]):
        subprocess.run([*cli, *command], env=env, cwd=REPO, capture_output=True, check=True)
    setup = time.perf_counter() - t0
    t1 = time.perf_counter()
    commands = {
        "actions": [sys.executable, "-m", "actions.server", "--port", str(actions_port)],
        "rasa": rasa_command(
            rasa_bin, model, rasa_port, env["SHOPDESK_RASA_TOKEN"], metrics_dir=work / "rasa-metrics"
        ),
        "gateway": [
            sys.executable,
            "-m",
            "uvicorn",
            "integrations.gateway.app:create_app",
            "--factory",
            "--workers",
            "1",
            "--host",
            "127.0.0.1",
            "--port",
            str(gateway_port),
        ],
    }
    logs = {name: logs_dir / f"{name}.log" for name in commands}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in commands.items():
            with logs[name].open("wb") as out:
                processes[name] = subprocess.Popen(
                    command, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
                )
        health = {
            "actions": f"http://127.0.0.1:{actions_port}/health",
            "rasa": f"http://127.0.0.1:{rasa_port}/status?token={env['SHOPDESK_RASA_TOKEN']}",
            "gateway": f"http://127.0.0.1:{gateway_port}/health/live",
        }
        for name, url in health.items():
            wait_until_up(url, processes[name], logs[name], 300)
        yield RunningStack(
            gateway=f"http://127.0.0.1:{gateway_port}",
            rasa=f"http://127.0.0.1:{rasa_port}",
            pids={name: p.pid for name, p in processes.items()},
            logs=logs,
            metrics=metrics_urls(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}")
            | {"gateway": f"http://127.0.0.1:{gateway_port}/metrics"},
            setup=setup,
            start=time.perf_counter() - t1,
        )
    finally:
        for process in processes.values():
            stop(process)


def metrics_urls(rasa: str, actions: str | None) -> dict[str, str]:
    """Where Rasa (its StepTimings channel, summed over its Sanic workers) and the action server serve their
    Prometheus metrics."""
    urls = {"rasa": f"{rasa}/webhooks/metrics/"}
    if actions:
        urls["actions"] = f"{actions}/metrics"
    return urls


def rasa_cpu(cost: dict[str, Samples], cpu: dict[str, float]) -> float | None:
    """Rasa's CPU seconds over a run: from /proc when its process is known (every worker), else from its
    scrape (``process_cpu_seconds_total``: one process; absent with several workers)."""
    if "rasa" in cpu:
        return cpu["rasa"]
    return cpu_seconds(cost.get("rasa", {}))


# -- main ---------------------------------------------------------------------------------------------------


def loopback(url: str) -> str:
    host = httpx.URL(url).host
    if host not in {"127.0.0.1", "localhost"}:
        raise SystemExit(f"{url}: this benchmark only targets 127.0.0.1")
    return url.rstrip("/")


@dataclass
class LevelResult:
    """One concurrency level's headline figures, for the comparison of worker counts."""

    workers: int
    chats: int
    turns_per_second: float
    p50: float
    p95: float
    errors: int  # errors, lost shopper messages and replies never delivered live
    peaks: dict[str, procs.Memory]
    cpu_ms: dict[str, float]  # CPU per answered turn, per service


def level_result(
    workers: int, chats: int, tally: Tally, peaks: dict[str, procs.Memory], cpu: dict[str, float]
) -> LevelResult:
    answered = [v for k, values in tally.latencies.items() if k != "open" for v in values]
    return LevelResult(
        workers=workers,
        chats=chats,
        turns_per_second=len(answered) / tally.elapsed if tally.elapsed else 0.0,
        p50=percentile(answered, 50),
        p95=percentile(answered, 95),
        errors=sum(tally.errors.values()) + tally.lost_shopper + tally.lost_replies,
        peaks=peaks,
        cpu_ms={name: seconds / len(answered) * 1000 for name, seconds in cpu.items()} if answered else {},
    )


def print_comparison(results: list[LevelResult]) -> None:
    def mib(m: procs.Memory | None) -> str:
        return f"{m.rss_kib / 1024:.0f} / {m.pss_kib / 1024:.0f}" if m else "-"

    print("\n== Rasa workers compared (this run; memory peaks RSS / PSS in MiB; CPU ms per answered turn)")
    print(
        f"{'workers':>7}{'chats':>6}{'turns/s':>9}{'p50':>9}{'p95':>9}{'errors':>7}"
        f"{'stack memory':>15}{'rasa memory':>14}   CPU rasa/actions/gateway"
    )
    for r in results:
        cpu = "/".join(f"{r.cpu_ms.get(name, float('nan')):.0f}" for name in ("rasa", "actions", "gateway"))
        print(
            f"{r.workers:>7}{r.chats:>6}{r.turns_per_second:>9.1f}{ms(r.p50):>9}{ms(r.p95):>9}{r.errors:>7}"
            f"{mib(r.peaks.get(STACK)):>15}{mib(r.peaks.get('rasa')):>14}   {cpu}"
        )


async def measure(stack: RunningStack, args: argparse.Namespace, workers: int = 1) -> list[LevelResult]:
    """The bare Rasa turn, then each level; the levels' headline figures for the comparison."""
    results: list[LevelResult] = []
    if stack.start:
        print(
            f"warm start: {stack.setup + stack.start:.1f} s from the first command to every health check "
            f"(migrate/seed/index {stack.setup:.1f} s, then the three processes {stack.start:.1f} s)"
        )
        for name, seconds in (await first_answers(stack.gateway)).items():
            print(f"{name}: {ms(seconds)}")
    async with httpx.AsyncClient(timeout=TURN_TIMEOUT) as http:
        before = await scrape(http, stack.metrics)
        cpu_before = cpu_now(stack.pids)
        bare = await bare_rasa(stack.rasa, args.baseline_seconds)
        cpu_after = cpu_now(stack.pids)
        bare_cost = delta(before, await scrape(http, stack.metrics))
        base = print_baseline(bare)
        bare_turns = len(bare.latencies["bare_rasa"])
        print_steps(bare_cost, bare_turns, "bare Rasa turns")
        bare_cpu = rasa_cpu(bare_cost, {n: cpu_after[n] - cpu_before[n] for n in cpu_after})
        for chats in args.chats:
            before = await scrape(http, stack.metrics)
            cpu_before = cpu_now(stack.pids)
            tally, peaks = await run_level(stack.gateway, chats, args.seconds, args.think, stack.pids)
            cpu_after = cpu_now(stack.pids)
            cost = delta(before, await scrape(http, stack.metrics))
            cpu = {name: cpu_after[name] - cpu_before[name] for name in cpu_after}
            print_level(chats, tally, peaks, stack.logs, base, cpu)
            results.append(level_result(workers, chats, tally, peaks, cpu))
            answered = sum(len(v) for k, v in tally.latencies.items() if k != "open")
            print_steps(cost, answered, f"{chats} chat(s)")
            level_cpu = rasa_cpu(cost, cpu)
            if bare_cpu and level_cpu is not None and answered:
                print(
                    f"    Rasa CPU per shopper turn / per bare turn: "
                    f"{(level_cpu / answered) / (bare_cpu / bare_turns):.2f}x"
                )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", default="1,10,50", help="concurrency levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=60, help="duration of each level")
    parser.add_argument("--baseline-seconds", type=float, default=10, help="duration of the bare Rasa run")
    parser.add_argument("--think", type=float, default=0.0, help="seconds a shopper waits between turns")
    parser.add_argument("--database-url", help="database for a started stack (default: fresh SQLite)")
    parser.add_argument("--gateway", help="attach to this running gateway instead of starting a stack")
    parser.add_argument("--rasa", help="the running stack's Rasa (with --gateway)")
    parser.add_argument("--actions", help="the running stack's action server, for its /metrics (attached)")
    parser.add_argument("--pid", action="append", default=[], help="NAME=PID to report RSS of (attached)")
    parser.add_argument("--log", action="append", default=[], help="NAME=FILE to count locked lines in")
    parser.add_argument("--keep", action="store_true", help="keep the started stack's folder (logs, db)")
    parser.add_argument(
        "--rasa-workers",
        default="1",
        help="Rasa's Sanic workers (SANIC_WORKERS), comma-separated: a started stack per value, one after "
        "the other, then a table comparing them (e.g. 1,2,1,2 to interleave)",
    )
    args = parser.parse_args()
    args.chats = [int(c) for c in args.chats.split(",")]
    args.rasa_workers = [int(w) for w in args.rasa_workers.split(",")]
    print(
        f"bench/load: chats {args.chats}, {args.seconds:.0f} s each, think {args.think} s, "
        f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    if args.gateway:
        if not args.rasa:
            parser.error("--gateway needs --rasa")
        attached = RunningStack(
            gateway=loopback(args.gateway),
            rasa=loopback(args.rasa),
            pids={k: int(v) for k, v in (p.split("=", 1) for p in args.pid)},
            logs={k: Path(v) for k, v in (p.split("=", 1) for p in args.log)},
            metrics=metrics_urls(loopback(args.rasa), args.actions and loopback(args.actions))
            | {"gateway": f"{loopback(args.gateway)}/metrics"},
        )
        print_comparison(asyncio.run(measure(attached, args, args.rasa_workers[0])))
        return
    results: list[LevelResult] = []
    for workers in args.rasa_workers:
        work = Path(tempfile.mkdtemp(prefix="shopdesk-load-"))
        with started_stack(args.database_url, work, workers) as stack:
            print(f"\n#### Rasa with {workers} worker(s); stack in {work} ({args.database_url or 'SQLite'})")
            results += asyncio.run(measure(stack, args, workers))
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print_comparison(results)


if __name__ == "__main__":
    main()
