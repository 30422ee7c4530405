"""Emails and postcodes in the one form they are stored and compared in."""

from __future__ import annotations

import re

_SURROUNDING_PUNCTUATION = ".,;:<>()[]"


def normalise_email(email: str) -> str:
    """The stored form: trimmed, lower case."""
    return email.strip().lower()


def email_from_text(text: str) -> str:
    """An email as a shopper typed it, e.g. "<Jo@Example.com>." -> "jo@example.com"."""
    return normalise_email(text.strip().strip(_SURROUNDING_PUNCTUATION))


# The shape spaCy's ``like_email`` accepts (``bot.language.extraction`` tags emails with it), for callers that
# only need an email and should not load a spaCy pipeline for it (the gateway).
EMAIL_IN_TEXT = re.compile(r"[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+")


# The longest address SMTP can deliver to (RFC 5321's 256-octet path less its angle brackets); a longer
# match is not an email, and would not fit the columns that keep one.
MAX_EMAIL_LENGTH = 254


def first_email(text: str) -> str | None:
    """The first email in a message, in its stored form: "it's Jo@Example.com." -> "jo@example.com"."""
    found = EMAIL_IN_TEXT.search(text)
    email = email_from_text(found.group()) if found else None
    return email if email and len(email) <= MAX_EMAIL_LENGTH else None


def normalise_postcode(text: str) -> str:
    """Upper case with spaces removed, the form postcodes are compared in: "sw1a 1aa" -> "SW1A1AA"."""
    return re.sub(r"\s+", "", text).upper()
