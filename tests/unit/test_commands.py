from __future__ import annotations

import pytest

from bot.desk.conversations.commands import as_words


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("/restart", "restart"),
        ("  //restart", "restart"),
        ("/ /stop", "stop"),
        ("/", ""),
        ("hi /there", "hi /there"),
    ],
)
def test_typed_text_loses_its_leading_slashes_and_nothing_else(typed: str, words: str) -> None:
    assert as_words(typed) == words
