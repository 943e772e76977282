"""a contact whose outcome is known but whose timestamps disagree is kept with its timing unknown
(wait_s may be null) and the reason in timing_untrusted

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-07

SQLite rebuilds the contact table to relax wait_s's NOT NULL; the rebuild drops the table's
triggers, so the KPI data version's row triggers (revision 0009) are made again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0047"
down_revision: str | None = "0046"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = ("insert", "update", "delete")
SQLITE_BODY = """
    INSERT OR IGNORE INTO kpi_data_version (id, epoch, version)
    VALUES (1, lower(hex(randomblob(16))), 0);
    UPDATE kpi_data_version SET version = version + 1 WHERE id = 1;
"""


def _sqlite_triggers() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for event in EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS kpi_version_contact_{event}")
        op.execute(
            f"CREATE TRIGGER kpi_version_contact_{event} AFTER {event.upper()} ON contact "
            f"BEGIN {SQLITE_BODY} END"
        )


def upgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.add_column(sa.Column("timing_untrusted", sa.String(length=40), nullable=True))
        batch.alter_column("wait_s", existing_type=sa.Float(), nullable=True)
    _sqlite_triggers()


def downgrade() -> None:
    op.execute("UPDATE contact SET wait_s = 0 WHERE wait_s IS NULL")
    with op.batch_alter_table("contact") as batch:
        batch.alter_column("wait_s", existing_type=sa.Float(), nullable=False)
        batch.drop_column("timing_untrusted")
    _sqlite_triggers()
