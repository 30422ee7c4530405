"""What the Redis hub sends between replicas is the event itself, and queue events reach consoles only."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.desk.conversations.model import Author, Button, Message, Status
from integrations.gateway.hub import Event, Subscription, decode, encode


def test_a_message_event_survives_the_trip_between_replicas() -> None:
    message = Message(
        id=7,
        conversation_id="c-1",
        author=Author.BOT,
        text="Your order has shipped.",
        created_at=datetime(2026, 10, 15, 10, 0, tzinfo=UTC),
        buttons=(Button("Track it", "/track"),),
        data={"custom": {"facts": []}},
        internal=False,
        client_message_id=None,
    )
    event = Event("c-1", "message", message=message)
    assert decode(encode(event)) == event


def test_a_status_event_survives_the_trip_between_replicas() -> None:
    event = Event("c-1", "status", status=Status.AGENT)
    assert decode(encode(event).encode()) == event


def test_queue_changes_go_to_consoles_and_not_to_the_shoppers_socket() -> None:
    change = Event("c-1", "queue")
    assert Subscription(None).wants(change)
    assert not Subscription("c-1").wants(change)
    assert Subscription("c-1").wants(Event("c-1", "status", status=Status.BOT))
    assert not Subscription("c-2").wants(Event("c-1", "status", status=Status.BOT))
