"""Fitting the assistant's replies to Telegram: the 4096-character limit, counted as Telegram counts.

Telegram measures a message in UTF-16 code units, so an emoji counts twice. A reply that is too long is
cut at the last paragraph break that fits, else the last line break, else the last space; only a single
"word" longer than the limit (a URL, say) is cut mid-word.
"""

from __future__ import annotations

MAX_MESSAGE_LENGTH = 4096
SEPARATORS = ("\n\n", "\n", " ")


def telegram_length(text: str) -> int:
    """The length Telegram sees: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _longest_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 units (never splits a character)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """``text`` as messages of at most ``limit`` UTF-16 units each, cut on the cleanest boundary."""
    if limit < 1:
        raise ValueError("limit must be positive")
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        if telegram_length(rest) <= limit:
            chunks.append(rest)
            break
        fits = max(_longest_prefix(rest, limit), 1)  # a lone astral character with limit 1 still moves
        cut = -1
        for separator in SEPARATORS:
            # a separator just past the limit still counts: "three four| five" cuts after "four"
            cut = rest.rfind(separator, 0, fits + len(separator))
            if cut > 0:
                break
        if cut <= 0:
            cut = fits  # one unbroken run longer than a message
        chunk = rest[:cut].rstrip()
        chunks.append(chunk)
        rest = rest[cut:].lstrip()
    return chunks
