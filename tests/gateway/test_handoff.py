"""Human handoff through the real gateway over HTTP: escalate, stay silent, relay, hand back, survey.

Rasa is the ``FakeRasa`` of conftest (its REST channel and tracker API); the database is real SQLite with
the demo shop seeded, so the agent's order card comes from the order system. A shopper is queued only
while an agent is there: ``on_duty`` keeps an agent's console WebSocket open (beating, as the console
does) for the tests that need one.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory
from bot.desk.agents.store import AgentDirectory
from bot.desk.conversations.store import ConversationStore
from bot.desk.handoff import Fact
from bot.ops.demo_data import DEMO_NOW, SHOWCASE, load_demo
from bot.orders.rules.proof import Proof
from bot.payload import NLU_KEY, AssistantPayload, HandoffRequest
from bot.settings import Settings
from integrations.gateway.app import create_app
from integrations.gateway.handoff import SURVEY_QUESTION
from tests.gateway.conftest import ACTIONS_URL, RASA_URL, FakeRasa, ServedApp, Shopper, serve, start

HANDOFF = {"custom": AssistantPayload(handoff=HandoffRequest()).to_custom()}
PASSWORD = "correct horse battery"
SUNDAY_NIGHT = "2026-10-18T22:00:00+00:00"  # support hours are Monday to Saturday


def answer(text: str) -> list[dict[str, Any]]:
    if "person" in text or text.startswith("/human_handoff"):
        return [HANDOFF]
    return [{"text": f"assistant: {text}"}]


@pytest.fixture
def shop_db(sqlite_url: str) -> str:
    engine = make_engine(sqlite_url)
    with make_session_factory(engine).begin() as session:
        load_demo(session, seed=7, now=DEMO_NOW)
    directory = AgentDirectory(make_session_factory(engine), system_clock)
    directory.create("sam", PASSWORD, "Sam")
    directory.create("alex", PASSWORD, "Alex")
    engine.dispose()
    return sqlite_url


def make_settings(url: str, **overrides: Any) -> Settings:
    from integrations.gateway.config import GatewaySettings

    values: dict[str, Any] = {
        "database_url": url,
        "rasa_url": RASA_URL,
        "action_server_url": ACTIONS_URL,
        "now": DEMO_NOW.isoformat(),  # a Thursday, 11:00 in London: agents online
        **overrides,
    }
    return GatewaySettings(**values)


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa(answer=answer)


@pytest.fixture
def gateway(shop_db: str, fake_rasa: FakeRasa) -> Iterator[ServedApp]:
    yield from serve(create_app(make_settings(shop_db), transport=fake_rasa.transport))


class Agent:
    def __init__(self, http: httpx.Client, username: str, password: str = PASSWORD) -> None:
        response = http.post("/api/agent/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        self.http = http
        self.headers = {"Authorization": f"Bearer {response.json()['token']}"}

    def get(self, path: str) -> httpx.Response:
        return self.http.get(f"/api/agent{path}", headers=self.headers)

    def post(self, path: str, **body: Any) -> httpx.Response:
        return self.http.post(f"/api/agent{path}", headers=self.headers, json=body or None)

    def queue(self) -> list[dict[str, Any]]:
        response = self.get("/queue")
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()
        return result

    @property
    def token(self) -> str:
        return self.headers["Authorization"].removeprefix("Bearer ")


def open_console(gateway: ServedApp, agent: Agent) -> tuple[ClientConnection, dict[str, Any]]:
    """An agent's console WebSocket, authenticated; returns it with its ``ready`` frame."""
    ws = connect(f"{gateway.ws_url}/api/agent/ws")
    ws.send(json.dumps({"type": "auth", "token": agent.token}))
    ready = json.loads(ws.recv(timeout=10))
    assert ready["type"] == "ready", ready
    return ws, ready


@contextmanager
def on_duty(gateway: ServedApp, agent: Agent) -> Iterator[ClientConnection]:
    """The agent's console is open (as a browser's would be: reading frames, sending a beat when asked);
    closed when the block ends."""
    ws, ready = open_console(gateway, agent)
    stop = threading.Event()

    def keep_alive() -> None:
        every = float(ready["beat_seconds"])
        last = time.monotonic()
        while not stop.is_set():
            try:
                ws.recv(timeout=min(every, 0.2))
            except TimeoutError:
                pass
            except ConnectionClosed:
                return
            if time.monotonic() - last >= every:
                last = time.monotonic()
                try:
                    ws.send(json.dumps({"type": "beat"}))
                except ConnectionClosed:
                    return

    thread = threading.Thread(target=keep_alive, name="console", daemon=True)
    thread.start()
    try:
        yield ws
    finally:
        stop.set()
        thread.join(timeout=5)
        ws.close()


@pytest.fixture
def sam_on_duty(gateway: ServedApp, client: httpx.Client) -> Iterator[Agent]:
    sam = Agent(client, "sam")
    with on_duty(gateway, sam):
        yield sam


def texts(shopper: Shopper) -> list[str]:
    return [m["text"] for m in shopper.history().json()["messages"]]


def escalate(shopper: Shopper) -> list[str]:
    """Ask for a person; returns the texts that answered the turn."""
    response = shopper.send("I want to talk to a person")
    assert response.status_code == 200, response.text
    return [r["text"] for r in response.json()["replies"]]


def test_asking_for_a_person_queues_the_conversation_and_pauses_the_assistant(
    shopper: Shopper, fake_rasa: FakeRasa, client: httpx.Client, sam_on_duty: Agent
) -> None:
    answered = escalate(shopper)
    assert len(answered) == 1 and "You're next; the expected wait is about 4 minutes" in answered[0]
    assert texts(shopper)[-1] == answered[0]
    assert shopper.history().json()["status"] == "queued"
    assert fake_rasa.events_for(shopper.id) == ["pause"]

    calls = len(fake_rasa.calls)
    shopper.send("hello? is anyone there")
    assert len(fake_rasa.calls) == calls  # the assistant stays silent

    queue = Agent(client, "sam").queue()
    assert [(q["conversation_id"], q["state"], q["trigger"]) for q in queue] == [
        (shopper.id, "queued", "asked")
    ]


def test_the_second_shopper_in_the_queue_hears_their_place(client: httpx.Client, sam_on_duty: Agent) -> None:
    first, second = start(client), start(client)
    escalate(first)
    escalate(second)
    # one agent there, one shopper ahead: two conversations of the policy's 4 minutes
    assert "You're number 2 in the queue; the expected wait is about 8 minutes" in texts(second)[-1]


def test_with_two_agents_available_the_second_shopper_is_taken_in_the_first_round(
    gateway: ServedApp, client: httpx.Client, sam_on_duty: Agent
) -> None:
    with on_duty(gateway, Agent(client, "alex")):
        first, second = start(client), start(client)
        escalate(first)
        escalate(second)
    assert "You're number 2 in the queue; the expected wait is about 4 minutes" in texts(second)[-1]


def test_with_nobody_connected_the_shopper_is_told_so_and_offered_email_at_once(
    shopper: Shopper, fake_rasa: FakeRasa, client: httpx.Client
) -> None:
    # the case: agent accounts exist, nobody has the console open, within support hours
    (notice,) = escalate(shopper)
    assert notice.startswith("Nobody from our team is available right now")
    assert "queue;" not in notice and "minutes" not in notice
    assert notice.endswith("What email address should they reply to?")
    assert shopper.history().json()["status"] == "bot"  # nobody is coming: the assistant stays
    assert fake_rasa.events_for(shopper.id) == []  # never paused
    shopper.send("it's jo.bloggs@example.com")
    assert texts(shopper)[-1] == "Thanks, our team will reply to jo.bloggs@example.com."
    (waiting,) = Agent(client, "sam").queue()
    assert waiting["state"] == "email"


def test_an_agent_claims_replies_notes_and_hands_back_with_the_assistant_resuming(
    shopper: Shopper, fake_rasa: FakeRasa, client: httpx.Client, sam_on_duty: Agent
) -> None:
    escalate(shopper)
    sam = sam_on_duty
    escalation = sam.queue()[0]["id"]

    assert sam.post(f"/escalations/{escalation}/claim").json()["state"] == "claimed"
    assert "Sam from our team has joined the chat." in texts(shopper)
    assert shopper.history().json()["status"] == "agent"

    assert sam.post(f"/escalations/{escalation}/reply", text="Hi, I'm Sam. Let me check.").status_code == 200
    assert sam.post(f"/escalations/{escalation}/note", text="carrier says depot delay").status_code == 200
    shopper.send("thanks Sam")
    seen = texts(shopper)
    assert "Hi, I'm Sam. Let me check." in seen
    assert "carrier says depot delay" not in seen  # internal notes never reach the shopper

    detail = sam.get(f"/escalations/{escalation}").json()
    transcript = [(m["author"], m["text"], m["internal"]) for m in detail["transcript"]]
    assert ("agent", "carrier says depot delay", True) in transcript
    assert ("shopper", "thanks Sam", False) in transcript

    calls = len(fake_rasa.calls)
    assert sam.post(f"/escalations/{escalation}/handback").json()["state"] == "handed_back"
    assert fake_rasa.events_for(shopper.id) == ["pause", "resume"]
    assert shopper.history().json()["status"] == "bot"
    shopper.send("where is my parcel")
    assert len(fake_rasa.calls) == calls + 1  # the assistant answers again
    assert texts(shopper)[-1] == "assistant: where is my parcel"


def test_another_agent_cannot_take_or_answer_a_claimed_conversation(
    shopper: Shopper, client: httpx.Client
) -> None:
    escalate(shopper)
    sam, alex = Agent(client, "sam"), Agent(client, "alex")
    escalation = sam.queue()[0]["id"]
    sam.post(f"/escalations/{escalation}/claim")
    assert alex.post(f"/escalations/{escalation}/claim").status_code == 409
    assert alex.post(f"/escalations/{escalation}/reply", text="me too").status_code == 409
    assert "me too" not in texts(shopper)


def test_resolving_asks_for_a_rating_and_stores_it_without_the_assistant(
    shopper: Shopper, fake_rasa: FakeRasa, client: httpx.Client
) -> None:
    escalate(shopper)
    sam = Agent(client, "sam")
    escalation = sam.queue()[0]["id"]
    sam.post(f"/escalations/{escalation}/claim")
    sam.post(f"/escalations/{escalation}/resolve")
    survey = shopper.history().json()["messages"][-1]
    assert [b["payload"] for b in survey["buttons"]] == [f"csat:{n}" for n in range(1, 6)]

    calls = len(fake_rasa.calls)
    shopper.send("5", payload="csat:5")
    assert len(fake_rasa.calls) == calls
    assert texts(shopper)[-1] == "Thank you for your feedback!"
    assert sam.get(f"/escalations/{escalation}").json()["satisfaction"] == 5


@pytest.mark.parametrize(
    ("message", "trigger", "priority"),
    [
        ("I'm going to report you to trading standards", "sensitive", 3),
        ("this is ridiculous, I've been waiting for weeks", "frustration", 2),
    ],
)
def test_sensitive_topics_and_frustration_go_straight_to_a_person(
    shopper: Shopper,
    fake_rasa: FakeRasa,
    client: httpx.Client,
    sam_on_duty: Agent,
    message: str,
    trigger: str,
    priority: int,
) -> None:
    shopper.send(message)
    assert fake_rasa.calls == []  # the assistant never answered it
    queued = Agent(client, "sam").queue()[0]
    assert (queued["trigger"], queued["priority"]) == (trigger, priority)
    assert "expected wait" in texts(shopper)[-1]


LOST = next(c for c in SHOWCASE if c.kind == "lost")


def tells_about_the_lost_parcel(text: str) -> list[dict[str, Any]]:
    """The assistant as the order actions answer: the words, then the fact and the verified order."""
    if "parcel" not in text:
        return answer(text)
    told = AssistantPayload(
        facts=(Fact("shipping_delay", f"{LOST.number} is lost in transit"),),
        verified_order=LOST.number,
        verified_by=Proof.CUSTOMER,  # verified with the order's email
    )
    return [{"text": "Your parcel is lost."}, {"custom": told.to_custom()}]


def test_the_agent_sees_the_verified_order_and_a_summary_built_from_facts(
    shopper: Shopper, fake_rasa: FakeRasa, client: httpx.Client
) -> None:
    fake_rasa.answer = tells_about_the_lost_parcel
    shopper.send("where is my parcel")
    escalate(shopper)
    sam = Agent(client, "sam")
    detail = sam.get(f"/escalations/{sam.queue()[0]['id']}").json()
    assert detail["order"]["number"] == LOST.number
    assert detail["order"]["customer"]["email"] == LOST.email
    assert detail["verified_order"] == LOST.number
    assert f"Verified order: {LOST.number}" in detail["summary"]
    assert f"Told: {LOST.number} is lost in transit" in detail["summary"]
    # nobody was there: the team will reply to the verified address, named masked
    notice = texts(shopper)[-1]
    assert notice.startswith("Nobody from our team is available right now")
    assert f"by email to {LOST.email[0]}***@{LOST.email.split('@')[1]}" in notice
    assert LOST.email not in notice
    assert 'Last message: "I want to talk to a person"' in detail["summary"]
    assert detail["facts"] == [
        {"kind": "shipping_delay", "text": f"{LOST.number} is lost in transit", "score": None}
    ]


def test_the_order_the_assistant_sent_with_its_request_for_a_person_is_the_one_recorded(
    shopper: Shopper, fake_rasa: FakeRasa, client: httpx.Client
) -> None:
    fake_rasa.answer = tells_about_the_lost_parcel
    shopper.send("where is my parcel")
    other = next(c for c in SHOWCASE if c.kind == "late")
    request = AssistantPayload(handoff=HandoffRequest(), verified_order=other.number)
    fake_rasa.answer = lambda text: [{"custom": request.to_custom()}]
    escalate(shopper)
    queued = Agent(client, "sam").queue()[0]
    assert queued["verified_order"] == other.number


def test_an_escalation_the_gateway_raises_records_the_order_the_assistant_verified(
    shopper: Shopper, fake_rasa: FakeRasa, client: httpx.Client
) -> None:
    fake_rasa.answer = tells_about_the_lost_parcel
    shopper.send("where is my parcel")
    shopper.send("this is ridiculous, I've been waiting for weeks")
    queued = Agent(client, "sam").queue()[0]
    assert (queued["trigger"], queued["verified_order"]) == ("frustration", LOST.number)


def test_a_malformed_payload_from_the_assistant_is_ignored_and_the_turn_goes_on(
    shopper: Shopper, fake_rasa: FakeRasa, client: httpx.Client
) -> None:
    fake_rasa.answer = lambda text: [
        {"text": "Here you are."},
        {"custom": {"shopdesk": {"facts": "lost", "handoff": "now", "verified_order": 7}}},
        {"custom": {"shopdesk": {"facts": [{"kind": "order_status"}, None], "verified_order": ["SD-10007"]}}},
    ]
    response = shopper.send("where is my parcel")
    assert response.status_code == 200, response.text
    assert [r["text"] for r in response.json()["replies"]] == ["Here you are."]
    assert Agent(client, "sam").queue() == []  # no well-formed request for a person among them


def test_claiming_or_answering_an_unknown_escalation_is_not_found(client: httpx.Client) -> None:
    sam = Agent(client, "sam")
    assert sam.post("/escalations/999999/claim").status_code == 404
    assert sam.post("/escalations/999999/reply", text="hello").status_code == 404
    assert sam.post("/escalations/999999/handback").status_code == 404
    assert sam.get("/escalations/999999").status_code == 404


def test_an_agents_replies_are_counted_like_every_other_message(
    shopper: Shopper, client: httpx.Client
) -> None:
    escalate(shopper)
    sam = Agent(client, "sam")
    escalation = sam.queue()[0]["id"]
    sam.post(f"/escalations/{escalation}/claim")
    sam.post(f"/escalations/{escalation}/reply", text="Hi, I'm Sam.")
    sam.post(f"/escalations/{escalation}/note", text="checking the depot")
    assert 'shopdesk_gateway_messages_total{author="agent"} 2' in client.get("/metrics").text


def test_outside_support_hours_the_shopper_is_told_the_team_replies_by_email(
    shop_db: str, fake_rasa: FakeRasa
) -> None:
    for served in serve(create_app(make_settings(shop_db, now=SUNDAY_NIGHT), transport=fake_rasa.transport)):
        with httpx.Client(base_url=served.url, timeout=10) as http:
            shopper = start(http)
            escalate(shopper)
            notice = texts(shopper)[-1]
            assert "offline right now (back Monday at 09:00 UK time)" in notice
            assert "What email address should they reply to?" in notice
            assert shopper.history().json()["status"] == "bot"  # nobody is coming: the assistant stays
            shopper.send("it's jo.bloggs@example.com")
            assert texts(shopper)[-1] == "Thanks, our team will reply to jo.bloggs@example.com."
            queued = Agent(http, "sam").queue()[0]
            assert queued["state"] == "email"


def test_an_escalation_nobody_claims_in_time_offers_email_and_hands_back(
    shop_db: str, fake_rasa: FakeRasa, tmp_path: Path
) -> None:
    policy = yaml.safe_load(Path("knowledge/policy.yml").read_text())
    policy["handoff"]["unclaimed_after_minutes"] = 0
    policy_file = tmp_path / "policy.yml"
    policy_file.write_text(yaml.safe_dump(policy))
    settings = make_settings(shop_db, policy_file=policy_file, handoff_check_every=0.2)
    for served in serve(create_app(settings, transport=fake_rasa.transport)):
        with httpx.Client(base_url=served.url, timeout=10) as http, on_duty(served, Agent(http, "sam")):
            shopper = start(http)
            assert "You're next" in escalate(shopper)[0]
            deadline = time.monotonic() + 10
            while shopper.history().json()["status"] != "bot" and time.monotonic() < deadline:
                time.sleep(0.1)
            assert shopper.history().json()["status"] == "bot"
            assert "nobody from our team is free right now" in texts(shopper)[-1]
            assert fake_rasa.events_for(shopper.id) == ["pause", "resume"]


def test_the_queue_and_transcript_survive_a_restart(shop_db: str, fake_rasa: FakeRasa) -> None:
    settings = make_settings(shop_db)
    for served in serve(create_app(settings, transport=fake_rasa.transport)):
        with httpx.Client(base_url=served.url, timeout=10) as http:
            shopper = start(http)
            shopper.send("hi there")
            escalate(shopper)
    for served in serve(create_app(settings, transport=fake_rasa.transport)):  # a new process, same database
        with httpx.Client(base_url=served.url, timeout=10) as http:
            sam = Agent(http, "sam")
            queued = sam.queue()
            assert [q["conversation_id"] for q in queued] == [shopper.id]
            transcript = sam.get(f"/escalations/{queued[0]['id']}").json()["transcript"]
            assert [m["text"] for m in transcript][:2] == ["hi there", "assistant: hi there"]


def test_the_console_api_needs_a_logged_in_agent(client: httpx.Client) -> None:
    assert client.get("/api/agent/queue").status_code == 401
    wrong = client.post("/api/agent/login", json={"username": "sam", "password": "not it at all"})
    assert wrong.status_code == 401
    unknown = client.post("/api/agent/login", json={"username": "nobody", "password": PASSWORD})
    assert unknown.json() == wrong.json()
    sam = Agent(client, "sam")
    assert sam.post("/logout").status_code == 204
    assert sam.get("/queue").status_code == 401


def test_canned_replies_are_served(client: httpx.Client) -> None:
    canned = Agent(client, "sam").get("/canned").json()
    assert {"title", "text"} <= set(canned[0])


def closing_answer(text: str) -> list[dict[str, Any]]:
    """The assistant's answer, preceded by what Rasa's NLU read (``nlu_report.py``) for thanks and bye."""
    intent = {"thanks": "thank", "bye": "goodbye"}.get(text, "inform")
    return [{"custom": {NLU_KEY: {"intent": intent, "confidence": 0.98}}}, {"text": f"assistant: {text}"}]


def rating_of(shop_db: str, conversation_id: str) -> int | None:
    engine = make_engine(shop_db)
    try:
        return ConversationStore(make_session_factory(engine), system_clock).get(conversation_id).satisfaction
    finally:
        engine.dispose()


def test_thanking_the_assistant_offers_a_rating_once_and_keeps_the_first_answer(
    shopper: Shopper, fake_rasa: FakeRasa, shop_db: str
) -> None:
    fake_rasa.answer = closing_answer
    replies = shopper.send("thanks").json()["replies"]
    assert [r["text"] for r in replies] == ["assistant: thanks", SURVEY_QUESTION]
    assert [b["payload"] for b in replies[1]["buttons"]] == [f"csat:{n}" for n in range(1, 6)]

    calls = len(fake_rasa.calls)
    assert shopper.send("4", payload="csat:4").json()["replies"][0]["text"] == "Thank you for your feedback!"
    assert shopper.send("1", payload="csat:1").json()["replies"][0]["text"] == "Thanks!"
    assert len(fake_rasa.calls) == calls  # survey answers never reach the assistant
    assert rating_of(shop_db, shopper.id) == 4

    assert [r["text"] for r in shopper.send("bye").json()["replies"]] == ["assistant: bye"]  # offered once


def test_a_resolved_escalation_keeps_its_first_rating_and_the_conversation_none(
    shopper: Shopper, client: httpx.Client, shop_db: str
) -> None:
    escalate(shopper)
    sam = Agent(client, "sam")
    escalation = sam.queue()[0]["id"]
    sam.post(f"/escalations/{escalation}/claim")
    sam.post(f"/escalations/{escalation}/resolve")
    shopper.send("5", payload="csat:5")
    shopper.send("1", payload="csat:1")
    assert sam.get(f"/escalations/{escalation}").json()["satisfaction"] == 5
    assert rating_of(shop_db, shopper.id) is None
