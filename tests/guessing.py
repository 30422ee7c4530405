"""What a stranger must never learn by guessing: every order fact of the demo shop, and the guesses to try.

``OrderFacts.of(url)`` reads the order system and collects what an answer about an order would contain:
status words, tracking numbers and links, the dates shown to shoppers, item names, customers' names,
emails and postcodes. ``OrderFacts.revealed(text)`` lists the ones a reply contains. The guessing tests
(tests/integration, tests/gateway, tests/e2e) share it, and the guesses they make.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import make_engine
from bot.language.formatting import format_day
from bot.language.wording import say
from bot.orders import replies
from bot.orders.model import Order
from bot.orders.repository import OrderRepository
from bot.orders.rules.returns import local_date
from bot.orders.tables import OrderRow
from bot.policy import load_policy


@dataclass(frozen=True)
class OrderFacts:
    orders: tuple[Order, ...]
    facts: frozenset[str]

    @classmethod
    def of(cls, database_url: str) -> OrderFacts:
        engine = make_engine(database_url)
        try:
            with Session(engine) as session:
                repository = OrderRepository(session)
                numbers = session.scalars(select(OrderRow.number).order_by(OrderRow.number)).all()
                orders = tuple(o for o in map(repository.get_order, numbers) if o is not None)
        finally:
            engine.dispose()
        return cls(orders, frozenset(_facts(orders)))

    def revealed(self, text: str) -> list[str]:
        """The order facts ``text`` contains (whole words, any case). Short all-digit facts (a postcode
        such as "2010") are left out: they cannot be told from message ids and timestamps."""
        lowered = text.lower()
        return sorted(
            fact for fact in self.facts if fact in lowered and re.search(rf"\b{re.escape(fact)}\b", lowered)
        )

    @property
    def numbers(self) -> list[str]:
        return [order.number for order in self.orders]

    @property
    def emails(self) -> list[str]:
        return sorted({order.customer.email for order in self.orders})

    @property
    def postcodes(self) -> list[str]:
        return sorted({order.shipping_address.postcode for order in self.orders})


def _facts(orders: tuple[Order, ...]) -> set[str]:
    tz = load_policy().timezone
    facts = {say(word).lower() for word in replies.STATUS_WORDS.values()}
    for order in orders:
        days: list[date] = [local_date(order.placed_at, tz)]
        facts |= {order.customer.email, order.customer.name, order.customer.postcode}
        facts |= {order.shipping_address.postcode, order.shipping_address.line1}
        facts |= {line.name for line in order.lines}
        for shipment in order.shipments:
            facts |= {shipment.tracking_number, shipment.tracking_url}
            days += [d for d in (shipment.promised_date, shipment.estimated_date) if d]
            days += [local_date(t, tz) for t in (shipment.shipped_at, shipment.delivered_at) if t]
        facts |= {format_day(d) for d in days}
        facts |= {r.rma_number for r in order.returns}
    return {fact.lower() for fact in facts if fact and not (fact.isdigit() and len(fact) < 8)}


def unknown_numbers(facts: OrderFacts, count: int, rng: random.Random) -> list[str]:
    """Well-formed order numbers no order has."""
    taken = set(facts.numbers)
    found: list[str] = []
    while len(found) < count:
        number = f"SD-{rng.randrange(10000, 100000)}"
        if number not in taken and number not in found:
            found.append(number)
    return found


def wrong_contact(facts: OrderFacts, order_number: str, i: int, rng: random.Random) -> str:
    """A contact that does not belong to ``order_number``: made up, or another customer's real one."""
    owner = next((o for o in facts.orders if o.number == order_number), None)
    own = {owner.customer.email, owner.shipping_address.postcode, owner.customer.postcode} if owner else set()
    choices = [
        f"guess.{i}@example.com",
        f"{rng.choice('ABCDEFGHKLMNPRSTW')}{rng.randrange(1, 99)} {rng.randrange(1, 9)}XY",
        rng.choice(facts.emails),
        rng.choice(facts.postcodes),
    ]
    contact = choices[i % len(choices)]
    return contact if contact not in own else f"not.{i}@example.org"
