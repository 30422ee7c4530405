"""The shop's policy numbers, loaded from one YAML file (``knowledge/policy.yml`` by default).

The business rules take a ``Policy`` as an argument; nothing else holds a window, fee or threshold.

The file is checked by a pydantic schema (``PolicyFile``) before anything reads it: an unknown key, a
value of the wrong type (``"no"`` where a true/false is expected) or an impossible value (a window of -3
days, ``max_days`` below ``min_days``) is refused, and every problem names its key path
(``shipping.methods.express.label: Field required``). ``shopdesk policy check`` prints them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeInt,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.language.order_numbers import OrderNumbers, OrderNumberShape

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent.parent / "knowledge" / "policy.yml"

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class PolicyError(ValueError):
    """The policy file is missing a key or holds a value of the wrong kind; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# --- the file's schema -----------------------------------------------------------------------------------
# Strict: a string is never read as a number or a true/false. Amounts are quoted decimals ("3.95") so no
# float rounding creeps in; YAML integers are accepted for whole amounts.


def _to_decimal(value: Any) -> Any:
    if isinstance(value, bool):
        return value  # refused by the strict Decimal
    if isinstance(value, (str, int)):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f'expected an amount such as "3.95", got {value!r}') from None
    return value


def _to_time(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected HH:MM, got {value!r}") from None
    return value


def _to_month_day(value: Any) -> Any:
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{2})-(\d{2})", value)
        if match is None:
            raise ValueError(f"expected MM-DD, got {value!r}")
        month, day = int(match[1]), int(match[2])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            raise ValueError(f"not a day of the year: {value!r}")
        return (month, day)
    return value


Amount = Annotated[Decimal, BeforeValidator(_to_decimal), Field(ge=0)]
ClockTime = Annotated[time, BeforeValidator(_to_time)]
MonthDay = Annotated[tuple[int, int], BeforeValidator(_to_month_day)]
Days = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(ge=1)]
Text = Annotated[str, Field(min_length=1)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SupportHoursFile(_Section):
    days: list[Weekday] = Field(min_length=1)
    open: ClockTime
    close: ClockTime

    @model_validator(mode="after")
    def _opens_before_closing(self) -> SupportHoursFile:
        if self.close <= self.open:
            raise ValueError("close must be later than open")
        return self


class OrderNumberShapeFile(_Section):
    """One way the shop numbers orders: ``prefix`` + ``min_digits``..``max_digits`` digits."""

    prefix: str = Field(default="", pattern=r"^[A-Za-z]*[-_#]?$|^#$")
    min_digits: Annotated[int, Field(ge=1, le=20)]
    max_digits: Annotated[int, Field(ge=1, le=20)]
    example: Text

    @model_validator(mode="after")
    def _consistent(self) -> OrderNumberShapeFile:
        if self.max_digits < self.min_digits:
            raise ValueError("max_digits must not be below min_digits")
        if not self.shape().matches_exactly(self.example):
            raise ValueError(
                f"example {self.example!r} is not {self.prefix!r} followed by "
                f"{self.min_digits}..{self.max_digits} digits"
            )
        return self

    def shape(self) -> OrderNumberShape:
        return OrderNumberShape(self.prefix, self.min_digits, self.max_digits, self.example)


def _demo_order_numbers() -> list[OrderNumberShapeFile]:
    return [OrderNumberShapeFile(prefix="SD-", min_digits=5, max_digits=6, example="SD-10023")]


class ShopFile(_Section):
    name: Text
    timezone: Text
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    locale: Text = "en_GB"
    support_email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]
    support_hours: SupportHoursFile
    email_reply_within_hours: PositiveInt
    order_numbers: list[OrderNumberShapeFile] = Field(default_factory=_demo_order_numbers, min_length=1)
    # carrier name (as in the order data) -> its public tracking page, "{number}" standing for the number
    carriers: dict[str, Annotated[str, Field(pattern=r"^https?://\S*\{number\}\S*$")]] = Field(
        default_factory=dict
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Europe/London)") from None
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in list_currencies():
            raise ValueError(f"unknown currency {value!r} (an ISO 4217 code such as GBP)")
        return value

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        try:
            Locale.parse(value)
        except (UnknownLocaleError, ValueError):
            raise ValueError(f"unknown locale {value!r} (such as en_GB or en_US)") from None
        return value


class ShippingMethodFile(_Section):
    label: Text
    min_days: Days
    max_days: Days
    cost: Amount
    free_over: Amount | None
    countries: list[Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]] = Field(min_length=1)

    @model_validator(mode="after")
    def _range(self) -> ShippingMethodFile:
        if self.max_days < self.min_days:
            raise ValueError("max_days must not be below min_days")
        return self


class ShippingFile(_Section):
    methods: dict[str, ShippingMethodFile] = Field(min_length=1)
    dispatch_days: Days
    stalled_after_days: PositiveInt
    lost_after_days_late: PositiveInt
    reship_or_refund: bool
    customs_duties_paid_by: Literal["customer", "shop"]


class HolidayExtensionFile(_Section):
    placed_from: MonthDay
    placed_to: MonthDay
    return_by: MonthDay


class ReturnsFile(_Section):
    default_window_days: Days
    category_windows: dict[str, Days] = Field(default_factory=dict)
    excluded_categories: dict[str, Text] = Field(default_factory=dict)
    final_sale_returnable: bool
    transit_days_when_no_delivery_scan: Days
    holiday_extension: HolidayExtensionFile | None = None
    damaged_or_wrong_report_days: Days
    return_shipping_fee: Amount
    return_shipping_free_for: list[Text] = Field(default_factory=list)


class RefundsFile(_Section):
    processing_business_days: Days
    bank_days: Days
    methods: list[Text] = Field(min_length=1)


class CancellationFile(_Section):
    allowed_statuses: list[Text]


class PriceAdjustmentFile(_Section):
    within_days: Days = 0


class GiftCardsFile(_Section):
    valid_months: Days = 0


class HandoffFile(_Section):
    unclaimed_after_minutes: NonNegativeInt = 10  # 0: offer email follow-up at once
    average_handling_minutes: PositiveInt = 5
    # the expected wait uses the measured claim-to-close median once this many escalations closed within
    # ``measure_handling_days`` (bot/desk/wait.py); 0 never measures
    measure_handling_from: NonNegativeInt = 5
    measure_handling_days: PositiveInt = 14
    sensitive_topics: dict[str, list[Text]] = Field(default_factory=dict)

    @field_validator("sensitive_topics")
    @classmethod
    def _patterns_compile(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for topic, patterns in value.items():
            for pattern in patterns:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"{topic}: {pattern!r} is not a regular expression ({exc})") from None
        return value


def _warranty_keys(value: Any) -> Any:
    if isinstance(value, dict) and (
        bad := [k for k in value if not (isinstance(k, str) and k.endswith("_months"))]
    ):
        raise ValueError(f"warranty keys are <category>_months, got {bad}")
    return value


class PolicyFile(_Section):
    """The whole of ``policy.yml``."""

    shop: ShopFile
    shipping: ShippingFile
    returns: ReturnsFile
    refunds: RefundsFile
    cancellation: CancellationFile
    price_adjustment: PriceAdjustmentFile = Field(default_factory=PriceAdjustmentFile)
    warranty: Annotated[dict[str, Days], BeforeValidator(_warranty_keys)] = Field(default_factory=dict)
    gift_cards: GiftCardsFile = Field(default_factory=GiftCardsFile)
    handoff: HandoffFile = Field(default_factory=HandoffFile)


def policy_problems(error: ValidationError) -> list[str]:
    """``shipping.methods.express.label: Field required``: one line per problem, naming its key path."""
    problems = []
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"{path}: {message}")
    return problems


# --- what the rules read ---------------------------------------------------------------------------------


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
    handoff_measure_handling_from: int
    handoff_measure_handling_days: int
    sensitive_topics: dict[str, tuple[str, ...]]  # topic -> regular expressions (case-insensitive)

    locale: str = "en_GB"
    order_numbers: OrderNumbers = field(default_factory=OrderNumbers.demo)
    carrier_tracking_urls: dict[str, str] = field(default_factory=dict)  # carrier -> URL with {number}

    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def return_window_days(self, category: str) -> int:
        return self.category_windows.get(category, self.default_return_window_days)

    def tracking_url(self, carrier: str, number: str) -> str | None:
        """The carrier's public tracking page for ``number`` (``shop.carriers``, matched without regard to
        case); ``None`` for a carrier the shop has not configured or a parcel without a number."""
        templates = {name.casefold(): url for name, url in self.carrier_tracking_urls.items()}
        template = templates.get(carrier.strip().casefold())
        if template is None or not number.strip():
            return None
        return template.replace("{number}", quote(number.strip(), safe=""))


def validate_policy(data: Any) -> PolicyFile:
    """The checked file, or ``PolicyError`` listing every problem by key path."""
    if not isinstance(data, dict):
        raise PolicyError(["(top level): expected a mapping of sections (shop, shipping, returns, ...)"])
    try:
        return PolicyFile.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(policy_problems(exc)) from None


def parse_policy(data: dict[str, Any]) -> Policy:
    """Build a ``Policy`` from the parsed YAML mapping; raises ``PolicyError`` naming every bad key."""
    checked = validate_policy(data)
    shop, shipping, returns, handoff = checked.shop, checked.shipping, checked.returns, checked.handoff
    holiday = returns.holiday_extension
    return Policy(
        shop_name=shop.name,
        timezone=ZoneInfo(shop.timezone),
        currency=shop.currency,
        support_email=shop.support_email,
        support_hours=SupportHours(
            days=tuple(shop.support_hours.days), open=shop.support_hours.open, close=shop.support_hours.close
        ),
        email_reply_within_hours=shop.email_reply_within_hours,
        shipping_methods={
            key: ShippingMethod(
                key=key,
                label=m.label,
                min_days=m.min_days,
                max_days=m.max_days,
                cost=m.cost,
                free_over=m.free_over,
                countries=tuple(c.upper() for c in m.countries),
            )
            for key, m in shipping.methods.items()
        },
        dispatch_days=shipping.dispatch_days,
        stalled_after_days=shipping.stalled_after_days,
        lost_after_days_late=shipping.lost_after_days_late,
        reship_or_refund=shipping.reship_or_refund,
        customs_duties_paid_by=shipping.customs_duties_paid_by,
        default_return_window_days=returns.default_window_days,
        category_windows=dict(returns.category_windows),
        excluded_categories=dict(returns.excluded_categories),
        final_sale_returnable=returns.final_sale_returnable,
        transit_days_when_no_delivery_scan=returns.transit_days_when_no_delivery_scan,
        holiday_extension=None
        if holiday is None
        else HolidayExtension(holiday.placed_from, holiday.placed_to, holiday.return_by),
        damaged_or_wrong_report_days=returns.damaged_or_wrong_report_days,
        return_shipping_fee=returns.return_shipping_fee,
        return_shipping_free_for=tuple(returns.return_shipping_free_for),
        refund_processing_business_days=checked.refunds.processing_business_days,
        refund_bank_days=checked.refunds.bank_days,
        refund_methods=tuple(checked.refunds.methods),
        cancellable_statuses=tuple(checked.cancellation.allowed_statuses),
        price_adjustment_days=checked.price_adjustment.within_days,
        warranty_months={k.removesuffix("_months"): v for k, v in checked.warranty.items()},
        gift_card_valid_months=checked.gift_cards.valid_months,
        handoff_unclaimed_after_minutes=handoff.unclaimed_after_minutes,
        handoff_average_handling_minutes=handoff.average_handling_minutes,
        handoff_measure_handling_from=handoff.measure_handling_from,
        handoff_measure_handling_days=handoff.measure_handling_days,
        sensitive_topics={topic: tuple(patterns) for topic, patterns in handoff.sensitive_topics.items()},
        locale=shop.locale,
        order_numbers=OrderNumbers(tuple(s.shape() for s in shop.order_numbers)),
        carrier_tracking_urls=dict(shop.carriers),
        raw=data,
    )


def read_policy_file(path: Path | str) -> Any:
    """The parsed YAML of a policy file (``PolicyError`` when it is not YAML)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise PolicyError([f"{path}: not valid YAML ({exc})"]) from None


def load_policy(path: Path | str = DEFAULT_POLICY_FILE) -> Policy:
    return parse_policy(read_policy_file(path))
