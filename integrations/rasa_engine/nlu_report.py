"""Rasa tells the gateway what it read in each shopper message: the intent and its confidence.

Rasa's REST channel answers with the assistant's replies only; what the NLU made of the message stays in
the tracker. ``credentials.yml`` names ``NluReport``, an ``EngineExtension`` (``engine_extension.py``):
when Rasa reads its channels, it installs in its server process a wrapper of
``MessageProcessor.log_message`` (Rasa 3.6, pinned in requirements/rasa.lock.txt): once the message is
parsed and logged, a custom reply ``{"shopdesk_nlu": {"intent": ..., "confidence": ...}}`` goes to the
turn's collecting output channel, ahead of the assistant's answers. The gateway keeps it on the shopper's
stored message (never shown) and the console's analytics count the intents. The text and the entities
are not sent: the gateway has the text, and the entities may be personal.

``NLU_KEY`` must equal ``bot.payload.NLU_KEY``; this module runs in Rasa's environment and imports nothing
of ``bot/``, so ``tests/unit/test_payload.py`` compares the two.
"""

from __future__ import annotations

import functools
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.processor import MessageProcessor

from integrations.rasa_engine.engine_extension import EngineExtension

NLU_KEY = "shopdesk_nlu"

_installed = False


def reading(parse_data: Any) -> dict[str, Any] | None:
    """The intent and confidence in Rasa's parse data, when it names an intent."""
    intent = parse_data.get("intent") if isinstance(parse_data, dict) else None
    if not isinstance(intent, dict):
        return None
    name = intent.get("name")
    if not isinstance(name, str) or not name:
        return None
    confidence = intent.get("confidence")
    return {"intent": name, "confidence": float(confidence) if isinstance(confidence, int | float) else None}


def install() -> None:
    """Wrap ``MessageProcessor.log_message`` once per process."""
    global _installed
    if _installed:
        return
    original = MessageProcessor.log_message

    @functools.wraps(original)
    async def log_message(self: MessageProcessor, message: Any, should_save_tracker: bool = True) -> Any:
        tracker = await original(self, message, should_save_tracker)
        channel = getattr(message, "output_channel", None)
        if isinstance(channel, CollectingOutputChannel):
            read = reading(tracker.latest_message.parse_data if tracker.latest_message else None)
            if read is not None:
                await channel.send_custom_json(message.sender_id, {NLU_KEY: read})
        return tracker

    MessageProcessor.log_message = log_message
    _installed = True


class NluReport(EngineExtension, name="nlu_report", install=install):
    """Not a chat channel: adds the NLU's reading to each REST turn's replies when Rasa loads it."""
