from __future__ import annotations

import pytest

from bot.language.order_numbers import normalise_order_number


@pytest.mark.parametrize(
    "text", ["SD-10023", "sd10023", "10023", "sd-10023", "SD 10023", "#10023", " sd_10023 ", "#SD-10023"]
)
def test_every_way_a_shopper_types_an_order_number_gives_the_canonical_form(text: str) -> None:
    assert normalise_order_number(text) == "SD-10023"


@pytest.mark.parametrize("text", ["", "SD-", "hello", "SD-12", "AB-10023", "10023x", "SD-10023-1", "1.5"])
def test_text_that_is_not_an_order_number_gives_none(text: str) -> None:
    assert normalise_order_number(text) is None
