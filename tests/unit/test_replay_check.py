"""Replay's checker, file format and report: pure functions, no network."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot.ops.replay import report
from bot.ops.replay.check import Answer, Button, NoSuchButton, Reply, check, find_button
from bot.ops.replay.runner import Failure, Outcome
from bot.ops.replay.script import Expect, ScriptError, parse

LATE = Answer(
    replies=(
        Reply("bot", "Order SD-10002 is 2 days late.\nIt was promised for 13 October 2026."),
        Reply("bot", "Anything else?", (Button("Talk to a person", '/human_handoff{"t":"rules"}'),)),
    )
)
ORDERS = Answer(
    replies=(
        Reply(
            "bot",
            "Your other orders:",
            (
                Button("SD-10026 (placed 3 October 2026)", "/inform_a"),
                Button("SD-10027 (placed 9 October 2026)", "/inform_b"),
            ),
        ),
    )
)


def test_replies_that_show_everything_expected_pass() -> None:
    expect = Expect(
        contains=["sd-10002", "Promised for"],
        not_contains=["didn't understand"],
        buttons=["talk to a person"],
        matches=[r"\d+ days late"],
        status="bot",
    )
    assert check(LATE, expect) == []


def test_each_shortfall_is_named_with_what_was_expected() -> None:
    expect = Expect(
        contains=["on its way", "SD-10002"],
        not_contains=["LATE"],
        buttons=["Start a return"],
        matches=[r"^Order SD-\d+ is on time"],
        status="queued",
    )
    assert check(LATE, expect) == [
        'expected "on its way" in the replies',
        'expected no "LATE" in the replies',
        'expected a button "Start a return"',
        "expected the replies to match /^Order SD-\\d+ is on time/",
        "expected the conversation to be queued, it is bot",
    ]


def test_a_regular_expression_is_case_sensitive_unless_it_says_otherwise() -> None:
    assert check(LATE, Expect(matches=["order sd-10002"])) != []
    assert check(LATE, Expect(matches=["(?i)order sd-10002"])) == []


def test_an_assistant_that_did_not_answer_fails_even_without_expectations() -> None:
    down = Answer((Reply("system", "Our assistant is not available right now."),), assistant_available=False)
    assert check(down, Expect()) == ["the assistant did not answer (the gateway reports it unavailable)"]


def test_a_button_is_pressed_by_its_title_or_a_part_of_it_that_only_it_has() -> None:
    assert find_button(LATE, "TALK TO A PERSON").payload.startswith("/human_handoff")
    assert find_button(ORDERS, "SD-10027").payload == "/inform_b"
    with pytest.raises(NoSuchButton, match="several"):
        find_button(ORDERS, "placed")
    with pytest.raises(NoSuchButton, match='no button "Start a return"'):
        find_button(LATE, "Start a return")
    with pytest.raises(NoSuchButton):
        find_button(None, "Talk to a person")


FILE = """\
conversations:
  - name: a yes is a word, not a boolean
    turns:
      - shopper: cancel order 10024
        expect: {contains: email}
      - shopper: yes
        expect:
          contains: [cancelled, "10024"]
          buttons: Start a return
      - press: Start a return
"""


def test_a_file_reads_as_conversations_of_turns_with_every_scalar_as_text() -> None:
    script = parse(FILE, Path("orders.yml"))
    [conversation] = script.conversations
    assert conversation.setup.channel == "web"
    first, second, third = conversation.turns
    assert first.shopper == "cancel order 10024" and first.expect.contains == ["email"]
    assert second.shopper == "yes"
    assert second.expect.contains == ["cancelled", "10024"] and second.expect.buttons == ["Start a return"]
    assert third.press == "Start a return" and third.expect == Expect()


def problems(text: str) -> list[str]:
    with pytest.raises(ScriptError) as raised:
        parse(text, Path("shop.yml"))
    return raised.value.problems


def test_a_mistyped_key_is_reported_with_its_path_and_line() -> None:
    assert problems(FILE.replace("buttons:", "button:")) == [
        "shop.yml:9: conversations[0].turns[1].expect.button: Extra inputs are not permitted"
    ]


def test_a_turn_must_either_say_something_or_press_a_button() -> None:
    text = FILE.replace("      - press: Start a return\n", "      - expect: {contains: x}\n")
    assert problems(text) == [
        "shop.yml:10: conversations[0].turns[2]: a turn has exactly one of `shopper:` (text typed) "
        "or `press:` (a button title)"
    ]


def test_a_broken_regular_expression_and_a_missing_name_are_both_reported() -> None:
    text = "conversations:\n  - turns:\n      - shopper: hi\n        expect: {matches: ['(']}\n"
    found = problems(text)
    assert found[0] == "shop.yml:2: conversations[0].name: Field required"
    assert found[1].startswith(
        "shop.yml:4: conversations[0].turns[0].expect.matches: not a regular expression"
    )


def test_pressing_a_button_first_and_reusing_a_name_are_refused() -> None:
    assert problems("conversations:\n  - name: a\n    turns:\n      - press: Yes\n") == [
        "shop.yml:4: conversations[0].turns: the first turn cannot `press:` a button: nothing has been "
        "offered yet"
    ]
    twice = "conversations:\n" + "  - name: a\n    turns: [{shopper: hi}]\n" * 2
    assert problems(twice) == ["shop.yml:2: conversations: two conversations are named 'a'"]


def test_a_yaml_syntax_error_names_its_line() -> None:
    assert problems("conversations:\n  - name: a\n    turns: [\n")[0].startswith("shop.yml:4: not valid YAML")
    assert problems("") == ["shop.yml: conversations: Field required"]


def test_the_report_shows_the_failing_turn_and_what_came_back_without_personal_data() -> None:
    answer = Answer(
        (Reply("bot", "We sent it to 12 Baker Street, NW1 6XE.\nEmail: olivia.bennett@example.com"),)
    )
    failed = Outcome(
        Path("shop.yml"),
        "where is it",
        3,
        1.5,
        Failure(2, "shopper: SD-10001", ['expected "with the carrier" in the replies'], answer),
    )
    passed = Outcome(Path("shop.yml"), "policy", 1, 0.4)
    shown = report.text([passed, failed], 1.9)
    assert shown.splitlines() == [
        "shop.yml",
        "  PASS  policy  (1 turn, 0.4s)",
        "  FAIL  where is it",
        "        turn 2 of 3  shopper: SD-10001",
        '        - expected "with the carrier" in the replies',
        "        came back (conversation bot):",
        "          bot: We sent it to [address], [postcode].",
        "               Email: [email]",
        "FAIL: 1 passed, 1 failed of 2 conversations in 1.9s",
    ]
    assert report.summary([passed], 0.4) == "PASS: 1 passed, 0 failed of 1 conversations in 0.4s"


def test_the_junit_file_has_a_case_per_conversation_and_the_failure_text(tmp_path: Path) -> None:
    failure = Failure(1, "shopper: hi", ['expected "hello" in the replies'], Answer(()))
    outcomes = [
        Outcome(Path("a.yml"), "greets", 1, 0.2, failure),
        Outcome(Path("a.yml"), "policy", 1, 0.3),
        Outcome(Path("b.yml"), "returns", 2, 0.5),
    ]
    report.junit(outcomes, tmp_path / "out" / "replay.xml")
    root = ET.parse(tmp_path / "out" / "replay.xml").getroot()
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures")) for s in suites] == [
        ("a.yml", "2", "1"),
        ("b.yml", "1", "0"),
    ]
    failed = suites[0].find("testcase/failure")
    assert failed is not None
    assert failed.get("message") == 'expected "hello" in the replies'
    assert "(no replies)" in (failed.text or "")
