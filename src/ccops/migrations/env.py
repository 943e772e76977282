"""Alembic environment: online migrations against the configured URL."""

from alembic import context
from sqlalchemy import Connection, pool

from ccops.db import make_engine
from ccops.model_registry import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations in one transaction; batch mode lets SQLite alter tables."""
    url = config.get_main_option("sqlalchemy.url") or ""
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(url, poolclass=pool.NullPool)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
