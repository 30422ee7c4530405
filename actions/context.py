"""What every action needs, built once when the action server starts (never at import, never per request).

The server calls ``configure`` in its start-up listener; tests call it with a context around their own
database. Actions call ``current()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.orders.services import ShopService
from knowledge.retriever import Answer, Citation

Ask = Callable[[str], Answer]
Cite = Callable[[str], Citation | None]


@dataclass(frozen=True)
class ActionContext:
    shop: ShopService
    ask: Ask  # answers a policy question from the shop's documents
    cite: Cite  # the document section a business-rule clause rests on


_current: ActionContext | None = None


def configure(context: ActionContext | None) -> None:
    global _current
    _current = context


def current() -> ActionContext:
    if _current is None:
        raise RuntimeError(
            "the action server has not been configured; start it with `python -m actions.server`"
        )
    return _current
