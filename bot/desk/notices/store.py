"""The delay notices in the database: what was recorded and sent, where shoppers chat, who opted out.

Plain Python over SQLAlchemy sessions; each call is one short transaction. The order of events that keeps
a restart from repeating or skipping a notice:

1. ``record``: each due notice is inserted with its route and status ``pending`` (the unique key per order,
   reason and estimate turns a second insert, by another run or replica, into nothing);
2. ``claim``: a sender takes pending rows of its channel, marking them ``sending`` in the same
   transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two senders never take the same row;
3. ``mark_sent`` / ``mark_failed`` after the channel answered.

A process that dies between 2 and 3 leaves rows ``sending``; they are claimed again once ``stale_after``
has passed. Web notices are stored into the conversation with the notice's id as the message's
``client_message_id``, so that retry cannot show one twice; a Telegram or email retry could, in that rare
case, show a notice twice, which we prefer to losing it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.desk.conversations.model import Status as ConversationStatus
from bot.desk.conversations.tables import ConversationRow
from bot.desk.notices.model import (
    Contact,
    Notice,
    NoticeChannel,
    NoticeKey,
    NoticeReason,
    NoticeStatus,
    Outgoing,
    Route,
)
from bot.desk.notices.tables import NO_ESTIMATE, DelayNoticeRow, NoticeContactRow, NoticeOptOutRow
from bot.orders.tables import CustomerRow, OrderRow

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)  # a ``sending`` row older than this was left by a process that died


def estimate_key(estimate: date | None) -> str:
    return estimate.isoformat() if estimate is not None else NO_ESTIMATE


def _outgoing(row: DelayNoticeRow, order_number: str) -> Outgoing:
    assert row.channel is not None and row.address is not None
    return Outgoing(
        id=row.id,
        order_number=order_number,
        customer_id=row.customer_id,
        channel=NoticeChannel(row.channel),
        address=row.address,
        text=row.text,
    )


class NoticeBook:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        *,
        web_idle_expiry: timedelta | None = None,
        stale_after: timedelta = STALE_AFTER,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._web_idle_expiry = web_idle_expiry  # a web chat idle this long can no longer be opened
        self._stale_after = stale_after

    # -- where shoppers chat -----------------------------------------------------------------------------

    def record_contact(
        self, order_number: str, *, proves_customer: bool, channel: NoticeChannel, address: str
    ) -> bool:
        """Remember that the shopper of ``order_number`` was verified in this chat (now). False when there
        is no such order."""
        for _ in range(2):  # a concurrent first insert of the same chat: the second try updates it
            try:
                return self._record_contact(order_number, proves_customer, channel, address)
            except IntegrityError:
                continue
        return False

    def _record_contact(
        self, number: str, proves_customer: bool, channel: NoticeChannel, address: str
    ) -> bool:
        with self._sessions.begin() as session:
            order = session.scalars(select(OrderRow).where(OrderRow.number == number)).first()
            if order is None:
                return False
            row = session.scalars(
                select(NoticeContactRow).where(
                    NoticeContactRow.order_id == order.id,
                    NoticeContactRow.channel == channel.value,
                    NoticeContactRow.address == address,
                )
            ).first()
            if row is None:
                row = NoticeContactRow(
                    customer_id=order.customer_id,
                    order_id=order.id,
                    proves_customer=proves_customer,
                    channel=channel.value,
                    address=address,
                    seen_at=self._clock(),
                )
                session.add(row)
            else:
                row.proves_customer = row.proves_customer or proves_customer
                row.seen_at = self._clock()
            session.flush()
        return True

    def contacts(self, customer_ids: Iterable[int]) -> list[Contact]:
        """The chats of these customers where a notice can still arrive: every Telegram chat, and web
        conversations still open (a closed or idle-expired one will never be opened again)."""
        ids = sorted(set(customer_ids))
        if not ids:
            return []
        query = (
            select(NoticeContactRow, ConversationRow.status, ConversationRow.last_activity_at)
            .outerjoin(
                ConversationRow,
                (NoticeContactRow.channel == NoticeChannel.WEB.value)
                & (ConversationRow.public_id == NoticeContactRow.address),
            )
            .where(NoticeContactRow.customer_id.in_(ids))
        )
        now = self._clock()
        found: list[Contact] = []
        with self._sessions() as session:
            for row, status, last_activity in session.execute(query):
                if row.channel == NoticeChannel.WEB.value:
                    if status is None or status == ConversationStatus.CLOSED.value:
                        continue
                    if self._web_idle_expiry is not None and last_activity + self._web_idle_expiry <= now:
                        continue
                found.append(
                    Contact(
                        channel=NoticeChannel(row.channel),
                        address=row.address,
                        order_id=row.order_id,
                        customer_id=row.customer_id,
                        proves_customer=row.proves_customer,
                        seen_at=row.seen_at,
                    )
                )
        return found

    # -- opting out --------------------------------------------------------------------------------------

    def opted_out(self, customer_ids: Iterable[int]) -> dict[int, set[NoticeChannel]]:
        ids = sorted(set(customer_ids))
        result: dict[int, set[NoticeChannel]] = {}
        if not ids:
            return result
        with self._sessions() as session:
            for row in session.scalars(select(NoticeOptOutRow).where(NoticeOptOutRow.customer_id.in_(ids))):
                result.setdefault(row.customer_id, set()).add(NoticeChannel(row.channel))
        return result

    def notified_customer(self, channel: NoticeChannel, address: str) -> int | None:
        """The customer whose notice was sent to this chat (the latest one), if any."""
        with self._sessions() as session:
            return session.scalars(
                select(DelayNoticeRow.customer_id)
                .where(
                    DelayNoticeRow.channel == channel.value,
                    DelayNoticeRow.address == address,
                    DelayNoticeRow.status == NoticeStatus.SENT.value,
                )
                .order_by(DelayNoticeRow.id.desc())
                .limit(1)
            ).first()

    def opt_out(self, customer_id: int, channel: NoticeChannel) -> None:
        """No more notices to this customer on this channel; pending ones are dropped. Idempotent."""
        with self._sessions.begin() as session:
            exists = session.scalars(
                select(NoticeOptOutRow.id).where(
                    NoticeOptOutRow.customer_id == customer_id, NoticeOptOutRow.channel == channel.value
                )
            ).first()
            if exists is None:
                session.add(
                    NoticeOptOutRow(customer_id=customer_id, channel=channel.value, created_at=self._clock())
                )
            session.execute(
                update(DelayNoticeRow)
                .where(
                    DelayNoticeRow.customer_id == customer_id,
                    DelayNoticeRow.channel == channel.value,
                    DelayNoticeRow.status == NoticeStatus.PENDING.value,
                )
                .values(status=NoticeStatus.OPTED_OUT.value)
            )
        log.info("a shopper opted out of delay notices on %s", channel.value)

    def opt_out_of_notice(self, notice_id: int) -> bool:
        """Opt out of the channel a given notice went to (the email's link). False for an unknown id."""
        with self._sessions() as session:
            row = session.get(DelayNoticeRow, notice_id)
            found = (
                None if row is None or row.channel is None else (row.customer_id, NoticeChannel(row.channel))
            )
        if found is None:
            return False
        self.opt_out(*found)
        return True

    # -- the outbox --------------------------------------------------------------------------------------

    def already_sent(self, order_ids: Iterable[int]) -> set[NoticeKey]:
        """Every notice recorded for these orders, whatever became of it."""
        ids = sorted(set(order_ids))
        keys: set[NoticeKey] = set()
        with self._sessions() as session:
            for start in range(0, len(ids), 500):
                rows = session.execute(
                    select(OrderRow.number, DelayNoticeRow.reason, DelayNoticeRow.estimate)
                    .join(OrderRow, OrderRow.id == DelayNoticeRow.order_id)
                    .where(DelayNoticeRow.order_id.in_(ids[start : start + 500]))
                )
                keys |= {
                    NoticeKey(number, NoticeReason(reason), estimate) for number, reason, estimate in rows
                }
        return keys

    def customer_emails(self, customer_ids: Iterable[int]) -> dict[int, str]:
        ids = sorted(set(customer_ids))
        if not ids:
            return {}
        with self._sessions() as session:
            query = select(CustomerRow.id, CustomerRow.email).where(CustomerRow.id.in_(ids))
            return {customer_id: email for customer_id, email in session.execute(query)}

    def record(self, notice: Notice, route: Route | None, status: NoticeStatus, text: str) -> int | None:
        """Store a due notice with where it goes; None when the same notice was recorded meanwhile."""
        row = DelayNoticeRow(
            order_id=notice.order_id,
            customer_id=notice.customer_id,
            reason=notice.reason.value,
            estimate=notice.new_estimate,
            estimate_key=estimate_key(notice.new_estimate),
            disruption_id=notice.disruption_id,
            channel=route.channel.value if route else None,
            address=route.address if route else None,
            text=text,
            status=status.value,
            attempts=0,
            created_at=self._clock(),
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError:
            return None  # another run or replica recorded it first: it is theirs to send

    def stranded_web_notices(self) -> list[tuple[int, int, int]]:
        """(notice id, order id, customer id) of pending web notices whose conversation can no longer be
        opened (closed, idle-expired or deleted): they need another route, or they would never arrive."""
        now = self._clock()
        query = (
            select(
                DelayNoticeRow.id,
                DelayNoticeRow.order_id,
                DelayNoticeRow.customer_id,
                ConversationRow.status,
                ConversationRow.last_activity_at,
            )
            .outerjoin(ConversationRow, ConversationRow.public_id == DelayNoticeRow.address)
            .where(
                DelayNoticeRow.channel == NoticeChannel.WEB.value,
                DelayNoticeRow.status == NoticeStatus.PENDING.value,
            )
        )
        stranded = []
        with self._sessions() as session:
            for notice_id, order_id, customer_id, status, last_activity in session.execute(query):
                gone = status is None or status == ConversationStatus.CLOSED.value
                idle = (
                    self._web_idle_expiry is not None
                    and last_activity is not None
                    and last_activity + self._web_idle_expiry <= now
                )
                if gone or idle:
                    stranded.append((notice_id, order_id, customer_id))
        return stranded

    def reroute(self, notice_id: int, route: Route | None, status: NoticeStatus) -> None:
        """Send a pending notice another way (``status`` as ``rules.choose_route`` decided)."""
        with self._sessions.begin() as session:
            session.execute(
                update(DelayNoticeRow)
                .where(DelayNoticeRow.id == notice_id, DelayNoticeRow.status == NoticeStatus.PENDING.value)
                .values(
                    channel=route.channel.value if route else None,
                    address=route.address if route else None,
                    status=status.value,
                )
            )

    def claim(self, channel: NoticeChannel, limit: int = 50, *, address: str | None = None) -> list[Outgoing]:
        """Take up to ``limit`` notices of ``channel`` to send (to one ``address`` when given): pending
        ones, and ones left ``sending`` by a process that died."""
        now = self._clock()
        query = (
            select(DelayNoticeRow, OrderRow.number)
            .join(OrderRow, OrderRow.id == DelayNoticeRow.order_id)
            .where(
                DelayNoticeRow.channel == channel.value,
                or_(
                    DelayNoticeRow.status == NoticeStatus.PENDING.value,
                    (DelayNoticeRow.status == NoticeStatus.SENDING.value)
                    & (DelayNoticeRow.claimed_at < now - self._stale_after),
                ),
            )
            .order_by(DelayNoticeRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=DelayNoticeRow)
        )
        if address is not None:
            query = query.where(DelayNoticeRow.address == address)
        with self._sessions.begin() as session:
            claimed = []
            for row, number in session.execute(query):
                row.status = NoticeStatus.SENDING.value
                row.claimed_at = now
                row.attempts += 1
                claimed.append(_outgoing(row, number))
            return claimed

    def mark_sent(self, notice_id: int) -> None:
        self._finish(notice_id, NoticeStatus.SENT, None)

    def mark_failed(self, notice_id: int, error: str, *, final: bool) -> None:
        """A send failed: ``final`` (the channel refused it for good) ends it, else it waits for the next
        run."""
        self._finish(notice_id, NoticeStatus.FAILED if final else NoticeStatus.PENDING, error[:64])

    def _finish(self, notice_id: int, status: NoticeStatus, error: str | None) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(DelayNoticeRow)
                .where(DelayNoticeRow.id == notice_id)
                .values(
                    status=status.value,
                    error=error,
                    sent_at=self._clock() if status is NoticeStatus.SENT else None,
                )
            )

    def statuses(self) -> Sequence[tuple[str, str, str | None, str]]:
        """(order number, reason, channel, status) of every notice, oldest first: the operator's view."""
        with self._sessions() as session:
            rows = session.execute(
                select(OrderRow.number, DelayNoticeRow.reason, DelayNoticeRow.channel, DelayNoticeRow.status)
                .join(OrderRow, OrderRow.id == DelayNoticeRow.order_id)
                .order_by(DelayNoticeRow.id)
            )
            return [(number, reason, channel, status) for number, reason, channel, status in rows]
