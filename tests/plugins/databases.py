"""Migrated SQLite and PostgreSQL databases, settings, sessions, the CLI runner.

Every database test runs on both engines. PostgreSQL comes from CCOPS_TEST_POSTGRES_URL (default:
the local server, database ``test``); each xdist worker gets its own databases. Under CI=true a
PostgreSQL that cannot be reached fails the test; elsewhere it skips with the reason.

Fixtures whose data takes long to build (the demo centre, the two-site world) build it once per
worker into a PostgreSQL *template* database and give each test a copy
(``CREATE DATABASE copy TEMPLATE template``), as they copy a SQLite file.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.db import make_engine, make_session_factory
from ccops.migrate import upgrade
from ccops.model_registry import Base
from ccops.runtime import dispose_engines
from ccops.settings import Settings, get_settings
from tests.factories.web import signed_in_client
from tests.plugins.ci import unavailable

PG_ADMIN_URL = os.environ.get(
    "CCOPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ENGINES = ["sqlite", "postgres"]
"""The parameters of every database fixture."""


def _postgres_unavailable(reason: str) -> None:
    unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {reason}", what="PostgreSQL tests")


def _postgres_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once per run is much faster)."""
    path = tmp_path_factory.mktemp("template") / "ccops.sqlite"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str]:
    """A freshly migrated PostgreSQL database of this test process, dropped afterwards.

    Named by process id, so two test runs on one server (two terminals, two checkouts) never
    share or drop each other's database.
    """
    name = f"ccops_test_{worker_id}_{os.getpid()}".replace("-", "_")
    try:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as exc:
        _postgres_unavailable(str(exc.orig).strip().splitlines()[0])
    url = _postgres_url(name)
    upgrade(url)
    yield url
    dispose_engines()
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@dataclass
class PostgresTemplates:
    """Template databases built once per test process, and the per-test copies made of them."""

    admin: sa.Engine
    prefix: str
    built: dict[str, Any] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    serial: Iterator[int] = field(default_factory=itertools.count)

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(sql)

    def template(self, key: str, build: Callable[[str], Any]) -> Any:
        """Build template ``key`` (migrate, then ``build(url)``) unless built; return its value."""
        if key not in self.built:
            name = f"{self.prefix}_{key}"
            self._execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            self._execute(f"CREATE DATABASE {name}")
            self.names.append(name)
            url = _postgres_url(name)
            upgrade(url)
            self.built[key] = build(url)
            dispose_engines()  # a template must have no connection while it is copied
        return self.built[key]

    def copy(self, key: str) -> str:
        """The URL of a new database copied from template ``key``."""
        name = f"{self.prefix}_{key}_{next(self.serial)}"
        self._execute(f"CREATE DATABASE {name} TEMPLATE {self.prefix}_{key}")
        return _postgres_url(name)

    def drop(self, url: str) -> None:
        """Drop a copy (closing whatever still connects to it)."""
        dispose_engines()
        self._execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


@pytest.fixture(scope="session")
def postgres_templates(worker_id: str) -> Iterator[PostgresTemplates]:
    """This test process's PostgreSQL templates, dropped at the end of the session."""
    prefix = f"ccops_tpl_{worker_id}_{os.getpid()}".replace("-", "_")
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _postgres_unavailable(str(exc.orig).strip().splitlines()[0])
    templates = PostgresTemplates(admin, prefix)
    yield templates
    dispose_engines()
    for name in templates.names:
        templates._execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty database URL on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "ccops.sqlite"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        _truncate_postgres(url)
    yield url
    dispose_engines()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at the test database and a private data directory."""
    return Settings(database_url=db_url, data_dir=tmp_path / "var", secret_key="test-secret")


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    """A session on the test database; whatever the test leaves uncommitted is rolled back."""
    engine = make_engine(settings.resolved_database_url())
    factory = make_session_factory(engine)
    s = factory()
    try:
        yield s
    finally:
        s.rollback()
        s.close()
        engine.dispose()


@pytest.fixture
def sqlite_settings(tmp_path: Path, sqlite_template: Path) -> Iterator[Settings]:
    """Settings on a migrated, empty SQLite copy only (tests that need no second engine)."""
    path = tmp_path / "only.sqlite"
    shutil.copy(sqlite_template, path)
    yield Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path / "var", secret_key="k")
    dispose_engines()


@pytest.fixture
def admin_client(settings: Settings) -> TestClient:
    """A TestClient signed in as an administrator with an API token, on the test database."""
    return signed_in_client(settings)


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Point the `ccops` CLI at the test database through its environment variables."""
    monkeypatch.setenv("CCOPS_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CCOPS_SECRET_KEY", settings.secret_key)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


@pytest.fixture
def cli(cli_env: Settings) -> CliRunner:
    """A Typer runner for the `ccops` app on the test database."""
    return CliRunner()
