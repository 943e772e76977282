"""site: replacement cost per leaver and its currency (attrition cost in the executive view)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23

Both columns are NULL until an administrator sets them; the executive view then says plainly
that no cost is set instead of showing a cost of zero.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cost_per_leaver", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_column("currency")
        batch_op.drop_column("cost_per_leaver")
