"""The clause ids: the policy-document sections a rule's decision or a reply rests on, defined once.

Each id is marked exactly once in the shop's documents (``<!-- clause: returns.window -->`` under a
``##`` heading in ``knowledge/docs/``), and the reply cites that section ("Returns policy, section 2.
Return windows"). The rules, the replies and the actions name a clause only through this enum;
``tests/unit/test_knowledge_policy_agreement.py`` fails when a member has no marked section, or when a
document marks an id that is not a member.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class Clause(StrEnum):
    # returns (bot/orders/rules/returns.py)
    RETURNS_WINDOW = "returns.window"
    RETURNS_CATEGORY_WINDOW = "returns.category_window"
    RETURNS_EXCLUDED = "returns.excluded"
    RETURNS_FINAL_SALE = "returns.final_sale"
    RETURNS_NOT_DELIVERED = "returns.not_delivered"
    RETURNS_ALREADY_RETURNED = "returns.already_returned"
    RETURNS_HOLIDAY_EXTENSION = "returns.holiday_extension"
    RETURNS_DAMAGED_OR_WRONG = "returns.damaged_or_wrong"
    RETURNS_ORDER_CANCELLED = "returns.order_cancelled"
    RETURNS_HOW_TO_SEND = "returns.how_to_send"  # quoted with a registered return's instructions
    # deliveries (bot/orders/rules/shipping.py)
    SHIPPING_ON_TIME = "shipping.on_time"
    SHIPPING_LATE = "shipping.late"
    SHIPPING_STALLED = "shipping.stalled"
    SHIPPING_EXCEPTION = "shipping.exception"
    SHIPPING_LOST = "shipping.lost"
    SHIPPING_DISRUPTION = "shipping.disruption"
    SHIPPING_DELIVERED = "shipping.delivered"
    SHIPPING_NOT_SHIPPED = "shipping.not_shipped"
    # cancellation (bot/orders/rules/cancellation.py): the section that lists the cancellable statuses
    # also answers "not cancellable although nothing has shipped"
    CANCELLATION_ALLOWED = "cancellation.allowed"
    CANCELLATION_SHIPPED = "cancellation.shipped"
    CANCELLATION_FINAL_STATE = "cancellation.final_state"
    # refunds (bot/orders/replies.py) and support hours (bot/desk/support_hours.py)
    REFUNDS_TIMING = "refunds.timing"
    HANDOFF_SUPPORT_HOURS = "handoff.support_hours"
