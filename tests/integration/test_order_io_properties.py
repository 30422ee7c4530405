"""Property-based tests (hypothesis) of the order import validator: whatever a file holds, the answer is
the file (valid) or a list of problems naming where they are, never a crash, and nothing is written."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from bot.language.order_numbers import OrderNumbers
from bot.ops.demo_data import DEMO_NOW, generate
from bot.ops.order_io import ImportValidationError, validate

DEMO: dict[str, Any] = json.loads(json.dumps(generate(seed=7, now=DEMO_NOW).as_import()))
SMALL = {"customers": DEMO["customers"][:3], "orders": DEMO["orders"][:3], "disruptions": []}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
patient = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document that holds a value."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += paths(inner, (*prefix, i))
    return found


PLACES = paths(SMALL)


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def checked(session: Session, data: Any) -> None:
    try:
        validate(session, data, OrderNumbers.demo())
    except ImportValidationError as problems:
        assert problems.errors
        assert all(isinstance(e, str) and e and "Traceback" not in e for e in problems.errors)


@pytest.fixture
def session(sqlite_session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with sqlite_session_factory() as session:
        yield session


@patient
@given(json_values)
def test_any_json_document_is_accepted_or_refused_with_reasons(session: Session, data: Any) -> None:
    checked(session, data)


@patient
@given(st.sampled_from(PLACES), json_values)
def test_a_good_file_with_any_value_changed_is_accepted_or_refused_with_reasons(
    session: Session, path: tuple[Any, ...], value: Any
) -> None:
    checked(session, replaced(SMALL, path, value))


def test_the_unchanged_file_is_valid(session: Session) -> None:
    assert len(validate(session, SMALL, OrderNumbers.demo()).orders) == 3
