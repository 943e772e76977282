"""Engine, session factory and declarative base shared by every domain's models."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, Table, create_engine, event, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from ccops.errors import NotMigrated
from ccops.settings import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names, so migrations diff cleanly."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and always returned timezone-aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC timestamp is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


POOL: dict[str, Any] = {"pool_size": 10, "max_overflow": 30}
"""A connection for each of the 40 worker threads that serve requests (AnyIO's default), so
no request waits on the pool for a connection another request is holding."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a generous busy timeout.

    PostgreSQL sessions get a lock timeout and a statement timeout (settings), so a request
    waiting on a lock fails with an error instead of holding its worker and connection forever.
    """
    if url.startswith("sqlite"):
        if ":memory:" not in url and url not in {"sqlite://", "sqlite:///"} and not kwargs:
            kwargs = dict(POOL)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    settings = get_settings()
    options = (
        f"-c lock_timeout={settings.db_lock_timeout_ms} "
        f"-c statement_timeout={settings.db_statement_timeout_ms}"
    )
    connect_args = {"options": options, **kwargs.pop("connect_args", {})}
    kwargs = kwargs or dict(POOL)
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory that keeps objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Own one transaction at the edge (CLI command, request): commit on success, else roll back."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def attempt(session: Session) -> Iterator[Session]:
    """Run one attempt of a request in a savepoint: on an error undo only the attempt, re-raise.

    A form handler that shows the form again after a refused change (a domain error) keeps its
    request's transaction going: what the attempt wrote is rolled back to the savepoint (on
    PostgreSQL a failed statement would otherwise poison the whole transaction), and what the
    request did before it stays. Only the edge (``transaction``) commits.

    Example::

        try:
            with attempt(session):
                service.create(session=session, data=data)
        except CcopsError as exc:
            state.add(None, exc.message)
    """
    with session.begin_nested():
        yield session


def require_migrated(engine: Engine) -> None:
    """Raise NotMigrated unless the schema is at the newest Alembic revision."""
    from ccops.migrate import head_revision

    insp = inspect(engine)
    if not insp.has_table("alembic_version"):
        raise NotMigrated(
            "the database is not migrated: run `ccops db upgrade` first "
            f"(database: {engine.url.render_as_string(hide_password=True)})"
        )
    with engine.connect() as conn:
        current = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    if current != head_revision():
        raise NotMigrated(
            f"the database is at revision {current}, this ccops needs {head_revision()}: "
            "run `ccops db upgrade`"
        )


def bulk_insert(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows of one shape into ``table`` in the session's transaction: ``COPY`` on
    PostgreSQL (a row-by-row executemany costs a round trip per row there), an executemany
    elsewhere. Values go through the columns' bind conversions (aware timestamps to naive UTC),
    as an ``INSERT`` would apply them (the model's table, rows as column-name dicts)."""
    if not rows:
        return
    table = model.__table__
    assert isinstance(table, Table)
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), list(rows))
        return
    names = list(rows[0])
    dialect = connection.dialect
    convert = [
        table.c[n].type.process_bind_param if isinstance(table.c[n].type, TypeDecorator) else None
        for n in names
    ]
    quote = dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [
                    row[n] if f is None else f(row[n], dialect)
                    for n, f in zip(names, convert, strict=True)
                ]
            )
