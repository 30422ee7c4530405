"""The running assistant for end-to-end tests: the real Rasa server and action server, on loopback.

``tests/conftest.py`` turns ``run_stack`` into the session fixture ``stack``, shared by every test that
needs it (REST, widget, console and Telegram tests), so Rasa starts once per test run.

The Rasa engine lives in its own environment; the test run is told where by ``SHOPDESK_TEST_RASA_BIN`` and
``SHOPDESK_TEST_MODEL`` (scripts/test.sh sets both after training or reusing the cached model). Without
them the tests skip, unless ``SHOPDESK_REQUIRE_SERVICES=1`` makes that a failure.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import selectors
import socket
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest
from sqlalchemy.orm import Session

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.agents.model import AgentError
from bot.desk.agents.store import AgentDirectory
from bot.ops.demo_data import DEMO_NOW
from bot.orders.model import Order
from bot.orders.repository import OrderRepository

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not come up within {timeout}s:\n{log.read_text()[-4000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def unavailable(reason: str) -> NoReturn:
    """A service a test needs is missing: a skip with the reason, or a failure when
    ``SHOPDESK_REQUIRE_SERVICES=1`` (CI) makes every service mandatory."""
    if os.environ.get("SHOPDESK_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def rasa_command(rasa_bin: str, model: str, port: int, token: str, metrics_dir: Path) -> list[str]:
    """``rasa run`` as scripts/run.sh starts it: the REST channel and the HTTP API (token required) on
    loopback, with the project's endpoints (SHOPDESK_* variables) and credentials; through
    ``scripts/rasa_metrics_dir.sh``, so that with ``SANIC_WORKERS`` > 1 its metrics are summed over the
    workers in ``metrics_dir`` (emptied first)."""
    return [
        str(ROOT / "scripts" / "rasa_metrics_dir.sh"),
        str(metrics_dir),
        rasa_bin,
        "run",
        "--enable-api",
        "--auth-token",
        token,
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
        "-m",
        model,
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "credentials.yml",
        "--logging-config-file",
        "rasa-logging.yml",
    ]


def rasa_or_skip() -> tuple[str, str]:
    rasa_bin = os.environ.get("SHOPDESK_TEST_RASA_BIN", "")
    model = os.environ.get("SHOPDESK_TEST_MODEL", "")
    if not (rasa_bin and Path(rasa_bin).exists() and model and Path(model).exists()):
        reason = (
            "no Rasa engine or trained model (run scripts/test.sh, which sets SHOPDESK_TEST_RASA_BIN/MODEL)"
        )
        unavailable(reason)
    return rasa_bin, model


@dataclass
class ActionServer:
    """The real action server (``actions.server``), which a test may stop and start again on its port."""

    env: dict[str, str]
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "actions.server", "--port", str(self.port)],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_until_up(self) -> None:
        assert self.process is not None, "the action server was not started"
        wait_until_up(f"{self.url}/health", self.process, self.log, 120)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


class _Relay(socketserver.BaseRequestHandler):
    server: _RelayServer

    def handle(self) -> None:
        proxy = self.server.proxy
        proxy.connected()
        with proxy.counting_held():
            proxy.open.wait(proxy.longest_hold)  # held while the proxy plays a slow server
        try:
            upstream = socket.create_connection(("127.0.0.1", proxy.upstream_port), timeout=5)
        except OSError:
            return  # the server behind is down: the client's connection is dropped
        with upstream, selectors.DefaultSelector() as selector:
            upstream.settimeout(None)
            selector.register(self.request, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, self.request)
            try:
                while True:
                    for key, _ in selector.select():
                        source: socket.socket = key.fileobj  # type: ignore[assignment]
                        chunk = source.recv(65536)
                        if not chunk:
                            return
                        if source is self.request:  # a request on a kept-alive connection is held too
                            with proxy.counting_held():
                                proxy.open.wait(proxy.longest_hold)
                        key.data.sendall(chunk)
            except OSError:
                return  # either side went away


class _RelayServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    proxy: SlowProxy


class SlowProxy:
    """A TCP relay on loopback in front of a server (the action server): while ``hold()`` is in force each
    new connection, and each request on a connection already open, waits up to ``longest_hold`` seconds
    before it is passed on, so the server behind seems slow; ``release()`` lets the waiting ones through. A
    server behind that is down drops the connection. ``connections`` counts the connections accepted;
    ``held`` is the number of requests waiting now: requests that reached the server's door."""

    def __init__(self, upstream_port: int, longest_hold: float = 600.0) -> None:
        self.upstream_port = upstream_port
        self.longest_hold = longest_hold
        self.open = threading.Event()
        self.open.set()
        self.connections = 0
        self.held = 0
        self._count_lock = threading.Lock()
        self._server = _RelayServer(("127.0.0.1", 0), _Relay)
        self._server.proxy = self
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="slow-proxy", daemon=True)
        self._thread.start()

    def connected(self) -> None:
        with self._count_lock:
            self.connections += 1

    @contextlib.contextmanager
    def counting_held(self) -> Iterator[None]:
        with self._count_lock:
            self.held += 1
        try:
            yield
        finally:
            with self._count_lock:
                self.held -= 1

    def wait_for_held(self, count: int, timeout: float) -> None:
        """Until ``count`` requests are held (an AssertionError after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while self.held < count:
            assert time.monotonic() < deadline, f"{self.held} request(s) held, expected {count}"
            time.sleep(0.05)

    def hold(self) -> None:
        self.open.clear()

    def release(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Stack:
    """A running assistant: Rasa + action server over a demo database of its own."""

    rasa_url: str
    actions_url: str
    database_url: str
    env: dict[str, str]
    logs: Path
    action_server: ActionServer  # a test that stops it starts it again
    proxy: SlowProxy  # between Rasa and the action server: a test that holds it releases it
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))
    # every Rasa process on the stack's tracker store (``rasa_processes``); the first is ``rasa_url``
    rasa_urls: tuple[str, ...] = ()
    rasa_pids: tuple[int, ...] = ()  # their main processes, in the same order

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        response = self.client.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
        )
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()
        return messages

    def order(self, number: str) -> Order:
        """The order as the order system has it now, to compare answers against."""
        engine = make_engine(self.database_url)
        try:
            with Session(engine) as session:
                order = OrderRepository(session).get_order(number)
        finally:
            engine.dispose()
        assert order is not None, number
        return order

    def agent(self, username: str, password: str, name: str) -> None:
        """A support agent in the stack's database (the stack is shared, so an existing one is reset)."""
        engine = make_engine(self.database_url)
        try:
            directory = AgentDirectory(make_session_factory(engine), system_clock)
            try:
                directory.create(username, password, name)
            except AgentError:
                directory.set_password(username, password)
        finally:
            engine.dispose()

    def tracker(self, sender: str) -> dict[str, Any]:
        response = self.client.get(
            f"{self.rasa_url}/conversations/{sender}/tracker",
            params={"token": self.env["SHOPDESK_RASA_TOKEN"]},
        )
        response.raise_for_status()
        tracker: dict[str, Any] = response.json()
        return tracker


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages)


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def run_stack(
    tmp_path_factory: pytest.TempPathFactory, rasa_processes: int = 1, rasa_workers: int = 1
) -> Iterator[Stack]:
    """Seed a demo shop, then run Rasa and the action server on it. Rasa reaches the action server through a
    ``SlowProxy`` (``stack.proxy``), so a test can make it slow, and may stop and start the action server
    (``stack.action_server``). ``rasa_processes`` > 1 runs that many ``rasa run`` on ports of their own
    (``stack.rasa_urls``), sharing the tracker store and the conversation locks, as Sanic workers do.
    ``rasa_workers`` > 1 gives each ``rasa run`` that many Sanic workers on its one port
    (``SANIC_WORKERS``, as scripts/run.sh sets it); each process's metrics directory is
    ``stack.logs.parent / "rasa-metrics-N"``."""
    rasa_bin, model = rasa_or_skip()
    work = tmp_path_factory.mktemp("stack")
    logs = work / "logs"
    logs.mkdir()
    actions_port, rasa_port = free_port(), free_port()
    proxy = SlowProxy(actions_port)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "SHOPDESK_DATABASE_URL": f"sqlite:///{work / 'shop.db'}",
        "SHOPDESK_NOW": DEMO_NOW.isoformat(),
        "SHOPDESK_INDEX_DIR": str(work / "index"),
        "SHOPDESK_ACTION_ENDPOINT": f"http://127.0.0.1:{proxy.port}/webhook",
        "SHOPDESK_RASA_TRACKER_DB": str(work / "rasa-tracker.db"),
        "SHOPDESK_RASA_TOKEN": secrets.token_hex(16),
        "SHOPDESK_ACTION_SERVER_TOKEN": secrets.token_hex(16),
    }
    cli = [sys.executable, "-m", "bot.ops.cli"]
    for command in (["demo", "seed"], ["knowledge", "build"]):
        done = subprocess.run([*cli, *command], env=env, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, f"shopdesk {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"

    rasa_log = logs / "rasa.log"
    actions = ActionServer(env, actions_port, logs / "actions.log")
    try:
        with rasa_log.open("wb") as rasa_out:
            yield from _run_stack(
                rasa_bin,
                model,
                env,
                logs,
                actions,
                rasa_port,
                rasa_out,
                proxy,
                # several models loading at once on two busy cores can take minutes
                rasa_start_timeout=240 if rasa_processes * rasa_workers == 1 else 600,
                rasa_processes=rasa_processes,
                rasa_workers=rasa_workers,
            )
    finally:
        proxy.close()


def _run_stack(
    rasa_bin: str,
    model: str,
    env: dict[str, str],
    logs: Path,
    actions: ActionServer,
    rasa_port: int,
    rasa_out: Any,
    proxy: SlowProxy,
    rasa_start_timeout: float = 240,
    rasa_processes: int = 1,
    rasa_workers: int = 1,
) -> Iterator[Stack]:
    actions.start()
    rasa_env = {**env, "SANIC_WORKERS": str(rasa_workers)}  # Rasa's alone: Sanic reads SANIC_* settings
    ports = [rasa_port, *(free_port() for _ in range(rasa_processes - 1))]
    rasas: list[tuple[subprocess.Popen[bytes], int, Path]] = []
    try:
        for number, port in enumerate(ports):
            log = logs / ("rasa.log" if number == 0 else f"rasa-{number}.log")
            with contextlib.ExitStack() as files:
                out = rasa_out if number == 0 else files.enter_context(log.open("wb"))
                process = subprocess.Popen(
                    rasa_command(
                        rasa_bin,
                        model,
                        port,
                        env["SHOPDESK_RASA_TOKEN"],
                        logs.parent / f"rasa-metrics-{number}",
                    ),
                    env=rasa_env,
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            rasas.append((process, port, log))
        actions.wait_until_up()
        for process, port, log in rasas:
            # /status with the token: only this Rasa answers it (a bare "/" could be any server on a
            # reused port)
            wait_until_up(
                f"http://127.0.0.1:{port}/status?token={env['SHOPDESK_RASA_TOKEN']}",
                process,
                log,
                rasa_start_timeout,
            )
        stack = Stack(
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            rasa_urls=tuple(f"http://127.0.0.1:{port}" for port in ports),
            rasa_pids=tuple(process.pid for process, _port, _log in rasas),
            actions_url=actions.url,
            database_url=env["SHOPDESK_DATABASE_URL"],
            env=env,
            logs=logs,
            action_server=actions,
            proxy=proxy,
        )
        with stack.client:
            yield stack
    finally:
        for process, _port, _log in rasas:
            stop(process)
        actions.stop()
