"""The demo centre, seeded once per test process on each engine, copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from ccops.db import make_engine, make_session_factory
from tests.plugins.databases import ENGINES, PostgresTemplates

DEMO_END = "2026-11-22"


def seed_demo(url: str) -> None:
    """Seed the demo centre into the migrated database at ``url`` (about 20 s on SQLite)."""
    from ccops import demo

    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        demo.seed(s, secret_key="demo-secret", end=date.fromisoformat(DEMO_END))
        s.commit()
    engine.dispose()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """The demo centre on SQLite, seeded once per test worker, for tests to copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    shutil.copy(sqlite_template, path)
    seed_demo(f"sqlite:///{path}")
    return path


@pytest.fixture(params=ENGINES)
def demo_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A private copy of the demo centre database, on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "demo.sqlite"
        shutil.copy(request.getfixturevalue("demo_template"), path)
        yield f"sqlite:///{path}"
        return
    templates: PostgresTemplates = request.getfixturevalue("postgres_templates")
    templates.template("demo", seed_demo)
    url = templates.copy("demo")
    yield url
    templates.drop(url)
