"""Rasa's conversation locks in a SQLite file, shared by every Rasa process of one machine.

Rasa serves one conversation's turns one at a time through a ticket lock per conversation (a queue of
numbered tickets; the lowest unexpired one is served). Its in-memory lock store keeps the queues in the
process, so a second Rasa worker (``SANIC_WORKERS=2``) or a second ``rasa run`` on the same tracker
store could run two turns of one conversation at once, both loading the same tracker and each saving
its own events. Rasa's Redis lock store fixes that for the production profile; this one does it for the
embedded default without a server: ``endpoints.yml`` names this class as the ``lock_store`` and gives it
``db``, the SQLite file for the locks (beside the tracker store's file, not in it, so taking a ticket
never waits for a tracker save to commit).

Each read-modify-write of a queue (issue a ticket, drop expired tickets, finish serving one and delete
an empty queue) runs in one ``BEGIN IMMEDIATE`` transaction, so two processes never issue the same
ticket number; Rasa's Redis store reads and writes separately. Tickets expire after Rasa's lock lifetime
(``TICKET_LOCK_LIFETIME``, 60 s), so a worker killed mid-turn holds its conversation no longer than
that. Because the store names a custom class, Rasa accepts ``SANIC_WORKERS`` > 1 with it
(``rasa.core.utils.number_of_sanic_workers``).

Runs in Rasa's environment: imports nothing of ``bot/``. Each process (a forked Sanic worker too) opens
its own connection on first use.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockStore
from rasa.utils.endpoints import EndpointConfig

BUSY_TIMEOUT_SECONDS = 30.0
SCHEMA = "CREATE TABLE IF NOT EXISTS ticket_locks (conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)"


def open_lock_database(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL journal, table created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
    )
    connection.execute("PRAGMA journal_mode=WAL")
    # Locks matter only while the processes run: no fsync per ticket; a crash of the machine loses
    # tickets that had expired by the time it is back anyway.
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute(SCHEMA)
    return connection


class SQLiteLockStore(LockStore):  # type: ignore[misc]
    """Ticket locks in one SQLite table, visible to every process that opens the same file."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, db: str | None = None) -> None:
        path = db or (endpoint_config.kwargs.get("db") if endpoint_config is not None else None)
        if not path:
            raise ValueError("SQLiteLockStore needs `db:`, the SQLite file for the locks (endpoints.yml)")
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        super().__init__()

    @property
    def _db(self) -> sqlite3.Connection:
        # A forked Sanic worker must not share its parent's connection: one per process.
        if self._connection is None or self._pid != os.getpid():
            self._connection = open_lock_database(self.path)
            self._pid = os.getpid()
        return self._connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken before its first read; nested calls join the outer one."""
        db = self._db
        if db.in_transaction:
            yield db
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.rollback()
            raise
        db.commit()

    # -- storage (LockStore's interface) --------------------------------------------------------------

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        row = self._db.execute(
            "SELECT lock FROM ticket_locks WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    def save_lock(self, lock: TicketLock) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO ticket_locks (conversation_id, lock) VALUES (?, ?) "
                "ON CONFLICT (conversation_id) DO UPDATE SET lock = excluded.lock",
                (lock.conversation_id, lock.dumps()),
            )

    def delete_lock(self, conversation_id: str) -> None:
        with self._transaction() as db:
            deleted = db.execute("DELETE FROM ticket_locks WHERE conversation_id = ?", (conversation_id,))
        self._log_deletion(conversation_id, deleted.rowcount > 0)

    # -- Rasa's read-modify-write steps, each made atomic across processes -----------------------------

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._transaction():
            ticket: int = super().issue_ticket(conversation_id, lock_lifetime)
            return ticket

    def update_lock(self, conversation_id: str) -> None:
        with self._transaction():
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._transaction():
            super().cleanup(conversation_id, ticket_number)
