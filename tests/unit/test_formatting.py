from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.language.formatting import format_day, format_money, format_month_day


def test_day_is_written_with_the_month_in_words_and_no_leading_zero() -> None:
    assert format_day(date(2026, 6, 14)) == "14 June 2026"
    assert format_day(date(2026, 3, 3)) == "3 March 2026"


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("49", "GBP", "£49.00"),
        ("12.5", "EUR", "€12.50"),
        ("5", "usd", "US$5.00"),
        ("12", "CAD", "CA$12.00"),
        ("1234.5", "GBP", "£1,234.50"),
        ("-3.95", "GBP", "-£3.95"),
        ("0.005", "GBP", "£0.01"),
    ],
)
def test_money_is_written_the_way_shoppers_read_it(amount: str, currency: str, text: str) -> None:
    assert format_money(Decimal(amount), currency) == text


def test_a_us_shop_writes_the_month_first_and_dollars_plainly() -> None:
    assert format_day(date(2026, 12, 27), "en_US") == "December 27, 2026"
    assert format_month_day(12, 27, "en_US") == "December 27"
    assert format_money(Decimal("59"), "USD", "en_US") == "$59.00"


def test_a_german_shop_writes_euros_the_german_way() -> None:
    assert format_day(date(2026, 12, 27), "de_DE") == "27. Dezember 2026"
    assert format_money(Decimal("1234.5"), "EUR", "de_DE") == "1.234,50\xa0€"


def test_an_amount_is_written_in_its_own_currency() -> None:
    assert format_money(Decimal("12"), "CAD", "en_US") == "CA$12.00"
    assert format_money(Decimal("12"), "JPY", "en_GB") == "JP¥12"
