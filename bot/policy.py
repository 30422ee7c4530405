"""The shop's policy numbers, loaded from one YAML file (``knowledge/policy.yml`` by default).

The business rules take a ``Policy`` as an argument; nothing else holds a window, fee or threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent.parent / "knowledge" / "policy.yml"

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class PolicyError(ValueError):
    """The policy file is missing a key or holds a value of the wrong kind."""


@dataclass(frozen=True)
class SupportHours:
    days: tuple[str, ...]
    open: time
    close: time


@dataclass(frozen=True)
class ShippingMethod:
    key: str
    label: str
    min_days: int
    max_days: int
    cost: Decimal
    free_over: Decimal | None
    countries: tuple[str, ...]


@dataclass(frozen=True)
class HolidayExtension:
    placed_from: tuple[int, int]  # (month, day), inclusive
    placed_to: tuple[int, int]
    return_by: tuple[int, int]  # (month, day) of the following year


@dataclass(frozen=True)
class Policy:
    shop_name: str
    timezone: ZoneInfo
    currency: str
    support_email: str
    support_hours: SupportHours
    email_reply_within_hours: int

    shipping_methods: dict[str, ShippingMethod]
    dispatch_days: int
    stalled_after_days: int
    lost_after_days_late: int
    reship_or_refund: bool
    customs_duties_paid_by: str

    default_return_window_days: int
    category_windows: dict[str, int]
    excluded_categories: dict[str, str]
    final_sale_returnable: bool
    transit_days_when_no_delivery_scan: int
    holiday_extension: HolidayExtension | None
    damaged_or_wrong_report_days: int
    return_shipping_fee: Decimal
    return_shipping_free_for: tuple[str, ...]

    refund_processing_business_days: int
    refund_bank_days: int
    refund_methods: tuple[str, ...]

    cancellable_statuses: tuple[str, ...]
    price_adjustment_days: int
    warranty_months: dict[str, int]
    gift_card_valid_months: int
    handoff_unclaimed_after_minutes: int
    handoff_average_handling_minutes: int
    sensitive_topics: dict[str, tuple[str, ...]]  # topic -> regular expressions (case-insensitive)

    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def return_window_days(self, category: str) -> int:
        return self.category_windows.get(category, self.default_return_window_days)


def _month_day(value: str, key: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(value).split("-"))
    except ValueError as exc:
        raise PolicyError(f"{key}: expected MM-DD, got {value!r}") from exc
    return month, day


def _time(value: str, key: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError as exc:
        raise PolicyError(f"{key}: expected HH:MM, got {value!r}") from exc


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def parse_policy(data: dict[str, Any]) -> Policy:
    """Build a ``Policy`` from the parsed YAML mapping; raises ``PolicyError`` naming the bad key."""
    try:
        shop, shipping, returns = data["shop"], data["shipping"], data["returns"]
        refunds, cancellation = data["refunds"], data["cancellation"]
        hours = shop["support_hours"]
        days = tuple(str(d).lower() for d in hours["days"])
        if unknown := [d for d in days if d not in WEEKDAYS]:
            raise PolicyError(f"shop.support_hours.days: unknown day(s) {unknown}")
        methods = {
            key: ShippingMethod(
                key=key,
                label=str(m["label"]),
                min_days=int(m["min_days"]),
                max_days=int(m["max_days"]),
                cost=Decimal(str(m["cost"])),
                free_over=_decimal(m.get("free_over")),
                countries=tuple(str(c).upper() for c in m["countries"]),
            )
            for key, m in shipping["methods"].items()
        }
        holiday = returns.get("holiday_extension")
        warranty = data.get("warranty", {})
        handoff = data.get("handoff", {})
        return Policy(
            shop_name=str(shop["name"]),
            timezone=ZoneInfo(str(shop["timezone"])),
            currency=str(shop["currency"]),
            support_email=str(shop["support_email"]),
            support_hours=SupportHours(
                days=days,
                open=_time(hours["open"], "shop.support_hours.open"),
                close=_time(hours["close"], "shop.support_hours.close"),
            ),
            email_reply_within_hours=int(shop["email_reply_within_hours"]),
            shipping_methods=methods,
            dispatch_days=int(shipping["dispatch_days"]),
            stalled_after_days=int(shipping["stalled_after_days"]),
            lost_after_days_late=int(shipping["lost_after_days_late"]),
            reship_or_refund=bool(shipping["reship_or_refund"]),
            customs_duties_paid_by=str(shipping["customs_duties_paid_by"]),
            default_return_window_days=int(returns["default_window_days"]),
            category_windows={str(k): int(v) for k, v in returns["category_windows"].items()},
            excluded_categories={str(k): str(v) for k, v in returns["excluded_categories"].items()},
            final_sale_returnable=bool(returns["final_sale_returnable"]),
            transit_days_when_no_delivery_scan=int(returns["transit_days_when_no_delivery_scan"]),
            holiday_extension=None
            if not holiday
            else HolidayExtension(
                placed_from=_month_day(holiday["placed_from"], "returns.holiday_extension.placed_from"),
                placed_to=_month_day(holiday["placed_to"], "returns.holiday_extension.placed_to"),
                return_by=_month_day(holiday["return_by"], "returns.holiday_extension.return_by"),
            ),
            damaged_or_wrong_report_days=int(returns["damaged_or_wrong_report_days"]),
            return_shipping_fee=Decimal(str(returns["return_shipping_fee"])),
            return_shipping_free_for=tuple(str(r) for r in returns["return_shipping_free_for"]),
            refund_processing_business_days=int(refunds["processing_business_days"]),
            refund_bank_days=int(refunds["bank_days"]),
            refund_methods=tuple(str(m) for m in refunds["methods"]),
            cancellable_statuses=tuple(str(s) for s in cancellation["allowed_statuses"]),
            price_adjustment_days=int(data.get("price_adjustment", {}).get("within_days", 0)),
            warranty_months={
                k.removesuffix("_months"): int(v) for k, v in warranty.items() if k.endswith("_months")
            },
            gift_card_valid_months=int(data.get("gift_cards", {}).get("valid_months", 0)),
            handoff_unclaimed_after_minutes=int(handoff.get("unclaimed_after_minutes", 10)),
            handoff_average_handling_minutes=int(handoff.get("average_handling_minutes", 5)),
            sensitive_topics={
                str(topic): tuple(str(p) for p in patterns)
                for topic, patterns in (handoff.get("sensitive_topics") or {}).items()
            },
            raw=data,
        )
    except KeyError as exc:
        raise PolicyError(f"policy file is missing the key {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        if isinstance(exc, PolicyError):
            raise
        raise PolicyError(f"policy file holds a value of the wrong kind: {exc}") from exc


def load_policy(path: Path | str = DEFAULT_POLICY_FILE) -> Policy:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: expected a mapping at the top level")
    return parse_policy(data)
