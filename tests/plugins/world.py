"""The two-site organisation with one user per role, built once per test process on each
engine (argon2 hashing is slow on purpose) and copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.runtime import dispose_engines
from ccops.settings import Settings
from tests.factories.web import World, build_world
from tests.plugins.databases import ENGINES, PostgresTemplates


def _build(url: str) -> dict[Role, str]:
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        tokens = build_world(s)
    engine.dispose()
    return tokens


@pytest.fixture(scope="session")
def world_template(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, dict[Role, str]]:
    """The two-site organisation on SQLite, built once per worker."""
    path = tmp_path_factory.mktemp("world") / "world.sqlite"
    shutil.copy(sqlite_template, path)
    return path, _build(f"sqlite:///{path}")


@pytest.fixture(params=ENGINES)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """A private copy of the two-site organisation, on each engine."""
    if request.param == "sqlite":
        template, tokens = request.getfixturevalue("world_template")
        path = tmp_path / "world.sqlite"
        shutil.copy(template, path)
        url = f"sqlite:///{path}"
    else:
        templates: PostgresTemplates = request.getfixturevalue("postgres_templates")
        tokens = templates.template("world", _build)
        url = templates.copy("world")
    settings = Settings(database_url=url, data_dir=tmp_path / "var", secret_key="k")
    yield World(settings, tokens)
    if request.param == "sqlite":
        dispose_engines()
    else:
        templates.drop(url)
