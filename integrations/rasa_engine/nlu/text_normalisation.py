"""Shoppers' text made plain before the NLU reads it: one pure function, no Rasa import.

Shoppers paste text styled by their phone or a "fancy font" site: mathematical bold or script letters
(𝐰𝐡𝐞𝐫𝐞 𝐢𝐬 𝐦𝐲 𝐨𝐫𝐝𝐞𝐫), full-width forms (ｃａｎｃｅｌ　ｍｙ　ｏｒｄｅｒ, ＳＤ－１００２３), ligatures, curly
quotes, invisible zero-width characters, and Latin words with a Cyrillic or Greek look-alike letter in them.
To the NLU's character n-grams these are unknown symbols, so such messages were read as whatever the
model guesses for unknown text (often "affirm"). ``normalise`` maps them back:

1. Unicode NFKC, which folds the styled letters, full-width forms and ligatures into plain letters.
2. Zero-width and other format characters (category Cf: ZWSP, ZWJ, soft hyphen, BOM) are removed.
3. In a word that mixes Latin letters with Cyrillic or Greek ones, those that look like a Latin letter
   are replaced by it (``оrder`` with a Cyrillic о becomes ``order``); a word wholly in another script is
   left alone.
4. Curly quotes and apostrophes become straight ones ("don’t" tokenises like "don't").

Case is kept: the NLU's features are case-insensitive already, and entity values (postcodes, order numbers)
are shown back to the shopper as written.
"""

from __future__ import annotations

import re
import unicodedata

# Cyrillic and Greek letters drawn like a Latin letter (Unicode's confusables list, the common ones).
_LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
        "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
        # Greek
        "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u", "χ": "x",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
        "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'", "“": '"', "”": '"', "„": '"'})
_WORD = re.compile(r"\w+")
_LATIN = re.compile(r"[A-Za-z]")
_FOREIGN = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f]")


def _unmix(match: re.Match[str]) -> str:
    word = match.group(0)
    if _LATIN.search(word) and _FOREIGN.search(word):
        return word.translate(_LOOK_ALIKES)
    return word


def normalise(text: str) -> str:
    """``text`` with styled letters, invisible characters, look-alike letters and curly quotes made plain."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _WORD.sub(_unmix, text)
    return text.translate(_QUOTES)
