"""time-off allowances: a leave policy per work contract (annual hours, accrual, auto-grant)
and the hours each time-off request books against its person's balance

Revision ID: 0034
Revises: 0029
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leave_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("annual_h", sa.Float(), nullable=False),
        sa.Column("accrual", sa.String(length=16), nullable=False),
        sa.Column("hours_per_day", sa.Float(), nullable=False),
        sa.Column("auto_grant", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["work_contract.id"],
            name=op.f("fk_leave_policy_contract_id_work_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leave_policy")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_leave_policy_contract_id")),
    )
    op.create_table(
        "leave_booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("slot_note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_leave_booking_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["schedule_request.id"],
            name=op.f("fk_leave_booking_request_id_schedule_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leave_booking")),
        sa.UniqueConstraint("request_id", name=op.f("uq_leave_booking_request_id")),
    )
    with op.batch_alter_table("leave_booking", schema=None) as batch_op:
        batch_op.create_index("ix_leave_booking_person_year", ["person_id", "year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("leave_booking", schema=None) as batch_op:
        batch_op.drop_index("ix_leave_booking_person_year")
    op.drop_table("leave_booking")
    op.drop_table("leave_policy")
