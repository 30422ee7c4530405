"""One detection pass: read the orders on their way, ask the rules which notices are due, record each with
its route (``NoticeBook.record``). Sending is the channels' job (``integrations/notices``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.desk.notices import rules, text
from bot.desk.notices.model import NoticeStatus
from bot.desk.notices.store import NoticeBook
from bot.orders.repository import OrderRepository
from bot.policy import Policy

log = logging.getLogger(__name__)

PAGE = 200


@dataclass(frozen=True)
class Detected:
    recorded: int  # new notices stored (pending, opted out or unreachable)
    pending: int  # of which waiting to be sent


def detect(
    sessions: sessionmaker[Session], book: NoticeBook, policy: Policy, clock: Clock, *, email_enabled: bool
) -> Detected:
    """Record every notice now due (see ``rules.notices_due``), a page of orders at a time."""
    now = clock()
    with sessions() as session:
        disruptions = OrderRepository(session).active_disruptions(now)
    recorded = pending = 0
    after = 0
    while True:
        with sessions() as session:
            orders = OrderRepository(session).orders_on_the_way(after, PAGE)
        if not orders:
            break
        after = orders[-1].id
        already = book.already_sent(o.id for o in orders)
        due = rules.notices_due(orders, disruptions, already, policy, now)
        if not due:
            continue
        customers = {n.customer_id for n in due}
        contacts = book.contacts(customers)
        opted_out = book.opted_out(customers)
        emails = book.customer_emails(customers)
        for notice in due:
            route, status = rules.choose_route(
                notice.order_id,
                notice.customer_id,
                emails.get(notice.customer_id, ""),
                contacts,
                opted_out.get(notice.customer_id, set()),
                email_enabled and bool(emails.get(notice.customer_id)),
            )
            if book.record(notice, route, status, text.body(notice, policy.locale)) is not None:
                recorded += 1
                pending += status is NoticeStatus.PENDING
    rerouted = reroute_stranded(book, email_enabled=email_enabled)
    if recorded or rerouted:
        log.info("delay notices: %d new, %d to send, %d rerouted", recorded, pending, rerouted)
    return Detected(recorded, pending)


def reroute_stranded(book: NoticeBook, *, email_enabled: bool) -> int:
    """Pending web notices whose conversation closed before the widget opened it again go the next way
    ``rules.choose_route`` finds (another chat, else email); with none left they are unreachable."""
    stranded = book.stranded_web_notices()
    if not stranded:
        return 0
    customers = {customer for _, _, customer in stranded}
    contacts = book.contacts(customers)
    opted_out = book.opted_out(customers)
    emails = book.customer_emails(customers)
    for notice_id, order_id, customer_id in stranded:
        route, status = rules.choose_route(
            order_id,
            customer_id,
            emails.get(customer_id, ""),
            contacts,
            opted_out.get(customer_id, set()),
            email_enabled and bool(emails.get(customer_id)),
        )
        book.reroute(notice_id, route, status)
    return len(stranded)
