"""scripts/rasa_metrics_dir.sh, which starts Rasa: with several Sanic workers, prometheus-client's
multiprocess mode in a directory that starts empty on every run; with one, the process's own registry.

The command it runs here is a small Python program that reads the directory as Rasa's scrape does
(``MultiProcessCollector``); the earlier run's samples are written by prometheus-client itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.stack import ROOT

SCRIPT = ROOT / "scripts" / "rasa_metrics_dir.sh"

EARLIER_RUN = """
from prometheus_client import Histogram
turns = Histogram("shopdesk_rasa_turn_seconds", "Rasa handling one message.")
for _ in range(3):
    turns.observe(0.1)
"""

READ_AS_A_SCRAPE_DOES = """
import json, os
from prometheus_client import CollectorRegistry, multiprocess
directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
turns = None
if directory:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    turns = registry.get_sample_value("shopdesk_rasa_turn_seconds_count") or 0.0
print(json.dumps({"directory": directory, "turns": turns}))
"""


def python(code: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout


def through_the_script(directory: Path, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [str(SCRIPT), str(directory), sys.executable, "-c", READ_AS_A_SCRAPE_DOES],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seen: dict[str, Any] = json.loads(done.stdout)
    return seen


def test_with_two_workers_rasa_starts_on_an_empty_directory_whatever_an_earlier_run_left(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "rasa-metrics"
    directory.mkdir()
    earlier = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    python(EARLIER_RUN, earlier)
    assert json.loads(python(READ_AS_A_SCRAPE_DOES, earlier))["turns"] == 3  # what it would add

    seen = through_the_script(directory, {**os.environ, "SANIC_WORKERS": "2"})

    assert seen == {"directory": str(directory), "turns": 0}


def test_with_two_workers_the_directory_is_made_when_missing(tmp_path: Path) -> None:
    directory = tmp_path / "var" / "rasa-metrics"

    seen = through_the_script(directory, {**os.environ, "SANIC_WORKERS": "2"})

    assert seen == {"directory": str(directory), "turns": 0}


def test_with_one_worker_rasa_keeps_its_own_registry_even_if_the_variable_was_set(tmp_path: Path) -> None:
    env = {**os.environ, "SANIC_WORKERS": "1", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}

    assert through_the_script(tmp_path / "rasa-metrics", env) == {"directory": None, "turns": None}
