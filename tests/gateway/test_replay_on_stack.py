"""``shopdesk replay`` through the real gateway, Rasa and action server: the project's own end-to-end
conversations (``tests/conversations/*.yml``) and the shops' example (``docs/replay-example.yml``) pass,
and a wrong expectation fails with a report and a non-zero exit.

The command runs as an operator runs it: ``python -m bot.ops.cli replay ...`` in a process of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gateway.conftest import ServedApp
from tests.stack import ROOT

pytestmark = pytest.mark.rasa

CONVERSATIONS = sorted((ROOT / "tests" / "conversations").glob("*.yml"))
EXAMPLE = ROOT / "docs" / "replay-example.yml"


def replay(
    gateway: ServedApp, *files: Path, options: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", "replay", *map(str, files), "--url", gateway.url, *options],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_projects_end_to_end_conversations_pass(gateway_on_stack: ServedApp) -> None:
    assert len(CONVERSATIONS) >= 2
    done = replay(gateway_on_stack, *CONVERSATIONS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout
    assert done.stdout.splitlines()[-1].startswith("PASS: ")


def test_the_example_for_shops_passes_on_the_demo_shop(gateway_on_stack: ServedApp) -> None:
    done = replay(gateway_on_stack, EXAMPLE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("PASS: 5 passed, 0 failed of 5 conversations")


WRONG = """\
conversations:
  - name: the refund time is quoted from the refunds policy
    turns:
      - shopper: how long until I get my refund?
        expect:
          contains: ["(Source: Refunds policy"]
  - name: refunds take a day
    turns:
      - shopper: how long until I get my refund?
        expect:
          contains: [within one day of your return]
          not_contains: [5 business days]
"""


def test_a_wrong_expectation_is_reported_as_a_failure_with_a_non_zero_exit(
    gateway_on_stack: ServedApp, tmp_path: Path
) -> None:
    file = tmp_path / "wrong.yml"
    file.write_text(WRONG)
    junit = tmp_path / "replay.xml"
    done = replay(gateway_on_stack, file, options=("--junit", str(junit)))
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "  PASS  the refund time is quoted from the refunds policy" in out
    assert (
        "  FAIL  refunds take a day\n"
        "        turn 1 of 1  shopper: how long until I get my refund?\n"
        '        - expected "within one day of your return" in the replies\n'
        '        - expected no "5 business days" in the replies\n'
        "        came back (conversation bot):\n"
        "          bot: We process your refund within 5 business days"
    ) in out
    assert out.splitlines()[-1].startswith("FAIL: 1 passed, 1 failed of 2 conversations")
    assert 'failures="1"' in junit.read_text()
