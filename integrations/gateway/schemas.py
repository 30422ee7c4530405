"""The API's request and response bodies (what the OpenAPI schema documents)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from bot.desk.agents.presence import Availability, Presence
from bot.desk.conversations.model import Conversation, Message
from bot.language.typed_text import cleaned

MAX_TEXT = 2000


class ErrorOut(BaseModel):
    detail: str


class ConversationCreated(BaseModel):
    id: str = Field(description="The conversation's public id (a UUID).")
    token: str = Field(description="The shopper's secret for this conversation: send it as a Bearer token.")
    status: str


class ConversationOut(BaseModel):
    id: str
    channel: str
    status: Literal["bot", "queued", "agent", "closed"]
    created_at: datetime
    last_activity_at: datetime

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationOut:
        return cls(
            id=conversation.id,
            channel=conversation.channel.value,
            status=conversation.status.value,
            created_at=conversation.created_at,
            last_activity_at=conversation.last_activity_at,
        )


class ButtonOut(BaseModel):
    title: str
    payload: str


class MessageOut(BaseModel):
    """A message as the shopper sees it (internal notes and machine payloads are never included)."""

    id: int = Field(description="Monotonic; use the largest one seen as the `after` cursor.")
    author: Literal["shopper", "bot", "agent", "system"]
    text: str
    buttons: list[ButtonOut]
    created_at: datetime
    client_message_id: str | None = None

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(
            id=message.id,
            author=message.author.value,
            text=message.text,
            buttons=[ButtonOut(title=b.title, payload=b.payload) for b in message.buttons],
            created_at=message.created_at,
            client_message_id=message.client_message_id,
        )


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT, description="What the shopper sees as sent.")
    client_message_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Chosen by the client; a retried send with the same id is stored once.",
    )
    payload: str | None = Field(
        default=None,
        max_length=MAX_TEXT,
        description="A quick-reply button's payload, sent to the assistant instead of `text`.",
    )

    @field_validator("text", mode="before")
    @classmethod
    def not_blank(cls, value: object) -> object:
        return _typed(value) if isinstance(value, str) else value


def _typed(value: str) -> str:
    """Typed text as stored (bot/language/typed_text.py); nothing left of it is an error."""
    value = cleaned(value)
    if not value:
        raise ValueError("text is empty")
    return value


class TurnOut(BaseModel):
    message: MessageOut
    replies: list[MessageOut]
    duplicate: bool = Field(description="True when this client_message_id had already been received.")
    assistant_available: bool
    status: Literal["bot", "queued", "agent", "closed"]


class HistoryOut(BaseModel):
    messages: list[MessageOut]
    cursor: int = Field(description="The largest message id returned (or the `after` given).")
    status: Literal["bot", "queued", "agent", "closed"]


class ComponentOut(BaseModel):
    ok: bool
    detail: str


class ReadyOut(BaseModel):
    status: Literal["ready", "unavailable"]
    components: dict[str, ComponentOut]


class LiveOut(BaseModel):
    status: Literal["ok"] = "ok"


# --- the agent console --------------------------------------------------------------------------------


class ConsoleMessage(BaseModel):
    """A transcript line for agents: unlike the shopper's view it includes internal notes."""

    id: int
    conversation_id: str
    author: str
    text: str
    buttons: list[dict[str, str]]
    created_at: datetime
    internal: bool
    agent_name: str | None = None

    @classmethod
    def of(cls, message: Message) -> ConsoleMessage:
        data = message.data or {}
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            author=message.author.value,
            text=message.text,
            buttons=[{"title": b.title, "payload": b.payload} for b in message.buttons],
            created_at=message.created_at,
            internal=message.internal,
            agent_name=data.get("agent") if isinstance(data.get("agent"), str) else None,
        )


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class AgentOut(BaseModel):
    id: int
    username: str
    display_name: str


class TeamMember(BaseModel):
    """An agent as the console's team list shows them: what they chose, and whether they are there."""

    id: int
    username: str
    display_name: str
    availability: Availability  # chosen in the console: available | away
    presence: Presence  # available | away | offline (no live console)


class AvailabilityIn(BaseModel):
    availability: Availability


class LoginOut(BaseModel):
    token: str
    agent: AgentOut


class QueueItem(BaseModel):
    id: int
    conversation_id: str
    state: str
    priority: int
    trigger: str
    topic: str | None
    waiting_seconds: int
    summary: str
    verified_order: str | None
    claimed_by: str | None
    claimed_by_id: int | None = None  # the console tells "claimed by me" apart from a namesake


class EscalationDetail(QueueItem):
    intents: list[str]
    entities: list[dict[str, Any]]
    facts: list[dict[str, Any]]
    customer_email: str | None
    satisfaction: int | None
    transcript: list[ConsoleMessage]
    order: dict[str, Any] | None


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)

    @field_validator("text", mode="before")
    @classmethod
    def not_blank(cls, value: object) -> object:
        return _typed(value) if isinstance(value, str) else value


class CannedReply(BaseModel):
    title: str
    text: str
