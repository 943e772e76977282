"""Shared fixtures: migrated SQLite and PostgreSQL databases, settings, sessions, a small org.

Every database test runs on both engines. PostgreSQL comes from CCOPS_TEST_POSTGRES_URL (default:
the local server, database ``test``); each xdist worker gets its own database. Under CI=true a
PostgreSQL that cannot be reached fails the test; elsewhere it skips with the reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

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
from ccops.web.app import create_app

PG_ADMIN_URL = os.environ.get(
    "CCOPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TECHNION_FILE = SHARED_DATA / "technion_anonymous_bank_1999-02-01_14.tsv"
TEST_DATA = Path(__file__).parent / "data"


def _postgres_unavailable(reason: str) -> None:
    message = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: PostgreSQL tests must run)", pytrace=False)
    pytest.skip(message)


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
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    dispose_engines()
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
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


def signed_in_client(settings: Settings, *, login: str = "root") -> TestClient:
    """A TestClient of the app on ``settings`` signed in as a new administrator (API token)."""
    from tests.factories import make_admin

    engine = make_engine(settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        token = make_admin(s, login=login)
    engine.dispose()
    return TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"})


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


DEMO_END = "2026-11-22"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """The demo centre seeded once per test worker (about 20 s), for tests to copy."""
    from datetime import date

    from ccops import demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with make_session_factory(engine)() as s:
        demo.seed(s, secret_key="demo-secret", end=date.fromisoformat(DEMO_END))
        s.commit()
    engine.dispose()
    return path


@pytest.fixture
def demo_url(demo_template: Path, tmp_path: Path) -> str:
    """A private copy of the demo centre database."""
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_template, path)
    return f"sqlite:///{path}"
