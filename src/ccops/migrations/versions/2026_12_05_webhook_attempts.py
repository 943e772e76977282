"""webhook deliveries are retried with back-off by a job: attempts and the next attempt's time
on each notification, a not-before time on jobs; stored receiver replies are forgotten

Revision ID: 0022
Revises: 0026
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exception_notification") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("run_after", sa.DateTime(), nullable=True))
    # what receivers answered was shown to the rule's author (a probe of the network): forget it
    op.execute("UPDATE exception_notification SET error = NULL WHERE channel = 'webhook'")


def downgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_column("run_after")
    with op.batch_alter_table("exception_notification") as batch:
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
