"""JSON import and export of the order system: customers, orders (with everything hanging off them)
and disruptions. The format is documented in ``docs/order-format.md``.

Import is all or nothing: every record is validated first (shape with pydantic, then references within
the file and against the database), and only a file without a single error is written, in the caller's
transaction. Records are matched by natural key, so importing the same file twice updates rather than
duplicates: customers by email, orders by number, shipments by tracking number, returns by RMA number,
order lines by SKU within their order, tracking events by (time, code) within their shipment, refunds by
creation time within their order, disruptions by (title, start). Import never deletes: rows the file
does not mention (say, a return the assistant created since the last export) are left alone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import ErrorDetails
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from bot.errors import ShopdeskError
from bot.language.contact_details import normalise_email
from bot.language.order_numbers import OrderNumbers
from bot.orders.model import OrderStatus, RefundStatus, ReturnReason, ReturnStatus, TrackingCode
from bot.orders.tables import (
    CustomerRow,
    DisruptionRow,
    OrderLineRow,
    OrderRow,
    RefundRow,
    ReturnLineRow,
    ReturnRow,
    ShipmentRow,
    TrackingEventRow,
    join_codes,
    split_codes,
)
from bot.tables import Base

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
SECTIONS = ("customers", "orders", "disruptions")


class ImportValidationError(ShopdeskError):
    """The file has at least one invalid record; ``errors`` lists every problem found, one per line."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{errors[0]}{more}")


# --- the format, as pydantic models ---------------------------------------------------------------------


def _email(value: str) -> str:
    value = normalise_email(value)
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value or domain.startswith(".") or domain.endswith("."):
        raise ValueError("must be an email address")
    return value


def _country(value: str) -> str:
    value = value.strip().upper()
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise ValueError("must be a two-letter ISO 3166 country code, e.g. GB")
    return value


def _currency(value: str) -> str:
    value = value.strip().upper()
    if len(value) != 3 or not value.isascii() or not value.isalpha():
        raise ValueError("must be a three-letter ISO 4217 currency code, e.g. GBP")
    return value


def _order_number(value: str, info: ValidationInfo) -> str:
    """Canonical in the shop's shapes (the validation context's ``OrderNumbers``)."""
    numbers = info.context["order_numbers"] if isinstance(info.context, dict) else None
    if not isinstance(numbers, OrderNumbers):
        raise TypeError("validate order records with context={'order_numbers': OrderNumbers}")
    number = numbers.normalise(value)
    if number is None:
        raise ValueError(f"must be an order number like {numbers.example}")
    return number


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(_email)]
Country = Annotated[str, AfterValidator(_country)]
Currency = Annotated[str, AfterValidator(_currency)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Instant = Annotated[AwareDatetime, AfterValidator(_utc)]
OrderNumber = Annotated[str, AfterValidator(_order_number)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerIn(_Record):
    email: Email
    name: Text
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    country: Country


class AddressIn(_Record):
    name: Text
    line1: Text
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    country: Country


class LineIn(_Record):
    sku: Code
    name: Text
    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    quantity: int = Field(ge=1)
    unit_price: Money
    final_sale: bool = False


class EventIn(_Record):
    occurred_at: Instant
    code: TrackingCode
    location: Text
    description: LongText = ""


class ShipmentIn(_Record):
    carrier: Code
    service_level: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    tracking_number: Code
    tracking_url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    shipped_at: Instant | None = None
    promised_date: date | None = None
    estimated_date: date | None = None
    delivered_at: Instant | None = None
    line_skus: list[Code] = Field(default_factory=list)
    events: list[EventIn] = Field(default_factory=list)


class ReturnLineIn(_Record):
    sku: Code
    quantity: int = Field(ge=1)


class ReturnIn(_Record):
    rma_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    reason: ReturnReason
    status: ReturnStatus
    instructions: LongText = ""
    created_at: Instant
    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    lines: list[ReturnLineIn] = Field(min_length=1)


class RefundIn(_Record):
    amount: Money
    currency: Currency
    method: Code
    status: RefundStatus
    created_at: Instant
    completed_at: Instant | None = None
    rma_number: str | None = None


class OrderIn(_Record):
    number: OrderNumber
    customer_email: Email
    status: OrderStatus
    placed_at: Instant
    paid_at: Instant | None = None
    cancelled_at: Instant | None = None
    payment_method: Code = "card"
    currency: Currency
    subtotal: Money
    shipping_cost: Money
    total: Money
    shipping_address: AddressIn
    lines: list[LineIn] = Field(min_length=1)
    shipments: list[ShipmentIn] = Field(default_factory=list)
    returns: list[ReturnIn] = Field(default_factory=list)
    refunds: list[RefundIn] = Field(default_factory=list)


class DisruptionIn(_Record):
    title: Text
    carrier: Code | None = None
    countries: list[Country] = Field(default_factory=list)
    postcode_prefixes: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]] = Field(
        default_factory=list
    )
    starts_at: Instant
    ends_at: Instant | None = None
    extra_days: int = Field(ge=0)
    explanation: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


# --- error messages --------------------------------------------------------------------------------------

_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "decimal_parsing": "must be a decimal number",
    "decimal_type": "must be a decimal number",
    "decimal_max_places": "must have at most 2 decimal places",
    "decimal_max_digits": "has too many digits",
    "decimal_whole_digits": "has too many digits",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "timezone_aware": "must include a UTC offset, e.g. 2026-10-15T10:00:00+00:00",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
}


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind.startswith("datetime"):
        return "must be an ISO 8601 date-time, e.g. 2026-10-15T10:00:00+00:00"
    if kind.startswith("date"):
        return "must be a date, e.g. 2026-10-15"
    if kind == "enum":
        return f"must be one of {ctx.get('expected')}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"][:1].lower() + error["msg"][1:]


def _path(loc: Iterable[int | str]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


def _label(section: str, index: int, raw: Any) -> str:
    """``orders[3] (SD-10023)``; customers are shown by position only (no personal data in messages)."""
    key = {"orders": "number", "disruptions": "title"}.get(section)
    if key and isinstance(raw, Mapping) and isinstance(raw.get(key), str) and raw[key].strip():
        return f"{section}[{index}] ({raw[key].strip()})"
    return f"{section}[{index}]"


# --- validation ------------------------------------------------------------------------------------------


@dataclass
class ValidFile:
    customers: list[CustomerIn] = field(default_factory=list)
    orders: list[tuple[str, OrderIn]] = field(default_factory=list)  # (label, record)
    disruptions: list[DisruptionIn] = field(default_factory=list)


def _validate_shapes(data: Any, numbers: OrderNumbers, errors: list[str]) -> ValidFile:
    valid = ValidFile()
    if not isinstance(data, Mapping):
        errors.append("the file must hold a JSON object with customers, orders and disruptions")
        return valid
    for key in data:
        if key not in (*SECTIONS, "format_version"):
            errors.append(f"{key}: is not a known section (expected {', '.join(SECTIONS)})")
    version = data.get("format_version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        errors.append(f"format_version: must be {FORMAT_VERSION}")
    models: dict[str, type[_Record]] = {
        "customers": CustomerIn,
        "orders": OrderIn,
        "disruptions": DisruptionIn,
    }
    for section, model in models.items():
        records = data.get(section, [])
        if not isinstance(records, list):
            errors.append(f"{section}: must be a list")
            continue
        for i, raw in enumerate(records):
            label = _label(section, i, raw)
            try:
                record = model.model_validate(raw, context={"order_numbers": numbers})
            except ValidationError as exc:
                errors.extend(f"{label}{_path(e['loc'])}: {_message(e)}" for e in exc.errors())
                continue
            if isinstance(record, CustomerIn):
                valid.customers.append(record)
            elif isinstance(record, OrderIn):
                valid.orders.append((label, record))
            elif isinstance(record, DisruptionIn):
                valid.disruptions.append(record)
    return valid


def _check_within_file(valid: ValidFile, errors: list[str]) -> None:
    seen_emails: set[str] = set()
    for i, customer in enumerate(valid.customers):
        if customer.email in seen_emails:
            errors.append(f"customers[{i}].email: appears twice in the file")
        seen_emails.add(customer.email)
    seen_numbers: set[str] = set()
    seen_tracking: set[str] = set()
    seen_rma: set[str] = set()
    for label, o in valid.orders:
        if o.number in seen_numbers:
            errors.append(f"{label}.number: appears twice in the file")
        seen_numbers.add(o.number)
        skus: dict[str, int] = {}
        for j, li in enumerate(o.lines):
            if li.sku in skus:
                errors.append(f"{label}.lines[{j}].sku: appears twice in this order")
            skus[li.sku] = li.quantity
        for j, sh in enumerate(o.shipments):
            if sh.tracking_number in seen_tracking:
                errors.append(f"{label}.shipments[{j}].tracking_number: appears twice in the file")
            seen_tracking.add(sh.tracking_number)
            for k, sku in enumerate(sh.line_skus):
                if sku not in skus:
                    errors.append(
                        f"{label}.shipments[{j}].line_skus[{k}]: no line of this order has SKU {sku}"
                    )
        for j, r in enumerate(o.returns):
            if r.rma_number in seen_rma:
                errors.append(f"{label}.returns[{j}].rma_number: appears twice in the file")
            seen_rma.add(r.rma_number)
            for k, rl in enumerate(r.lines):
                if rl.sku not in skus:
                    errors.append(
                        f"{label}.returns[{j}].lines[{k}].sku: no line of this order has SKU {rl.sku}"
                    )
                elif rl.quantity > skus[rl.sku]:
                    errors.append(
                        f"{label}.returns[{j}].lines[{k}].quantity: more than the {skus[rl.sku]} ordered"
                    )


def _check_against_database(session: Session, valid: ValidFile, errors: list[str]) -> None:
    file_emails = {c.email for c in valid.customers}
    wanted_emails = {o.customer_email for _, o in valid.orders} - file_emails
    known_emails = set(
        session.scalars(select(CustomerRow.email).where(CustomerRow.email.in_(wanted_emails))).all()
    )
    tracking = {sh.tracking_number for _, o in valid.orders for sh in o.shipments}
    shipment_owner = dict(
        session.execute(
            select(ShipmentRow.tracking_number, OrderRow.number)
            .join(ShipmentRow.order)
            .where(ShipmentRow.tracking_number.in_(tracking))
        ).all()
    )
    numbers = {o.number for _, o in valid.orders}
    rma_owner = dict(
        session.execute(
            select(ReturnRow.rma_number, OrderRow.number)
            .join(ReturnRow.order)
            .where(
                OrderRow.number.in_(numbers)
                | ReturnRow.rma_number.in_({r.rma_number for _, o in valid.orders for r in o.returns})
            )
        ).all()
    )
    keys = {r.idempotency_key for _, o in valid.orders for r in o.returns if r.idempotency_key}
    key_owner = dict(
        session.execute(
            select(ReturnRow.idempotency_key, ReturnRow.rma_number).where(ReturnRow.idempotency_key.in_(keys))
        ).all()
    )
    for label, o in valid.orders:
        if o.customer_email not in file_emails and o.customer_email not in known_emails:
            errors.append(f"{label}.customer_email: no customer with this email in the file or the database")
        for j, sh in enumerate(o.shipments):
            owner = shipment_owner.get(sh.tracking_number)
            if owner is not None and owner != o.number:
                errors.append(f"{label}.shipments[{j}].tracking_number: already belongs to order {owner}")
        for j, r in enumerate(o.returns):
            owner = rma_owner.get(r.rma_number)
            if owner is not None and owner != o.number:
                errors.append(f"{label}.returns[{j}].rma_number: already belongs to order {owner}")
            if r.idempotency_key and key_owner.get(r.idempotency_key, r.rma_number) != r.rma_number:
                errors.append(f"{label}.returns[{j}].idempotency_key: already used by another return")
        order_rmas = {r.rma_number for r in o.returns} | {
            rma for rma, number in rma_owner.items() if number == o.number
        }
        for j, refund in enumerate(o.refunds):
            if refund.rma_number is not None and refund.rma_number not in order_rmas:
                errors.append(f"{label}.refunds[{j}].rma_number: no return {refund.rma_number} on this order")


def validate(session: Session, data: Any, numbers: OrderNumbers) -> ValidFile:
    """Check the whole file; raises ``ImportValidationError`` listing every problem, writes nothing.

    Order numbers are read in the shop's shapes (``policy.order_numbers``) and stored canonical."""
    errors: list[str] = []
    valid = _validate_shapes(data, numbers, errors)
    _check_within_file(valid, errors)
    if not errors:
        _check_against_database(session, valid, errors)
    if errors:
        raise ImportValidationError(errors)
    return valid


# --- writing ---------------------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1

    def __str__(self) -> str:
        kinds = ("customers", "orders", "shipments", "returns", "refunds", "disruptions")
        return ", ".join(
            f"{kind}: {self.created.get(kind, 0)} new, {self.updated.get(kind, 0)} updated" for kind in kinds
        )


def _set(row: Any, **values: Any) -> None:
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _write_order(o: OrderIn, row: OrderRow, summary: ImportSummary) -> None:
    a = o.shipping_address
    _set(
        row,
        status=o.status.value,
        placed_at=o.placed_at,
        paid_at=o.paid_at,
        cancelled_at=o.cancelled_at,
        payment_method=o.payment_method,
        currency=o.currency,
        subtotal=o.subtotal,
        shipping_cost=o.shipping_cost,
        total=o.total,
        ship_name=a.name,
        ship_line1=a.line1,
        ship_city=a.city,
        ship_postcode=a.postcode,
        ship_country=a.country,
    )
    lines = {line.sku: line for line in row.lines}
    for li in o.lines:
        line_row = lines.get(li.sku)
        if line_row is None:
            line_row = lines[li.sku] = OrderLineRow(sku=li.sku)
            row.lines.append(line_row)
        _set(
            line_row,
            name=li.name,
            category=li.category,
            quantity=li.quantity,
            unit_price=li.unit_price,
            final_sale=li.final_sale,
        )

    shipments = {s.tracking_number: s for s in row.shipments}
    for sh in o.shipments:
        ship_row = shipments.get(sh.tracking_number)
        summary.count("shipments", ship_row is None)
        if ship_row is None:
            ship_row = ShipmentRow(tracking_number=sh.tracking_number, lines=[], events=[])
            row.shipments.append(ship_row)
        _set(
            ship_row,
            carrier=sh.carrier,
            service_level=sh.service_level,
            tracking_url=sh.tracking_url,
            shipped_at=sh.shipped_at,
            promised_date=sh.promised_date,
            estimated_date=sh.estimated_date,
            delivered_at=sh.delivered_at,
        )
        wanted = [lines[sku] for sku in dict.fromkeys(sh.line_skus)]
        if [id(x) for x in ship_row.lines] != [id(x) for x in wanted]:
            ship_row.lines = wanted
        events = {(e.occurred_at, e.code): e for e in ship_row.events}
        for ev in sh.events:
            ev_row = events.get((ev.occurred_at, ev.code.value))
            if ev_row is None:
                ev_row = TrackingEventRow(occurred_at=ev.occurred_at, code=ev.code.value)
                ship_row.events.append(ev_row)
            _set(ev_row, location=ev.location, description=ev.description)

    returns = {r.rma_number: r for r in row.returns}
    for r in o.returns:
        ret_row = returns.get(r.rma_number)
        summary.count("returns", ret_row is None)
        if ret_row is None:
            ret_row = returns[r.rma_number] = ReturnRow(rma_number=r.rma_number, lines=[])
            row.returns.append(ret_row)
        _set(
            ret_row,
            reason=r.reason.value,
            status=r.status.value,
            instructions=r.instructions,
            created_at=r.created_at,
            idempotency_key=r.idempotency_key,
        )
        by_line = {id(rl.order_line): rl for rl in ret_row.lines}
        keep = []
        for rl in r.lines:
            line_row = lines[rl.sku]
            rl_row = by_line.get(id(line_row))
            if rl_row is None:
                rl_row = ReturnLineRow(order_line=line_row)
            _set(rl_row, quantity=rl.quantity)
            keep.append(rl_row)
        if [id(x) for x in ret_row.lines] != [id(x) for x in keep]:
            ret_row.lines = keep

    refunds = {rf.created_at: rf for rf in row.refunds}
    for rf in o.refunds:
        refund_row = refunds.get(rf.created_at)
        summary.count("refunds", refund_row is None)
        if refund_row is None:
            refund_row = RefundRow(created_at=rf.created_at)
            row.refunds.append(refund_row)
        return_row = None if rf.rma_number is None else returns[rf.rma_number]
        _set(
            refund_row,
            amount=rf.amount,
            currency=rf.currency,
            method=rf.method,
            status=rf.status.value,
            completed_at=rf.completed_at,
        )
        if refund_row.return_ is not return_row:
            refund_row.return_ = return_row


def _orders_for_update(session: Session, numbers: set[str]) -> dict[str, OrderRow]:
    rows = session.scalars(
        select(OrderRow)
        .options(
            selectinload(OrderRow.customer),
            selectinload(OrderRow.lines),
            selectinload(OrderRow.shipments).selectinload(ShipmentRow.lines),
            selectinload(OrderRow.shipments).selectinload(ShipmentRow.events),
            selectinload(OrderRow.returns)
            .selectinload(ReturnRow.lines)
            .selectinload(ReturnLineRow.order_line),
            selectinload(OrderRow.refunds).selectinload(RefundRow.return_),
        )
        .where(OrderRow.number.in_(numbers))
    ).all()
    return {row.number: row for row in rows}


def _write(session: Session, valid: ValidFile) -> ImportSummary:
    summary = ImportSummary()
    emails = {c.email for c in valid.customers} | {o.customer_email for _, o in valid.orders}
    customers = {
        row.email: row for row in session.scalars(select(CustomerRow).where(CustomerRow.email.in_(emails)))
    }
    for c in valid.customers:
        row = customers.get(c.email)
        summary.count("customers", row is None)
        if row is None:
            row = customers[c.email] = CustomerRow(email=c.email)
            session.add(row)
        _set(row, name=c.name, phone=c.phone, postcode=c.postcode, country=c.country)

    orders = _orders_for_update(session, {o.number for _, o in valid.orders})
    for _, o in valid.orders:
        order_row = orders.get(o.number)
        summary.count("orders", order_row is None)
        if order_row is None:
            order_row = orders[o.number] = OrderRow(
                number=o.number, lines=[], shipments=[], returns=[], refunds=[]
            )
            session.add(order_row)
        if order_row.customer is not customers[o.customer_email]:
            order_row.customer = customers[o.customer_email]
        _write_order(o, order_row, summary)

    existing = {(d.title, d.starts_at): d for d in session.scalars(select(DisruptionRow))}
    for d in valid.disruptions:
        dis_row = existing.get((d.title, d.starts_at))
        summary.count("disruptions", dis_row is None)
        if dis_row is None:
            dis_row = DisruptionRow(title=d.title, starts_at=d.starts_at)
            session.add(dis_row)
        _set(
            dis_row,
            carrier=d.carrier,
            countries=join_codes(d.countries),
            postcode_prefixes=join_codes([p.upper() for p in d.postcode_prefixes]),
            ends_at=d.ends_at,
            extra_days=d.extra_days,
            explanation=d.explanation,
        )
    session.flush()
    return summary


def import_data(session: Session, data: Any, numbers: OrderNumbers) -> ImportSummary:
    """Validate ``data`` (the parsed JSON) completely, then write it in ``session``; the caller commits.

    Raises ``ImportValidationError`` before writing anything when any record is invalid.
    """
    valid = validate(session, data, numbers)
    summary = _write(session, valid)
    log.info("imported orders: %s", summary)
    return summary


def read_file(path: Path | str) -> Any:
    """Parse a JSON file, keeping every number exact (``Decimal``, never ``float``)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ImportValidationError([f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})"]) from exc
    except OSError as exc:
        raise ImportValidationError([f"{path}: cannot be read ({exc.strerror})"]) from exc


def import_file(session: Session, path: Path | str, numbers: OrderNumbers) -> ImportSummary:
    return import_data(session, read_file(path), numbers)


# --- export ----------------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def _export_order(row: OrderRow) -> dict[str, Any]:
    return {
        "number": row.number,
        "customer_email": row.customer.email,
        "status": row.status,
        "placed_at": _iso(row.placed_at),
        "paid_at": _iso(row.paid_at),
        "cancelled_at": _iso(row.cancelled_at),
        "payment_method": row.payment_method,
        "currency": row.currency,
        "subtotal": _money(row.subtotal),
        "shipping_cost": _money(row.shipping_cost),
        "total": _money(row.total),
        "shipping_address": {
            "name": row.ship_name,
            "line1": row.ship_line1,
            "city": row.ship_city,
            "postcode": row.ship_postcode,
            "country": row.ship_country,
        },
        "lines": [
            {
                "sku": li.sku,
                "name": li.name,
                "category": li.category,
                "quantity": li.quantity,
                "unit_price": _money(li.unit_price),
                "final_sale": li.final_sale,
            }
            for li in row.lines
        ],
        "shipments": [
            {
                "carrier": s.carrier,
                "service_level": s.service_level,
                "tracking_number": s.tracking_number,
                "tracking_url": s.tracking_url,
                "shipped_at": _iso(s.shipped_at),
                "promised_date": _day(s.promised_date),
                "estimated_date": _day(s.estimated_date),
                "delivered_at": _iso(s.delivered_at),
                "line_skus": [li.sku for li in s.lines],
                "events": [
                    {
                        "occurred_at": _iso(e.occurred_at),
                        "code": e.code,
                        "location": e.location,
                        "description": e.description,
                    }
                    for e in s.events
                ],
            }
            for s in row.shipments
        ],
        "returns": [
            {
                "rma_number": r.rma_number,
                "reason": r.reason,
                "status": r.status,
                "instructions": r.instructions,
                "created_at": _iso(r.created_at),
                "idempotency_key": r.idempotency_key,
                "lines": [{"sku": rl.order_line.sku, "quantity": rl.quantity} for rl in r.lines],
            }
            for r in row.returns
        ],
        "refunds": [
            {
                "amount": _money(rf.amount),
                "currency": rf.currency,
                "method": rf.method,
                "status": rf.status,
                "created_at": _iso(rf.created_at),
                "completed_at": _iso(rf.completed_at),
                "rma_number": None if rf.return_ is None else rf.return_.rma_number,
            }
            for rf in row.refunds
        ],
    }


def export_all(session: Session) -> dict[str, Any]:
    """Everything, in the import format (JSON-ready: money and instants as strings)."""
    customers = session.scalars(select(CustomerRow).order_by(CustomerRow.id)).all()
    numbers = set(session.scalars(select(OrderRow.number)).all())
    orders = sorted(_orders_for_update(session, numbers).values(), key=lambda r: r.id)
    disruptions = session.scalars(select(DisruptionRow).order_by(DisruptionRow.id)).all()
    return {
        "format_version": FORMAT_VERSION,
        "customers": [
            {"email": c.email, "name": c.name, "phone": c.phone, "postcode": c.postcode, "country": c.country}
            for c in customers
        ],
        "orders": [_export_order(o) for o in orders],
        "disruptions": [
            {
                "title": d.title,
                "carrier": d.carrier,
                "countries": list(split_codes(d.countries)),
                "postcode_prefixes": list(split_codes(d.postcode_prefixes)),
                "starts_at": _iso(d.starts_at),
                "ends_at": _iso(d.ends_at),
                "extra_days": d.extra_days,
                "explanation": d.explanation,
            }
            for d in disruptions
        ],
    }


def write_json(data: Mapping[str, Any], path: Path | str | None = None) -> str:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def delete_all(session: Session) -> None:
    """Remove every order-system row (``demo seed --reset``); the caller commits."""
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(delete(table))
