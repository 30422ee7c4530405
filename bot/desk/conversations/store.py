"""Chat conversations and their messages: the use cases every channel shares (web widget, Telegram, agents).

Plain Python over SQLAlchemy sessions; no HTTP, no Rasa. The gateway (``integrations.gateway``) calls it for
the web widget; the Telegram bridge and the agent console use the same store::

    store = ConversationStore(session_factory, clock)
    started = store.create(Channel.WEB)                  # -> NewConversation(conversation, token)
    store.authenticate(started.conversation.id, token)   # -> Conversation, or InvalidToken
    added = store.add_message(cid, Author.SHOPPER, "hi", client_message_id="c-1")
    store.history(cid, after=added.message.id)           # the reconnect cursor is the message id
    store.set_status(cid, Status.QUEUED)                 # "bot" -> "queued" -> "agent" -> ... "closed"

While a conversation's status is ``bot`` the assistant answers; ``queued``/``agent`` mean a person owns it
and the assistant stays silent; ``closed`` is final (the shopper starts a new conversation).

The web shopper holds a random token; only its sha256 is stored, so a database leak does not hand out
conversations. A token stops working after ``idle_expiry`` without a message: the conversation closes and
the shopper starts a new one. Telegram conversations have no token: the bridge trusts Telegram's chat id
instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.desk.conversations.model import (
    MAX_HISTORY,
    AddedMessage,
    AlreadyRated,
    Author,
    Button,
    Channel,
    Conversation,
    ConversationClosed,
    ConversationExpired,
    ConversationNotFound,
    InvalidToken,
    Message,
    NewConversation,
    NewMessage,
    Status,
)
from bot.desk.conversations.tables import ConversationRow, MessageRow

OPEN_STATUSES: frozenset[Status] = frozenset({Status.BOT, Status.QUEUED, Status.AGENT})


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _conversation(row: ConversationRow) -> Conversation:
    return Conversation(
        id=row.public_id,
        channel=Channel(row.channel),
        channel_user_id=row.channel_user_id,
        status=Status(row.status),
        created_at=row.created_at,
        last_activity_at=row.last_activity_at,
        satisfaction=row.satisfaction,
    )


def _message(row: MessageRow, public_id: str) -> Message:
    return Message(
        id=row.id,
        conversation_id=public_id,
        author=Author(row.author),
        text=row.text,
        created_at=row.created_at,
        buttons=tuple(Button(str(b["title"]), str(b["payload"])) for b in row.buttons or ()),
        data=row.data,
        internal=row.internal,
        client_message_id=row.client_message_id,
    )


class ConversationStore:
    """The conversation use cases over a session factory; each call is one short transaction."""

    def __init__(
        self, session_factory: sessionmaker[Session], clock: Clock, *, idle_expiry: timedelta | None = None
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._idle_expiry = idle_expiry  # None: tokens never expire (tests and tools)

    # -- conversations ---------------------------------------------------------------------------------

    def create(
        self, channel: Channel, channel_user_id: str | None = None, *, with_token: bool | None = None
    ) -> NewConversation:
        """Start a conversation in status ``bot``. Web conversations get a token unless told otherwise."""
        issue_token = channel is Channel.WEB if with_token is None else with_token
        token = secrets.token_urlsafe(32) if issue_token else None
        now = self._clock()
        row = ConversationRow(
            public_id=str(uuid.uuid4()),
            channel=channel.value,
            channel_user_id=channel_user_id,
            token_hash=hash_token(token) if token else None,
            status=Status.BOT.value,
            created_at=now,
            last_activity_at=now,
        )
        with self._sessions.begin() as session:
            session.add(row)
            session.flush()
            return NewConversation(_conversation(row), token)

    def get(self, conversation_id: str) -> Conversation:
        with self._sessions() as session:
            return _conversation(self._row(session, conversation_id))

    def authenticate(self, conversation_id: str, token: str | None) -> Conversation:
        """The conversation when ``token`` opens it, else ``InvalidToken`` (compared in constant time).

        An open conversation idle for ``idle_expiry`` is closed here, its token forgotten, and
        ``ConversationExpired`` raised; from then on the token is simply invalid.

        It reads without the write lock (every turn opens its conversation this way); only an expiry
        writes, in a transaction of its own that checks the token and the idle time again."""
        with self._sessions() as session:
            row = self._opened(session, conversation_id, token)
            if not self._idle_too_long(row):
                return _conversation(row)
        with self._sessions.begin() as session:
            row = self._opened(session, conversation_id, token, for_update=True)
            if not self._idle_too_long(row):  # a message came meanwhile
                return _conversation(row)
            row.status = Status.CLOSED.value  # committed before the refusal is raised
            row.token_hash = None
        raise ConversationExpired(conversation_id)

    def _opened(
        self, session: Session, conversation_id: str, token: str | None, *, for_update: bool = False
    ) -> ConversationRow:
        row = self._row(session, conversation_id, for_update=for_update)
        if not token or not row.token_hash or not hmac.compare_digest(row.token_hash, hash_token(token)):
            raise InvalidToken(conversation_id)
        return row

    def _idle_too_long(self, row: ConversationRow) -> bool:
        if self._idle_expiry is None or row.status == Status.CLOSED.value:
            return False
        return row.last_activity_at + self._idle_expiry <= self._clock()

    def find_open(self, channel: Channel, channel_user_id: str) -> Conversation | None:
        """The newest open conversation of a channel user (e.g. a Telegram chat id), if any."""
        with self._sessions() as session:
            row = session.scalars(
                select(ConversationRow)
                .where(
                    ConversationRow.channel == channel.value,
                    ConversationRow.channel_user_id == channel_user_id,
                    ConversationRow.status.in_([s.value for s in OPEN_STATUSES]),
                )
                .order_by(ConversationRow.id.desc())
                .limit(1)
            ).first()
            return _conversation(row) if row else None

    def by_status(self, statuses: Iterable[Status] | None = None, limit: int = 100) -> list[Conversation]:
        """Conversations by status, the longest-waiting first (the agent queue)."""
        query = select(ConversationRow).order_by(ConversationRow.last_activity_at, ConversationRow.id)
        if statuses is not None:
            query = query.where(ConversationRow.status.in_([s.value for s in statuses]))
        with self._sessions() as session:
            return [_conversation(row) for row in session.scalars(query.limit(limit))]

    def set_status(self, conversation_id: str, status: Status) -> Conversation:
        """Move a conversation to ``status``; a closed conversation stays closed (``ConversationClosed``)."""
        with self._sessions.begin() as session:
            row = self._row(session, conversation_id, for_update=True)
            if row.status == Status.CLOSED.value and status is not Status.CLOSED:
                raise ConversationClosed(conversation_id)
            row.status = status.value
            row.last_activity_at = self._clock()
            return _conversation(row)

    def rate(self, conversation_id: str, score: int) -> Conversation:
        """Keep the shopper's 1-5 rating of the conversation; a second one raises ``AlreadyRated``."""
        if not 1 <= score <= 5:
            raise ValueError("a rating is 1 to 5")
        with self._sessions.begin() as session:
            row = self._row(session, conversation_id, for_update=True)
            if row.satisfaction is not None:
                raise AlreadyRated(conversation_id)
            row.satisfaction = score
            row.rated_at = self._clock()
            return _conversation(row)

    # -- messages --------------------------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: str,
        author: Author,
        text: str,
        *,
        buttons: Sequence[Button] = (),
        data: dict[str, Any] | None = None,
        internal: bool = False,
        client_message_id: str | None = None,
    ) -> AddedMessage:
        """Store one message. A ``client_message_id`` already stored in this conversation returns that
        message with ``created=False`` instead of a duplicate, so a retried send is harmless."""
        new = NewMessage(author, text, buttons, data, internal, client_message_id)
        return self.add_messages(conversation_id, [new])[0]

    def add_messages(
        self,
        conversation_id: str,
        messages: Sequence[NewMessage],
        *,
        annotations: Mapping[int, dict[str, Any]] | None = None,
    ) -> list[AddedMessage]:
        """Store several messages in one transaction, their ids in the order given. ``annotations`` (message
        id -> data) are merged into stored messages of the conversation in the same transaction, as
        ``annotate`` does: what the NLU read in the shopper's message, kept along with the replies to it."""
        try:
            # A client_message_id is unique in its conversation: a new one (the usual case) is inserted
            # without looking for it first, and a stored one fails the insert.
            return self._add(conversation_id, messages, annotations or {}, find_retries=False)
        except IntegrityError:
            # A retried send, or two sends with the same client_message_id that raced: the stored row is
            # read and returned instead.
            return self._add(conversation_id, messages, annotations or {}, find_retries=True)

    def _add(
        self,
        conversation_id: str,
        messages: Sequence[NewMessage],
        annotations: Mapping[int, dict[str, Any]],
        *,
        find_retries: bool,
    ) -> list[AddedMessage]:
        now = self._clock()
        found: list[tuple[MessageRow, bool]] = []  # (row, created)
        with self._sessions.begin() as session:
            conversation = self._row(session, conversation_id, for_update=True)
            status = Status(conversation.status)
            if status is Status.CLOSED:
                raise ConversationClosed(conversation_id)
            for message_id, data in annotations.items():
                self._annotate(session, conversation, message_id, data)
            for new in messages:
                if find_retries and new.client_message_id is not None:
                    existing = session.scalars(
                        select(MessageRow).where(
                            MessageRow.conversation_id == conversation.id,
                            MessageRow.client_message_id == new.client_message_id,
                        )
                    ).first()
                    if existing is not None:
                        found.append((existing, False))
                        continue
                row = MessageRow(
                    conversation_id=conversation.id,
                    author=new.author.value,
                    text=new.text,
                    buttons=[{"title": b.title, "payload": b.payload} for b in new.buttons] or None,
                    data=new.data,
                    internal=new.internal,
                    client_message_id=new.client_message_id,
                    created_at=now,
                )
                session.add(row)
                found.append((row, True))
            if any(created for _row, created in found):
                conversation.last_activity_at = now
            session.flush()  # the new rows in one INSERT where the database returns their ids
            return [AddedMessage(_message(row, conversation_id), created, status) for row, created in found]

    def annotate(self, conversation_id: str, message_id: int, data: dict[str, Any]) -> None:
        """Merge ``data`` into a stored message's machine data (e.g. what the NLU read in a shopper's
        message, learnt after it was stored); the text and everything shown stay as they were."""
        with self._sessions.begin() as session:
            self._annotate(session, self._row(session, conversation_id), message_id, data)

    @staticmethod
    def _annotate(
        session: Session, conversation: ConversationRow, message_id: int, data: dict[str, Any]
    ) -> None:
        row = session.scalars(
            select(MessageRow).where(
                MessageRow.conversation_id == conversation.id, MessageRow.id == message_id
            )
        ).first()
        if row is None:
            raise ConversationNotFound(f"{conversation.public_id}: no message {message_id}")
        row.data = {**(row.data or {}), **data}

    def history(
        self,
        conversation_id: str,
        after: int = 0,
        *,
        include_internal: bool = False,
        limit: int = MAX_HISTORY,
    ) -> list[Message]:
        """Messages with an id above ``after``, oldest first (at most ``limit``; page with the last id)."""
        with self._sessions() as session:
            conversation = self._row(session, conversation_id)
            query = (
                select(MessageRow)
                .where(MessageRow.conversation_id == conversation.id, MessageRow.id > after)
                .order_by(MessageRow.id)
                .limit(limit)
            )
            if not include_internal:
                query = query.where(MessageRow.internal.is_(False))
            return [_message(row, conversation_id) for row in session.scalars(query)]

    def offered_button(self, conversation_id: str, payload: str, *, recent: int = 50) -> Button | None:
        """The button with this payload that the assistant (or the desk) offered in this conversation, if
        any, among its ``recent`` messages that carried buttons: a payload nobody offered is not to be
        trusted (it could be any Rasa command)."""
        with self._sessions() as session:
            conversation = self._row(session, conversation_id)
            rows = session.scalars(
                select(MessageRow)
                .where(
                    MessageRow.conversation_id == conversation.id,
                    MessageRow.author.in_([Author.BOT.value, Author.SYSTEM.value]),
                    MessageRow.buttons.is_not(None),
                )
                .order_by(MessageRow.id.desc())
                .limit(recent)
            )
            for row in rows:
                for button in row.buttons or ():
                    if button.get("payload") == payload:
                        return Button(str(button["title"]), payload)
        return None

    def replies_to(self, message: Message) -> list[Message]:
        """What answered ``message`` (bot and system messages up to the shopper's next message): what a
        retried send gets back."""
        later = self.history(message.conversation_id, after=message.id)
        replies: list[Message] = []
        for m in later:
            if m.author is Author.SHOPPER:
                break
            if m.author in (Author.BOT, Author.SYSTEM):
                replies.append(m)
        return replies

    def last_message_id(self) -> int:
        """The highest message id of any conversation (0 when there is none): a live reader's starting
        cursor, since ids only grow."""
        with self._sessions() as session:
            return session.scalar(select(func.max(MessageRow.id))) or 0

    # -- helpers ---------------------------------------------------------------------------------------

    @staticmethod
    def _row(session: Session, conversation_id: str, *, for_update: bool = False) -> ConversationRow:
        query = select(ConversationRow).where(ConversationRow.public_id == conversation_id)
        if for_update:
            query = query.with_for_update()  # serialises writers per conversation on PostgreSQL
        row = session.scalars(query).first()
        if row is None:
            raise ConversationNotFound(conversation_id)
        return row
