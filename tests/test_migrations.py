"""Every migration upgrades and downgrades cleanly on SQLite and PostgreSQL, matching the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ccops.migrate import downgrade, head_revision, upgrade
from ccops.model_registry import Base


def test_migrations_round_trip_and_match_models(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
    downgrade(db_url, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(db_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
            head_revision()
        )
    engine.dispose()
