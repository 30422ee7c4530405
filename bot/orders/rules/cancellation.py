"""Can the shopper still cancel? A pure function of the order and the policy.

Allowed iff the order's status is one of ``policy.cancellable_statuses`` and no shipment has left the
warehouse. When it is not allowed the decision says what the shopper can do instead; every number in that
text comes from the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.orders.model import Order, OrderStatus
from bot.orders.rules.clauses import Clause
from bot.policy import Policy

_FINAL = {
    OrderStatus.CANCELLED: ("this order has already been cancelled", ""),
    OrderStatus.RETURNED: (
        "this order has already been returned",
        "If the refund for it has not reached you, ask us and we will check on it.",
    ),
    OrderStatus.REFUNDED: ("this order has already been refunded", ""),
}

_SHIPPED_STATUSES = frozenset({OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.DELIVERED})


@dataclass(frozen=True)
class CancellationDecision:
    allowed: bool
    reason: str  # plain words
    alternative: str  # what to do instead when not allowed; "" when allowed
    clause: Clause


def return_instead(policy: Policy, *, delivered: bool) -> str:
    """ "Return it instead", with the windows from the policy (categories whose window differs named)."""
    when = "You can" if delivered else "Once it arrives you can"
    text = f"{when} return it within {policy.default_return_window_days} days of delivery"
    different = [
        f"{category.replace('_', ' ')}: {days} days"
        for category, days in sorted(policy.category_windows.items())
        if days != policy.default_return_window_days
    ]
    if different:
        text += f" ({'; '.join(different)})"
    return text + "; a few kinds of item cannot be returned, as our returns policy explains."


def assess_cancellation(order: Order, policy: Policy) -> CancellationDecision:
    if order.status in _FINAL:
        reason, alternative = _FINAL[order.status]
        return CancellationDecision(False, reason, alternative, Clause.CANCELLATION_FINAL_STATE)

    shipped = [s for s in order.shipments if s.shipped_at is not None]
    if shipped or order.status in _SHIPPED_STATUSES:
        delivered = order.status is OrderStatus.DELIVERED
        if delivered:
            reason = "this order has already been delivered"
        elif len(shipped) < len(order.shipments) or order.status is OrderStatus.PARTIALLY_SHIPPED:
            reason = "part of this order has already left our warehouse"
        else:
            reason = "this order has already left our warehouse"
        return CancellationDecision(
            False, reason, return_instead(policy, delivered=delivered), Clause.CANCELLATION_SHIPPED
        )

    if order.status.value not in policy.cancellable_statuses:
        # Nothing has shipped, but the policy stops cancellations earlier (e.g. once packing starts): the
        # section that lists the statuses an order can be cancelled in is the one this rests on.
        return CancellationDecision(
            False,
            "this order is already being prepared for dispatch and can no longer be cancelled",
            return_instead(policy, delivered=False),
            Clause.CANCELLATION_ALLOWED,
        )

    return CancellationDecision(
        True, "it has not left our warehouse yet, so it can be cancelled", "", Clause.CANCELLATION_ALLOWED
    )
