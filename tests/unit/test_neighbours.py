"""Out of scope by the nearest training examples (integrations/rasa_engine/nlu/neighbours)."""

from __future__ import annotations

import numpy as np

from integrations.rasa_engine.nlu.neighbours import Neighbours, looks_out_of_scope


def _unit(*rows: list[float]) -> np.ndarray:
    m = np.asarray(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_nearest_gives_the_best_cosine_on_each_side() -> None:
    neighbours = Neighbours(in_scope=_unit([1, 0, 0], [0, 1, 0]), out_of_scope=_unit([0, 0, 1]))
    best_in, best_out = neighbours.nearest(_unit([1, 0, 0], [0, 0, 1]))
    np.testing.assert_allclose(best_in, [1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(best_out, [0.0, 1.0], atol=1e-6)


def test_without_out_of_scope_examples_only_the_distance_to_the_in_scope_ones_counts() -> None:
    neighbours = Neighbours(in_scope=_unit([1, 0]), out_of_scope=np.zeros((0, 2), np.float32))
    _, best_out = neighbours.nearest(_unit([0, 1]))
    assert best_out[0] == -1.0


def test_a_message_far_from_every_in_scope_example_is_out_of_scope() -> None:
    assert looks_out_of_scope(best_in=0.30, best_out=0.10, threshold=0.45, margin=0.0)


def test_a_message_nearer_an_out_of_scope_example_is_out_of_scope() -> None:
    assert looks_out_of_scope(best_in=0.70, best_out=0.75, threshold=0.45, margin=0.0)


def test_a_message_near_an_in_scope_example_stays_in_scope() -> None:
    assert not looks_out_of_scope(best_in=0.70, best_out=0.60, threshold=0.45, margin=0.0)


def test_typo_variants_misspell_one_long_word_the_same_way_every_time() -> None:
    from integrations.rasa_engine.nlu.neighbours import typo_variants

    variants = typo_variants("cancel my order", 3)
    assert variants == typo_variants("cancel my order", 3)
    assert 1 <= len(variants) <= 3 and "cancel my order" not in variants
    for variant in variants:
        changed = [a for a, b in zip(variant.split(), ["cancel", "my", "order"], strict=True) if a != b]
        assert len(changed) == 1 and abs(len(changed[0]) - 6 if changed[0] != "order" else 0) <= 1


def test_short_words_and_numbers_are_not_misspelt() -> None:
    from integrations.rasa_engine.nlu.neighbours import typo_variants

    assert typo_variants("ok", 2) == []
    assert typo_variants("SD-10023", 2) == []


def test_an_in_scope_example_is_known_by_its_lower_cased_words() -> None:
    from integrations.rasa_engine.nlu.neighbours import example_key, known_in_scope

    known = known_in_scope(["Where is my order", "thanks"], ["do you sell jeans"])
    assert example_key("where  is my ORDER") in known
    assert example_key("where is my order?") not in known  # punctuation is a token of its own
    assert example_key("do you sell jeans") not in known


def test_a_text_that_is_also_an_out_of_scope_example_is_not_known() -> None:
    from integrations.rasa_engine.nlu.neighbours import known_in_scope

    assert known_in_scope(["no idea", "Thanks"], ["No  idea"]) == frozenset({"thanks"})
