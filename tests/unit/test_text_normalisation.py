"""The shopper's text made plain before the NLU reads it (integrations/rasa_engine/nlu/text_normalisation)."""

from __future__ import annotations

from integrations.rasa_engine.nlu.text_normalisation import normalise


def test_mathematical_bold_and_script_letters_become_plain_letters() -> None:
    assert normalise("𝐰𝐡𝐞𝐫𝐞 𝐢𝐬 𝐦𝐲 𝐨𝐫𝐝𝐞𝐫") == "where is my order"
    assert normalise("𝓽𝓱𝓪𝓷𝓴 𝔂𝓸𝓾") == "thank you"
    assert normalise("𝘳𝘦𝘵𝘶𝘳𝘯 𝘵𝘩𝘦 𝘴𝘩𝘰𝘦𝘴") == "return the shoes"


def test_full_width_forms_become_ascii_and_keep_an_order_number_readable() -> None:
    assert normalise("ｃａｎｃｅｌ　ｍｙ　ｏｒｄｅｒ") == "cancel my order"
    assert normalise("ＳＤ－１００２３") == "SD-10023"


def test_a_cyrillic_look_alike_inside_a_latin_word_is_replaced() -> None:
    assert normalise("whеrе is my оrder") == "where is my order"  # е, е and о are Cyrillic


def test_a_word_wholly_in_another_script_is_left_alone() -> None:
    assert normalise("спасибо, where is my order") == "спасибо, where is my order"


def test_invisible_characters_are_removed_and_curly_quotes_straightened() -> None:
    assert normalise("where\u200bis my\u00ad order") == "whereis my order"
    assert normalise("I don’t have it") == "I don't have it"


def test_plain_text_case_and_entities_are_unchanged() -> None:
    text = "Where is SD-10023? Email pat.q@example.com, postcode NW1 6XE, £45"
    assert normalise(text) == text
