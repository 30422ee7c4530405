"""One entity per span (integrations/rasa_engine/nlu/entity_overlap)."""

from __future__ import annotations

from integrations.rasa_engine.nlu.entity_overlap import drop_duplicates


def _entity(kind: str, start: int, end: int, extractor: str) -> dict[str, object]:
    return {"entity": kind, "start": start, "end": end, "value": "x", "extractor": extractor}


def test_diets_copy_of_an_entity_the_regex_found_is_dropped() -> None:
    regex = _entity("order_number", 12, 20, "RegexEntityExtractor")
    diet = _entity("order_number", 12, 20, "DIETClassifier")
    assert drop_duplicates([diet, regex]) == [regex]


def test_a_partly_overlapping_guess_of_the_same_type_is_dropped_too() -> None:
    regex = _entity("order_number", 13, 20, "RegexEntityExtractor")
    diet = _entity("order_number", 12, 20, "DIETClassifier")  # "#10998" against "10998"
    assert drop_duplicates([regex, diet]) == [regex]


def test_entities_the_regex_did_not_find_are_kept() -> None:
    regex = _entity("order_number", 0, 8, "RegexEntityExtractor")
    zip_code = _entity("postcode", 20, 25, "DIETClassifier")
    product = _entity("product", 10, 18, "DIETClassifier")  # overlaps, but another type
    assert drop_duplicates([regex, zip_code, product]) == [regex, zip_code, product]
