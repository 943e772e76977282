"""people cycle: recommendations of reviews with their evidence, hiring waves of sites (#25)

Revision ID: 0035
Revises: 0036
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "perf_recommendation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("evidence_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_perf_recommendation_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["perf_review.id"],
            name=op.f("fk_perf_recommendation_review_id_perf_review"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_recommendation")),
    )
    with op.batch_alter_table("perf_recommendation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_perf_recommendation_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_perf_recommendation_review_id"), ["review_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_perf_recommendation_status"), ["status"], unique=False)

    op.create_table(
        "hiring_wave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("wave_json", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_hiring_wave_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hiring_wave")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_hiring_wave_site_id_name")),
    )
    with op.batch_alter_table("hiring_wave", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hiring_wave_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hiring_wave", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hiring_wave_site_id"))

    op.drop_table("hiring_wave")
    with op.batch_alter_table("perf_recommendation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_perf_recommendation_status"))
        batch_op.drop_index(batch_op.f("ix_perf_recommendation_review_id"))
        batch_op.drop_index(batch_op.f("ix_perf_recommendation_person_id"))

    op.drop_table("perf_recommendation")
