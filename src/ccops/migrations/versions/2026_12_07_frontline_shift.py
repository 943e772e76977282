"""executives' front-line shifts: a person on a queue for a shift, counted as coverage only when
the planner says so

Revision ID: 0046
Revises: 0044
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0046"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "frontline_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.Column("counts_as_coverage", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_frontline_shift_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_frontline_shift_queue_id_queue")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frontline_shift")),
    )
    op.create_index(
        op.f("ix_frontline_shift_person_id"), "frontline_shift", ["person_id"], unique=False
    )
    op.create_index(
        op.f("ix_frontline_shift_queue_id"), "frontline_shift", ["queue_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_frontline_shift_queue_id"), table_name="frontline_shift")
    op.drop_index(op.f("ix_frontline_shift_person_id"), table_name="frontline_shift")
    op.drop_table("frontline_shift")
