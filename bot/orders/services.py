"""The use cases the actions and the gateway call: verify an order, read its state, apply the rules, act.

Each call opens its own short session (no long-lived session), reads the order system through the
repository and hands the facts to the pure rules in ``returns``, ``shipping`` and ``cancellation``.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.language.contact_details import email_from_text, normalise_email, normalise_postcode
from bot.language.formatting import format_money
from bot.orders.attempts import VerificationAttempts
from bot.orders.model import (
    NotAllowed,
    Order,
    OrderStatus,
    Return,
    ReturnLine,
    ReturnReason,
    VerificationFailed,
)
from bot.orders.remote import ChangePending, RemoteOrders
from bot.orders.repository import OrderRepository
from bot.orders.rules import cancellation, lockout, returns, shipping
from bot.orders.rules.proof import Proof, proof_of
from bot.policy import Policy

logger = logging.getLogger(__name__)


def contact_matches(order: Order, contact: str) -> bool:
    """True when ``contact`` is the order's customer email or a postcode on it (customer or delivery)."""
    if "@" in contact:
        return hmac.compare_digest(email_from_text(contact), normalise_email(order.customer.email))
    given = normalise_postcode(contact)
    return bool(given) and given in {
        normalise_postcode(order.customer.postcode),
        normalise_postcode(order.shipping_address.postcode),
    }


@dataclass(frozen=True)
class StatusReport:
    order: Order
    deliveries: list[shipping.DelayAssessment]


@dataclass(frozen=True)
class ReturnsReport:
    order: Order
    lines: list[returns.LineEligibility]


class ShopService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        policy: Policy,
        clock: Clock,
        *,
        secret: bytes,
        limits: lockout.VerificationLimits | None = None,
        remote: RemoteOrders | None = None,
    ) -> None:
        """``remote``: a connected platform (Shopify) that cancellations and returns are made on first."""
        self._sessions = sessions
        self.remote = remote
        self.policy = policy
        self.clock = clock
        self._secret = secret
        self._limits = limits or lockout.VerificationLimits()

    def now(self) -> datetime:
        return self.clock()

    def verify(self, order_number: str, contact: str, client: str | None = None) -> Order:
        """The order, when ``contact`` (email or postcode) belongs to it.

        Raises ``VerificationFailed`` alike for an unknown order, a wrong contact and a locked-out
        subject, so the answer never tells a stranger whether an order number exists or is being guessed.
        Each failure counts against the order number, the contact and the ``client`` (the web address or
        Telegram chat the attempt came from), in the database: see ``rules.lockout``.
        """
        number = self.policy.order_numbers.normalise(order_number)
        keys = self._attempt_keys(number or order_number.strip().upper(), contact, client)
        now = self.now()
        with self._sessions.begin() as session:
            attempts = VerificationAttempts(session)
            failures = attempts.failures_since(keys, now - self._limits.window)
            order = OrderRepository(session).get_order(number) if number else None
            if lockout.locked_out(failures, self._limits):
                logger.warning("order verification refused: too many failed attempts")
                order = None
            elif order is not None and contact_matches(order, contact):
                return order
            attempts.record_failure(keys, now)
        logger.info("order verification failed")
        raise VerificationFailed("order number and contact do not match")

    def _attempt_keys(self, number: str, contact: str, client: str | None) -> dict[lockout.Subject, str]:
        given = email_from_text(contact) if "@" in contact else normalise_postcode(contact)
        subjects = {lockout.Subject.ORDER: number, lockout.Subject.CONTACT: given or contact.strip().lower()}
        if client:
            subjects[lockout.Subject.CLIENT] = client
        return {s: lockout.subject_key(self._secret, s, value) for s, value in subjects.items()}

    def same_customer_order(self, verified_number: str, contact: str, number: str) -> Order | None:
        """Order ``number`` when ``contact``, the email that verified order ``verified_number``, is also the
        email on it: "and what about order SD-10002?" from a customer who proved themselves needs no new
        proof. None otherwise, alike for an unknown order, another customer's order and a postcode (which
        proves one order only) and an order or email locked out by failed attempts (``rules.lockout``,
        as ``verify`` does): the caller then asks for that order's own proof. Counts no failure: the
        contact was proven, and this answer tells nobody whether an order exists.
        """
        wanted = self.policy.order_numbers.normalise(number)
        if wanted is None or proof_of(contact) is not Proof.CUSTOMER:
            return None
        keys = self._attempt_keys(wanted, contact, None)
        with self._sessions() as session:
            failures = VerificationAttempts(session).failures_since(keys, self.now() - self._limits.window)
            repository = OrderRepository(session)
            verified, other = repository.get_order(verified_number), repository.get_order(wanted)
        if verified is None or other is None or lockout.locked_out(failures, self._limits):
            return None
        if not (contact_matches(verified, contact) and contact_matches(other, contact)):
            return None
        return other

    def customer_orders(self, verified: Order, contact: str, limit: int = 5) -> list[Order]:
        """The verified customer's orders, newest first (for "my last order" and order buttons); none when
        ``contact`` (what the order was verified with) is a postcode, which proves that one order only."""
        if proof_of(contact) is not Proof.CUSTOMER:
            return []
        with self._sessions() as session:
            return OrderRepository(session).orders_for_email(verified.customer.email, limit=limit)

    def status(self, order: Order) -> StatusReport:
        with self._sessions() as session:
            disruptions = OrderRepository(session).active_disruptions(self.now())
        return StatusReport(order, shipping.assess_order(order, disruptions, self.policy, self.now()))

    def returns(self, order: Order, reason: ReturnReason = ReturnReason.CHANGED_MIND) -> ReturnsReport:
        return ReturnsReport(order, returns.assess_order(order, self.policy, self.now(), reason))

    def start_return(
        self,
        order: Order,
        line_ids: list[int],
        reason: ReturnReason,
        idempotency_key: str,
        instructions: str | None = None,
    ) -> Return:
        """Create the return for the eligible lines asked for; the same key never creates a second one.

        ``instructions`` are the shop's own words on sending a return back (its returns document); without
        them, a sentence built from the policy's numbers is stored instead."""
        with self._sessions() as session:
            earlier = OrderRepository(session).return_for_key(order.number, idempotency_key)
        if earlier is not None:
            return earlier
        decisions = {d.line.id: d for d in returns.assess_order(order, self.policy, self.now(), reason)}
        lines = []
        for line_id in line_ids:
            decision = decisions.get(line_id)
            if decision is None or not decision.eligible:
                raise NotAllowed(decision.reason if decision else "that item is not on this order")
            lines.append(ReturnLine(line_id=line_id, quantity=decision.returnable_quantity))
        if not lines:
            raise NotAllowed("no item was chosen to return")
        instructions = instructions or self.return_instructions(reason)
        if self.remote is not None and self.remote.manages(order):
            created = self.remote.open_return(order, lines, reason, instructions, idempotency_key)
            logger.info("return opened on %s (%d lines)", self.remote.name, len(lines))
            return created
        with self._sessions() as session, session.begin():
            created = OrderRepository(session).add_return(
                order.number, lines, reason, instructions, self.now(), idempotency_key
            )
        logger.info("return created for an order (%d lines)", len(lines))
        return created

    def return_instructions(self, reason: ReturnReason) -> str:
        """Instructions from the policy's numbers only; the return's own record keeps them."""
        if reason.value in self.policy.return_shipping_free_for:
            postage = "Return postage is free."
        else:
            fee = format_money(self.policy.return_shipping_fee, self.policy.currency, self.policy.locale)
            postage = f"Return postage of {fee} is deducted from your refund."
        return (
            "We will email you a prepaid return label. Print it, attach it to the parcel and drop the "
            f"parcel at any post office or parcel shop. {postage}"
        )

    def cancellation(self, order: Order) -> cancellation.CancellationDecision:
        return cancellation.assess_cancellation(order, self.policy)

    def cancel(self, order: Order) -> Order:
        decision = self.cancellation(order)
        if not decision.allowed:
            raise NotAllowed(decision.reason)
        if self.remote is not None and self.remote.manages(order):
            cancelled = self.remote.cancel(order)
            if cancelled.status is not OrderStatus.CANCELLED:
                raise ChangePending(self.remote.name, order.number)
            logger.info("order cancelled on %s by the shopper", self.remote.name)
            return cancelled
        with self._sessions() as session, session.begin():
            cancelled = OrderRepository(session).cancel_order(order.number, self.now())
        logger.info("order cancelled by the shopper")
        return cancelled

    def reload(self, order: Order) -> Order:
        with self._sessions() as session:
            fresh = OrderRepository(session).get_order(order.number)
        if fresh is None:
            raise VerificationFailed("order disappeared")
        return fresh
