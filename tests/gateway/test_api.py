"""The web chat API over real HTTP on loopback, with a real SQLite database and a fake Rasa boundary."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.conversations.model import Author, Status
from bot.desk.conversations.store import ConversationStore
from bot.desk.escalations.store import EscalationBook
from bot.payload import NLU_KEY, NluReading
from integrations.gateway.chat import ASSISTANT_UNAVAILABLE
from tests.gateway.conftest import FakeRasa, ServedApp, Shopper, start


def store_for(url: str) -> ConversationStore:
    return ConversationStore(make_session_factory(make_engine(url)), system_clock)


def frames(ws: Any, count: int) -> list[dict[str, Any]]:
    """The next ``count`` message frames (pings and status frames skipped)."""
    got: list[dict[str, Any]] = []
    while len(got) < count:
        frame = json.loads(ws.recv(timeout=10))
        if frame["type"] == "message":
            got.append(frame["message"])
    return got


def test_a_shopper_message_is_answered_and_both_are_stored(shopper: Shopper, fake_rasa: FakeRasa) -> None:
    fake_rasa.answer = lambda text: [
        {"text": "Which order? See https://harbourandpine.example/help."},
        {
            "text": "Pick one:",
            "buttons": [{"title": "SD-10001", "payload": '/inform{"order_number":"SD-10001"}'}],
        },
    ]
    response = shopper.send("where is my order?", "c-1")

    assert response.status_code == 200
    turn = response.json()
    assert turn["message"]["author"] == "shopper"
    assert turn["message"]["text"] == "where is my order?"
    assert [r["author"] for r in turn["replies"]] == ["bot", "bot"]
    assert turn["replies"][1]["buttons"] == [
        {"title": "SD-10001", "payload": '/inform{"order_number":"SD-10001"}'}
    ]
    assert turn["assistant_available"] is True and turn["status"] == "bot"
    reply_by = fake_rasa.calls[0]["metadata"].pop("reply_by")  # bot/desk/deadline.py
    assert datetime.fromisoformat(reply_by) > datetime.fromisoformat(turn["message"]["created_at"])
    assert fake_rasa.calls == [
        {
            "sender": shopper.id,
            "message": "where is my order?",
            "metadata": {"channel": "web", "conversation_id": shopper.id, "client": "web:127.0.0.1"},
        }
    ]
    history = shopper.history().json()["messages"]
    assert [m["id"] for m in history] == [turn["message"]["id"]] + [r["id"] for r in turn["replies"]]


def test_a_quick_reply_sends_its_payload_to_rasa_and_shows_its_title(
    shopper: Shopper, fake_rasa: FakeRasa
) -> None:
    offered = '/inform{"order_number":"SD-10001"}'
    fake_rasa.answer = lambda text: [
        {"text": "Which one?", "buttons": [{"title": "SD-10001", "payload": offered}]}
    ]
    shopper.send("where is my order?", "c-1")
    turn = shopper.send("SD-10001", "c-2", payload=offered).json()

    assert fake_rasa.calls[1]["message"] == offered
    assert turn["message"]["text"] == "SD-10001"
    assert shopper.history().json()["messages"][2]["text"] == "SD-10001"


def test_a_payload_the_assistant_never_offered_reaches_rasa_as_words_only(
    shopper: Shopper, fake_rasa: FakeRasa
) -> None:
    forged = '/human_handoff{"handoff_trigger":"safety"}'
    turn = shopper.send("Talk to a person", "c-1", payload=forged).json()

    assert fake_rasa.calls[0]["message"] == "Talk to a person"
    assert turn["message"]["text"] == "Talk to a person"
    assert "payload" not in str(shopper.history().json()["messages"][0].get("data") or "")


def test_a_button_title_shown_to_agents_is_the_offered_one_not_what_the_client_claims(
    shopper: Shopper, fake_rasa: FakeRasa
) -> None:
    offered = "/affirm"
    fake_rasa.answer = lambda text: [
        {"text": "Cancel it?", "buttons": [{"title": "Yes, cancel", "payload": offered}]}
    ]
    shopper.send("cancel my order", "c-1")
    turn = shopper.send("No, keep it", "c-2", payload=offered).json()

    assert turn["message"]["text"] == "Yes, cancel"


@pytest.mark.parametrize(
    "typed", ["/restart", " /restart", "//restart", '/ human_handoff{"handoff_trigger":"x"}']
)
def test_typed_text_is_never_read_as_a_rasa_command(
    shopper: Shopper, fake_rasa: FakeRasa, typed: str
) -> None:
    shopper.send(typed, "c-1")

    assert not fake_rasa.calls[0]["message"].startswith("/")
    assert fake_rasa.calls[0]["message"].startswith(("restart", "human_handoff"))


def test_messages_need_the_conversations_own_token(client: httpx.Client, shopper: Shopper) -> None:
    other = start(client)
    url = f"/api/conversations/{shopper.id}/messages"

    missing = client.post(url, json={"text": "hi"})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert client.get(url).status_code == 401
    someone_else = client.get(url, headers={"Authorization": f"Bearer {other.token}"})
    assert someone_else.status_code == 403
    assert someone_else.json() == {"detail": "This token does not open this conversation."}
    unknown = client.get(
        "/api/conversations/00000000-0000-4000-8000-000000000000/messages", headers=shopper.auth
    )
    assert unknown.status_code == 404


def test_a_retried_send_with_the_same_client_message_id_is_stored_and_answered_once(
    shopper: Shopper, fake_rasa: FakeRasa
) -> None:
    first = shopper.send("hello", "retry-me").json()
    again = shopper.send("hello", "retry-me").json()

    assert len(fake_rasa.calls) == 1
    assert again["duplicate"] is True and first["duplicate"] is False
    assert again["message"]["id"] == first["message"]["id"]
    assert again["replies"] == first["replies"]
    assert len(shopper.history().json()["messages"]) == 2


def conversation_reads(engine: Engine, send: Any) -> int:
    """How many statements read the conversations table while ``send()`` runs."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert send().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sum(1 for s in statements if re.search(r"^SELECT\b.*\bFROM conversations\b", s, re.S))


def test_a_turn_reads_the_conversation_once_besides_the_writes_that_lock_it(
    gateway: ServedApp, shopper: Shopper
) -> None:
    engine = gateway.app.state.session_factory.kw["bind"]
    # Once to open it with the shopper's token; then each write (the shopper's message, the assistant's
    # replies) locks its row. Whether the assistant answers, and the status the turn ends in, come from
    # those: nothing reads it again.
    assert conversation_reads(engine, lambda: shopper.send("hello")) == 1 + 2
    assert conversation_reads(engine, lambda: shopper.send("and again")) == 1 + 2


def test_a_turn_writes_twice_the_shoppers_message_then_the_replies_with_what_the_nlu_read(
    gateway: ServedApp, shopper: Shopper, fake_rasa: FakeRasa
) -> None:
    """Opening the conversation with its token only reads: it takes no write lock. What the NLU read in the
    shopper's message is kept on it in the transaction that stores the replies."""
    reading = {"intent": "order_status", "confidence": 0.9}
    replies = [{"custom": {NLU_KEY: reading}}, {"text": "Which order?"}, {"text": "Thanks"}]
    fake_rasa.answer = lambda text: replies
    engine = gateway.app.state.session_factory.kw["bind"]
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        turn = shopper.send("where is my order?", "c-1").json()
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert [r["text"] for r in turn["replies"]] == ["Which order?", "Thanks"]
    assert sum(1 for s in statements if s.startswith("BEGIN IMMEDIATE")) == 2
    store: ConversationStore = gateway.app.state.chat.store
    [asked] = [m for m in store.history(shopper.id) if m.author is Author.SHOPPER]
    assert NluReading.from_data(asked.data) == NluReading.model_validate(reading)


def test_history_after_a_cursor_has_only_the_newer_messages(shopper: Shopper) -> None:
    first = shopper.send("one", "c-1").json()
    cursor = first["replies"][-1]["id"]
    second = shopper.send("two", "c-2").json()

    history = shopper.history(after=cursor).json()
    assert [m["id"] for m in history["messages"]] == [second["message"]["id"], second["replies"][0]["id"]]
    assert history["cursor"] == second["replies"][0]["id"]
    assert shopper.history(after=history["cursor"]).json()["messages"] == []


def test_the_websocket_sends_the_missed_messages_then_live_ones(gateway: ServedApp, shopper: Shopper) -> None:
    missed = shopper.send("one", "c-1").json()
    url = f"{gateway.ws_url}/api/conversations/{shopper.id}/ws?after={missed['message']['id']}"

    with connect(url) as ws:
        ws.send(json.dumps({"type": "auth", "token": shopper.token}))
        (backlog,) = frames(ws, 1)
        assert backlog["id"] == missed["replies"][0]["id"]

        live = shopper.send("two", "c-2").json()
        received = frames(ws, 2)
        assert [m["id"] for m in received] == [live["message"]["id"], live["replies"][0]["id"]]
        assert received[0]["client_message_id"] == "c-2"

        ws.send(json.dumps({"type": "ping"}))
        while (frame := json.loads(ws.recv(timeout=10)))["type"] != "pong":
            assert frame["type"] in ("ping", "status")


def test_the_websocket_accepts_the_token_in_the_query_and_refuses_a_wrong_one(
    client: httpx.Client, gateway: ServedApp, shopper: Shopper
) -> None:
    other = start(client)
    base = f"{gateway.ws_url}/api/conversations/{shopper.id}/ws"
    with connect(f"{base}?token={shopper.token}") as ws:
        assert json.loads(ws.recv(timeout=10)) == {"type": "status", "status": "bot"}

    with connect(f"{base}?token={other.token}") as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403

    with connect(base) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.send(json.dumps({"type": "hello"}))
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_while_a_person_owns_the_conversation_the_assistant_stays_silent(
    gateway: ServedApp, shopper: Shopper, fake_rasa: FakeRasa, sqlite_url: str
) -> None:
    store_for(sqlite_url).set_status(shopper.id, Status.AGENT)
    url = f"{gateway.ws_url}/api/conversations/{shopper.id}/ws"

    with connect(url) as ws:
        ws.send(json.dumps({"type": "auth", "token": shopper.token}))
        turn = shopper.send("is anyone there?", "c-1").json()
        (live,) = frames(ws, 1)

    assert fake_rasa.calls == []
    assert turn["replies"] == [] and turn["status"] == "agent"
    assert live["id"] == turn["message"]["id"]
    assert [m["text"] for m in shopper.history().json()["messages"]] == ["is anyone there?"]


def test_when_rasa_is_down_the_message_is_kept_and_the_shopper_is_told(
    shopper: Shopper, fake_rasa: FakeRasa, client: httpx.Client
) -> None:
    fake_rasa.down = True
    response = shopper.send("where is my order?", "c-1")

    assert response.status_code == 200  # the message was accepted and stored; the reply explains
    turn = response.json()
    assert turn["assistant_available"] is False
    assert [(r["author"], r["text"]) for r in turn["replies"]] == [("system", ASSISTANT_UNAVAILABLE)]
    assert turn["replies"][0]["buttons"] == [{"title": "Talk to a person", "payload": "desk:person"}]
    assert [m["author"] for m in shopper.history().json()["messages"]] == ["shopper", "system"]
    assert "shopdesk_gateway_rasa_errors_total 1" in client.get("/metrics").text


def test_with_rasa_down_the_offered_person_is_reached_without_the_assistant(
    shopper: Shopper, fake_rasa: FakeRasa, sqlite_url: str
) -> None:
    fake_rasa.down = True
    shopper.send("where is my order?", "c-1")
    turn = shopper.send("Talk to a person", "c-2", payload="desk:person").json()

    assert [r["author"] for r in turn["replies"]] == ["system"]  # the queue or email notice, not Rasa's
    assert turn["replies"][0]["text"] != ASSISTANT_UNAVAILABLE
    assert all(call["message"] != "desk:person" for call in fake_rasa.calls)
    engine = make_engine(sqlite_url)
    escalation = EscalationBook(make_session_factory(engine), system_clock).open_for(shopper.id)
    engine.dispose()
    assert escalation is not None and escalation.trigger == "asked"


def test_a_turn_whose_connection_was_refused_is_sent_again_once_and_answered_once(
    shopper: Shopper, fake_rasa: FakeRasa
) -> None:
    fake_rasa.refusals = 1  # a Rasa replica (or the proxy) restarting

    turn = shopper.send("where is my order?", "c-1").json()

    assert turn["assistant_available"] is True
    assert [r["text"] for r in turn["replies"]] == ["You said: where is my order?"]
    assert [c["message"] for c in fake_rasa.calls] == ["where is my order?"]


def test_a_turn_that_reached_rasa_is_never_sent_twice(shopper: Shopper, fake_rasa: FakeRasa) -> None:
    fake_rasa.lost = True  # Rasa ran the turn, the answer never came back

    turn = shopper.send("cancel my order", "c-1").json()

    assert turn["assistant_available"] is False
    assert [(r["author"], r["text"]) for r in turn["replies"]] == [("system", ASSISTANT_UNAVAILABLE)]
    assert len(fake_rasa.calls) == 1


def test_rasa_custom_payloads_are_kept_off_screen_and_reach_the_hooks(
    gateway: ServedApp, shopper: Shopper, fake_rasa: FakeRasa, sqlite_url: str
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    gateway.app.state.custom_hooks.append(
        lambda conversation, payload: seen.append((conversation.id, payload))
    )
    fake_rasa.answer = lambda text: [
        {"text": "Let me find a person for you.", "custom": {"handoff": {"reason": "asked"}}},
        {"custom": {"queue": "returns"}},
    ]
    turn = shopper.send("a person please", "c-1").json()

    assert [r["text"] for r in turn["replies"]] == ["Let me find a person for you."]
    assert "custom" not in json.dumps(turn)
    assert seen == [(shopper.id, {"handoff": {"reason": "asked"}}), (shopper.id, {"queue": "returns"})]
    stored = store_for(sqlite_url).history(shopper.id, include_internal=True)
    assert [(m.author, m.internal, m.data) for m in stored[1:]] == [
        (Author.BOT, False, {"custom": {"handoff": {"reason": "asked"}}}),
        (Author.BOT, True, {"custom": {"queue": "returns"}}),
    ]
    assert len(shopper.history().json()["messages"]) == 2


def test_a_closed_conversation_refuses_new_messages(shopper: Shopper, sqlite_url: str) -> None:
    store_for(sqlite_url).set_status(shopper.id, Status.CLOSED)
    response = shopper.send("hello?", "c-1")
    assert response.status_code == 409
    assert response.json() == {"detail": "This conversation is closed; start a new one."}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 2001},
        {"text": "hi", "client_message_id": "no spaces"},
    ],
)
def test_bad_input_gets_a_json_4xx(shopper: Shopper, body: dict[str, Any]) -> None:
    response = shopper.http.post(f"/api/conversations/{shopper.id}/messages", json=body, headers=shopper.auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert "detail" in response.json()


def test_a_malformed_conversation_id_is_a_422_not_a_crash(client: httpx.Client, shopper: Shopper) -> None:
    response = client.get("/api/conversations/not-a-uuid/messages", headers=shopper.auth)
    assert response.status_code == 422


def test_readiness_reports_each_component(client: httpx.Client, fake_rasa: FakeRasa) -> None:
    assert client.get("/health/live").json() == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert {k: v["ok"] for k, v in ready.json()["components"].items()} == {
        "rasa": True,
        "action_server": True,
        "database": True,
    }

    fake_rasa.down = True
    fake_rasa.actions_down = True
    down = client.get("/health/ready")
    assert down.status_code == 503
    components = down.json()["components"]
    assert (components["rasa"]["ok"], components["action_server"]["ok"], components["database"]["ok"]) == (
        False,
        False,
        True,
    )
    assert components["rasa"]["detail"] == "unreachable (ConnectError)"


def test_metrics_count_messages_and_time_rasa(client: httpx.Client, shopper: Shopper) -> None:
    shopper.send("hi", "c-1")
    text = client.get("/metrics").text
    assert 'shopdesk_gateway_messages_total{author="shopper"} 1' in text
    assert 'shopdesk_gateway_messages_total{author="bot"} 1' in text
    assert "shopdesk_gateway_rasa_request_seconds_count 1" in text
    assert "# TYPE shopdesk_gateway_rasa_request_seconds histogram" in text


def test_the_demo_shop_and_the_widget_are_served(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "Harbour &amp; Pine" in page.text
    assert '<script src="/widget.js"' in page.text
    assert client.get("/widget.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/widget.css").headers["content-type"].startswith("text/css")


def test_the_widget_never_puts_text_into_html() -> None:
    from integrations.gateway.routes.web import WEB_DIR

    source = (WEB_DIR / "widget.js").read_text(encoding="utf-8")
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source and "document.write" not in source


def test_every_route_is_in_the_openapi_schema(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/conversations",
        "/api/conversations/{conversation_id}/messages",
        "/health/live",
        "/health/ready",
        "/metrics",
    } <= set(paths)
    send = paths["/api/conversations/{conversation_id}/messages"]["post"]
    assert send["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TurnOut"
    }


def test_errors_inside_the_gateway_give_no_internals_to_the_client(
    gateway: ServedApp, shopper: Shopper, fake_rasa: FakeRasa
) -> None:
    def explode(text: str) -> list[dict[str, Any]]:
        raise RuntimeError("secret internals")

    fake_rasa.answer = explode  # MockTransport re-raises it inside the gateway's request
    response = shopper.send("hi", "c-1")
    assert response.status_code == 500
    assert response.json() == {"detail": "Something went wrong on our side."}
