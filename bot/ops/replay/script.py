"""The test conversation file: YAML, validated, with errors that name the key path and the line.

    conversations:
      - name: a late parcel is explained with the promised date
        setup: {channel: web}              # optional; the web chat is the channel replay opens
        turns:
          - shopper: where is my order SD-10002?
            expect: {contains: [email]}
          - shopper: george.patel@example.com
            expect:
              contains: [SD-10002, late]   # each somewhere in this turn's replies (case ignored)
              not_contains: [I didn't understand]
              buttons: [Talk to a person]  # titles offered in this turn's replies
              matches: ['\\d+ days? late'] # Python regular expressions, searched in the replies
              status: bot                  # bot, queued (waiting for a person), agent or closed
          - press: Talk to a person        # a button offered in the previous turn, by (part of) its title

Every plain scalar is read as text (``shopper: yes`` is the word "yes", not YAML 1.1's true; ``10001``
is "10001"); only an empty value means "nothing".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.errors import ShopdeskError

Status = Literal["bot", "queued", "agent", "closed"]
Text = Annotated[str, Field(min_length=1)]


class ScriptError(ShopdeskError):
    """A test conversation file that cannot be read or does not follow the format; ``problems`` are
    ``FILE:LINE: key.path: message`` lines."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _as_list(value: object) -> object:
    """One check may be written without the list brackets: ``contains: SD-10001``."""
    return [value] if isinstance(value, str) else value


class Expect(_Strict):
    """What one turn's replies must show. Text checks look at the replies' texts joined by newlines."""

    contains: list[Text] = []
    not_contains: list[Text] = []
    buttons: list[Text] = []
    matches: list[Text] = []
    status: Status | None = None

    _lists = field_validator("contains", "not_contains", "buttons", "matches", mode="before")(_as_list)

    @field_validator("matches")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {pattern!r} ({exc})") from None
        return patterns

    @property
    def patterns(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.matches]


class Turn(_Strict):
    """The shopper types ``shopper`` or presses the button titled ``press``; ``expect`` checks the replies."""

    shopper: Text | None = None
    press: Text | None = None
    expect: Expect = Expect()

    @model_validator(mode="after")
    def _one_action(self) -> Turn:
        if (self.shopper is None) == (self.press is None):
            raise ValueError("a turn has exactly one of `shopper:` (text typed) or `press:` (a button title)")
        return self

    @property
    def said(self) -> str:
        """The turn as the report shows it."""
        return f"shopper: {self.shopper}" if self.shopper is not None else f"press: {self.press}"


class Setup(_Strict):
    """How the conversation is opened. The gateway's public chat API opens web conversations."""

    channel: Literal["web"] = "web"


class Conversation(_Strict):
    name: Text
    setup: Setup = Setup()
    turns: list[Turn] = Field(min_length=1)

    @field_validator("turns")
    @classmethod
    def _press_needs_a_reply_before(cls, turns: list[Turn]) -> list[Turn]:
        if turns and turns[0].press is not None:
            raise ValueError("the first turn cannot `press:` a button: nothing has been offered yet")
        return turns


class Suite(_Strict):
    conversations: list[Conversation] = Field(min_length=1)

    @field_validator("conversations")
    @classmethod
    def _names_differ(cls, conversations: list[Conversation]) -> list[Conversation]:
        seen: set[str] = set()
        for conversation in conversations:
            if conversation.name in seen:
                raise ValueError(f"two conversations are named {conversation.name!r}")
            seen.add(conversation.name)
        return conversations


@dataclass(frozen=True)
class Script:
    """One file's conversations."""

    path: Path
    conversations: list[Conversation]


class _TextLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types here
    """Safe YAML in which every plain scalar is text except an empty value (null)."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _line_of(root: yaml.Node | None, location: Sequence[int | str]) -> int | None:
    """The 1-based line of the YAML node at a pydantic error's location (as deep as the file goes)."""
    node, line = root, None
    for step in location:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _path(location: Sequence[int | str]) -> str:
    out = ""
    for step in location:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(the file)"


def parse(text: str, path: Path) -> Script:
    """The conversations in ``text`` (the contents of ``path``), or a ``ScriptError``."""
    try:
        data: Any = yaml.load(text, Loader=_TextLoader)
        root = yaml.compose(text, Loader=_TextLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScriptError([f"{where}: not valid YAML: {problem}"]) from None
    try:
        suite = Suite.model_validate(data if data is not None else {})
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            # a model validator's error sits on the model itself; pydantic adds no location step for it
            location = [step for step in error["loc"] if isinstance(step, int | str)]
            line = _line_of(root, location)
            where = f"{path}:{line}" if line else str(path)
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {_path(location)}: {message}")
        raise ScriptError(problems) from None
    return Script(path, suite.conversations)


def load(path: Path) -> Script:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError([f"{path}: cannot read it ({exc.__class__.__name__}: {exc})"]) from None
    return parse(text, path)
