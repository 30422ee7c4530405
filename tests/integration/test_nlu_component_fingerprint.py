"""The MiniLM NLU component's cache key (``NearestExampleSearch.fingerprint_addon``).

Rasa asks a component for the extra part of its cache key with whatever config it holds for the node, which
need not carry the component's defaults; the key must then be the one the defaults give. Runs in the Rasa
engine's own environment (``SHOPDESK_TEST_RASA_BIN``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.stack import unavailable

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from integrations.rasa_engine.nlu.components import NearestExampleSearch as C

folder = sys.argv[1]
print(json.dumps({
    "bare": C.fingerprint_addon({}),
    "partial": C.fingerprint_addon({"threads": 2}),
    "defaults": C.fingerprint_addon(C.get_default_config()),
    "folder": C.fingerprint_addon({"encoder": folder}),
}))
"""


def rasa_python() -> Path:
    rasa_bin = os.environ.get("SHOPDESK_TEST_RASA_BIN", "")
    if not (rasa_bin and Path(rasa_bin).exists()):
        unavailable("no Rasa engine (SHOPDESK_TEST_RASA_BIN)")
    return Path(rasa_bin).parent / "python"


def fingerprints(encoder_folder: Path) -> dict[str, str | None]:
    done = subprocess.run(
        [str(rasa_python()), "-c", SCRIPT, str(encoder_folder)],
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, str | None] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.rasa
def test_the_cache_key_of_a_config_without_defaults_is_the_defaults_one(tmp_path: Path) -> None:
    (tmp_path / "encoder.json").write_text('{"model": "one"}', encoding="utf-8")
    keys = fingerprints(tmp_path)
    assert keys["bare"] == keys["partial"] == keys["defaults"]
    assert keys["folder"] == hashlib.sha256(b'{"model": "one"}').hexdigest()
