"""The names the code uses and the names ``domain.yml`` and the training data define agree, both ways.

Renaming a slot, intent, entity, form, response or action on one side only fails here, before Rasa
finds out in a conversation. The custom actions are collected the way the action server collects them:
rasa-sdk's executor registers every non-abstract ``Action`` subclass in the ``actions`` package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk.executor import ActionExecutor

from bot import dialogue_names as names

ROOT = Path(__file__).resolve().parents[2]

RASA_OWN_SLOTS = frozenset({"requested_slot"})  # added by Rasa to every domain with forms
RASA_OWN_INTENTS = frozenset({"nlu_fallback"})  # predicted by the FallbackClassifier in config.yml
RASA_OWN_ACTIONS = frozenset({"action_listen"})  # Rasa's own: wait for the shopper (a rule may name it)


@dataclass(frozen=True)
class Domain:
    intents: frozenset[str]
    entities: frozenset[str]
    slots: frozenset[str]
    responses: frozenset[str]
    actions: frozenset[str]
    forms: dict[str, list[str]]  # form -> its required slots


@dataclass
class TrainingData:
    """What the rules, stories and NLU examples under ``data/`` name."""

    actions: set[str] = field(default_factory=set)
    intents: set[str] = field(default_factory=set)  # in rules and stories
    slots: set[str] = field(default_factory=set)  # in slot_was_set
    nlu_intents: set[str] = field(default_factory=set)  # with examples


def _names(items: list[Any]) -> frozenset[str]:
    """Domain lists hold plain names or one-key mappings (``- greet`` or ``- greet: {...}``)."""
    return frozenset(item if isinstance(item, str) else next(iter(item)) for item in items)


@cache
def domain() -> Domain:
    raw = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    forms = raw.get("forms") or {}
    return Domain(
        intents=_names(raw.get("intents") or []),
        entities=_names(raw.get("entities") or []),
        slots=frozenset(raw.get("slots") or {}),
        responses=frozenset(raw.get("responses") or {}),
        actions=_names(raw.get("actions") or []),
        forms={name: list(spec.get("required_slots") or []) for name, spec in forms.items()},
    )


def _steps(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in a rule or story, however deep (``or:`` blocks, conditions)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _steps(value)
    elif isinstance(node, list):
        for item in node:
            yield from _steps(item)


@cache
def training_data() -> TrainingData:
    found = TrainingData()
    for path in sorted((ROOT / "data").rglob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for example in raw.get("nlu") or []:
            if "intent" in example:
                found.nlu_intents.add(example["intent"])
        for step in _steps([raw.get("rules") or [], raw.get("stories") or []]):
            if isinstance(step.get("action"), str):
                found.actions.add(step["action"])
            if isinstance(step.get("intent"), str):
                found.intents.add(step["intent"])
            for slot in step.get("slot_was_set") or []:
                found.slots.update([slot] if isinstance(slot, str) else slot)
    return found


@cache
def registered_actions() -> frozenset[str]:
    executor = ActionExecutor()
    executor.register_package("actions")
    return frozenset(executor.actions)


def constants(namespace: type) -> frozenset[str]:
    return frozenset(value for key, value in vars(namespace).items() if key.isupper())


def test_every_slot_the_code_names_is_a_domain_slot() -> None:
    assert constants(names.Slots) - RASA_OWN_SLOTS - domain().slots == set()


def test_every_intent_the_code_names_is_a_domain_intent() -> None:
    assert constants(names.Intents) - RASA_OWN_INTENTS - domain().intents == set()


def test_every_entity_the_code_names_is_a_domain_entity() -> None:
    assert constants(names.Entities) - domain().entities == set()


def test_every_response_the_code_names_is_a_domain_response() -> None:
    assert constants(names.Responses) - domain().responses == set()


def test_every_form_the_code_names_is_a_domain_form() -> None:
    assert constants(names.Forms) - set(domain().forms) == set()


def test_every_action_the_action_server_registers_is_in_the_domain() -> None:
    assert registered_actions() - domain().actions == set()


def test_every_custom_action_in_the_domain_is_registered_by_the_action_server() -> None:
    assert domain().actions - registered_actions() == set()


def test_the_action_name_constants_are_exactly_the_registered_actions() -> None:
    assert constants(names.Actions) == registered_actions()


def test_every_domain_slot_is_used_by_the_code_or_the_training_data() -> None:
    form_slots = {slot for slots in domain().forms.values() for slot in slots}
    used = constants(names.Slots) | training_data().slots | form_slots
    assert domain().slots - used == set()


def test_every_domain_response_is_used_by_the_code_or_the_training_data() -> None:
    # a form asks for each required slot with the response named utter_ask_<slot>
    asks = {f"utter_ask_{slot}" for slots in domain().forms.values() for slot in slots}
    used = constants(names.Responses) | training_data().actions | asks
    assert domain().responses - used == set()


def test_every_domain_intent_has_examples_and_every_example_a_domain_intent() -> None:
    assert training_data().nlu_intents == set(domain().intents)


def test_rules_and_stories_name_only_what_the_domain_defines() -> None:
    known_actions = domain().actions | domain().responses | set(domain().forms)
    assert training_data().actions - known_actions - RASA_OWN_ACTIONS == set()
    assert training_data().intents - domain().intents - RASA_OWN_INTENTS == set()
    assert training_data().slots - domain().slots - RASA_OWN_SLOTS == set()


def _literals(path: Path) -> Iterator[tuple[int, str]]:
    """String constants in a module, leaving out docstrings and the keys of dict displays (JSON fields)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skipped.add(id(body[0].value))
        elif isinstance(node, ast.Dict):
            skipped.update(id(key) for key in node.keys if key is not None)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
            yield node.lineno, node.value


def test_the_actions_write_no_domain_name_as_a_literal() -> None:
    d = domain()
    domain_names = d.intents | d.entities | d.slots | d.responses | d.actions | set(d.forms)
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in sorted((ROOT / "actions").glob("*.py"))
        for line, value in _literals(path)
        if value in domain_names | RASA_OWN_SLOTS | RASA_OWN_INTENTS
    ]
    assert found == [], "use bot.dialogue_names instead"
