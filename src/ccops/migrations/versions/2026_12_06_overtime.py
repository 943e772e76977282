"""overtime and VTO offers, and who accepted them

Revision ID: 0038
Revises: 0033
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "overtime_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("cost_per_hour", sa.Float(), nullable=False),
        sa.Column("premium", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_overtime_offer_queue_id_queue")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_overtime_offer_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overtime_offer")),
    )
    op.create_index(op.f("ix_overtime_offer_site_id"), "overtime_offer", ["site_id"], unique=False)
    op.create_table(
        "overtime_acceptance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["overtime_offer.id"],
            name=op.f("fk_overtime_acceptance_offer_id_overtime_offer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_overtime_acceptance_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedule.id"],
            name=op.f("fk_overtime_acceptance_schedule_id_schedule"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overtime_acceptance")),
        sa.UniqueConstraint(
            "offer_id", "person_id", name=op.f("uq_overtime_acceptance_offer_id_person_id")
        ),
    )
    op.create_index(
        op.f("ix_overtime_acceptance_offer_id"), "overtime_acceptance", ["offer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_overtime_acceptance_offer_id"), table_name="overtime_acceptance")
    op.drop_table("overtime_acceptance")
    op.drop_index(op.f("ix_overtime_offer_site_id"), table_name="overtime_offer")
    op.drop_table("overtime_offer")
