"""publication rules deliver their reports by email: owner, threshold, deliveries

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("perf_publication") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("threshold", sa.Float(), nullable=True))
        batch.add_column(sa.Column("threshold_direction", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("last_delivered_at", sa.DateTime(), nullable=True))
    op.create_table(
        "perf_report_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("period_first", sa.Date(), nullable=False),
        sa.Column("period_last", sa.Date(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("emails", sa.Integer(), nullable=False),
        sa.Column("crossed", sa.Text(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["kb_improvement.id"],
            name=op.f("fk_perf_report_delivery_improvement_id_kb_improvement"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["perf_publication.id"],
            name=op.f("fk_perf_report_delivery_publication_id_perf_publication"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_report_delivery")),
        sa.UniqueConstraint(
            "publication_id",
            "period_first",
            "period_last",
            name=op.f("uq_perf_report_delivery_publication_id_period_first_period_last"),
        ),
    )
    with op.batch_alter_table("perf_report_delivery") as batch:
        batch.create_index(
            batch.f("ix_perf_report_delivery_publication_id"), ["publication_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("perf_report_delivery") as batch:
        batch.drop_index(batch.f("ix_perf_report_delivery_publication_id"))
    op.drop_table("perf_report_delivery")
    with op.batch_alter_table("perf_publication") as batch:
        batch.drop_column("last_delivered_at")
        batch.drop_column("threshold_direction")
        batch.drop_column("threshold")
        batch.drop_column("owner")
