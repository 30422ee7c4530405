"""The reason for a return, read from the shopper's words (it decides fees and the damaged-item rule)."""

from __future__ import annotations

import re

from bot.orders.model import ReturnReason

_PATTERNS: tuple[tuple[ReturnReason, re.Pattern[str]], ...] = (
    (
        ReturnReason.DAMAGED,
        re.compile(r"\b(damaged|broken|broke|cracked|torn|ripped|faulty|defective|smashed)\b"),
    ),
    (ReturnReason.WRONG_ITEM, re.compile(r"\b(wrong (item|colou?r|product|one)|not what i ordered)\b")),
    (
        ReturnReason.DOES_NOT_FIT,
        re.compile(r"\b(too (small|big|large|tight|loose)|doesn'?t fit|does not fit)\b"),
    ),
)


def reason_from_text(text: str) -> ReturnReason:
    lowered = text.lower()
    for reason, pattern in _PATTERNS:
        if pattern.search(lowered):
            return reason
    return ReturnReason.CHANGED_MIND
