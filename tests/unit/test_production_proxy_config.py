"""The HAProxy configuration scripts/production.py writes is one HAProxy accepts, for any replica count."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.stack import ROOT, unavailable


def _production() -> ModuleType:
    spec = importlib.util.spec_from_file_location("production", ROOT / "scripts" / "production.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("replicas", [1, 2, 3])
def test_haproxy_accepts_the_written_configuration(replicas: int, tmp_path: Path) -> None:
    if shutil.which("haproxy") is None:
        unavailable("haproxy is not installed (apt-get install haproxy)")
    production = _production()
    layout = production.Layout(
        replicas=replicas,
        proxy_bind="127.0.0.1",
        proxy_port=8080,
        rasa_port=5005,
        actions_port=5055,
        port_base=9100,
        run_dir=tmp_path,
    )
    config = tmp_path / "haproxy.cfg"
    config.write_text(production.haproxy_config(layout))

    checked = subprocess.run(["haproxy", "-c", "-f", str(config)], capture_output=True, text=True)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "[WARNING]" not in checked.stdout + checked.stderr
