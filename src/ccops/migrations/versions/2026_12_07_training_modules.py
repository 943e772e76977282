"""new-hire training modules in versions, who completed which version, and the modules a
process change updates

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0048"
down_revision: str | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "training_module",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_training_module_queue_id_queue")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_module")),
        sa.UniqueConstraint("title", name=op.f("uq_training_module_title")),
    )
    with op.batch_alter_table("training_module", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_module_queue_id"), ["queue_id"], unique=False)
    op.create_table(
        "training_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["training_module.id"],
            name=op.f("fk_training_version_module_id_training_module"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_version")),
        sa.UniqueConstraint(
            "module_id", "version", name=op.f("uq_training_version_module_id_version")
        ),
    )
    with op.batch_alter_table("training_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_version_module_id"), ["module_id"], unique=False
        )
    op.create_table(
        "training_completion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["training_module.id"],
            name=op.f("fk_training_completion_module_id_training_module"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_training_completion_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_completion")),
        sa.UniqueConstraint(
            "person_id",
            "module_id",
            "version",
            name=op.f("uq_training_completion_person_id_module_id_version"),
        ),
    )
    with op.batch_alter_table("training_completion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_completion_module_id"), ["module_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_completion_person_id"), ["person_id"], unique=False
        )
    op.create_table(
        "kb_change_training",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["kb_change.id"],
            name=op.f("fk_kb_change_training_change_id_kb_change"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["training_module.id"],
            name=op.f("fk_kb_change_training_module_id_training_module"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_change_training")),
        sa.UniqueConstraint(
            "change_id", "module_id", name=op.f("uq_kb_change_training_change_id_module_id")
        ),
    )
    with op.batch_alter_table("kb_change_training", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_change_training_change_id"), ["change_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_kb_change_training_module_id"), ["module_id"], unique=False
        )


def downgrade() -> None:
    for table, columns in (
        ("kb_change_training", ("module_id", "change_id")),
        ("training_completion", ("person_id", "module_id")),
        ("training_version", ("module_id",)),
        ("training_module", ("queue_id",)),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
