"""Shoppers' words are swapped for the documents' before a question is ranked."""

from __future__ import annotations

import pytest

from knowledge.wording import normalise_query


@pytest.mark.parametrize(
    ("question", "normalised"),
    [
        ("my order is 45 quid, do i pay postage?", "my order is £45, do i pay delivery charge?"),
        ("it cost me 20 pounds", "it cost me £20"),
        ("is P&P free", "is delivery charge free"),
        ("how many quid is express", "how many pounds is express"),
    ],
)
def test_money_and_postage_are_written_the_way_the_documents_write_them(
    question: str, normalised: str
) -> None:
    assert normalise_query(question) == normalised


def test_return_postage_keeps_its_own_meaning() -> None:
    assert normalise_query("do i have to pay for return postage") == "do i have to pay for return postage"


def test_a_question_without_shoppers_slang_is_unchanged() -> None:
    assert normalise_query("how long until I get my refund?") == "how long until I get my refund?"


def test_asked_lines_get_only_the_money_rewrite() -> None:
    from knowledge.wording import normalise_money

    assert normalise_money("do i pay postage on a 45 quid order") == "do i pay postage on a £45 order"
