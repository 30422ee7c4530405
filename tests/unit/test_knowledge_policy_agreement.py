"""The policy documents must state exactly the numbers in knowledge/policy.yml."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.language.formatting import format_month_day
from bot.orders.rules.clauses import Clause
from knowledge.agreement import Documents, Expected, check_documents, clause_counts

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "knowledge" / "docs"
POLICY = ROOT / "knowledge" / "policy.yml"
# The application's side: the clauses it cites and how it writes a yearly date.
EXPECTED = Expected(clauses=frozenset(Clause), month_day=format_month_day)


def check(docs_dir: Path, policy: dict[str, Any]) -> list[str]:
    return check_documents(docs_dir, policy, EXPECTED)


@pytest.fixture
def policy() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    target = tmp_path / "docs"
    shutil.copytree(DOCS, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_documents_agree_with_the_policy_file(policy: dict[str, Any]) -> None:
    assert check(DOCS, policy) == []


def test_every_clause_the_assistant_cites_is_marked_exactly_once_in_the_documents() -> None:
    counts = clause_counts(Documents.load(DOCS))
    assert {c.value: len(counts.get(c, [])) for c in Clause} == dict.fromkeys(map(str, Clause), 1)


def test_the_documents_mark_no_clause_the_assistant_does_not_know() -> None:
    assert set(clause_counts(Documents.load(DOCS))) <= set(Clause)


def test_a_marker_for_an_unknown_clause_is_reported(docs_copy: Path, policy: dict[str, Any]) -> None:
    _edit(
        docs_copy / "order-changes.md",
        "## 4. Changing an order\n",
        "## 4. Changing an order\n<!-- clause: cancellation.in_progress -->\n",
    )
    assert "clause cancellation.in_progress is not a known clause id" in check(docs_copy, policy)


@pytest.mark.parametrize(
    ("doc", "old", "new", "key"),
    [
        ("returns.md", "| Electronics | 14 days |", "| Electronics | 21 days |", "category_windows"),
        (
            "returns.md",
            "return most items within 30 days",
            "return most items within 28 days",
            "default_window",
        ),
        (
            "shipping.md",
            "| £3.95 | Free on orders over £50.00 |",
            "| £3.95 | Free on orders over £40.00 |",
            "standard",
        ),
        (
            "shipping.md",
            "| Express delivery | 1–2 business days",
            "| Express delivery | 1–3 business days",
            "express",
        ),
        ("international-shipping.md", "7–14 business days", "5–10 business days", "international"),
        ("international-shipping.md", "Canada, Australia", "Canada, Japan, Australia", "countries"),
        (
            "refunds.md",
            "within 5 business days of your return",
            "within 3 business days of your return",
            "processing",
        ),
        ("refunds.md", "up to 10 further days", "up to 14 further days", "bank_days"),
        ("contact.md", "Monday to Saturday, 09:00–18:00", "Monday to Friday, 09:00–17:30", "support_hours"),
        (
            "returns.md",
            "between 1 November and 24 December",
            "between 15 November and 24 December",
            "holiday",
        ),
        ("delivery-problems.md", "no tracking update for 4 days", "no tracking update for 5 days", "stalled"),
        ("delivery-problems.md", "when it is 10 days past", "when it is 7 days past", "lost"),
        ("warranty.md", "| Footwear | 6 months |", "| Footwear | 12 months |", "footwear"),
        ("gift-cards-and-promo-codes.md", "valid for 24 months", "valid for 12 months", "valid_months"),
        ("price-adjustments.md", "within 14 days of placing", "within 7 days of placing", "price_adjustment"),
        ("returns.md", "tell us within 90 days", "tell us within 60 days", "damaged_or_wrong"),
        ("payments.md", "We accept Visa", "We accept £5.00 minimum orders by Visa", "amount"),
        ("returns.md", "<!-- clause: returns.window -->\n", "", "returns.window"),
    ],
)
def test_a_number_changed_in_one_document_only_is_reported(
    docs_copy: Path, policy: dict[str, Any], doc: str, old: str, new: str, key: str
) -> None:
    _edit(docs_copy / doc, old, new)
    problems = check(docs_copy, policy)
    assert problems, f"changing {old!r} in {doc} went unnoticed"
    assert any(key.split("_")[0] in p or doc in p for p in problems), problems


def test_a_number_changed_in_the_policy_file_only_is_reported(policy: dict[str, Any]) -> None:
    policy["returns"]["category_windows"]["electronics"] = 30
    policy["shipping"]["stalled_after_days"] = 3
    problems = check(DOCS, policy)
    assert any("category_windows.electronics" in p for p in problems)
    assert any("stalled_after_days" in p for p in problems)


def test_a_clause_marked_twice_is_reported(docs_copy: Path, policy: dict[str, Any]) -> None:
    _edit(
        docs_copy / "refunds.md",
        "## 3. How much is refunded\n",
        "## 3. How much is refunded\n<!-- clause: refunds.timing -->\n",
    )
    assert any("refunds.timing is marked 2 times" in p for p in check(docs_copy, policy))


def test_shoppers_asked_lines_are_not_policy_text(docs_copy: Path, policy: dict[str, Any]) -> None:
    """A shopper's "got it 45 days ago, too late?" in a hidden asked block states no policy."""
    _edit(
        docs_copy / "returns.md",
        "## 4. Condition of returned items\n",
        "## 4. Condition of returned items\n"
        "<!-- asked:\ngot it 45 days ago, too late?\nis £7.50 the fee\n-->\n",
    )
    assert check(docs_copy, policy) == []
