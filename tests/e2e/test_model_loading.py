"""Rasa's model loaded without the training trace (integrations/rasa_engine/model_loading.py) reads and
predicts exactly as Rasa's own load does."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.stack import rasa_or_skip

pytestmark = pytest.mark.rasa

ROOT = Path(__file__).resolve().parents[2]


def test_the_model_loaded_without_tracing_training_reads_and_predicts_as_rasas_own_load() -> None:
    rasa_bin, model = rasa_or_skip()
    run = subprocess.run(
        [str(Path(rasa_bin).parent / "python"), "tests/e2e/model_loading_probe.py", model],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    rasa, ours = found["rasa"], found["ours"]
    # DIET loaded with its TensorFlow model, and TED too when config.yml has it (TED falls back to an
    # untrained policy, silently, when its weights cannot be restored)
    assert any(name.startswith("run_DIETClassifier") for name in ours["models"])
    assert ours["models"] == rasa["models"]
    assert ours["parses"] == rasa["parses"]
    assert set(ours["policies"]) >= {"run_RulePolicy1", "run_MemoizationPolicy0"}
    assert ours["policies"] == rasa["policies"]
    assert {p["intent"]["name"] for p in ours["parses"]} >= {"greet", "order_status", "policy_question"}
