"""The engines are pure computation: they import nothing of ccops outside ccops.engines."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINES = Path(__file__).resolve().parents[2] / "src" / "ccops" / "engines"
FORBIDDEN_TOP = {"sqlalchemy", "fastapi", "typer", "ibis", "httpx", "requests", "rich"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_engines_import_only_engines_and_numerics() -> None:
    files = sorted(ENGINES.glob("*.py"))
    assert files, "no engine modules found"
    for path in files:
        for name in _imports(path):
            top = name.split(".")[0]
            assert not (top == "ccops" and not name.startswith("ccops.engines")), (path, name)
            assert top not in FORBIDDEN_TOP, (path, name)
