"""One customer's personal data across every store Shopdesk keeps: ``shopdesk customers export|erase EMAIL``.

The stores: the order system's copy (the customer and their orders), the conversations linked to them (an
escalation naming their email or one of their orders, a message quoting their email, or a chat the delay
notices learnt they were verified in) with messages and escalations, Rasa's tracker events of those
conversations and of any other whose events quote the email, the failed-verification records keyed by
their email's hash, and their delay notices and opt-outs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, inspect, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine
from bot.desk.conversations.model import Channel
from bot.desk.conversations.tables import ConversationRow, MessageRow
from bot.desk.escalations.tables import EscalationRow
from bot.desk.notices.tables import DelayNoticeRow, NoticeContactRow, NoticeOptOutRow
from bot.language.contact_details import normalise_email
from bot.ops.order_io import export_orders
from bot.ops.retention import delete_conversations, delete_tracker_events
from bot.orders.rules.lockout import Subject, subject_key
from bot.orders.tables import CustomerRow, OrderRow, VerificationFailureRow


@dataclass(frozen=True)
class Erased:
    customer: bool
    orders: int
    conversations: int
    tracker_conversations: int
    verification_failures: int


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _conversation_ids(session: Session, email: str, numbers: set[str]) -> list[int]:
    linked = or_(EscalationRow.customer_email == email, EscalationRow.verified_order.in_(sorted(numbers)))
    by_escalation = select(EscalationRow.conversation_id).where(linked)
    by_message = select(MessageRow.conversation_id).where(
        func.lower(MessageRow.text).contains(email, autoescape=True)
    )
    # the chats where the delay notices learnt the customer was verified (bot/desk/notices)
    chats = select(NoticeContactRow.channel, NoticeContactRow.address).join(
        CustomerRow, CustomerRow.id == NoticeContactRow.customer_id
    )
    web: set[str] = set()
    telegram: set[str] = set()
    for channel, address in session.execute(chats.where(CustomerRow.email == email)):
        (web if channel == Channel.WEB.value else telegram).add(address)
    by_chat = select(ConversationRow.id).where(
        or_(
            (ConversationRow.channel == Channel.WEB.value) & ConversationRow.public_id.in_(sorted(web)),
            (ConversationRow.channel == Channel.TELEGRAM.value)
            & ConversationRow.channel_user_id.in_(sorted(telegram)),
        )
    )
    found = set(session.scalars(by_escalation)) | set(session.scalars(by_message))
    return sorted(found | set(session.scalars(by_chat)))


def _tracker_senders(tracker_url: str | None, public_ids: list[str], email: str) -> list[str]:
    if not tracker_url:
        return []
    engine = make_engine(tracker_url)
    try:
        if not inspect(engine).has_table("events"):
            return []
        quoting = text("SELECT DISTINCT sender_id FROM events WHERE lower(data) LIKE :pattern ESCAPE '\\'")
        escaped = email.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with engine.connect() as connection:
            found = set(connection.scalars(quoting, {"pattern": f"%{escaped}%"}))
        return sorted(found | set(public_ids))
    finally:
        engine.dispose()


def _tracker_events(tracker_url: str, senders: list[str]) -> list[dict[str, Any]]:
    if not senders:
        return []
    engine = make_engine(tracker_url)
    query = text(
        "SELECT sender_id, type_name, timestamp, data FROM events WHERE sender_id IN :senders ORDER BY id"
    ).bindparams(bindparam("senders", expanding=True))
    try:
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query, {"senders": senders})]
    finally:
        engine.dispose()


def export_customer(
    sessions: sessionmaker[Session], tracker_url: str | None, email: str, secret: bytes
) -> dict[str, Any]:
    """Everything kept about the customer with this email, JSON-ready."""
    email = normalise_email(email)
    with sessions() as session:
        customer = session.scalar(select(CustomerRow).where(CustomerRow.email == email))
        numbers = set(customer_orders(session, customer))
        ids = _conversation_ids(session, email, numbers)
        conversations = session.scalars(
            select(ConversationRow).where(ConversationRow.id.in_(ids)).order_by(ConversationRow.id)
        ).all()
        exported = [
            {
                "id": c.public_id,
                "channel": c.channel,
                "created_at": _iso(c.created_at),
                "satisfaction": c.satisfaction,
                "messages": [
                    {"author": m.author, "text": m.text, "created_at": _iso(m.created_at)}
                    for m in session.scalars(
                        select(MessageRow).where(MessageRow.conversation_id == c.id).order_by(MessageRow.id)
                    )
                ],
                "escalations": [
                    {
                        "created_at": _iso(e.created_at),
                        "summary": e.summary,
                        "customer_email": e.customer_email,
                        "verified_order": e.verified_order,
                        "satisfaction": e.satisfaction,
                    }
                    for e in session.scalars(
                        select(EscalationRow).where(EscalationRow.conversation_id == c.id)
                    )
                ],
            }
            for c in conversations
        ]
        orders = export_orders(session, numbers)
        notices = _notices(session, customer)
        failures = session.scalar(
            select(func.count())
            .select_from(VerificationFailureRow)
            .where(VerificationFailureRow.subject_key == subject_key(secret, Subject.CONTACT, email))
        )
    senders = _tracker_senders(tracker_url, [c.public_id for c in conversations], email)
    return {
        "email": email,
        "customer": None
        if customer is None
        else {
            "name": customer.name,
            "phone": customer.phone,
            "postcode": customer.postcode,
            "country": customer.country,
        },
        "orders": orders,
        "conversations": exported,
        "assistant_trackers": _tracker_events(tracker_url, senders) if tracker_url else [],
        "failed_verifications": failures or 0,
        **notices,
    }


def _notices(session: Session, customer: CustomerRow | None) -> dict[str, Any]:
    """The delay notices recorded for the customer, and the channels they opted out of."""
    if customer is None:
        return {"delay_notices": [], "delay_notice_opt_outs": []}
    rows = session.scalars(
        select(DelayNoticeRow).where(DelayNoticeRow.customer_id == customer.id).order_by(DelayNoticeRow.id)
    )
    opt_outs = session.scalars(select(NoticeOptOutRow).where(NoticeOptOutRow.customer_id == customer.id))
    return {
        "delay_notices": [
            {
                "reason": n.reason,
                "estimate": n.estimate.isoformat() if n.estimate else None,
                "channel": n.channel,
                "status": n.status,
                "text": n.text,
                "created_at": _iso(n.created_at),
                "sent_at": _iso(n.sent_at),
            }
            for n in rows
        ],
        "delay_notice_opt_outs": [{"channel": o.channel, "created_at": _iso(o.created_at)} for o in opt_outs],
    }


def customer_orders(session: Session, customer: CustomerRow | None) -> list[str]:
    if customer is None:
        return []
    return list(session.scalars(select(OrderRow.number).where(OrderRow.customer_id == customer.id)))


def erase_customer(
    sessions: sessionmaker[Session], tracker_url: str | None, email: str, secret: bytes
) -> Erased:
    """Delete everything kept about the customer with this email, in every store."""
    email = normalise_email(email)
    with sessions.begin() as session:
        customer = session.scalar(select(CustomerRow).where(CustomerRow.email == email))
        numbers = customer_orders(session, customer)
        ids = _conversation_ids(session, email, set(numbers))
        public_ids = list(
            session.scalars(select(ConversationRow.public_id).where(ConversationRow.id.in_(ids)))
        )
        delete_conversations(session, ids)
        # the database cascades to lines, shipments, returns and refunds (ON DELETE CASCADE)
        session.execute(delete(OrderRow).where(OrderRow.number.in_(numbers)))
        if customer is not None:
            session.execute(delete(CustomerRow).where(CustomerRow.id == customer.id))
        failures = session.execute(
            delete(VerificationFailureRow).where(
                VerificationFailureRow.subject_key == subject_key(secret, Subject.CONTACT, email)
            )
        )
        failure_count: int = getattr(failures, "rowcount", 0)
    senders = _tracker_senders(tracker_url, public_ids, email)
    if tracker_url and senders:
        engine = make_engine(tracker_url)
        try:
            with engine.begin() as connection:
                delete_tracker_events(connection, senders)
        finally:
            engine.dispose()
    return Erased(customer is not None, len(numbers), len(ids), len(senders), failure_count)
