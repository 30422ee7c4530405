"""How dates and money are written for a shopper.

Month names are spelt out here rather than taken from ``strftime("%B")`` so the text does not change with
the server's locale.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}

_CENT = Decimal("0.01")


def format_day(d: date) -> str:
    """``14 June 2026``: day without a leading zero, month in words, full year."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def format_month_day(month: int, day: int) -> str:
    """``1 November``: a yearly date such as the start of the holiday returns season."""
    return f"{day} {MONTHS[month - 1]}"


def format_money(amount: Decimal, currency: str) -> str:
    """``£49.00`` for GBP, EUR and USD; ``12.00 CAD`` for currencies without a symbol here.

    Rounds half up to the penny; a negative amount gets its minus sign before the symbol (``-£3.95``).
    """
    code = currency.upper()
    rounded = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    digits = f"{abs(rounded):,.2f}"
    symbol = _SYMBOLS.get(code)
    if symbol is None:
        return f"{sign}{digits} {code}"
    return f"{sign}{symbol}{digits}"
