"""Tell the gateway, in the turn's own answer, that a call to the action server failed.

Rasa 3.6 runs a custom action by calling the action server (``RemoteAction.run``: the actions, the forms'
``validate_*`` actions, custom slot mappings). When that call fails (nothing listening, an error status,
Rasa's own 5-minute timeout) Rasa logs the exception, drops the action's events and goes on predicting, so
the turn is answered without the action's messages and the REST channel's reply does not say why; the
tracker only shows the action as run. ``credentials.yml`` names ``ActionFailures``, an
``EngineExtension`` (``engine_extension.py``): when Rasa reads its channels, it installs a wrapper of
``RemoteAction.run`` in its server so that a failed call adds ``failed_action.note(name)`` to the turn's
replies (the REST channel's ``CollectingOutputChannel`` collects it) and then fails as before. A form's
validation rejecting a slot (``ActionExecutionRejection``) is the action server answering, not a failure.

The gateway reads the note (``integrations/gateway/chat.py``): the shopper is told the assistant is
unavailable and offered a person, and Rasa's conversation starts afresh, with nothing half-done in it.
This module runs in Rasa's environment: it imports nothing of ``bot/``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel

from integrations.rasa_engine.engine_extension import EngineExtension
from integrations.rasa_engine.failed_action import note

log = logging.getLogger(__name__)

_installed = False


def _reporting(run: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(run)
    async def reported(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> Any:
        try:
            return await run(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as exc:
            log.warning("the action server did not run %s: %s", self.name(), type(exc).__name__)
            if isinstance(output_channel, CollectingOutputChannel):
                await output_channel.send_custom_json(tracker.sender_id, note(self.name()))
            raise

    return reported


def install() -> None:
    """Wrap ``RemoteAction.run``, once per process."""
    global _installed
    if not _installed:
        RemoteAction.run = _reporting(RemoteAction.run)
        _installed = True


class ActionFailures(EngineExtension, name="action_failures", install=install):
    """Not a chat channel: makes a failed action-server call part of the turn's answer."""
