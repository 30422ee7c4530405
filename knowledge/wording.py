"""Shoppers' words for what the documents call something else, swapped before anything is embedded.

Questions are rewritten before they are ranked, and a section's ``asked`` lines (see
``knowledge.chunking``) before they are embedded, so both sides use the documents' words: "45 quid" is
"£45", and "postage" on its own means the delivery charge ("do i pay postage?"; the documents keep
"postage" for return postage, so "return postage" stays). Found in the dev half's errors.
"""

from __future__ import annotations

import re

_QUERY_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(\d+(?:\.\d\d)?) ?(?:quid|pounds?|gbp)\b", re.I), r"£\1"),
    (re.compile(r"\bquid\b", re.I), "pounds"),
    (re.compile(r"\b(?<!return )(?:postage|p&p)(?!\w)", re.I), "delivery charge"),
)


def normalise_query(question: str) -> str:
    """The question with shoppers' words swapped for the documents' (see ``_QUERY_REWRITES``)."""
    for pattern, replacement in _QUERY_REWRITES:
        question = pattern.sub(replacement, question)
    return question
