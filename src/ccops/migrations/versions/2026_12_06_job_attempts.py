"""jobs are retried when their worker dies: the attempts taken and the time the running
attempt's worker was last heard from (its heartbeat)

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        # a job that already ran (or is running) has taken one attempt
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE job SET attempts = 1 WHERE status <> 'queued'")


def downgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("attempts")
