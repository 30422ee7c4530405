"""Public order numbers: what shoppers type ("sd10023", "#10023") -> the canonical "SD-10023"."""

from __future__ import annotations

import re

PREFIX = "SD"
_PATTERN = re.compile(r"^#?\s*(?:SD)?\s*[-_#.:\s]?\s*(\d{4,9})$", re.IGNORECASE)


_DIGITS_IN_TEXT = re.compile(r"(?<!\d)(\d{5,6})(?!\d)")


def find_order_number(text: str) -> str | None:
    """The order number inside a phrase ("order no. 10023", "#sd-10023 please"), canonical; else ``None``."""
    match = _DIGITS_IN_TEXT.search(text)
    return f"{PREFIX}-{match.group(1)}" if match else None


def normalise_order_number(text: str) -> str | None:
    """The canonical order number, or ``None`` when ``text`` is not shaped like one.

    Accepts the prefix in any case, with or without a dash or space, or no prefix at all:
    ``"SD-10023"``, ``"sd10023"``, ``"sd 10023"``, ``"#10023"`` and ``"10023"`` all give ``"SD-10023"``.
    """
    match = _PATTERN.match(text.strip())
    if match is None:
        return None
    return f"{PREFIX}-{match.group(1)}"
