"""The action server starts without torch: the ONNX embedding backend runs without it, and spaCy's thinc
is kept from importing it (actions/server.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from bot.settings import Settings
from actions.server import build_app, build_context

build_app(Settings())  # first, as the server's main does: it imports the actions, and spaCy with them
from bot.language.extraction import extract
from bot.language.order_numbers import DEMO

context = build_context(Settings())
found = extract("it's order #SD-10023, jane@example.com", DEMO)
answer = context.ask("how long do refunds take?")
print(sorted({"torch", "sentence_transformers", "transformers"} & set(sys.modules)))
print(found.order_numbers, found.emails, answer.answered)
import torch  # still importable for the torch backend
print(torch.tensor([1.0]).sum().item())
"""


def test_the_action_server_loads_its_context_and_reads_messages_without_torch(
    shop_db_url: str, tmp_path: Path
) -> None:
    env = os.environ | {
        "PYTHONPATH": str(ROOT),
        "SHOPDESK_EMBEDDING_BACKEND": "onnx",
        "HF_HUB_OFFLINE": "1",
        "SHOPDESK_DATABASE_URL": shop_db_url,
        "SHOPDESK_INDEX_DIR": str(tmp_path / "index"),
    }
    build = [sys.executable, "-m", "bot.ops.cli", "knowledge", "build"]
    subprocess.run(build, cwd=ROOT, env=env, check=True, timeout=600)
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-3000:]
    modules, extracted, tensor = run.stdout.strip().splitlines()[-3:]
    assert modules == "[]"
    assert extracted == "('SD-10023',) ('jane@example.com',) True"
    assert tensor == "1.0"
