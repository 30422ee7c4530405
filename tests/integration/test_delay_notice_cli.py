"""``shopdesk notices run`` as an operator runs it: separate processes over one database (SQLite and
PostgreSQL), emailing through a local SMTP server. The second process sends nothing the first one sent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.ops.demo_data import DEMO_NOW, load_demo
from tests.smtp_server import Inbox

ROOT = Path(__file__).resolve().parents[2]


def shopdesk(database_url: str, smtp_port: int, *args: str) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SHOPDESK_DATABASE_URL": database_url,
        "SHOPDESK_NOW": DEMO_NOW.isoformat(),
        "SHOPDESK_SMTP_HOST": "127.0.0.1",
        "SHOPDESK_SMTP_PORT": str(smtp_port),
        "SHOPDESK_SMTP_SECURITY": "none",
    }
    env.pop("SHOPDESK_TELEGRAM_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_two_runs_in_two_processes_email_each_delayed_shopper_once(
    database_url: str, session_factory: sessionmaker[Session], inbox: tuple[Inbox, int]
) -> None:
    messages, port = inbox
    with session_factory.begin() as session:
        load_demo(session, seed=7, now=DEMO_NOW)

    first = shopdesk(database_url, port, "notices", "run")
    assert "delay notices:" in first and "by email" in first
    sent = len(messages.messages)
    assert sent >= 2
    assert len(messages.to("ava.macdonald@example.com")) == 1
    # without SHOPDESK_PUBLIC_URL the email says to reply STOP
    assert "reply with STOP" in messages.to("ava.macdonald@example.com")[0].get_content()

    second = shopdesk(database_url, port, "notices", "run")
    assert second.startswith("delay notices: 0 new; sent 0 on Telegram, 0 by email")
    assert len(messages.messages) == sent
