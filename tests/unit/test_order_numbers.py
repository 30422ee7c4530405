from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.language.extraction import extract
from bot.language.nlu_data import nlu_yaml, order_number_regexes
from bot.language.order_numbers import DEMO, OrderNumbers, OrderNumberShape
from bot.policy import load_policy


@pytest.mark.parametrize(
    "text", ["SD-10023", "sd10023", "10023", "sd-10023", "SD 10023", "#10023", " sd_10023 ", "#SD-10023"]
)
def test_every_way_a_shopper_types_an_order_number_gives_the_canonical_form(text: str) -> None:
    assert DEMO.normalise(text) == "SD-10023"


@pytest.mark.parametrize("text", ["", "SD-", "hello", "SD-12", "AB-10023", "10023x", "SD-10023-1", "1.5"])
def test_text_that_is_not_an_order_number_gives_none(text: str) -> None:
    assert DEMO.normalise(text) is None


SHOPIFY = OrderNumbers((OrderNumberShape("#", 4, 7, "#1001"),))
WOOCOMMERCE = OrderNumbers((OrderNumberShape("", 3, 6, "4821"),))
MAGENTO = OrderNumbers((OrderNumberShape("", 9, 9, "000000123"),))
PREFIXED = OrderNumbers((OrderNumberShape("HX-", 4, 4, "HX-5501"),))


@pytest.mark.parametrize(
    ("numbers", "typed", "canonical"),
    [
        (SHOPIFY, "#1001", "#1001"),
        (SHOPIFY, "1001", "#1001"),
        (SHOPIFY, " # 1001 ", "#1001"),
        (WOOCOMMERCE, "4821", "4821"),
        (WOOCOMMERCE, "#4821", "4821"),
        (MAGENTO, "000000123", "000000123"),
        (PREFIXED, "hx5501", "HX-5501"),
        (PREFIXED, "HX 5501", "HX-5501"),
        (PREFIXED, "5501", "HX-5501"),
    ],
)
def test_each_shops_numbers_are_read_in_its_own_shape(
    numbers: OrderNumbers, typed: str, canonical: str
) -> None:
    assert numbers.normalise(typed) == canonical


@pytest.mark.parametrize(
    ("numbers", "typed"),
    [
        (SHOPIFY, "#12"),
        (MAGENTO, "123"),
        (PREFIXED, "AB-5501"),
        (PREFIXED, "HX-55012"),
        (WOOCOMMERCE, "4821x"),
    ],
)
def test_numbers_outside_the_shops_shape_are_refused(numbers: OrderNumbers, typed: str) -> None:
    assert numbers.normalise(typed) is None


@pytest.mark.parametrize(
    ("numbers", "text", "found"),
    [
        (SHOPIFY, "where is order #1001?", "#1001"),
        (SHOPIFY, "my order number is 1001", "#1001"),
        (WOOCOMMERCE, "order 4821 hasn't arrived", "4821"),
        (MAGENTO, "order no. 000000123 please", "000000123"),
        (PREFIXED, "where is hx-5501 now", "HX-5501"),
    ],
)
def test_order_numbers_in_a_sentence_are_found_in_the_shops_shape(
    numbers: OrderNumbers, text: str, found: str
) -> None:
    assert extract(text, numbers).order_numbers == (found,)


@pytest.mark.parametrize(
    "text",
    ["I live at 90210, Beverly Hills", "my zip is 10023", "I bought 2 shirts in 2025", "call 4821 1234"],
)
def test_a_bare_number_in_a_sentence_is_not_taken_for_a_bare_order_number(text: str) -> None:
    assert extract(text, WOOCOMMERCE).order_numbers == ()


def test_a_us_zip_code_with_the_order_number_is_left_alone() -> None:
    found = extract("order 4821, shipping to 90210", WOOCOMMERCE)
    assert found.order_numbers == ("4821",)


def test_several_shapes_are_tried_in_order() -> None:
    numbers = OrderNumbers(PREFIXED.shapes + MAGENTO.shapes)
    assert numbers.normalise("000000123") == "000000123"
    assert numbers.normalise("5501") == "HX-5501"
    assert extract("order 000000123", numbers).order_numbers == ("000000123",)


def test_the_committed_rasa_order_number_data_is_generated_from_the_demo_policy() -> None:
    root = Path(__file__).resolve().parents[2]
    committed = (root / "data" / "nlu" / "order_numbers.generated.yml").read_text(encoding="utf-8")
    assert committed == nlu_yaml(load_policy(root / "knowledge" / "policy.yml").order_numbers)


def test_the_rasa_regexes_match_each_shape_with_its_letters_or_after_order_words_only() -> None:
    regexes = [
        re.compile(r, re.IGNORECASE)
        for r in order_number_regexes(OrderNumbers(PREFIXED.shapes + SHOPIFY.shapes))
    ]

    def tagged(text: str) -> set[str]:
        return {m.group(0) for r in regexes for m in r.finditer(text)}

    assert tagged("where is HX-5501") == {"HX-5501"}
    assert tagged("order #1001 please") == {"1001"}
    assert tagged("my zip is 90210") == set()
