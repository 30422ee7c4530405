"""The note Rasa adds to a turn's replies when a call to the action server failed: the one format both sides
read. Written inside Rasa by ``action_failures.py``; read by the gateway (``integrations/gateway/chat.py``).

It travels as a reply's ``custom`` payload, ``{"shopdesk_action_failed": "<action name>"}``, beside whatever
else Rasa said in the turn. Only Rasa's own code writes it: a shopper's text never becomes a ``custom``
reply. This module imports nothing, so the Rasa engine's environment and the gateway's both load it.
"""

from __future__ import annotations

from collections.abc import Mapping

KEY = "shopdesk_action_failed"


def note(action_name: str) -> dict[str, str]:
    """The ``custom`` payload saying ``action_name`` could not be run."""
    return {KEY: action_name}


def failed_action(custom: object) -> str | None:
    """The action a reply's ``custom`` payload says failed, or None when it is no such note."""
    if not isinstance(custom, Mapping):
        return None
    name = custom.get(KEY)
    return name if isinstance(name, str) and name else None
