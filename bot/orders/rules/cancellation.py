"""Can the shopper still cancel? A pure function of the order and the policy.

Allowed iff the order's status is one of ``policy.cancellable_statuses`` and no shipment has left the
warehouse. When it is not allowed the decision says what the shopper can do instead; every number in that
text comes from the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.orders.model import Order, OrderStatus
from bot.policy import Policy

CLAUSE_ALLOWED = "cancellation.allowed"
CLAUSE_SHIPPED = "cancellation.shipped"
CLAUSE_FINAL_STATE = "cancellation.final_state"
# The status is not cancellable although nothing has shipped (e.g. a policy that stops cancellations
# once packing starts).
CLAUSE_IN_PROGRESS = "cancellation.in_progress"

ALL_CLAUSES = (CLAUSE_ALLOWED, CLAUSE_SHIPPED, CLAUSE_FINAL_STATE, CLAUSE_IN_PROGRESS)

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
    clause: str  # one of the CLAUSE_* constants


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
        return CancellationDecision(False, reason, alternative, CLAUSE_FINAL_STATE)

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
            False, reason, return_instead(policy, delivered=delivered), CLAUSE_SHIPPED
        )

    if order.status.value not in policy.cancellable_statuses:
        return CancellationDecision(
            False,
            "this order is already being prepared for dispatch and can no longer be cancelled",
            return_instead(policy, delivered=False),
            CLAUSE_IN_PROGRESS,
        )

    return CancellationDecision(
        True, "it has not left our warehouse yet, so it can be cancelled", "", CLAUSE_ALLOWED
    )
