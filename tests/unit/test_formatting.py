from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.language.formatting import format_day, format_money


def test_day_is_written_with_the_month_in_words_and_no_leading_zero() -> None:
    assert format_day(date(2026, 6, 14)) == "14 June 2026"
    assert format_day(date(2026, 3, 3)) == "3 March 2026"


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("49", "GBP", "£49.00"),
        ("12.5", "EUR", "€12.50"),
        ("5", "usd", "$5.00"),
        ("12", "CAD", "12.00 CAD"),
        ("1234.5", "GBP", "£1,234.50"),
        ("-3.95", "GBP", "-£3.95"),
        ("0.005", "GBP", "£0.01"),
    ],
)
def test_money_is_written_the_way_shoppers_read_it(amount: str, currency: str, text: str) -> None:
    assert format_money(Decimal(amount), currency) == text
