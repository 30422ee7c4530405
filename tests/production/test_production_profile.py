"""The production profile (scripts/production.sh) against the real services: 2 Rasa replicas, 2 action
servers and 2 gateways behind HAProxy, conversations in PostgreSQL, Rasa's locks in Redis.

One profile is started for the module and shared; the restart test runs last and restarts it whole.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.db import make_engine
from tests.conftest import DEFAULT_POSTGRES_URL
from tests.stack import ROOT, free_port, rasa_or_skip, unavailable

pytestmark = [pytest.mark.rasa, pytest.mark.postgres, pytest.mark.timeout(1200)]

TURNS = ["hi", "how long do refunds take?"]  # a greeting, then an answer from the policy index
CONVERSATIONS = 50
ORDER, EMAIL = "SD-10017", "thomas.baker@example.com"  # docs/sample-orders.json


def _redis_url() -> str:
    import redis

    url = os.environ.get("SHOPDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis unreachable at {url}: {exc}")
    return url


@dataclass
class Profile:
    url: str
    env: dict[str, str]
    run_dir: Path
    database_url: str
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (self.run_dir / "production.out").open("ab") as log:  # the profile keeps its own copy
            self.process = subprocess.Popen(
                ["bash", "scripts/production.sh"],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        ready = subprocess.run(
            [sys.executable, "scripts/production.py", "ready", "900"],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if ready.returncode != 0 or self.process.poll() is not None:
            self.stop()
            out = (self.run_dir / "production.out").read_text()[-3000:]
            raise RuntimeError(f"the production profile did not come up: {ready.stderr}\n{out}")

    def stop(self) -> None:
        """SIGTERM, as Ctrl-C or a service manager would: every process stops, nothing is left."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def ctl(self, *args: str) -> str:
        done = subprocess.run(
            ["bash", "scripts/production.sh", "ctl", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        return done.stdout + done.stderr

    def kill(self, *names: str) -> None:
        """SIGKILL the named processes (``rasa-0``), and wait until HAProxy has taken them out of the
        rotation: until then a request may still be accepted by a dying process, and what reaches a
        replica is never sent twice (docs/deploy.md). supervisord restarts them meanwhile."""
        before = {name: self.ctl("pid", name).strip() for name in names}
        killed = self.ctl("signal", "KILL", *names)
        assert all(f"{name}: signalled" in killed for name in names), killed
        servers = [f"{'rasa' if name.startswith('rasa') else 'gateways'}/{name}" for name in names]
        down = subprocess.run(
            [sys.executable, "scripts/production.py", "down", "60", *servers],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if down.returncode != 0:
            # A quick process (a gateway) may be restarted by supervisord before HAProxy's checks see it
            # gone: what is in the rotation then is the new process, as safe to send to as any other.
            for name in names:
                if f"/{name}" in down.stderr:
                    status = self.ctl("status", name)
                    assert "RUNNING" in status and self.ctl("pid", name).strip() != before[name], (
                        down.stderr,
                        status,
                    )

    def cli(self, *args: str, stdin: str = "") -> None:
        done = subprocess.run(
            [sys.executable, "-m", "bot.ops.cli", *args],
            env=self.env,
            cwd=ROOT,
            input=stdin,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr

    def user_turns(self, sender: str) -> list[str]:
        """The shopper's messages in Rasa's tracker store (PostgreSQL), oldest first."""
        engine = make_engine(self.database_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"),
                    {"s": sender},
                ).scalars()
                return [json.loads(row)["text"] for row in rows]
        finally:
            engine.dispose()

    def replicas_by_conversation(self) -> dict[str, list[str]]:
        """The Rasa replica that served each turn, per conversation, from HAProxy's log."""
        served: dict[str, list[str]] = defaultdict(list)
        for line in (self.run_dir / "logs" / "haproxy.log").read_text().splitlines():
            parts = line.split()
            if len(parts) >= 6 and parts[0] == "rasa" and parts[3] == "/webhooks/rest/webhook":
                served[parts[1]].append(parts[4])
        return served


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Profile]:
    rasa_bin, model = rasa_or_skip()
    redis_url = _redis_url()
    with _fresh_database() as postgres_url:
        yield from _started_profile(tmp_path_factory, rasa_bin, model, redis_url, postgres_url)


@contextmanager
def _fresh_database() -> Iterator[str]:
    """A new PostgreSQL database for the module's profile (the shared fixtures are per test)."""
    server = os.environ.get("SHOPDESK_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    admin = make_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"shopdesk_production_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        unavailable(f"PostgreSQL unreachable at {make_url(server).render_as_string()}: {exc}")
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _started_profile(
    tmp_path_factory: pytest.TempPathFactory, rasa_bin: str, model: str, redis_url: str, postgres_url: str
) -> Iterator[Profile]:
    for tool in ("haproxy", "supervisord"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not installed (apt-get install haproxy supervisor; .ci/run does)")
    work = tmp_path_factory.mktemp("production")
    base = free_port() // 1000 * 1000 % 50000 + 10000  # gateways, Rasa and actions at base+0/100/200..
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")},
        "SHOPDESK_DATABASE_URL": postgres_url,
        "SHOPDESK_REDIS_URL": redis_url,
        # this profile's gateways share their keys, and nobody else's (other tests use the same Redis)
        "SHOPDESK_REDIS_PREFIX": f"shopdesk-production-{uuid.uuid4().hex[:8]}",
        "SHOPDESK_SECRET_KEY": os.urandom(24).hex(),
        "SHOPDESK_RASA_TOKEN": os.urandom(24).hex(),
        "SHOPDESK_ACTION_SERVER_TOKEN": os.urandom(24).hex(),
        "SHOPDESK_CORS_ORIGINS": '["https://shop.example.com"]',
        "SHOPDESK_REPLICAS": "2",
        "SHOPDESK_PROXY_PORT": str(free_port()),
        "SHOPDESK_RASA_PORT": str(free_port()),
        "SHOPDESK_ACTIONS_PORT": str(free_port()),
        "SHOPDESK_PORT_BASE": str(base),
        "SHOPDESK_RUN_DIR": str(work),
        "SHOPDESK_INDEX_DIR": str(work / "index"),
        "SHOPDESK_APP_VENV": sys.prefix,
        "SHOPDESK_RASA_VENV": str(Path(rasa_bin).parent.parent),
        "SHOPDESK_RASA_MODEL": model,
        # every test conversation comes from this one address
        "SHOPDESK_LIMIT_NEW_CONVERSATIONS": "1000",
        "SHOPDESK_ENV": "production",
    }
    profile = Profile(
        url=f"http://127.0.0.1:{env['SHOPDESK_PROXY_PORT']}", env=env, run_dir=work, database_url=postgres_url
    )
    profile.cli("db", "upgrade")
    profile.cli("orders", "import", str(ROOT / "docs" / "sample-orders.json"))
    profile.start()
    try:
        yield profile
    finally:
        profile.stop()


@dataclass
class Chat:
    id: str
    token: str


async def open_chat(client: httpx.AsyncClient) -> Chat:
    response = await client.post("/api/conversations", json={})
    response.raise_for_status()
    body = response.json()
    return Chat(body["id"], body["token"])


async def say(client: httpx.AsyncClient, chat: Chat, words: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/conversations/{chat.id}/messages",
        json={"text": words},
        headers={"Authorization": f"Bearer {chat.token}"},
    )
    response.raise_for_status()
    turn: dict[str, Any] = response.json()
    assert turn["assistant_available"], turn
    assert turn["replies"], turn
    return turn


async def history(client: httpx.AsyncClient, chat: Chat) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/conversations/{chat.id}/messages", headers={"Authorization": f"Bearer {chat.token}"}
    )
    response.raise_for_status()
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def client(profile: Profile) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=profile.url, timeout=120)


def test_fifty_concurrent_conversations_get_every_reply_once_and_in_order(profile: Profile) -> None:
    async def converse(http: httpx.AsyncClient) -> tuple[Chat, list[list[dict[str, Any]]]]:
        chat = await open_chat(http)
        replies = [(await say(http, chat, words))["replies"] for words in TURNS]
        return chat, replies

    async def run() -> list[tuple[Chat, list[list[dict[str, Any]]], list[dict[str, Any]]]]:
        async with client(profile) as http:
            done = await asyncio.gather(*(converse(http) for _ in range(CONVERSATIONS)))
            return [(chat, replies, await history(http, chat)) for chat, replies in done]

    results = asyncio.run(run())

    for chat, replies, messages in results:
        # the transcript is each shopper message followed by exactly the replies its turn returned
        expected = []
        for words, turn_replies in zip(TURNS, replies, strict=True):
            expected.append(("shopper", words))
            expected += [(r["author"], r["text"]) for r in turn_replies]
        assert [(m["author"], m["text"]) for m in messages] == expected
        ids = [m["id"] for m in messages]
        assert ids == sorted(set(ids))
        # Rasa's tracker in PostgreSQL holds exactly the turns sent
        assert profile.user_turns(chat.id) == TURNS

    served = profile.replicas_by_conversation()
    replicas = Counter(replica for chat, _, _ in results for replica in served[chat.id])
    assert set(replicas) == {"rasa-0", "rasa-1"}, replicas
    # every turn reached Rasa exactly once, and conversations are not pinned to one replica
    assert all(len(served[chat.id]) == len(TURNS) for chat, _, _ in results)
    alternating = [chat for chat, _, _ in results if len(set(served[chat.id])) == 2]
    assert len(alternating) >= CONVERSATIONS // 4, served


def test_conversations_continue_from_their_tracker_when_a_rasa_replica_and_a_gateway_die(
    profile: Profile,
) -> None:
    async def begin(http: httpx.AsyncClient) -> Chat:
        chat = await open_chat(http)
        await say(http, chat, "hi")
        await say(http, chat, f"where is my order {ORDER}?")  # the assistant now asks for the email
        return chat

    async def finish(http: httpx.AsyncClient, chat: Chat) -> str:
        turn = await say(http, chat, EMAIL)
        return "\n".join(r["text"] for r in turn["replies"])

    async def run() -> tuple[list[Chat], list[str]]:
        async with client(profile) as http:
            chats = await asyncio.gather(*(begin(http) for _ in range(10)))
            profile.kill("rasa-0", "gateway-0")
            answers = await asyncio.gather(*(finish(http, chat) for chat in chats))
            return list(chats), list(answers)

    chats, answers = asyncio.run(run())
    for chat, answer in zip(chats, answers, strict=True):
        # the order number given before the crash was still known: the email verified it
        assert ORDER in answer, answer
        assert profile.user_turns(chat.id) == ["hi", f"where is my order {ORDER}?", EMAIL]


def test_a_restart_of_everything_keeps_queue_transcripts_agents_and_conversations(profile: Profile) -> None:
    profile.cli("agents", "create", "sam", "--name", "Sam", "--password-stdin", stdin="a-long-password-1\n")

    async def before() -> tuple[Chat, Chat, list[dict[str, Any]]]:
        async with client(profile) as http:
            waiting = await open_chat(http)
            await say(http, waiting, "hi")
            await say(http, waiting, "talk to a person")
            pending = await open_chat(http)
            await say(http, pending, f"where is my order {ORDER}?")
            return waiting, pending, await history(http, waiting)

    waiting, pending, transcript = asyncio.run(before())

    profile.stop()
    with pytest.raises(httpx.ConnectError):  # nothing is left listening
        httpx.get(f"{profile.url}/health/live")
    profile.start()

    async def after() -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
        async with client(profile) as http:
            login = await http.post(
                "/api/agent/login", json={"username": "sam", "password": "a-long-password-1"}
            )
            login.raise_for_status()
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            queue = await http.get("/api/agent/queue", headers=headers)
            queue.raise_for_status()
            turn = await say(http, pending, EMAIL)
            return queue.json(), await history(http, waiting), "\n".join(r["text"] for r in turn["replies"])

    queue, transcript_after, answer = asyncio.run(after())
    assert waiting.id in json.dumps(queue)
    assert transcript_after == transcript
    assert ORDER in answer, answer
