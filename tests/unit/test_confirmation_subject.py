"""What a "yes" would do survives the trip through the slot, and a slot value it cannot read is refused."""

from __future__ import annotations

import json

import pytest

from actions.confirmation_subject import (
    ConfirmationSubject,
    PendingCancellation,
    PendingReturn,
    from_slot,
    to_slot,
)
from bot.orders.model import ReturnReason

SUBJECTS = [
    PendingReturn("SD-10023", (12, 13), ReturnReason.DOES_NOT_FIT),
    PendingReturn("SD-10016", (7,), ReturnReason.DAMAGED),
    PendingCancellation("SD-10024"),
]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_subject_read_back_from_its_slot_value_is_the_same_subject(subject: ConfirmationSubject) -> None:
    assert from_slot(to_slot(subject)) == subject


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_slot_holding_the_subject_as_a_dict_reads_the_same(subject: ConfirmationSubject) -> None:
    assert from_slot(json.loads(to_slot(subject))) == subject


def test_the_same_subject_always_gives_the_same_slot_value() -> None:
    again = PendingReturn("SD-10023", (12, 13), ReturnReason("does_not_fit"))
    assert to_slot(again) == to_slot(SUBJECTS[0])


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "return|SD-10023|12,13|changed_mind",  # the old packed string
        "{not json",
        [1, 2],
        {"kind": "exchange", "order_number": "SD-10023"},
        {"kind": "cancel"},
        {"kind": "cancel", "order_number": ""},
        {"kind": "return", "order_number": "SD-10023", "line_ids": [], "reason": "changed_mind"},
        {"kind": "return", "order_number": "SD-10023", "line_ids": ["twelve"], "reason": "changed_mind"},
        {"kind": "return", "order_number": "SD-10023", "line_ids": [12], "reason": "bored"},
        {"kind": "return", "order_number": "SD-10023", "line_ids": [12]},
    ],
)
def test_a_malformed_slot_value_gives_no_subject(value: object) -> None:
    assert from_slot(value) is None
