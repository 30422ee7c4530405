"""Each test conversation through the gateway, in a fresh conversation of its own, stopping at the first
turn that fails (the turns after it would be answering a different conversation)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.ops.replay.check import Answer, NoSuchButton, check, find_button
from bot.ops.replay.gateway import Chat, Gateway, GatewayError
from bot.ops.replay.script import Conversation, Script


@dataclass(frozen=True)
class Failure:
    turn: int  # 1-based
    said: str  # the turn as written in the file
    problems: list[str]
    answer: Answer | None  # what came back (for a press that found no button: the previous reply)
    answer_is_previous: bool = False


@dataclass(frozen=True)
class Outcome:
    path: Path
    name: str
    turns: int
    seconds: float
    failure: Failure | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None


def _turns(gateway: Gateway, chat: Chat, conversation: Conversation) -> Failure | None:
    answer: Answer | None = None
    for number, turn in enumerate(conversation.turns, start=1):
        if turn.press is not None:
            try:
                button = find_button(answer, turn.press)
            except NoSuchButton as exc:
                return Failure(number, turn.said, [str(exc)], answer, answer_is_previous=True)
            # the gateway records the title the shopper saw and sends the offered payload to the assistant
            text, payload = button.title, button.payload
        else:
            assert turn.shopper is not None
            text, payload = turn.shopper, None
        try:
            answer = gateway.send(chat, text, payload)
        except GatewayError as exc:
            return Failure(number, turn.said, [str(exc)], None)
        problems = check(answer, turn.expect)
        if problems:
            return Failure(number, turn.said, problems, answer)
    return None


def run_conversation(gateway: Gateway, path: Path, conversation: Conversation) -> Outcome:
    started = time.monotonic()
    try:
        chat = gateway.start()
    except GatewayError as exc:
        failure: Failure | None = Failure(0, "(opening the conversation)", [str(exc)], None)
    else:
        failure = _turns(gateway, chat, conversation)
    return Outcome(path, conversation.name, len(conversation.turns), time.monotonic() - started, failure)


def run(gateway: Gateway, scripts: Sequence[Script]) -> list[Outcome]:
    """Every conversation of every script, in order."""
    return [
        run_conversation(gateway, script.path, conversation)
        for script in scripts
        for conversation in script.conversations
    ]
