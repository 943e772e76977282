"""a site's capacity plan kept under a name: its inputs and weekly results, to open later and
compare with a newer computation

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_site_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("first_week", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("inputs_json", sa.Text(), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_saved_site_plan_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_site_plan")),
    )
    with op.batch_alter_table("saved_site_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_site_plan_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("saved_site_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_site_plan_site_id"))
    op.drop_table("saved_site_plan")
