"""Run a short Python script in the Rasa engine's own environment (the code in integrations/rasa_engine
runs there, against Rasa's real classes) and read the JSON object it prints last."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.stack import ROOT, rasa_or_skip


def run_in_rasa_env(script: str, *args: str, timeout: float = 300) -> dict[str, Any]:
    """``args`` are the script's ``sys.argv[1:]``."""
    rasa_bin, _model = rasa_or_skip()
    done = subprocess.run(
        [str(Path(rasa_bin).parent / "python"), "-c", script, *args],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "2"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report
