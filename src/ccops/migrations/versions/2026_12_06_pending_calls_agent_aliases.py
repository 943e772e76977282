"""calls still open at the end of an imported queue_log are kept (completed by the next file of
the source); agent aliases map the interface names a log uses to one person

Revision ID: 0032
Revises: 0028
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("callid", sa.String(length=200), nullable=False),
        sa.Column("queue", sa.String(length=200), nullable=False),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("arrival_epoch_s", sa.BigInteger(), nullable=False),
        sa.Column("last_epoch_s", sa.BigInteger(), nullable=False),
        sa.Column("answered_epoch_s", sa.BigInteger(), nullable=True),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("customer_key", sa.String(length=200), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_pending_call_batch_id_import_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_call")),
        sa.UniqueConstraint(
            "source", "callid", "queue", name=op.f("uq_pending_call_source_callid_queue")
        ),
    )
    op.create_table(
        "agent_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_agent_alias_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_alias")),
        sa.UniqueConstraint("alias", name=op.f("uq_agent_alias_alias")),
    )
    op.create_index(op.f("ix_agent_alias_person_id"), "agent_alias", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_agent_alias_person_id"), table_name="agent_alias")
    op.drop_table("agent_alias")
    op.drop_table("pending_call")
