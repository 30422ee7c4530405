"""Rasa's SQLite tracker store as integrations/rasa_engine/sqlite_tracker.py sets it up: WAL journal, and one
connection kept open across the loads and saves of conversations instead of one opened for each."""

from __future__ import annotations

import pytest

from tests.e2e.rasa_env import run_in_rasa_env

pytestmark = pytest.mark.rasa

# Runs in Rasa's environment: Rasa's SQLTrackerStore on a fresh SQLite file, three conversations of three
# turns each loaded and saved as Rasa's processor does; reports the connections SQLite opened, each
# conversation's events as read back by a second store on the same file, and the journal mode.
SCRIPT = """
import asyncio, json, os, tempfile
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from integrations.rasa_engine import sqlite_tracker

sqlite_tracker.install()
from rasa.core.tracker_store import SQLTrackerStore

opened = 0

def count(*_args):
    global opened
    opened += 1

event.listen(Engine, "connect", count)
domain = Domain.load("domain.yml")
path = os.path.join(tempfile.mkdtemp(), "tracker.db")
store = SQLTrackerStore(domain, dialect="sqlite", db=path)
opened_at_start = opened

async def converse():
    saved = {}
    for sender in ("a", "b", "c"):
        tracker = await store.get_or_create_tracker(sender)
        for turn in range(3):
            tracker = await store.retrieve(sender)
            tracker.update(UserUttered(f"message {turn}", {"name": "greet", "confidence": 0.9}))
            tracker.update(ActionExecuted("utter_greet"))
            tracker.update(BotUttered(f"reply {turn}"))
            tracker.update(ActionExecuted("action_listen"))
            await store.save(tracker)
        saved[sender] = [e.as_dict()["event"] for e in tracker.events]
    return saved

saved = asyncio.run(converse())
opened_by_turns = opened - opened_at_start
with store.engine.connect() as connection:
    journal = connection.execute(text("PRAGMA journal_mode")).scalar()
reader = SQLTrackerStore(domain, dialect="sqlite", db=path)
read = {s: [e.as_dict()["event"] for e in asyncio.run(reader.retrieve(s)).events] for s in saved}
print(json.dumps({"opened_by_turns": opened_by_turns, "journal": journal, "saved": saved, "read": read}))
"""


def test_conversations_are_loaded_and_saved_over_one_kept_connection_in_wal_mode() -> None:
    report = run_in_rasa_env(SCRIPT)
    assert report["read"] == report["saved"]
    assert all(events.count("user") == 3 for events in report["read"].values())
    assert report["journal"] == "wal"
    assert report["opened_by_turns"] <= 1
