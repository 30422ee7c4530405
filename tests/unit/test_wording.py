"""The wording catalogs: every message the code names exists in each language, and every message is used."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from bot.language.wording import CATALOGS, DEFAULT_LANGUAGE, Msg, say

ROOT = Path(__file__).resolve().parents[2]
CODE = ("actions", "bot", "integrations")
CATALOG_PACKAGE = ROOT / "bot" / "language" / "wording"


def _parameters(frame: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(frame) if field is not None}


def _referenced() -> dict[str, list[str]]:
    """``Msg.NAME`` in the code (outside the catalogs themselves) -> where."""
    found: dict[str, list[str]] = {}
    for package in CODE:
        for path in sorted((ROOT / package).rglob("*.py")):
            if CATALOG_PACKAGE in path.parents:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "Msg"
                ):
                    found.setdefault(node.attr, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_every_catalog_words_every_message_and_nothing_else(language: str) -> None:
    assert set(CATALOGS[language]) == set(Msg)


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_every_catalog_takes_the_same_parameters_as_the_default_language(language: str) -> None:
    default = CATALOGS[DEFAULT_LANGUAGE]
    differ = [m for m in Msg if _parameters(CATALOGS[language][m]) != _parameters(default[m])]
    assert differ == []


def test_every_parameter_is_named() -> None:
    assert [m for m in Msg if "" in _parameters(CATALOGS[DEFAULT_LANGUAGE][m])] == []


def test_every_message_the_code_names_exists() -> None:
    unknown = {name: where for name, where in _referenced().items() if name not in Msg.__members__}
    assert unknown == {}


def test_every_message_in_the_catalog_is_used_by_the_code() -> None:
    assert set(Msg.__members__) - set(_referenced()) == set()


def test_a_message_is_said_with_its_facts_filled_in() -> None:
    assert say(Msg.TRACKING_FOR, order="SD-10023") == "Tracking for order SD-10023:"


def test_a_message_said_without_one_of_its_facts_fails_loudly() -> None:
    with pytest.raises(KeyError):
        say(Msg.TRACKING_FOR)
