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


def normalise_postcode(text: str) -> str:
    """Upper case with spaces removed, the form postcodes are compared in: "sw1a 1aa" -> "SW1A1AA"."""
    return re.sub(r"\s+", "", text).upper()
