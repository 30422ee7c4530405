"""Property-based tests (hypothesis) of the parsers that read what shoppers and shops type."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.language.contact_details import first_email, normalise_email, normalise_postcode
from bot.language.order_numbers import find_order_number, normalise_order_number

CANONICAL = re.compile(r"^SD-\d{5,6}$")  # the demo shop's shape (knowledge/policy.yml shop.order_numbers)
digits = st.from_regex(r"[0-9]{5,6}", fullmatch=True)
prefixes = st.sampled_from(["", "SD", "sd", "Sd", "SD-", "sd-", "SD ", "sd_", "#", "#SD-", "# sd.", "SD:"])
emails = st.from_regex(r"[a-z0-9_+-]{1,20}(\.[a-z0-9_+-]{1,10})?@[a-z0-9-]{1,20}\.[a-z]{2,6}", fullmatch=True)
postcodes = st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", fullmatch=True)


@given(st.text())
def test_any_text_gives_a_canonical_order_number_or_none(text: str) -> None:
    for found in (normalise_order_number(text), find_order_number(text)):
        assert found is None or CANONICAL.match(found)


@given(prefixes, digits, st.sampled_from(["", " ", "  \t"]))
def test_an_order_number_typed_any_accepted_way_is_read_as_the_same_number(
    prefix: str, number: str, padding: str
) -> None:
    assert normalise_order_number(f"{padding}{prefix}{number}{padding}") == f"SD-{number}"


@given(st.text())
def test_normalising_an_order_number_twice_changes_nothing_more(text: str) -> None:
    once = normalise_order_number(text)
    if once is not None:
        assert normalise_order_number(once) == once


@given(
    st.from_regex(r"[0-9]{5,6}", fullmatch=True), st.sampled_from(["order ", "no. #", "SD-", "order number "])
)
def test_an_order_number_inside_a_phrase_is_found(number: str, before: str) -> None:
    assert find_order_number(f"{before}{number} please") == f"SD-{number}"


@given(st.text())
def test_any_text_gives_a_stored_form_email_or_none(text: str) -> None:
    found = first_email(text)
    if found is not None:
        assert "@" in found
        assert found == normalise_email(found)
        assert not any(c.isspace() for c in found)


@given(emails, st.sampled_from(["{}", "it's {}.", "<{}>", "my email is {}, thanks", "({})"]), st.booleans())
def test_an_email_in_a_sentence_is_read_in_its_stored_form(email: str, template: str, shout: bool) -> None:
    typed = email.upper() if shout else email
    assert first_email(template.format(typed)) == email


@given(st.text())
def test_a_normalised_postcode_has_no_spaces_and_is_stable(text: str) -> None:
    once = normalise_postcode(text)
    assert not any(c.isspace() for c in once)
    assert normalise_postcode(once) == once


@given(postcodes, st.sampled_from(["", " ", "  "]), st.booleans())
def test_a_postcode_in_any_case_and_spacing_compares_equal(postcode: str, pad: str, lower: bool) -> None:
    typed = f"{pad}{postcode.lower() if lower else postcode}{pad}"
    assert normalise_postcode(typed) == normalise_postcode(postcode)
