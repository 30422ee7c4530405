"""``shopdesk replay`` against the real gateway on loopback (Rasa's REST channel faked as in the other
gateway tests; the real assistant is replayed in tests/e2e/test_replay.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ops import cli
from bot.ops.replay.gateway import Gateway, GatewayError
from bot.settings import Settings
from integrations.gateway.app import create_app
from integrations.gateway.config import GatewaySettings
from tests.gateway.conftest import FakeRasa, Reply, ServedApp, free_port, serve


def shop(message: str) -> list[Reply]:
    """A tiny assistant: a greeting offers a button, the button asks for the order number."""
    if message == "hello":
        return [
            {"text": "Hi! How can I help?"},
            {
                "text": "Pick one:",
                "buttons": [
                    {"title": "Where is my order?", "payload": "/order_status"},
                    {"title": "Talk to a person", "payload": "/human_handoff"},
                ],
            },
        ]
    if message == "/order_status":
        return [{"text": "What is the order number?"}]
    return [{"text": f"You said: {message}"}]


@pytest.fixture
def assistant(fake_rasa: FakeRasa) -> FakeRasa:
    fake_rasa.answer = shop
    return fake_rasa


CONVERSATIONS = """\
conversations:
  - name: the greeting offers the order button
    turns:
      - shopper: hello
        expect:
          contains: [how can I help]
          buttons: ["Where is my order?", Talk to a person]
      - press: where is my order
        expect:
          contains: order number
          not_contains: You said
  - name: anything else is echoed
    turns:
      - shopper: olivia.bennett@example.com
        expect: {matches: ['^You said: \\S+@example\\.com$'], status: bot}
"""


def test_conversations_that_get_what_they_expect_pass_each_in_a_conversation_of_its_own(
    gateway: ServedApp, assistant: FakeRasa, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "conversations.yml"
    file.write_text(CONVERSATIONS)
    junit = tmp_path / "replay.xml"
    code = cli.main(["replay", str(file), "--url", gateway.url, "--junit", str(junit)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "  PASS  the greeting offers the order button  (2 turns" in out
    assert "  PASS  anything else is echoed  (1 turn," in out
    assert out.splitlines()[-1].startswith("PASS: 2 passed, 0 failed of 2 conversations")
    # the pressed button's payload reached the assistant; each test conversation had its own sender
    assert [call["message"] for call in assistant.calls] == [
        "hello",
        "/order_status",
        "olivia.bennett@example.com",
    ]
    senders = [call["sender"] for call in assistant.calls]
    assert senders[0] == senders[1] != senders[2]
    cases = ET.parse(junit).getroot().findall("testsuite/testcase")
    assert [(c.get("name"), c.find("failure")) for c in cases] == [
        ("the greeting offers the order button", None),
        ("anything else is echoed", None),
    ]


def test_a_wrong_expectation_fails_with_the_turn_what_was_expected_and_what_came_back(
    gateway: ServedApp, assistant: FakeRasa, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "conversations.yml"
    file.write_text(
        CONVERSATIONS.replace("contains: order number", "contains: postcode").replace(
            "status: bot", "status: queued"
        )
    )
    code = cli.main(["replay", str(file), "--url", gateway.url])
    out = capsys.readouterr().out
    assert code == 1
    assert (
        "  FAIL  the greeting offers the order button\n"
        "        turn 2 of 2  press: where is my order\n"
        '        - expected "postcode" in the replies\n'
        "        came back (conversation bot):\n"
        "          bot: What is the order number?\n"
    ) in out
    assert "        - expected the conversation to be queued, it is bot" in out
    assert "You said: [email]" in out  # what came back is redacted; the file's own words are not
    assert out.splitlines()[-1].startswith("FAIL: 0 passed, 2 failed of 2 conversations")


def test_pressing_a_button_that_was_not_offered_fails_at_that_turn(
    gateway: ServedApp, assistant: FakeRasa, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "conversations.yml"
    file.write_text(CONVERSATIONS.replace("press: where is my order", "press: Start a return"))
    assert cli.main(["replay", str(file), "--url", gateway.url]) == 1
    out = capsys.readouterr().out
    assert '- no button "Start a return" was offered in the previous reply' in out
    assert "the previous reply (conversation bot):" in out
    assert "buttons: Where is my order? | Talk to a person" in out
    assert [call["message"] for call in assistant.calls] == ["hello", "olivia.bennett@example.com"]


def test_an_invalid_file_is_refused_before_anything_is_sent(
    gateway: ServedApp, assistant: FakeRasa, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "conversations.yml"
    file.write_text(CONVERSATIONS.replace("not_contains:", "not_contain:"))
    assert cli.main(["replay", str(file), "--url", gateway.url]) == 2
    err = capsys.readouterr().err
    assert f"error: {file}:11: conversations[0].turns[1].expect.not_contain: Extra inputs" in err
    assert assistant.calls == []


def test_no_assistant_at_the_address_means_nothing_was_replayed(
    assistant: FakeRasa, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "conversations.yml"
    file.write_text(CONVERSATIONS)
    url = f"http://127.0.0.1:{free_port()}"  # a port nobody listens on
    assert cli.main(["replay", str(file), "--url", url]) == 2
    assert f"error: cannot reach the gateway at {url} (ConnectError)" in capsys.readouterr().err


def test_an_assistant_that_is_down_is_named_before_anything_is_sent(
    gateway: ServedApp, assistant: FakeRasa, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assistant.down = True
    file = tmp_path / "conversations.yml"
    file.write_text(CONVERSATIONS)
    assert cli.main(["replay", str(file), "--url", gateway.url]) == 2
    err = capsys.readouterr().err
    assert f"error: the assistant at {gateway.url} is not ready (rasa: unreachable" in err


@pytest.fixture
def strict_gateway(gateway_settings: Settings, assistant: FakeRasa) -> Iterator[ServedApp]:
    settings = GatewaySettings(**gateway_settings.model_dump(), limit_new_conversations=1)
    yield from serve(create_app(settings, transport=assistant.transport))


def test_a_rate_limit_is_waited_out_as_retry_after_says_a_bounded_number_of_times(
    strict_gateway: ServedApp,
) -> None:
    waits: list[float] = []
    with Gateway(strict_gateway.url, timeout=10, sleep=waits.append) as gateway:
        gateway.start()
        with pytest.raises(GatewayError, match="could not start a conversation: HTTP 429"):
            gateway.start()
    assert len(waits) == 3
    assert all(0 < wait <= 60 for wait in waits)
