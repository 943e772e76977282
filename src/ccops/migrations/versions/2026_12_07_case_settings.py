"""the cases domain's own settings (status workflow, next-update targets, serious-case rules)
and the churn flags imported from the CRM, each in a table of its own

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_setting",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "case_churn",
        sa.Column("customer_key", sa.String(100), primary_key=True),
        sa.Column("churned_on", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_churn")
    op.drop_table("case_setting")
