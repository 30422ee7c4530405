"""The replay's results for a person (text) and for CI (JUnit XML).

A failure shows the first failing turn as the file wrote it, what was expected, and what came back in that
turn only. What came back is redacted (``bot.language.redaction``): emails, phone numbers, postcodes and
street addresses from the order system never reach a terminal or a CI log through the report; what the
file itself says is shown as written.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from itertools import groupby
from pathlib import Path

from bot.language.redaction import redact
from bot.ops.replay.check import Answer
from bot.ops.replay.runner import Failure, Outcome


def _came_back(answer: Answer, previous: bool) -> Iterator[str]:
    what = "the previous reply" if previous else "came back"
    yield f"{what} (conversation {answer.status}):"
    if not answer.replies:
        yield "  (no replies)"
    for reply in answer.replies:
        text = textwrap.indent(redact(reply.text), " " * (len(reply.author) + 4)).lstrip()
        yield f"  {reply.author}: {text}"
        if reply.buttons:
            titles = " | ".join(redact(b.title) for b in reply.buttons)
            yield f"  {' ' * len(reply.author)}  buttons: {titles}"


def _failure_lines(outcome: Outcome, failure: Failure) -> Iterator[str]:
    if failure.turn:
        yield f"turn {failure.turn} of {outcome.turns}  {failure.said}"
    else:
        yield failure.said
    for problem in failure.problems:
        yield f"- {problem}"
    if failure.answer is not None:
        yield from _came_back(failure.answer, failure.answer_is_previous)


def failure_text(outcome: Outcome) -> str:
    """The failure's details, one line each (empty for a pass)."""
    if outcome.failure is None:
        return ""
    return "\n".join(_failure_lines(outcome, outcome.failure))


def summary(outcomes: Sequence[Outcome], seconds: float) -> str:
    passed = sum(o.passed for o in outcomes)
    failed = len(outcomes) - passed
    verdict = "PASS" if not failed else "FAIL"
    return f"{verdict}: {passed} passed, {failed} failed of {len(outcomes)} conversations in {seconds:.1f}s"


def text(outcomes: Sequence[Outcome], seconds: float) -> str:
    lines: list[str] = []
    for path, group in groupby(outcomes, key=lambda o: o.path):
        lines.append(str(path))
        for outcome in group:
            if outcome.passed:
                turns = f"{outcome.turns} turn{'s' if outcome.turns != 1 else ''}"
                lines.append(f"  PASS  {outcome.name}  ({turns}, {outcome.seconds:.1f}s)")
            else:
                lines.append(f"  FAIL  {outcome.name}")
                lines.append(textwrap.indent(failure_text(outcome), " " * 8))
    lines.append(summary(outcomes, seconds))
    return "\n".join(lines)


def junit(outcomes: Sequence[Outcome], destination: Path) -> None:
    """One ``testsuite`` per file, one ``testcase`` per conversation, the failure's text as its body."""
    suites = ET.Element("testsuites", name="shopdesk replay")
    for path, grouped in groupby(outcomes, key=lambda o: o.path):
        group = list(grouped)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=str(path),
            tests=str(len(group)),
            failures=str(sum(not o.passed for o in group)),
            time=f"{sum(o.seconds for o in group):.3f}",
        )
        for outcome in group:
            case = ET.SubElement(
                suite, "testcase", classname=str(path), name=outcome.name, time=f"{outcome.seconds:.3f}"
            )
            if outcome.failure is not None:
                failure = ET.SubElement(case, "failure", message=outcome.failure.problems[0])
                failure.text = failure_text(outcome)
    tree = ET.ElementTree(suites)
    ET.indent(tree)
    destination.parent.mkdir(parents=True, exist_ok=True)
    tree.write(destination, encoding="utf-8", xml_declaration=True)
