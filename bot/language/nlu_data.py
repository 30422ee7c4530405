"""Rasa training data made from the shop's order-number shapes, written before ``rasa train``.

``scripts/lib.sh`` runs ``python -m bot.language.nlu_data POLICY OUT`` before fingerprinting and training,
so the ``order_number`` regex (used by the RegexFeaturizer and the RegexEntityExtractor) follows
``policy.yml`` ``shop.order_numbers``: a number with its letters anywhere, bare digits only after "#" or
"order (no|number|#)", so a ZIP code alone is left alone.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bot.language.order_numbers import OrderNumbers
from bot.policy import load_policy

# Rasa's regexes need fixed-width lookbehinds: one per phrase a bare number follows.
_BARE_AFTER = ("#", "order ", "order no ", "order no\\. ", "order nr ", "order number ", "order # ")


def order_number_regexes(numbers: OrderNumbers) -> list[str]:
    regexes: list[str] = []
    for shape in numbers.shapes:
        if shape.letters:
            regexes.append(rf"\b{re.escape(shape.letters)}-?{shape.digits}\b")
        regexes.extend(rf"(?<={after}){shape.digits}\b" for after in _BARE_AFTER)
    return list(dict.fromkeys(regexes))


def nlu_yaml(numbers: OrderNumbers) -> str:
    lines = [
        "# Generated from policy.yml shop.order_numbers by bot/language/nlu_data.py; do not edit.",
        'version: "3.1"',
        "nlu:",
        "- regex: order_number",
        "  examples: |",
    ]
    lines += [f"    - {regex}" for regex in order_number_regexes(numbers)]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    policy_file, out = Path(argv[0]), Path(argv[1])
    text = nlu_yaml(load_policy(policy_file).order_numbers)
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
