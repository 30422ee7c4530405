"""Which order lines a shopper means by "the shoes", "blue shirt" or "all of them".

``match_lines`` reads a product the NLU picked out of a message; ``lines_named_in`` reads the whole message
for a line's name, for when the NLU picked out nothing ("can I return the belt?" on an order with a
Leather Belt).
"""

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


def means_every_item(product: str | None) -> bool:
    """ "all", "everything", "both"...: the shopper means every item."""
    return product is not None and product.strip().lower() in _ALL_WORDS


def match_lines(lines: Sequence[OrderLine], product: str | None) -> list[OrderLine]:
    """The lines ``product`` names, best matches only; every line when ``product`` is empty or "all"."""
    if not product or means_every_item(product):
        return list(lines)
    wanted = _words(product)
    scored = [(len(wanted & (_words(line.name) | _words(line.category))), line) for line in lines]
    best = max((score for score, _ in scored), default=0)
    return [line for score, line in scored if score == best and best > 0]


def _name_words(line: OrderLine) -> set[str]:
    """The words of a line's name a message can name it by: not its digits ("Gift Card £25") nor one- or
    two-letter pieces ("T-shirt" gives "shirt", not "t", which "can't" also gives)."""
    return {w for w in _words(line.name) if len(w) > 2 and not w.isdigit()}


def lines_named_in(text: str, lines: Sequence[OrderLine]) -> list[OrderLine]:
    """The lines whose name a whole message mentions, best matches only; none when it names none.

    "can I return the belt?" names the Leather Belt; "what about order SD-10002?" names nothing. A
    button's payload ("/start_return{...}") is not the shopper's words and names nothing.
    """
    if text.lstrip().startswith("/"):
        return []
    said = _words(text)
    scored = [(len(said & _name_words(line)), line) for line in lines]
    best = max((score for score, _ in scored), default=0)
    return [line for score, line in scored if score == best and best > 0]
