"""Which order lines a shopper means by "the shoes", "blue shirt" or "all of them"."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.orders.model import OrderLine

ALL_ITEMS = "all"
_ALL_WORDS = frozenset({"all", "everything", "both", "all of them", "the lot", "whole order", "all items"})
_STOP = frozenset(
    {"the", "a", "an", "my", "this", "that", "these", "those", "of", "and", "item", "items", "one"}
)


def _words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z0-9]+", text.lower())) - _STOP
    # crude plural folding so "shoes"/"shoe" and "mugs"/"mug" meet
    return words | {w[:-1] for w in words if len(w) > 3 and w.endswith("s")}


def match_lines(lines: Sequence[OrderLine], product: str | None) -> list[OrderLine]:
    """The lines ``product`` names, best matches only; every line when ``product`` is empty or "all"."""
    if not product or product.strip().lower() in _ALL_WORDS:
        return list(lines)
    wanted = _words(product)
    scored = [(len(wanted & (_words(line.name) | _words(line.category))), line) for line in lines]
    best = max((score for score, _ in scored), default=0)
    return [line for score, line in scored if score == best and best > 0]
