"""kpi data version bumped by triggers on writes to KPI source tables; two lookup indexes

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-23

Cached KPI results are keyed by this version, so they are recomputed after any import, erasure
or queue change, whichever process or code path made it. SQLite has only row triggers (one
bump per row written); PostgreSQL gets statement triggers (also on TRUNCATE) that bump once
per transaction.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("contact", "agent_state_event", "interval_report", "queue", "person")
EVENTS = ("insert", "update", "delete")

# Once per transaction (a transaction-local setting remembers it): an import's executemany runs
# one statement per row, and bumping the one counter row for each made it 17 times slower.
PG_FUNCTION = """
CREATE FUNCTION kpi_data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('ccops.kpi_version_bumped', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO kpi_data_version (id, epoch, version)
    VALUES (1, md5(random()::text || clock_timestamp()::text), 1)
    ON CONFLICT (id) DO UPDATE SET version = kpi_data_version.version + 1;
    PERFORM set_config('ccops.kpi_version_bumped', 'on', true);
    RETURN NULL;
END;
$$
"""
SQLITE_BODY = """
    INSERT OR IGNORE INTO kpi_data_version (id, epoch, version)
    VALUES (1, lower(hex(randomblob(16))), 0);
    UPDATE kpi_data_version SET version = version + 1 WHERE id = 1;
"""


def upgrade() -> None:
    op.create_table(
        "kpi_data_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_data_version")),
    )
    # an agent's own numbers (contacts handled per day) and a queue's interval reports by day,
    # each without scanning the whole table
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_person_local", ["person_id", "arrival_local_min"], unique=False
        )
    with op.batch_alter_table("interval_report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interval_report_queue_local", ["queue_id", "interval_local_min"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "INSERT INTO kpi_data_version (id, epoch, version) "
            "VALUES (1, md5(random()::text || clock_timestamp()::text), 0)"
        )
        op.execute(PG_FUNCTION)
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER kpi_version_{table} AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION kpi_data_version_bump()"
            )
        return
    op.execute(
        "INSERT INTO kpi_data_version (id, epoch, version) "
        "VALUES (1, lower(hex(randomblob(16))), 0)"
    )
    for table in TABLES:
        for event in EVENTS:
            op.execute(
                f"CREATE TRIGGER kpi_version_{table}_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {SQLITE_BODY} END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS kpi_version_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS kpi_data_version_bump()")
    else:
        for table in TABLES:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS kpi_version_{table}_{event}")
    with op.batch_alter_table("interval_report", schema=None) as batch_op:
        batch_op.drop_index("ix_interval_report_queue_local")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_person_local")
    op.drop_table("kpi_data_version")
