"""Public order numbers in the shop's own shapes: what shoppers type -> the canonical number.

A shop numbers its orders one or more ways, each a ``prefix`` and a run of digits (``policy.yml``
``shop.order_numbers``): the demo's ``SD-10023``, Shopify's ``#1001``, WooCommerce's bare ``4821``,
Magento's ``000000123``, a prefixed ``HX-5501``. Shoppers drop the prefix, change its case or its dash
("sd10023", "sd 10023", "#10023", "10023"); ``OrderNumbers.normalise`` gives the canonical number back.

A bare run of digits is ambiguous in a sentence (a US ZIP code, a quantity, a year), so ``find`` reads
one only after words that say it is an order number ("order 4821", "order no. #4821"); a number with its
letter prefix ("HX-5501") is recognised anywhere. The same shapes give the spaCy rules
(``bot.language.extraction``) and the Rasa regexes (``bot.language.nlu_data``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

# Words a shopper writes between "order" and its number: "order no. 10023", "order number: #10023".
ORDER_WORDS = ("order", "orders", "ordr", "oder")
NUMBER_WORDS = ("number", "no", "nr", "num", "#", ".", ":", "-", "is", "was", "id")
_SEPARATORS = r"[-_#.:\s]"


@dataclass(frozen=True)
class OrderNumberShape:
    """``prefix`` + ``min_digits``..``max_digits`` digits; ``example`` is a real-looking one for messages."""

    prefix: str  # "SD-", "#", "HX-" or "" (letters, then at most one of - _ #)
    min_digits: int
    max_digits: int
    example: str

    @property
    def letters(self) -> str:
        """The prefix's letters ("SD" for "SD-"); empty for "#" and bare numbers."""
        return re.sub(r"[^A-Za-z]", "", self.prefix)

    @property
    def digits(self) -> str:
        """A regular expression for the digits alone."""
        return rf"\d{{{self.min_digits},{self.max_digits}}}"

    @cached_property
    def _typed(self) -> re.Pattern[str]:
        letters = rf"(?:{re.escape(self.letters)})?" if self.letters else ""
        return re.compile(rf"^#?\s*{letters}\s*{_SEPARATORS}?\s*({self.digits})$", re.IGNORECASE)

    def canonical(self, digits: str) -> str:
        return f"{self.prefix}{digits}"

    def normalise(self, text: str) -> str | None:
        match = self._typed.match(text.strip())
        return None if match is None else self.canonical(match.group(1))

    def matches_exactly(self, text: str) -> bool:
        return re.fullmatch(re.escape(self.prefix) + self.digits, text) is not None

    def prefixed(self) -> str | None:
        """A regular expression for the number written with its letters ("SD-10023", "sd10023"), found
        anywhere in a sentence; ``None`` for a shape without letters."""
        if not self.letters:
            return None
        return rf"\b{re.escape(self.letters)}[-_ ]?{self.digits}\b"


@dataclass(frozen=True)
class OrderNumbers:
    """The shop's shapes, tried in order; the first that reads the text gives the canonical number."""

    shapes: tuple[OrderNumberShape, ...]

    @classmethod
    def demo(cls) -> OrderNumbers:
        return cls((OrderNumberShape("SD-", 5, 6, "SD-10023"),))

    @property
    def example(self) -> str:
        return self.shapes[0].example

    def normalise(self, text: str) -> str | None:
        """The canonical order number, or ``None`` when ``text`` is not shaped like one of the shop's.

        For the demo, ``"SD-10023"``, ``"sd10023"``, ``"sd 10023"``, ``"#10023"`` and ``"10023"`` all give
        ``"SD-10023"``.
        """
        for shape in self.shapes:
            if (number := shape.normalise(text)) is not None:
                return number
        return None

    def find(self, text: str) -> str | None:
        """The order number inside a phrase ("order no. 10023", "#sd-10023 please"), canonical; else ``None``.

        A number with its letters counts anywhere; bare digits only after "#" or "order (number|no|...)".
        """
        for shape in self.shapes:
            if (pattern := shape.prefixed()) and (match := re.search(pattern, text, re.IGNORECASE)):
                return shape.normalise(match.group(0))
        words = "|".join(re.escape(w) for w in ORDER_WORDS)
        between = "|".join(re.escape(w) for w in NUMBER_WORDS)
        for shape in self.shapes:
            letters = rf"(?:{re.escape(shape.letters)}[-_]?)?" if shape.letters else ""
            context = rf"(?:\b(?:{words})\b(?:\s*(?:{between}))*\s*#?\s*|#\s*){letters}({shape.digits})(?!\d)"
            if match := re.search(context, text, re.IGNORECASE):
                return shape.canonical(match.group(1))
        return None


DEMO = OrderNumbers.demo()


def normalise_order_number(text: str, numbers: OrderNumbers = DEMO) -> str | None:
    return numbers.normalise(text)


def find_order_number(text: str, numbers: OrderNumbers = DEMO) -> str | None:
    return numbers.find(text)
