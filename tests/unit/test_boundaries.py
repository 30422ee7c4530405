"""The package boundaries the layout promises, checked on the source (parsed, never imported).

- ``knowledge/`` imports nothing of ``bot/``: it gets its folders and settings passed in.
- ``bot/settings.py`` is the application's only reader of ``SHOPDESK_*`` environment variables; tests,
  scripts and benchmarks may read them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPLICATION = ("actions", "bot", "integrations", "knowledge")
SETTINGS = ROOT / "bot" / "settings.py"


def _modules(*packages: str) -> Iterator[Path]:
    for package in packages:
        yield from sorted((ROOT / package).rglob("*.py"))


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_modules(tree: ast.Module) -> set[str]:
    """Every module an ``import`` or ``from ... import`` names, wherever it sits (functions included)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments, so ``os.environ.get(NAME)`` reads as its text."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _is_environ(node: ast.expr) -> bool:
    """``os.environ`` or a bare ``environ``."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ"
    return isinstance(node, ast.Name) and node.id == "environ"


def environment_reads(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, variable) for each environment read; the variable is "?" when it is not a known string."""
    constants = _constants(tree)

    def key(node: ast.expr | None) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id in constants:
            return constants[node.id]
        return "?"

    reads: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
            reads.append((node.lineno, key(node.slice)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            first = node.args[0] if node.args else None
            if (func.attr in ("get", "pop") and _is_environ(func.value)) or func.attr == "getenv":
                reads.append((node.lineno, key(first)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getenv":
            reads.append((node.lineno, key(node.args[0] if node.args else None)))
    return sorted(reads)


def test_nothing_under_knowledge_imports_bot() -> None:
    offenders = {
        path.relative_to(ROOT).as_posix(): sorted(
            m for m in imported_modules(_parse(path)) if m == "bot" or m.startswith("bot.")
        )
        for path in _modules("knowledge")
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_only_the_settings_read_shopdesk_variables_in_the_application() -> None:
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}:{line} reads {name}"
        for path in _modules(*APPLICATION)
        if path != SETTINGS
        for line, name in environment_reads(_parse(path))
        if name.startswith("SHOPDESK_") or name == "?"
    ]
    assert offenders == []


def test_the_checks_see_the_reads_and_imports_they_look_for() -> None:
    """The two checks above would catch what they forbid, in every spelling used before."""
    tree = ast.parse(
        "import os\nfrom os import environ, getenv\nBACKEND_ENV = 'SHOPDESK_EMBEDDING_BACKEND'\n"
        "def f():\n    from bot.settings import Settings\n    return Settings\n"
        "a = os.environ.get(BACKEND_ENV, 'onnx')\nb = os.environ['SHOPDESK_CACHE']\n"
        "c = os.getenv('SHOPDESK_NOW')\nd = getenv(name)\ne = environ.get('HF_HUB_OFFLINE')\n"
    )
    assert "bot.settings" in imported_modules(tree)
    assert [name for _, name in environment_reads(tree)] == [
        "SHOPDESK_EMBEDDING_BACKEND",
        "SHOPDESK_CACHE",
        "SHOPDESK_NOW",
        "?",
        "HF_HUB_OFFLINE",
    ]
