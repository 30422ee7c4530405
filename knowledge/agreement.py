"""Check that the policy documents state the same numbers as ``knowledge/policy.yml``.

The documents write every policy number in a fixed phrase (``within 30 days of delivery``,
``| Electronics | 14 days |``, ``£3.95``). Each check below ties one policy key to the phrase that
carries it: the phrase must occur at least once, and every occurrence must hold the policy's value.
Two catch-all checks then make sure no other pound amount or day/month/hour count slipped in.

``check_documents`` returns a list of human-readable disagreements (empty when all agree), so a test
can run it on the real documents and on a deliberately broken copy. What the documents must carry besides
the numbers comes from the caller (``Expected``): the clause ids the application cites, each to be marked
exactly once, and how it writes a yearly date; ``knowledge`` knows neither.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from knowledge.chunking import CLAUSE_RE, without_asked

COUNTRY_NAMES = {
    "GB": "United Kingdom",
    "IE": "Ireland",
    "FR": "France",
    "DE": "Germany",
    "NL": "Netherlands",
    "BE": "Belgium",
    "ES": "Spain",
    "IT": "Italy",
    "SE": "Sweden",
    "DK": "Denmark",
    "US": "United States",
    "CA": "Canada",
    "AU": "Australia",
}
DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
# How each excluded category / cancellable status / refund method is named in the documents.
EXCLUDED_PHRASES = {
    "gift_card": "Gift cards cannot be returned",
    "hygiene": "opened beauty and underwear items cannot be returned",
    "personalised": "made for you and cannot be returned",
}
STATUS_PHRASES = {"pending": "awaiting payment", "paid": "paid", "processing": "being packed (processing)"}
REFUND_METHOD_PHRASES = {"card": "card", "paypal": "PayPal", "gift_card": "gift card"}
RETURN_FREE_PHRASES = {"damaged": "arrived damaged", "wrong_item": "we sent the wrong item"}

_MONEY = r"£(\d+\.\d\d)"


@dataclass(frozen=True)
class Documents:
    """The Markdown documents of a docs folder, by file name."""

    texts: dict[str, str]

    @classmethod
    def load(cls, docs_dir: Path) -> Documents:
        """The documents as shoppers read them: hidden ``asked`` lines are not policy text."""
        return cls(
            {p.name: without_asked(p.read_text(encoding="utf-8")) for p in sorted(docs_dir.glob("*.md"))}
        )

    def all_text(self) -> str:
        return "\n".join(self.texts.values())


@dataclass(frozen=True)
class Expected:
    """What the application expects of the documents beyond the numbers in the policy mapping."""

    clauses: Collection[str]  # every clause id it cites; each must be marked exactly once
    month_day: Callable[[int, int], str]  # (11, 1) -> "1 November", as it writes a yearly date


def _get(policy: dict[str, Any], dotted: str) -> Any:
    node: Any = policy
    for part in dotted.split("."):
        node = node[part]
    return node


@dataclass(frozen=True)
class Phrase:
    """``pattern`` (one or more groups) must appear in ``doc``; its groups must equal ``expected``."""

    key: str
    doc: str
    pattern: str
    expected: Callable[[dict[str, Any]], tuple[str, ...]]

    def check(self, docs: Documents, policy: dict[str, Any]) -> list[str]:
        text = docs.texts.get(self.doc)
        if text is None:
            return [f"{self.key}: document {self.doc} is missing"]
        want = self.expected(policy)
        found = [m.groups() for m in re.finditer(self.pattern, text)]
        if not found:
            return [f"{self.key}: {self.doc} no longer states it (pattern {self.pattern!r})"]
        return [
            f"{self.key}: {self.doc} says {', '.join(got)} but policy.yml says {', '.join(want)}"
            for got in found
            if tuple(got) != want
        ]


def _money(value: Any) -> str:
    return f"{Decimal(str(value)):.2f}"


def _method_row(key: str) -> Phrase:
    def expected(policy: dict[str, Any]) -> tuple[str, ...]:
        m = _get(policy, f"shipping.methods.{key}")
        free = f"Free on orders over £{_money(m['free_over'])}" if m["free_over"] else "Never free"
        return (m["label"], str(m["min_days"]), str(m["max_days"]), _money(m["cost"]), free)

    doc = "shipping.md" if key != "international" else "international-shipping.md"
    label = {"standard": "Standard delivery", "express": "Express delivery"}.get(
        key, "International tracked delivery"
    )
    pattern = rf"\| ({label}) \| (\d+)–(\d+) business days \| {_MONEY} \| ([^|]+?) \|"
    return Phrase(f"shipping.methods.{key}", doc, pattern, expected)


def _one(dotted: str, fmt: Callable[[Any], str] = str) -> Callable[[dict[str, Any]], tuple[str, ...]]:
    return lambda policy: (fmt(_get(policy, dotted)),)


PHRASES: tuple[Phrase, ...] = (
    _method_row("standard"),
    _method_row("express"),
    _method_row("international"),
    Phrase(
        "shipping.dispatch_days",
        "shipping.md",
        r"within (\d+) business days? of payment",
        _one("shipping.dispatch_days"),
    ),
    Phrase(
        "shipping.stalled_after_days",
        "delivery-problems.md",
        r"no tracking update for (\d+) days",
        _one("shipping.stalled_after_days"),
    ),
    Phrase(
        "shipping.lost_after_days_late",
        "delivery-problems.md",
        r"(\d+) days past the promised delivery date",
        _one("shipping.lost_after_days_late"),
    ),
    Phrase(
        "returns.default_window_days",
        "returns.md",
        r"return most items within (\d+) days of delivery",
        _one("returns.default_window_days"),
    ),
    Phrase(
        "returns.default_window_days",
        "returns.md",
        r"standard (\d+)-day return window",
        _one("returns.default_window_days"),
    ),
    Phrase(
        "returns.transit_days_when_no_delivery_scan",
        "returns.md",
        r"from (\d+) days after dispatch",
        _one("returns.transit_days_when_no_delivery_scan"),
    ),
    Phrase(
        "returns.damaged_or_wrong_report_days",
        "returns.md",
        r"tell us within (\d+) days of delivery",
        _one("returns.damaged_or_wrong_report_days"),
    ),
    Phrase(
        "returns.damaged_or_wrong_report_days",
        "delivery-problems.md",
        r"report it within (\d+) days of delivery",
        _one("returns.damaged_or_wrong_report_days"),
    ),
    Phrase(
        "returns.return_shipping_fee",
        "returns.md",
        r"The return label costs " + _MONEY,
        _one("returns.return_shipping_fee", _money),
    ),
    Phrase(
        "returns.return_shipping_fee",
        "refunds.md",
        r"returns the " + _MONEY + " return label is deducted",
        _one("returns.return_shipping_fee", _money),
    ),
    Phrase(
        "refunds.processing_business_days",
        "refunds.md",
        r"within (\d+) business days of your return arriving",
        _one("refunds.processing_business_days"),
    ),
    Phrase("refunds.bank_days", "refunds.md", r"up to (\d+) further days", _one("refunds.bank_days")),
    Phrase(
        "refunds.bank_days", "refunds.md", r"more than (\d+) days since that date", _one("refunds.bank_days")
    ),
    Phrase(
        "price_adjustment.within_days",
        "price-adjustments.md",
        r"within (\d+) days of placing your order",
        _one("price_adjustment.within_days"),
    ),
    Phrase(
        "warranty.electronics_months",
        "warranty.md",
        r"\| Electronics \| (\d+) months \|",
        _one("warranty.electronics_months"),
    ),
    Phrase(
        "warranty.footwear_months",
        "warranty.md",
        r"\| Footwear \| (\d+) months \|",
        _one("warranty.footwear_months"),
    ),
    Phrase(
        "gift_cards.valid_months",
        "gift-cards-and-promo-codes.md",
        r"valid for (\d+) months",
        _one("gift_cards.valid_months"),
    ),
    Phrase(
        "shop.support_hours",
        "contact.md",
        r"online (\w+) to (\w+), (\d\d:\d\d)–(\d\d:\d\d) UK time",
        lambda p: (
            DAY_NAMES[_get(p, "shop.support_hours.days")[0]],
            DAY_NAMES[_get(p, "shop.support_hours.days")[-1]],
            str(_get(p, "shop.support_hours.open")),
            str(_get(p, "shop.support_hours.close")),
        ),
    ),
    Phrase(
        "shop.email_reply_within_hours",
        "contact.md",
        r"reply to emails within (\d+) hours",
        _one("shop.email_reply_within_hours"),
    ),
    Phrase(
        "handoff.unclaimed_after_minutes",
        "contact.md",
        r"joined within (\d+) minutes",
        _one("handoff.unclaimed_after_minutes"),
    ),
    Phrase("shop.support_email", "contact.md", r"Email us at ([\w.@-]+\w)", _one("shop.support_email")),
    Phrase("shop.support_email", "privacy.md", r"Email ([\w.@-]+\w) with", _one("shop.support_email")),
    Phrase("shop.currency", "payments.md", r"pounds sterling \(([A-Z]{3})\)", _one("shop.currency")),
    Phrase(
        "shipping.methods.international.countries",
        "international-shipping.md",
        r"We ship internationally to: ([^.\n]+)\.",
        lambda p: (", ".join(COUNTRY_NAMES[c] for c in _get(p, "shipping.methods.international.countries")),),
    ),
    Phrase(
        "shipping.methods.international.countries",
        "international-shipping.md",
        r"That is (\d+) countries outside the UK",
        lambda p: (str(len(_get(p, "shipping.methods.international.countries"))),),
    ),
)


def _holiday_phrase(month_day: Callable[[int, int], str]) -> Phrase:
    """The holiday extension's three yearly dates ("11-01" in policy.yml), written as ``month_day`` does."""

    def written(value: Any) -> str:
        month, day = (int(p) for p in str(value).split("-"))
        return month_day(month, day)

    return Phrase(
        "returns.holiday_extension",
        "returns.md",
        r"orders placed between (\d+ \w+) and (\d+ \w+) can be returned until (\d+ \w+)",
        lambda p: tuple(
            written(_get(p, f"returns.holiday_extension.{k}"))
            for k in ("placed_from", "placed_to", "return_by")
        ),
    )


def _section(text: str, clause: str) -> str:
    """The body of the section that carries ``<!-- clause: ... -->``, or '' when none does."""
    sections = re.split(r"(?m)^## ", text)
    for body in sections:
        if clause in CLAUSE_RE.findall(body):
            return body
    return ""


def _phrases_in(docs: Documents, key: str, clause: str, phrases: Iterable[str]) -> list[str]:
    body = next((s for t in docs.texts.values() if (s := _section(t, clause))), "")
    return [f"{key}: section {clause} does not mention {p!r}" for p in phrases if p not in body]


def _check_lists(docs: Documents, policy: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    returns, refunds = policy["returns"], policy["refunds"]
    problems += _phrases_in(
        docs,
        "returns.excluded_categories",
        "returns.excluded",
        [EXCLUDED_PHRASES.get(c, c) for c in returns["excluded_categories"]],
    )
    if not returns["final_sale_returnable"]:
        problems += _phrases_in(
            docs, "returns.final_sale_returnable", "returns.final_sale", ["Final sale items"]
        )
    text = docs.texts.get("returns.md", "")
    for reason in returns["return_shipping_free_for"]:
        phrase = f"Returns are free if the item {RETURN_FREE_PHRASES.get(reason, reason)}"
        if RETURN_FREE_PHRASES.get(reason, reason) not in text or "Returns are free if" not in text:
            problems.append(f"returns.return_shipping_free_for: returns.md does not say {phrase!r}")
    refund_text = docs.texts.get("refunds.md", "")
    methods_line = re.search(r"We refund to the method you paid with: ([^.]+)\.", refund_text)
    if methods_line is None:
        problems.append("refunds.methods: refunds.md no longer lists the refund methods")
    else:
        for method in refunds["methods"]:
            if REFUND_METHOD_PHRASES.get(method, method) not in methods_line.group(1):
                problems.append(f"refunds.methods: refunds.md does not list {method!r}")
    problems += _phrases_in(
        docs,
        "cancellation.allowed_statuses",
        "cancellation.allowed",
        [STATUS_PHRASES.get(s, s) for s in policy["cancellation"]["allowed_statuses"]],
    )
    # Categories in the returns table must be exactly the policy's categories, with their windows.
    windows = returns["category_windows"]
    rows = dict(re.findall(r"(?m)^\| ([A-Z][\w ]+) \| (\d+) days \|$", text))
    named = {k.replace("_", " ").capitalize(): v for k, v in windows.items()}
    for name, days in named.items():
        if name not in rows:
            problems.append(f"returns.category_windows.{name.lower()}: returns.md table has no row")
        elif int(rows[name]) != int(days):
            problems.append(
                f"returns.category_windows.{name.lower()}: returns.md says {rows[name]} days "
                f"but policy.yml says {days}"
            )
    for extra in sorted(set(rows) - set(named)):
        problems.append(f"returns.category_windows: returns.md lists {extra!r}, which policy.yml does not")
    if policy["shipping"]["customs_duties_paid_by"] == "customer":
        if "Import duties and taxes are paid by the customer" not in docs.texts.get(
            "international-shipping.md", ""
        ):
            problems.append("shipping.customs_duties_paid_by: international-shipping.md does not say so")
    else:
        problems.append("shipping.customs_duties_paid_by: the documents only describe 'customer'")
    return problems


def _policy_amounts(policy: dict[str, Any]) -> set[str]:
    amounts = {_money(policy["returns"]["return_shipping_fee"])}
    for m in policy["shipping"]["methods"].values():
        amounts.add(_money(m["cost"]))
        if m["free_over"]:
            amounts.add(_money(m["free_over"]))
    return amounts


def _policy_counts(policy: dict[str, Any]) -> dict[str, set[int]]:
    """Every day, month, hour and minute count the policy holds, by unit."""
    s, r = policy["shipping"], policy["returns"]
    days = {s["dispatch_days"], s["stalled_after_days"], s["lost_after_days_late"]}
    for m in s["methods"].values():
        days |= {m["min_days"], m["max_days"]}
    days |= {r["default_window_days"], r["transit_days_when_no_delivery_scan"]}
    days |= {r["damaged_or_wrong_report_days"], *r["category_windows"].values()}
    days |= {policy["refunds"]["processing_business_days"], policy["refunds"]["bank_days"]}
    days.add(policy["price_adjustment"]["within_days"])
    return {
        "day": {int(d) for d in days},
        "month": {int(v) for v in (*policy["warranty"].values(), policy["gift_cards"]["valid_months"])},
        "hour": {int(policy["shop"]["email_reply_within_hours"])},
        "minute": {int(policy["handoff"]["unclaimed_after_minutes"])},
    }


def _check_catch_all(docs: Documents, policy: dict[str, Any]) -> list[str]:
    problems = []
    amounts = _policy_amounts(policy)
    counts = _policy_counts(policy)
    for name, text in docs.texts.items():
        for amount in re.findall(_MONEY, text):
            if amount not in amounts:
                problems.append(f"{name}: £{amount} is not an amount in policy.yml")
        for number, unit in re.findall(
            r"(?<![\d:.£])(\d+)(?:–\d+)?[ -](?:business |calendar |further )?(day|month|hour|minute)s?\b",
            text,
        ):
            if int(number) not in counts[unit]:
                problems.append(f"{name}: '{number} {unit}s' is not a {unit} count in policy.yml")
    return problems


def clause_counts(docs: Documents) -> dict[str, list[str]]:
    """Clause id -> the documents (one entry per marking) that carry it."""
    found: dict[str, list[str]] = {}
    for name, text in docs.texts.items():
        for clause in CLAUSE_RE.findall(text):
            found.setdefault(clause, []).append(name)
    return found


def check_clauses(docs: Documents, clauses: Collection[str]) -> list[str]:
    """Each of ``clauses`` marked exactly once, and no marker naming anything else."""
    found = clause_counts(docs)
    problems = [
        f"clause {c} is marked {len(found.get(c, []))} times (in {found.get(c, [])}), expected once"
        for c in clauses
        if len(found.get(c, [])) != 1
    ]
    problems += [f"clause {c} is not a known clause id" for c in found if c not in clauses]
    return problems


def check_documents(docs_dir: Path, policy: dict[str, Any], expected: Expected) -> list[str]:
    """Every disagreement between the documents in ``docs_dir``, the parsed policy mapping and
    ``expected``."""
    docs = Documents.load(docs_dir)
    problems: list[str] = []
    for phrase in (*PHRASES, _holiday_phrase(expected.month_day)):
        problems += phrase.check(docs, policy)
    problems += _check_lists(docs, policy)
    problems += _check_catch_all(docs, policy)
    problems += check_clauses(docs, expected.clauses)
    shop = str(policy["shop"]["name"])
    problems += [
        f"{name}: does not name the shop {shop!r}" for name, t in docs.texts.items() if shop not in t
    ]
    return problems
