"""Return eligibility: pure functions of (order, line, policy, now) that say yes or no and why.

Every day count is in calendar days on the shop's local calendar (``policy.timezone``): an item the
carrier delivered at 23:30 London time on 1 June was delivered on 1 June, whatever the UTC date.
``last_day`` is inclusive: a return requested at any time on that local date is in time.

The rules are checked in this order; the first that applies decides:

1. the order was cancelled                                   -> ``returns.order_cancelled``
2. unless the shopper says it arrived damaged or wrong: the category is excluded (gift cards, hygiene,
   personalised) -> ``returns.excluded``; the line was sold as final sale -> ``returns.final_sale``.
   These come before delivery, so a shopper asking about a gift card still on its way hears the truth.
3. the line's parcel has not reached the shopper: not dispatched, or the carrier's latest scan shows it
   travelling                                                 -> ``returns.not_delivered``
4. every unit is already in a return that was not rejected   -> ``returns.already_returned``
5. damaged or wrong: eligible even when final sale or excluded, for ``damaged_or_wrong_report_days``
   from delivery                                              -> ``returns.damaged_or_wrong``
6. the ordinary window, per category, possibly extended for holiday-season orders
   -> ``returns.window`` / ``returns.category_window`` / ``returns.holiday_extension``
   (``holiday_extension`` only when the extension actually gives a later last day)

The window counts from the local delivery date; when the carrier never recorded a delivery but the parcel
was dispatched, it counts from the local dispatch date plus ``transit_days_when_no_delivery_scan``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.language.formatting import format_day, format_month_day
from bot.orders.model import Order, OrderLine, OrderStatus, ReturnReason, Shipment, TrackingCode
from bot.orders.rules.clauses import Clause
from bot.policy import HolidayExtension, Policy


@dataclass(frozen=True)
class LineEligibility:
    line: OrderLine
    eligible: bool
    returnable_quantity: int  # quantity minus units already in non-rejected returns
    last_day: date | None  # shop-local, inclusive; None when refused for a reason other than time
    window_starts: date | None  # shop-local date the window counts from
    reason: str  # plain words for the shopper
    clause: Clause


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The shop-local calendar date of a timezone-aware instant."""
    if instant.tzinfo is None:
        raise ValueError("expected a timezone-aware datetime")
    return instant.astimezone(tz).date()


def delivered_at(shipment: Shipment) -> datetime | None:
    """When the parcel was delivered: the recorded time, else the first DELIVERED tracking event."""
    if shipment.delivered_at is not None:
        return shipment.delivered_at
    scans = [e.occurred_at for e in shipment.events if e.code is TrackingCode.DELIVERED]
    return min(scans, default=None)


def shipment_for(order: Order, line: OrderLine) -> Shipment | None:
    """The shipment carrying a line.

    A shipment that lists no line ids is taken to carry every line no other shipment lists (order systems
    that do not split orders into parcels leave ``line_ids`` empty).
    """
    found = order.shipment_for_line(line.id)
    if found is not None:
        return found
    return next((s for s in order.shipments if not s.line_ids), None)


# The carrier's latest word says the parcel has not reached the shopper yet.
_STILL_TRAVELLING = frozenset(
    {
        TrackingCode.PICKED_UP,
        TrackingCode.IN_TRANSIT,
        TrackingCode.OUT_FOR_DELIVERY,
        TrackingCode.DELIVERY_ATTEMPTED,
        TrackingCode.EXCEPTION_WEATHER,
        TrackingCode.EXCEPTION_ADDRESS,
        TrackingCode.EXCEPTION_DAMAGED,
        TrackingCode.CUSTOMS_HOLD,
        TrackingCode.LOST,
        TrackingCode.RETURNED_TO_SENDER,
    }
)


def window_start(shipment: Shipment, policy: Policy) -> tuple[date, bool] | None:
    """(local date the window counts from, whether it came from a delivery scan); None while the parcel
    has not reached the shopper: before dispatch, or while the carrier's latest scan shows it travelling.

    Dispatch + ``transit_days_when_no_delivery_scan`` stands in for delivery only when the carrier
    recorded nothing after dispatch (an untracked service, or a carrier that does not scan deliveries).
    """
    delivered = delivered_at(shipment)
    if delivered is not None:
        return local_date(delivered, policy.timezone), True
    latest = shipment.latest_event
    if latest is not None and latest.code in _STILL_TRAVELLING:
        return None
    if shipment.shipped_at is not None:
        shipped = local_date(shipment.shipped_at, policy.timezone)
        return shipped + timedelta(days=policy.transit_days_when_no_delivery_scan), False
    return None


def holiday_return_by(placed: date, holiday: HolidayExtension) -> date | None:
    """The extended last day for an order placed (local date) in the holiday season, else None.

    A season that wraps past New Year (e.g. 12-01 to 01-05) is handled: ``return_by`` falls in the year
    after the season started.
    """
    key = (placed.month, placed.day)
    start, end = holiday.placed_from, holiday.placed_to
    if start <= end:
        in_season = start <= key <= end
        season_year = placed.year
    else:
        in_season = key >= start or key <= end
        season_year = placed.year if key >= start else placed.year - 1
    if not in_season:
        return None
    month, day = holiday.return_by
    year = season_year + 1
    while True:  # 02-29 in a year without one becomes 02-28
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def _from_words(start: date, from_delivery: bool, policy: Policy) -> str:
    if from_delivery:
        return "from delivery"
    days = policy.transit_days_when_no_delivery_scan
    return (
        f"from {format_day(start, policy.locale)}, counted as {days} days after dispatch "
        "because the carrier did not record a delivery"
    )


def assess_line(
    order: Order,
    line: OrderLine,
    policy: Policy,
    now: datetime,
    reason: ReturnReason = ReturnReason.CHANGED_MIND,
) -> LineEligibility:
    """Can this line be returned today (shop-local date of ``now``) for this reason? See the module doc."""
    today = local_date(now, policy.timezone)
    returnable = max(0, line.quantity - order.returned_quantity(line.id))

    def refuse(
        text: str, clause: Clause, start: date | None = None, last: date | None = None
    ) -> LineEligibility:
        return LineEligibility(line, False, returnable, last, start, text, clause)

    if order.status is OrderStatus.CANCELLED:
        return refuse(
            "this order was cancelled, so there is nothing to return", Clause.RETURNS_ORDER_CANCELLED
        )

    excluded = policy.excluded_categories.get(line.category)
    final_sale = line.final_sale and not policy.final_sale_returnable
    # What can never go back is said first, delivered or not, unless the shop sent it damaged or wrong.
    if not reason.is_shop_fault:
        if excluded is not None:
            return refuse(excluded, Clause.RETURNS_EXCLUDED)
        if final_sale:
            return refuse(
                "this item was sold as final sale, so it cannot be returned unless it arrived damaged "
                "or wrong",
                Clause.RETURNS_FINAL_SALE,
            )

    shipment = shipment_for(order, line)
    started = window_start(shipment, policy) if shipment is not None else None
    if started is None:
        return refuse(
            "it has not been delivered yet; you can return it once it arrives", Clause.RETURNS_NOT_DELIVERED
        )
    start, from_delivery = started
    since = _from_words(start, from_delivery, policy)

    if returnable == 0:
        return refuse(
            "this item is already part of a return, so there is nothing left to return",
            Clause.RETURNS_ALREADY_RETURNED,
            start,
        )

    if reason.is_shop_fault:
        days = policy.damaged_or_wrong_report_days
        last = start + timedelta(days=days)
        day = format_day(last, policy.locale)
        if today <= last:
            text = f"damaged or wrong items can be returned until {day}: {days} days {since}"
            return LineEligibility(line, True, returnable, last, start, text, Clause.RETURNS_DAMAGED_OR_WRONG)
        text = f"the {days} days to report a damaged or wrong item closed on {day} ({since})"
        return refuse(text, Clause.RETURNS_DAMAGED_OR_WRONG, start, last)

    days = policy.return_window_days(line.category)
    last = start + timedelta(days=days)
    if line.category in policy.category_windows and days != policy.default_return_window_days:
        clause = Clause.RETURNS_CATEGORY_WINDOW
        rule = f"{days} days {since} for {line.category.replace('_', ' ')}"
    else:
        clause = Clause.RETURNS_WINDOW
        rule = f"{days} days {since}"

    holiday = policy.holiday_extension
    if holiday is not None:
        extended = holiday_return_by(local_date(order.placed_at, policy.timezone), holiday)
        if extended is not None and extended > last:
            last = extended
            clause = Clause.RETURNS_HOLIDAY_EXTENSION
            rule = (
                f"orders placed between {format_month_day(*holiday.placed_from, policy.locale)} and "
                f"{format_month_day(*holiday.placed_to, policy.locale)} can be returned until "
                f"{format_month_day(*holiday.return_by, policy.locale)}"
            )

    if today <= last:
        text = f"returnable until {format_day(last, policy.locale)}: {rule}"
        return LineEligibility(line, True, returnable, last, start, text, clause)
    return refuse(
        f"the return window closed on {format_day(last, policy.locale)}: {rule}", clause, start, last
    )


def assess_order(
    order: Order,
    policy: Policy,
    now: datetime,
    reason: ReturnReason = ReturnReason.CHANGED_MIND,
) -> list[LineEligibility]:
    """One assessment per line, in the order's line order."""
    return [assess_line(order, line, policy, now, reason) for line in order.lines]


def eligible_lines(assessments: Sequence[LineEligibility]) -> list[LineEligibility]:
    """The lines that can be returned now, for building "which item?" choices."""
    return [a for a in assessments if a.eligible]


@dataclass(frozen=True)
class NamedItems:
    """The items a shopper named ("can I return the belt?"), split by the rules' decisions."""

    returnable: list[LineEligibility]  # named, and can go back now
    refused: list[LineEligibility]  # named, and cannot: each carries its reason and clause
    rest: list[LineEligibility]  # not named, and can go back now: offered when nothing named can


def split_named(assessments: Sequence[LineEligibility], named: Collection[int]) -> NamedItems:
    """Split an order's assessments by the line ids the shopper named, keeping the order's line order."""
    return NamedItems(
        returnable=[a for a in assessments if a.line.id in named and a.eligible],
        refused=[a for a in assessments if a.line.id in named and not a.eligible],
        rest=[a for a in assessments if a.line.id not in named and a.eligible],
    )
