"""background jobs, and the staffing model a requirement used

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("params_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_status_id", ["status", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_created_by"), ["created_by"], unique=False)
    with op.batch_alter_table("staffing_requirement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staffing_model", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staffing_requirement", schema=None) as batch_op:
        batch_op.drop_column("staffing_model")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_created_by"))
        batch_op.drop_index("ix_job_status_id")
    op.drop_table("job")
