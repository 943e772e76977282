"""agents' schedule requests: time off and shift swaps, decided by the planner

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedule_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=True),
        sa.Column("end_at", sa.DateTime(), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("colleague_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("time_off_id", sa.Integer(), nullable=True),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["colleague_id"],
            ["person.id"],
            name=op.f("fk_schedule_request_colleague_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_schedule_request_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedule.id"],
            name=op.f("fk_schedule_request_schedule_id_schedule"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_schedule_request_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["time_off_id"],
            ["time_off.id"],
            name=op.f("fk_schedule_request_time_off_id_time_off"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_request")),
    )
    with op.batch_alter_table("schedule_request", schema=None) as batch_op:
        batch_op.create_index("ix_schedule_request_colleague", ["colleague_id"], unique=False)
        batch_op.create_index("ix_schedule_request_person", ["person_id"], unique=False)
        batch_op.create_index(
            "ix_schedule_request_site_status", ["site_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("schedule_request", schema=None) as batch_op:
        batch_op.drop_index("ix_schedule_request_site_status")
        batch_op.drop_index("ix_schedule_request_person")
        batch_op.drop_index("ix_schedule_request_colleague")
    op.drop_table("schedule_request")
