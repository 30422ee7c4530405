"""Personal data out of text that leaves the conversation: log lines, Rasa's warnings, old transcripts.

``redact`` replaces emails, phone numbers, payment card numbers, street addresses and UK postcodes with a
placeholder naming what was there (``[email]``, ``[phone]``, ...). It errs on the side of hiding: a long
run of digits in a log line is more likely a number somebody typed than something an operator needs.

Only the standard library is used, so the Rasa engine (its own environment) can import it for its logging
configuration (``rasa/logging.yml``).
"""

from __future__ import annotations

import re

from bot.language.contact_details import EMAIL_IN_TEXT

# 13 to 19 digits, optionally grouped by spaces or dashes: every card scheme's length.
_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
# An optional +country code, then digit groups separated by spaces, dots, dashes or brackets. The digit
# count (9 to 15, E.164's maximum) is checked in ``_phone`` so that dates and times are left alone.
_PHONE = re.compile(r"(?<![\w.:/-])\+?\(?\d[\d ().-]{6,20}\d(?![\w:/-])")
_STREET = re.compile(
    r"\b\d{1,5}[a-zA-Z]?,?\s+(?:[A-Z][\w'-]*\s+){1,3}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Way|Court|Ct|Place|Pl|Boulevard|Blvd|"
    r"Terrace|Gardens|Crescent|Square|Sq|Row|Hill|Mews|Walk|Parade|Grove|Strasse|Straße|Rue)\b\.?",
)
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)


def _phone(found: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in found.group())
    return "[phone]" if 9 <= digits <= 15 else found.group()


def _luhn_valid(digits: str) -> bool:
    """The check digit every payment card number carries (ISO/IEC 7812)."""
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card(found: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", found.group())
    return "[card]" if _luhn_valid(digits) else found.group()


def without_card_numbers(text: str) -> str:
    """``text`` with payment card numbers (13 to 19 digits that pass the card check digit) replaced by
    ``[card]``: what a shopper types is stored and passed on without them, since the shop never keeps
    one. Other long numbers (a parcel's tracking number, mostly) fail the check nine times in ten and
    stay."""
    return _CARD.sub(_card, text)


def redact(text: str) -> str:
    """``text`` with personal data replaced: "mail jo@example.com" -> "mail [email]"."""
    text = EMAIL_IN_TEXT.sub("[email]", text)
    text = _CARD.sub("[card]", text)
    text = _PHONE.sub(_phone, text)
    text = _STREET.sub("[address]", text)
    return _UK_POSTCODE.sub("[postcode]", text)
