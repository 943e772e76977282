"""The layers hold: only the edge owns a transaction, and import-linter's contracts are kept.

Services ``flush()``; the edge commits: ``ccops.db.transaction``, used by the request's session
dependency (``ccops.web.deps.get_session``), the CLI's ``ccops.runtime.unit_of_work`` and the job
runner (``ccops.jobs.service``). A form's failed attempt rolls back to a savepoint
(``ccops.db.attempt``), never the whole request.
"""

from __future__ import annotations

import ast
import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "ccops"

# The unit-of-work code: the only place that calls commit() and rollback().
UNIT_OF_WORK = frozenset({"ccops/db.py"})

TRANSACTION_CALLS = frozenset({"commit", "rollback"})


def transaction_calls(path: Path) -> list[int]:
    """Return the lines of ``path`` that call ``<anything>.commit(...)`` or ``.rollback(...)``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in TRANSACTION_CALLS
    )


@functools.cache
def calls_by_file() -> dict[str, list[int]]:
    """Map each module of src/ccops that commits or rolls back to the lines that do."""
    found: dict[str, list[int]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = transaction_calls(path)
        if lines:
            found[path.relative_to(SRC).as_posix()] = lines
    return found


def test_the_ast_check_sees_a_commit_and_a_rollback(tmp_path: Path) -> None:
    source = tmp_path / "routes.py"
    source.write_text(
        "def save(session):\n"
        "    session.flush()\n"
        "    session.commit()\n"
        "    request.state.db.rollback()\n"
        "    # session.commit() in a comment is no call\n"
        "    note = 'session.rollback()'\n",
        encoding="utf-8",
    )
    assert transaction_calls(source) == [3, 4]


def test_only_the_unit_of_work_commits_or_rolls_back() -> None:
    stray = {name: lines for name, lines in calls_by_file().items() if name not in UNIT_OF_WORK}
    assert not stray, (
        "commit()/rollback() outside the unit-of-work code (services flush; a form's failed "
        f"attempt uses `with ccops.db.attempt(session):`): {stray}"
    )


def test_the_unit_of_work_is_where_the_check_says() -> None:
    found = calls_by_file()
    assert UNIT_OF_WORK <= found.keys(), "the unit-of-work module moved: update UNIT_OF_WORK"


@pytest.mark.timeout(120)
def test_import_linter_contracts_are_kept() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; "
            "sys.exit(lint_imports_command())",
            "--no-cache",
        ],
        cwd=SRC.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


EDGE_NAMES = frozenset({"routes.py", "pages.py", "edit_pages.py", "cli.py", "demo_cli.py"})


def edge_sqlalchemy_imports(path: Path) -> list[str]:
    """Return what an edge module imports from SQLAlchemy beyond ``sqlalchemy.orm.Session`` (the
    type of the request's session): an edge that can build a query has a reason to."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            found += [
                f"{node.module}.{a.name}"
                for a in node.names
                if (node.module, a.name) != ("sqlalchemy.orm", "Session")
            ]
    return found


def test_the_edge_check_sees_a_query_import(tmp_path: Path) -> None:
    source = tmp_path / "routes.py"
    source.write_text(
        "from sqlalchemy.orm import Session\n"
        "from sqlalchemy import select, func\n"
        "import sqlalchemy\n",
        encoding="utf-8",
    )
    assert edge_sqlalchemy_imports(source) == ["sqlalchemy.select", "sqlalchemy.func", "sqlalchemy"]


def test_edges_build_no_queries() -> None:
    edges = [p for p in sorted(PACKAGE.rglob("*.py")) if p.name in EDGE_NAMES]
    assert len(edges) > 20, "the edge modules moved: update EDGE_NAMES"
    found = {
        p.relative_to(SRC).as_posix(): names for p in edges if (names := edge_sqlalchemy_imports(p))
    }
    assert not found, f"routes, pages and CLI call services; these import query building: {found}"


def test_edges_take_savepoints_through_attempt() -> None:
    """One way for a form to try a change: ``ccops.db.attempt``, not a savepoint of its own."""
    found = [
        f"{p.relative_to(SRC).as_posix()}:{node.lineno}"
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.name in EDGE_NAMES
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "begin_nested"
    ]
    assert not found, f"use `with ccops.db.attempt(session):` in {found}"
