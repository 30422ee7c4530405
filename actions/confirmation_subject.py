"""What a "yes" would do, kept in the ``confirmation_subject`` slot between the question and the answer.

Typed on both sides: the action that asks stores ``to_slot(subject)`` (a JSON string, so the slot stays
a ``text`` slot), and ``action_confirm`` reads ``from_slot(value)``, which gives ``None`` for anything it
cannot read rather than guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, ValidationError

from bot.orders.model import ReturnReason


@dataclass(frozen=True)
class PendingReturn:
    order_number: Annotated[str, Field(min_length=1)]
    line_ids: Annotated[tuple[int, ...], Field(min_length=1)]  # the order lines to send back
    reason: ReturnReason
    kind: Literal["return"] = "return"


@dataclass(frozen=True)
class PendingCancellation:
    order_number: Annotated[str, Field(min_length=1)]
    kind: Literal["cancel"] = "cancel"


ConfirmationSubject = PendingReturn | PendingCancellation

_SLOT: TypeAdapter[ConfirmationSubject] = TypeAdapter(
    Annotated[ConfirmationSubject, Field(discriminator="kind")]
)


def to_slot(subject: ConfirmationSubject) -> str:
    """The slot value: compact JSON, the same string for the same subject."""
    return _SLOT.dump_json(subject).decode()


def from_slot(value: object) -> ConfirmationSubject | None:
    """The subject in the slot (the JSON string, or a dict); None when empty or malformed."""
    try:
        if isinstance(value, str | bytes):
            return _SLOT.validate_json(value)
        return _SLOT.validate_python(value)
    except ValidationError:
        return None
