"""The engines are pure computation: they import nothing of ccops outside ccops.engines."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINES = Path(__file__).resolve().parents[2] / "src" / "ccops" / "engines"
FORBIDDEN_TOP = {"sqlalchemy", "fastapi", "typer", "ibis", "httpx", "requests", "rich"}


def _imports(path: Path) -> list[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    package = ["ccops", *path.relative_to(ENGINES.parent).parent.parts]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names.append(".".join([*base, *([node.module] if node.module else [])]))
            elif node.module:
                names.append(node.module)
    return names


def test_engines_import_only_engines_and_numerics() -> None:
    files = sorted(ENGINES.rglob("*.py"))
    assert files, "no engine modules found"
    assert any(p.parent != ENGINES for p in files), "engine packages are not searched"
    for path in files:
        for name in _imports(path):
            top = name.split(".")[0]
            inside = name == "ccops.engines" or name.startswith("ccops.engines.")
            assert not (top == "ccops" and not inside), (path, name)
            assert top not in FORBIDDEN_TOP, (path, name)


def test_importing_the_engines_loads_no_solver_nor_statsforecast() -> None:
    """HiGHS, OR-Tools and statsforecast load only when a plan, roster or model is solved."""
    code = (
        "import sys\n"
        "from ccops.engines import forecasting, queueing, scheduling, simulation, stats\n"
        "heavy = ('highspy', 'ortools', 'statsforecast')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
