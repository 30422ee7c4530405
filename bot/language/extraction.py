"""Rule-based extraction of order numbers, emails, postcodes and dates from a shopper's message.

A blank spaCy English pipeline (tokenizer only, no model download) with an ``entity_ruler``. The action
server uses it to read what Rasa's NLU did not tag, and to normalise what it did: shoppers write order
numbers as "#SD-10023", "SD10023", "sd 10023" or "order 10023", and postcodes in either case with or
without the space.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import spacy
from spacy.language import Language

from bot.language.contact_details import email_from_text, normalise_postcode
from bot.language.order_numbers import NUMBER_WORDS, ORDER_WORDS, OrderNumbers

_MONTHS = (
    "jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|"
    "sep|sept|september|oct|october|nov|november|dec|december"
)


def order_number_patterns(numbers: OrderNumbers) -> list[dict[str, Any]]:
    """The entity_ruler's order-number rules for the shop's shapes.

    With its letters ("SD-10023", "sd10023", "SD 10023", "#SD-10023": the tokenizer splits "#" off) a
    number is one anywhere; bare digits only after "#" or "order (number|no|...)", so a ZIP code, a
    quantity or a year in a sentence is not taken for one.
    """
    patterns: list[dict[str, Any]] = []
    for shape in numbers.shapes:
        digits = shape.digits
        letters = shape.letters.lower()
        if letters:
            patterns.append(
                {"label": "ORDER_NUMBER", "pattern": [{"LOWER": {"REGEX": rf"^{letters}[-_]?{digits}$"}}]}
            )
            patterns.append(
                {
                    "label": "ORDER_NUMBER",
                    "pattern": [{"LOWER": letters}, {"TEXT": {"REGEX": rf"^{digits}$"}}],
                }
            )
        prefixed = rf"^#?({letters}[-_]?)?{digits}$" if letters else rf"^#?{digits}$"
        patterns.append(
            {
                "label": "ORDER_NUMBER",
                "pattern": [
                    {"LOWER": {"IN": list(ORDER_WORDS)}},
                    {"LOWER": {"IN": list(NUMBER_WORDS)}, "OP": "*"},
                    {"LOWER": {"REGEX": prefixed}},
                ],
            }
        )
        patterns.append(
            {"label": "ORDER_NUMBER", "pattern": [{"ORTH": "#"}, {"TEXT": {"REGEX": rf"^{digits}$"}}]}
        )
    return patterns


_OTHER_PATTERNS: list[dict[str, Any]] = [
    {"label": "EMAIL", "pattern": [{"LIKE_EMAIL": True}]},
    # UK postcodes: outward + inward code, with or without the space ("SW1A 1AA", "m11ae")
    {
        "label": "POSTCODE",
        "pattern": [
            {"LOWER": {"REGEX": r"^[a-z]{1,2}\d[a-z\d]?$"}},
            {"LOWER": {"REGEX": r"^\d[a-z]{2}$"}},
        ],
    },
    {"label": "POSTCODE", "pattern": [{"LOWER": {"REGEX": r"^[a-z]{1,2}\d[a-z\d]?\d[a-z]{2}$"}}]},
    # Canadian postcodes "K1A 0B1"
    {
        "label": "POSTCODE",
        "pattern": [{"LOWER": {"REGEX": r"^[a-z]\d[a-z]$"}}, {"LOWER": {"REGEX": r"^\d[a-z]\d$"}}],
    },
    # Dates: "12 March", "March 12", "12/03/2026", "2026-03-12"
    {
        "label": "DATE",
        "pattern": [
            {"TEXT": {"REGEX": r"^\d{1,2}(st|nd|rd|th)?$"}},
            {"LOWER": {"REGEX": rf"^({_MONTHS})$"}},
            {"TEXT": {"REGEX": r"^\d{4}$"}, "OP": "?"},
        ],
    },
    {
        "label": "DATE",
        "pattern": [
            {"LOWER": {"REGEX": rf"^({_MONTHS})$"}},
            {"TEXT": {"REGEX": r"^\d{1,2}(st|nd|rd|th)?$"}},
        ],
    },
    {"label": "DATE", "pattern": [{"TEXT": {"REGEX": r"^\d{1,2}/\d{1,2}(/\d{2,4})?$"}}]},
    {"label": "DATE", "pattern": [{"TEXT": {"REGEX": r"^\d{4}-\d{2}-\d{2}$"}}]},
]


@dataclass(frozen=True)
class Extracted:
    order_numbers: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()
    dates: tuple[str, ...] = field(default=())


@lru_cache(maxsize=4)
def _pipeline(numbers: OrderNumbers) -> Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(order_number_patterns(numbers) + _OTHER_PATTERNS)  # type: ignore[attr-defined]
    return nlp


def extract(text: str, numbers: OrderNumbers) -> Extracted:
    """Every order number (in the shop's shapes), email, postcode and date in ``text``, normalised, in order
    of appearance."""
    doc = _pipeline(numbers)(text)
    found: dict[str, list[str]] = {"ORDER_NUMBER": [], "EMAIL": [], "POSTCODE": [], "DATE": []}
    for ent in doc.ents:
        if ent.label_ == "ORDER_NUMBER":
            value = numbers.find(ent.text)
        elif ent.label_ == "EMAIL":
            value = email_from_text(ent.text)
        elif ent.label_ == "POSTCODE":
            value = normalise_postcode(ent.text)
        else:
            value = ent.text
        if value and value not in found[ent.label_]:
            found[ent.label_].append(value)
    return Extracted(
        order_numbers=tuple(found["ORDER_NUMBER"]),
        emails=tuple(found["EMAIL"]),
        postcodes=tuple(found["POSTCODE"]),
        dates=tuple(found["DATE"]),
    )
