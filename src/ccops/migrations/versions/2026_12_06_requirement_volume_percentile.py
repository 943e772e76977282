"""a staffing requirement may staff to a percentile of the forecast's band, and says which

Revision ID: 0036
Revises: 0029
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staffing_requirement") as batch:
        batch.add_column(sa.Column("volume_percentile", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staffing_requirement") as batch:
        batch.drop_column("volume_percentile")
