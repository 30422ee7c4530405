import pytest

from bot.language.return_reasons import reason_from_text
from bot.orders.model import ReturnReason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("the mug arrived broken", ReturnReason.DAMAGED),
        ("you sent me the wrong item", ReturnReason.WRONG_ITEM),
        ("the shoes are too small", ReturnReason.DOES_NOT_FIT),
        ("I just don't like it", ReturnReason.CHANGED_MIND),
    ],
)
def test_the_reason_is_read_from_the_shoppers_words(text: str, reason: ReturnReason) -> None:
    assert reason_from_text(text) is reason
