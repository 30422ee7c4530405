"""What a person typed, made safe to store and to pass on, on every channel.

Control characters (NUL included: PostgreSQL refuses it in text) are removed, except tabs and line
breaks; lone surrogates (which no UTF-8 database or JSON encoder accepts) become U+FFFD, the replacement
character. A payment card number becomes ``[card]`` (``redaction.without_card_numbers``): the shop never
keeps one, so neither the transcript nor the assistant's conversation store may. Everything else is kept
as typed, right-to-left text and emoji included.

``for_understanding`` is the form the NLU reads: NFKC-normalised, so stylised letters ("𝓌𝒽𝑒𝓇𝑒 𝒾𝓈 𝓂𝓎
𝑜𝓇𝒹𝑒𝓇", full-width digits) read as the plain ones they stand for. The stored text stays as the shopper saw it.
"""

from __future__ import annotations

import re
import unicodedata

from bot.language.redaction import without_card_numbers

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def cleaned(text: str) -> str:
    """``text`` without control characters, lone surrogates or card numbers, and without surrounding
    whitespace."""
    return without_card_numbers(_CONTROL.sub("", _LONE_SURROGATE.sub("\ufffd", text)).strip())


def for_understanding(text: str) -> str:
    """The NFKC form of already ``cleaned`` text."""
    return unicodedata.normalize("NFKC", text)
