"""The MiniLM NLU component's cache key (``NearestExampleSearch.fingerprint_addon``).

Rasa asks a component for the extra part of its cache key with whatever config it holds for the node, which
need not carry the component's defaults; the key must then be the one the defaults give. Runs in the Rasa
engine's own environment (``SHOPDESK_TEST_RASA_BIN``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.e2e.rasa_env import run_in_rasa_env

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


def fingerprints(encoder_folder: Path) -> dict[str, str | None]:
    return run_in_rasa_env(SCRIPT, str(encoder_folder))


@pytest.mark.rasa
def test_the_cache_key_of_a_config_without_defaults_is_the_defaults_one(tmp_path: Path) -> None:
    (tmp_path / "encoder.json").write_text('{"model": "one"}', encoding="utf-8")
    keys = fingerprints(tmp_path)
    assert keys["bare"] == keys["partial"] == keys["defaults"]
    assert keys["folder"] == hashlib.sha256(b'{"model": "one"}').hexdigest()
