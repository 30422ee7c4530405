"""Conversations and their messages as plain values: channels, states, authors, errors.

While a conversation's status is ``bot`` the assistant answers; ``queued``/``agent`` mean a person owns it
and the assistant stays silent; ``closed`` is final (the shopper starts a new conversation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    WEB = "web"
    TELEGRAM = "telegram"


class Status(StrEnum):
    BOT = "bot"  # the assistant answers
    QUEUED = "queued"  # waiting for a person; the assistant is silent
    AGENT = "agent"  # a person is answering
    CLOSED = "closed"  # final


class Author(StrEnum):
    SHOPPER = "shopper"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


MAX_HISTORY = 500


class ConversationError(Exception):
    """Base class of the store's refusals."""


class ConversationNotFound(ConversationError):
    pass


class InvalidToken(ConversationError):
    """The token does not open this conversation (missing, wrong, or the conversation has none)."""


class ConversationExpired(ConversationError):
    """The token was right, but the conversation sat idle too long: it is now closed and the token no
    longer opens it (a shopper's token lives in the shop's browser storage; it must not live forever)."""


class AlreadyRated(ConversationError):
    """The conversation has its rating; a shopper rates a conversation once."""


class ConversationClosed(ConversationError):
    """Nothing can be added to, or changed on, a closed conversation."""


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Conversation:
    id: str  # public id (a UUID); the database's integer key never leaves this module
    channel: Channel
    channel_user_id: str | None
    status: Status
    created_at: datetime
    last_activity_at: datetime
    satisfaction: int | None = None  # the shopper's 1-5 rating of the conversation, once given

    @property
    def assistant_answers(self) -> bool:
        return self.status is Status.BOT


@dataclass(frozen=True)
class Message:
    id: int  # monotonic across the database: the cursor for ``history(after=...)``
    conversation_id: str
    author: Author
    text: str
    created_at: datetime
    buttons: tuple[Button, ...] = ()
    data: dict[str, Any] | None = None  # machine payloads (e.g. Rasa ``custom``); never shown to shoppers
    internal: bool = False  # agent notes and machine-only messages; never shown to shoppers
    client_message_id: str | None = None


@dataclass(frozen=True)
class NewConversation:
    conversation: Conversation
    token: str | None  # handed to the shopper once; only its hash is kept


@dataclass(frozen=True)
class AddedMessage:
    message: Message
    created: bool  # False when ``client_message_id`` had already been stored (a retried send)
    status: Status  # the conversation's, read under the same lock that stored the message


@dataclass(frozen=True)
class NewMessage:
    """One message to store (``ConversationStore.add_messages`` takes several in one transaction)."""

    author: Author
    text: str
    buttons: Sequence[Button] = ()
    data: dict[str, Any] | None = None
    internal: bool = False
    client_message_id: str | None = None
