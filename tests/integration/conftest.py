"""Fixtures for the action tests: a seeded demo shop, the real policy index and model, an action context."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import ActionContext, configure
from bot.clock import fixed_clock
from bot.db import make_engine, make_session_factory, upgrade
from bot.ops.demo_data import DEMO_NOW, load_demo
from bot.orders.services import ShopService
from bot.policy import load_policy
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def seeded_demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated and seeded once per run; tests that write get their own copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        load_demo(session, seed=7, now=DEMO_NOW)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real retriever over the shop's documents, with the real embedding model."""
    with warnings.catch_warnings():
        # torch and transformers warn about their own internals at import; not ours to fix
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        from knowledge.embedding import load_embedder
        from knowledge.index import build_index
        from knowledge.retriever import load_retriever

        embedder = load_embedder(Settings().embedding)
    index_dir = tmp_path_factory.mktemp("index")
    build_index(ROOT / "knowledge" / "docs", index_dir, embedder)
    return load_retriever(index_dir, embedder=embedder)


@pytest.fixture
def shop_db_url(seeded_demo_file: Path, tmp_path: Path) -> str:
    copy = tmp_path / "shop.db"
    shutil.copy(seeded_demo_file, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def shop(shop_db_url: str) -> Iterator[ShopService]:
    engine = make_engine(shop_db_url)
    yield ShopService(make_session_factory(engine), load_policy(), fixed_clock(DEMO_NOW), secret=b"test")
    engine.dispose()


@pytest.fixture
def action_context(shop: ShopService, retriever: Any) -> Iterator[ActionContext]:
    from knowledge.retriever import UnknownClause

    def cite(clause: str) -> Any:
        try:
            return retriever.cite(clause)
        except UnknownClause:
            return None

    context = ActionContext(shop=shop, ask=retriever.answer, cite=cite)
    configure(context)
    yield context
    configure(None)


def make_tracker(
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender: str = "test-shopper",
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    return Tracker(
        sender_id=sender,
        slots={"verification_attempts": 0.0, "awaiting_confirmation": False, **(slots or {})},
        latest_message=latest,
        events=events or [{"event": "user", "text": text, "parse_data": latest}],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name=None,
    )


def run_action(
    action: Any, tracker: Tracker, domain: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run an action like the executor does; returns (messages, events)."""
    import asyncio

    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain or DOMAIN))
    return dispatcher.messages, events


def conclude(tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What the form's validation adds in the run that completes the form (the answer, or a person
    offered); returns (messages, events)."""
    from actions.verification import conclude_request

    dispatcher = CollectingDispatcher()
    events = conclude_request(dispatcher, tracker)
    return dispatcher.messages, events


def form_call(
    slots: dict[str, Any],
    text: str,
    intent: str,
    candidates: dict[str, Any] | None = None,
    *,
    starts: bool = False,
    entities: list[dict[str, Any]] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run ``validate_verify_order_form`` the way Rasa calls it after the shopper's message ``text``:
    ``slots`` is the conversation's state, ``candidates`` the slots the message filled (the ones to
    validate, at the end of the events), ``starts`` whether this message activated the form (Rasa's
    ``ActiveLoop`` event after the message), ``history`` the events before the message."""
    from actions.verification import ValidateVerifyOrderForm

    parse = {"intent": {"name": intent}, "entities": entities or []}
    events = [
        *(history or []),
        {"event": "user", "text": text, "parse_data": parse},
        *([{"event": "active_loop", "name": "verify_order_form"}] if starts else []),
        {"event": "action", "name": "verify_order_form"},
        *[{"event": "slot", "name": k, "value": v} for k, v in (candidates or {}).items()],
    ]
    tracker = make_tracker(
        {**slots, **(candidates or {})},
        text=text,
        intent=intent,
        entities=entities,
        events=events,
        active_loop="verify_order_form",
    )
    return run_action(ValidateVerifyOrderForm(), tracker)


def load_domain() -> dict[str, Any]:
    import yaml

    with open(ROOT / "domain.yml", encoding="utf-8") as fh:
        domain: dict[str, Any] = yaml.safe_load(fh)
    return domain


DOMAIN = load_domain()
