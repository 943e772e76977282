"""the forecast calendar's "events" are special days: table calendar_event becomes special_day

"Events" now means only the live intake events of the intraday board. The table, its index and
its named constraints (primary key, foreign keys) are renamed; rows and ids are kept.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "id, site_id, queue_id, day, kind, name, effect_pct"


def _create(table: str) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("effect_pct", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["queue_id"], ["queue.id"], name=f"fk_{table}_queue_id_queue"),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=f"fk_{table}_site_id_site"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    )


def _rename(old: str, new: str) -> None:
    """Rename table ``old`` to ``new`` with its index and named constraints."""
    if op.get_bind().dialect.name == "postgresql":
        op.rename_table(old, new)
        op.execute(f"ALTER INDEX ix_{old}_site_day RENAME TO ix_{new}_site_day")
        op.execute(f"ALTER TABLE {new} RENAME CONSTRAINT pk_{old} TO pk_{new}")
        for fk in ("queue_id_queue", "site_id_site"):
            op.execute(f"ALTER TABLE {new} RENAME CONSTRAINT fk_{old}_{fk} TO fk_{new}_{fk}")
        op.execute(f"ALTER SEQUENCE {old}_id_seq RENAME TO {new}_id_seq")
        return
    # SQLite cannot rename constraints: copy the rows into a new table and drop the old one.
    _create(new)
    op.execute(f"INSERT INTO {new} ({COLUMNS}) SELECT {COLUMNS} FROM {old}")
    with op.batch_alter_table(old, schema=None) as batch_op:
        batch_op.drop_index(f"ix_{old}_site_day")
    op.drop_table(old)
    with op.batch_alter_table(new, schema=None) as batch_op:
        batch_op.create_index(f"ix_{new}_site_day", ["site_id", "day"], unique=False)


def upgrade() -> None:
    _rename("calendar_event", "special_day")


def downgrade() -> None:
    _rename("special_day", "calendar_event")
