"""Process-level wiring: one engine and session factory per database URL, checked for migration."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ccops.audit import capture
from ccops.db import make_engine, make_session_factory, require_migrated, transaction
from ccops.settings import Settings, get_settings

_engines: dict[str, Engine] = {}
# Session factories of engines found migrated: checked once per engine, not on every request.
_factories: dict[Engine, sessionmaker[Session]] = {}
# Waits for background work that may hold a connection (the KPI refresher): disposing an engine
# while another thread has one of its connections checked out orphans that connection, which
# is then closed only by the garbage collector, at a random later moment.
_quiesce: list[Callable[[], None]] = []


def before_dispose(wait: Callable[[], None]) -> None:
    """Have ``dispose_engines`` call ``wait`` first (a module with background database work)."""
    if wait not in _quiesce:
        _quiesce.append(wait)


def engine_for(url: str, *, purpose: str = "") -> Engine:
    """Return the process's engine for ``url`` (one pool per database and purpose).

    A ``purpose`` gets a pool of its own, for short reads made while a request's session holds
    a connection of the main pool (sharing that pool could wait on itself under load).
    """
    key = f"{purpose}|{url}" if purpose else url
    engine = _engines.get(key)
    if engine is None:
        engine = _engines[key] = make_engine(url)
    return engine


def dispose_engines() -> None:
    """Close every pooled connection and forget the engines (tests, forked workers), once the
    background work that may hold one of their connections has finished."""
    for wait in _quiesce:
        wait()
    _factories.clear()
    while _engines:
        _engines.popitem()[1].dispose()


def session_factory(settings: Settings | None = None) -> sessionmaker[Session]:
    """Return a session factory for the configured database, refusing an unmigrated one."""
    settings = settings or get_settings()
    engine = engine_for(settings.resolved_database_url())
    factory = _factories.get(engine)
    if factory is None:
        capture.install()
        require_migrated(engine)
        factory = _factories[engine] = make_session_factory(engine)
    return factory


@contextmanager
def unit_of_work(settings: Settings | None = None) -> Iterator[Session]:
    """Open one transaction on the configured database (commit on success, roll back on error).

    Its changes are audited as made by ``cli:<operating-system user>``."""
    with transaction(session_factory(settings)) as session:
        capture.set_actor(session, f"cli:{_os_user()}", "cli")
        yield session


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "system"
