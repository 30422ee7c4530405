import pytest

from bot.language.contact_details import normalise_postcode
from bot.language.extraction import extract
from bot.language.order_numbers import DEMO


@pytest.mark.parametrize(
    "text",
    [
        "where is #SD-10023?",
        "SD10023 please",
        "sd-10023",
        "SD 10023",
        "order 10023 hasn't arrived",
        "order #10023",
        "my order number is 10023",
        "order no. 10023",
    ],
)
def test_order_numbers_are_found_in_every_form_shoppers_write_them(text: str) -> None:
    assert extract(text, DEMO).order_numbers == ("SD-10023",)


def test_plain_numbers_that_are_not_order_numbers_are_ignored() -> None:
    assert extract("I bought 2 shirts for 45 pounds on 12/03", DEMO).order_numbers == ()


def test_email_is_found_and_lowercased() -> None:
    assert extract("it's Jo.Smith@Example.com thanks", DEMO).emails == ("jo.smith@example.com",)


@pytest.mark.parametrize("text", ["SW1A 1AA", "sw1a 1aa", "postcode: SW1A1AA"])
def test_uk_postcodes_are_found_with_or_without_the_space(text: str) -> None:
    assert extract(text, DEMO).postcodes == ("SW1A1AA",)


def test_order_number_is_not_mistaken_for_a_postcode() -> None:
    found = extract("SD10023 and M1 1AE", DEMO)
    assert found.order_numbers == ("SD-10023",)
    assert found.postcodes == ("M11AE",)


def test_dates_are_found() -> None:
    assert extract("it was due on 12 March, or was it March 14?", DEMO).dates == ("12 March", "March 14")


def test_normalisers() -> None:
    assert DEMO.find("order no. #sd-10023, thanks") == "SD-10023"
    assert DEMO.find("no number here") is None
    assert normalise_postcode(" ec1a  1bb ") == "EC1A1BB"
