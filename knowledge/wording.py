"""Shoppers' words for what the documents call something else, swapped before anything is embedded.

``normalise_money`` writes amounts the way the documents do ("45 quid" -> "£45"); it is applied to
questions and to a section's ``asked`` lines (see ``knowledge.chunking``) alike. ``normalise_query``,
for questions only, also reads "postage" on its own as the delivery charge ("do i pay postage?"; the
documents keep "postage" for return postage, so "return postage" stays). Asked lines keep their
"postage": written under a section, they already mean what that section means ("do i pay postage to get
a replacement" is return postage). Both were found in the dev half's errors.
"""

from __future__ import annotations

import re

Rewrites = tuple[tuple[re.Pattern[str], str], ...]

_MONEY_REWRITES: Rewrites = (
    (re.compile(r"\b(\d+(?:\.\d\d)?) ?(?:quid|pounds?|gbp)\b", re.I), r"£\1"),
    (re.compile(r"\bquid\b", re.I), "pounds"),
)
_QUERY_REWRITES: Rewrites = (
    *_MONEY_REWRITES,
    (re.compile(r"\b(?<!return )(?:postage|p&p)(?!\w)", re.I), "delivery charge"),
)


def _rewrite(text: str, rewrites: Rewrites) -> str:
    for pattern, replacement in rewrites:
        text = pattern.sub(replacement, text)
    return text


def normalise_money(text: str) -> str:
    """Amounts written the documents' way (see ``_MONEY_REWRITES``)."""
    return _rewrite(text, _MONEY_REWRITES)


def normalise_query(question: str) -> str:
    """The question with shoppers' words swapped for the documents' (see ``_QUERY_REWRITES``)."""
    return _rewrite(question, _QUERY_REWRITES)
