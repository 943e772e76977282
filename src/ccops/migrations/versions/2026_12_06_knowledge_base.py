"""knowledge base: articles in numbered versions (searched through a case-folded copy of
their text), known-issue banners per queue, process changes and who must acknowledge them,
improvement records (PDCA) with their actions

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archived_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_kb_article_queue_id_queue")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article")),
    )
    with op.batch_alter_table("kb_article", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_article_queue_id"), ["queue_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kb_article_topic"), ["topic"], unique=False)

    op.create_table(
        "kb_banner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["kb_article.id"], name=op.f("fk_kb_banner_article_id_kb_article")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_kb_banner_queue_id_queue")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_banner")),
    )
    with op.batch_alter_table("kb_banner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_banner_queue_id"), ["queue_id"], unique=False)

    op.create_table(
        "kb_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("article_version", sa.Integer(), nullable=True),
        sa.Column("audience_json", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["kb_article.id"], name=op.f("fk_kb_change_article_id_kb_article")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_change")),
    )
    op.create_table(
        "kb_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("rollback_of", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["kb_article.id"], name=op.f("fk_kb_version_article_id_kb_article")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_version")),
        sa.UniqueConstraint("article_id", "version", name=op.f("uq_kb_version_article_id_version")),
    )
    with op.batch_alter_table("kb_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_version_article_id"), ["article_id"], unique=False)

    op.create_table(
        "kb_change_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["kb_change.id"],
            name=op.f("fk_kb_change_recipient_change_id_kb_change"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_kb_change_recipient_team_id_team")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_kb_change_recipient_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_change_recipient")),
        sa.UniqueConstraint(
            "change_id", "user_id", name=op.f("uq_kb_change_recipient_change_id_user_id")
        ),
    )
    with op.batch_alter_table("kb_change_recipient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_change_recipient_user_id"), ["user_id"], unique=False
        )
    op.create_table(
        "kb_improvement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("kpi", sa.String(length=64), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("problem_first", sa.Date(), nullable=False),
        sa.Column("problem_last", sa.Date(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("whys_json", sa.Text(), nullable=False),
        sa.Column("fishbone_json", sa.Text(), nullable=False),
        sa.Column("check_json", sa.Text(), nullable=True),
        sa.Column("verdict", sa.String(length=32), nullable=True),
        sa.Column("checked_by", sa.String(length=100), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("standard_article_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_kb_improvement_queue_id_queue")
        ),
        sa.ForeignKeyConstraint(
            ["standard_article_id"],
            ["kb_article.id"],
            name=op.f("fk_kb_improvement_standard_article_id_kb_article"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_improvement")),
    )
    with op.batch_alter_table("kb_improvement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_improvement_queue_id"), ["queue_id"], unique=False)

    op.create_table(
        "kb_improvement_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["kb_improvement.id"],
            name=op.f("fk_kb_improvement_action_record_id_kb_improvement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_improvement_action")),
    )
    with op.batch_alter_table("kb_improvement_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_improvement_action_record_id"), ["record_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("kb_improvement_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_improvement_action_record_id"))

    op.drop_table("kb_improvement_action")
    with op.batch_alter_table("kb_improvement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_improvement_queue_id"))

    op.drop_table("kb_improvement")
    with op.batch_alter_table("kb_change_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_change_recipient_user_id"))

    op.drop_table("kb_change_recipient")
    with op.batch_alter_table("kb_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_version_article_id"))

    op.drop_table("kb_version")
    op.drop_table("kb_change")
    with op.batch_alter_table("kb_banner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_banner_queue_id"))

    op.drop_table("kb_banner")
    with op.batch_alter_table("kb_article", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_article_topic"))
        batch_op.drop_index(batch_op.f("ix_kb_article_queue_id"))

    op.drop_table("kb_article")
