"""One turn's replies against what the file expects: a pure function, no network."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ops.replay.script import Expect


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    author: str  # "bot", "system" (the gateway's own notices) or "agent"
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Answer:
    """What came back for one shopper message."""

    replies: tuple[Reply, ...]
    status: str = "bot"
    assistant_available: bool = True

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)

    @property
    def buttons(self) -> tuple[Button, ...]:
        return tuple(button for reply in self.replies for button in reply.buttons)


def check(answer: Answer, expect: Expect) -> list[str]:
    """Each way ``answer`` falls short of ``expect``, worded for the report; empty when it passes.
    ``contains``/``not_contains`` and button titles ignore case; ``matches`` is as written."""
    problems: list[str] = []
    if not answer.assistant_available:
        problems.append("the assistant did not answer (the gateway reports it unavailable)")
    said = answer.text.casefold()
    problems += [
        f'expected "{text}" in the replies' for text in expect.contains if text.casefold() not in said
    ]
    problems += [
        f'expected no "{text}" in the replies' for text in expect.not_contains if text.casefold() in said
    ]
    titles = {button.title.casefold() for button in answer.buttons}
    problems += [f'expected a button "{title}"' for title in expect.buttons if title.casefold() not in titles]
    problems += [
        f"expected the replies to match /{pattern.pattern}/"
        for pattern in expect.patterns
        if not pattern.search(answer.text)
    ]
    if expect.status is not None and answer.status != expect.status:
        problems.append(f"expected the conversation to be {expect.status}, it is {answer.status}")
    return problems


class NoSuchButton(Exception):
    pass


def find_button(answer: Answer | None, title: str) -> Button:
    """The button ``press: title`` means: the offered one with that title (case ignored), else the one
    whose title contains it ("SD-10026" for "SD-10026 (placed 3 October 2026)")."""
    offered = answer.buttons if answer is not None else ()
    wanted = title.casefold()
    exact = [button for button in offered if button.title.casefold() == wanted]
    if exact:
        return exact[0]
    partial = [button for button in offered if wanted in button.title.casefold()]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise NoSuchButton(f'"{title}" is part of several buttons\' titles; give more of the title')
    raise NoSuchButton(f'no button "{title}" was offered in the previous reply')
