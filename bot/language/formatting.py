"""How dates and money are written for a shopper, in the shop's locale (``policy.yml`` ``shop.locale``).

Babel's CLDR data does the wording, never the server's locale: ``en_GB`` writes "14 June 2026" and
"£49.00", ``en_US`` "June 14, 2026" and "$59.00". An amount is written in its own currency (an order
paid in CAD reads "CA$12.00" in a British shop).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, get_currency_precision

DEFAULT_LOCALE = "en_GB"  # the demo shop is British


def format_day(d: date, locale: str = DEFAULT_LOCALE) -> str:
    """``14 June 2026`` (en_GB), ``June 14, 2026`` (en_US): the locale's long date."""
    return format_date(d, format="long", locale=locale)


def format_month_day(month: int, day: int, locale: str = DEFAULT_LOCALE) -> str:
    """``1 November`` (en_GB), ``November 1`` (en_US): a yearly date such as the holiday returns season."""
    return format_skeleton("MMMMd", date(2000, month, day), locale=locale)


def format_money(amount: Decimal, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """``£49.00``, ``-£3.95``, ``CA$12.00`` (en_GB); rounds half up to the currency's smallest unit."""
    code = currency.upper()
    step = Decimal(1).scaleb(-get_currency_precision(code))
    return format_currency(amount.quantize(step, rounding=ROUND_HALF_UP), code, locale=locale)
