"""a huddle keeps the local time of day it was held (from its scheduled activity, or as typed)

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("voice_huddle") as batch:
        batch.add_column(sa.Column("held_at", sa.Time(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("voice_huddle") as batch:
        batch.drop_column("held_at")
