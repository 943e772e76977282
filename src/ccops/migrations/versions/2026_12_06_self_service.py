"""agent self-service: time-off allowances (a leave policy per work contract, the hours each
time-off request books), shift bidding (bids on lines, rankings, awards with their reason) and
the open swap board (posted shifts and what became of them)

Revision ID: 0034
Revises: 0035
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0035"
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

    op.create_table(
        "shift_bid",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("awarded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_shift_bid_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_bid")),
    )
    with op.batch_alter_table("shift_bid", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shift_bid_site_id"), ["site_id"], unique=False)
    op.create_table(
        "bid_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("weekdays", sa.String(length=20), nullable=False),
        sa.Column("start_min", sa.Integer(), nullable=False),
        sa.Column("length_min", sa.Integer(), nullable=False),
        sa.Column("queues", sa.String(length=500), nullable=False),
        sa.Column("weekly_h", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["shift_bid.id"],
            name=op.f("fk_bid_line_bid_id_shift_bid"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_line")),
    )
    with op.batch_alter_table("bid_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bid_line_bid_id"), ["bid_id"], unique=False)
    op.create_table(
        "bid_ranking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("ranks_json", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["shift_bid.id"],
            name=op.f("fk_bid_ranking_bid_id_shift_bid"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_bid_ranking_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_ranking")),
        sa.UniqueConstraint("bid_id", "person_id", name=op.f("uq_bid_ranking_bid_id_person_id")),
    )
    op.create_table(
        "bid_award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["shift_bid.id"],
            name=op.f("fk_bid_award_bid_id_shift_bid"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["bid_line.id"],
            name=op.f("fk_bid_award_line_id_bid_line"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_bid_award_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_award")),
        sa.UniqueConstraint("bid_id", "person_id", name=op.f("uq_bid_award_bid_id_person_id")),
    )

    op.create_table(
        "swap_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("taker_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_swap_post_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["schedule_request.id"],
            name=op.f("fk_swap_post_request_id_schedule_request"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedule.id"],
            name=op.f("fk_swap_post_schedule_id_schedule"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_swap_post_site_id_site")),
        sa.ForeignKeyConstraint(
            ["taker_id"],
            ["person.id"],
            name=op.f("fk_swap_post_taker_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swap_post")),
    )
    with op.batch_alter_table("swap_post", schema=None) as batch_op:
        batch_op.create_index("ix_swap_post_site_status", ["site_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("swap_post", schema=None) as batch_op:
        batch_op.drop_index("ix_swap_post_site_status")
    op.drop_table("swap_post")
    op.drop_table("bid_award")
    op.drop_table("bid_ranking")
    with op.batch_alter_table("bid_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bid_line_bid_id"))
    op.drop_table("bid_line")
    with op.batch_alter_table("shift_bid", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shift_bid_site_id"))
    op.drop_table("shift_bid")
    with op.batch_alter_table("leave_booking", schema=None) as batch_op:
        batch_op.drop_index("ix_leave_booking_person_year")
    op.drop_table("leave_booking")
    op.drop_table("leave_policy")
