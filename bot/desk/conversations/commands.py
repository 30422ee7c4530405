"""What reaches the assistant from a shopper: typed words are words, never Rasa commands.

Rasa reads a message starting with ``/`` as an intent given directly (``/restart``,
``/human_handoff{"handoff_trigger": "safety"}``). Only buttons the assistant offered may carry such a
payload (the gateway checks each against the conversation's messages); typed text loses its leading
slashes, so "/restart" reaches the NLU as the word "restart".
"""

from __future__ import annotations

from bot.language.typed_text import for_understanding

COMMAND_PREFIX = "/"


def as_words(text: str) -> str:
    """The text as the NLU should read it (``for_understanding``), with any leading slashes (and the
    spaces around them) removed."""
    words = for_understanding(text).lstrip()
    while words.startswith(COMMAND_PREFIX):
        words = words[len(COMMAND_PREFIX) :].lstrip()
    return words
