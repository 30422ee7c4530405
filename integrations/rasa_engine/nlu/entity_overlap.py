"""One entity per span: what the regex extractor found wins over the same entity guessed by DIET.

Both ``RegexEntityExtractor`` and ``DIETClassifier`` extract ``order_number``, ``email``, ``postcode`` and
``order_pointer`` (DIET learns them from the annotated examples, and it is the one that finds a US ZIP
code or an order number written without its letters). When both find the same entity the message carried
it twice, and a slot mapped from the entity received a list instead of one value. ``drop_duplicates``
keeps the regex's entity and drops any entity of the same type from another extractor whose span overlaps
it; an entity the regex did not find is kept. Pure: no Rasa import, so the app's tests cover it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

REGEX_EXTRACTOR = "RegexEntityExtractor"


def _overlaps(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return int(a["start"]) < int(b["end"]) and int(b["start"]) < int(a["end"])


def drop_duplicates(entities: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """``entities`` without those another extractor found where the regex extractor found the same type."""
    owned = [e for e in entities if e.get("extractor") == REGEX_EXTRACTOR]
    kept: list[Mapping[str, Any]] = []
    for entity in entities:
        duplicate = entity.get("extractor") != REGEX_EXTRACTOR and any(
            o["entity"] == entity["entity"] and _overlaps(o, entity) for o in owned
        )
        if not duplicate:
            kept.append(entity)
    return kept
