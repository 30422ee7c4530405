"""An item the shopper names that cannot go back: the rules' split, and the reply that names it with its
reason and offers the rest of the order (no Rasa, no database, a fixed "now")."""

from __future__ import annotations

from bot.orders import replies
from bot.orders.model import Order, OrderLine, OrderStatus
from bot.orders.rules import returns
from bot.orders.rules.clauses import Clause
from bot.policy import load_policy
from tests.unit.factories import make_delivered_shipment, make_line, make_order, utc

POLICY = load_policy()
NOW = utc(2026, 6, 10)
SHIRT = make_line(id=1, name="Oxford Shirt", category="apparel")
BELT = make_line(id=2, name="Leather Belt", category="accessories", final_sale=True)
MUG = make_line(id=3, name="Personalised Mug", category="personalised")


def order(*lines: OrderLine) -> Order:
    chosen = lines or (SHIRT, BELT, MUG)
    shipment = make_delivered_shipment(utc(2026, 6, 1), line_ids=tuple(line.id for line in chosen))
    return make_order(
        status=OrderStatus.DELIVERED, placed_at=utc(2026, 5, 28), lines=chosen, shipments=(shipment,)
    )


def cite(clause: Clause) -> str:
    return f"Returns policy, {clause.value}"


def test_a_named_final_sale_item_is_refused_and_the_rest_that_can_go_back_is_kept_apart() -> None:
    named = returns.split_named(returns.assess_order(order(), POLICY, NOW), {BELT.id})
    assert [d.line for d in named.refused] == [BELT]
    assert named.refused[0].clause is Clause.RETURNS_FINAL_SALE
    assert named.returnable == []
    assert [d.line for d in named.rest] == [SHIRT]  # the mug cannot go back either: not offered


def test_a_named_item_that_can_go_back_is_returnable_and_not_part_of_the_rest() -> None:
    named = returns.split_named(returns.assess_order(order(), POLICY, NOW), {SHIRT.id, BELT.id})
    assert [d.line for d in named.returnable] == [SHIRT]
    assert [d.line for d in named.refused] == [BELT]
    assert named.rest == []


def test_the_reply_names_the_item_its_reason_and_source_then_the_rest_with_until_when() -> None:
    the_order = order()
    named = returns.split_named(returns.assess_order(the_order, POLICY, NOW), {BELT.id})
    text = replies.named_items_not_returnable(the_order, named, cite).text
    lines = text.splitlines()
    assert lines[1] == (
        "- Leather Belt: cannot be returned; this item was sold as final sale, so it cannot be returned "
        f"unless it arrived damaged or wrong (Returns policy, {Clause.RETURNS_FINAL_SALE.value})"
    )
    assert lines[2] == f"The rest of order {the_order.number} that can go back:"
    assert lines[3].startswith("- Oxford Shirt: can be returned; returnable until ")
    assert "Personalised Mug" not in text


def test_the_reply_says_so_when_nothing_else_can_go_back() -> None:
    the_order = order(BELT)
    named = returns.split_named(returns.assess_order(the_order, POLICY, NOW), {BELT.id})
    text = replies.named_items_not_returnable(the_order, named).text
    assert "Leather Belt: cannot be returned" in text
    assert text.endswith(f"Nothing else on order {the_order.number} can be returned now.")
