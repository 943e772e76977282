"""performance management

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "perf_publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi", sa.String(length=64), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("rhythm", sa.String(length=16), nullable=False),
        sa.Column("on_good", sa.String(length=32), nullable=False),
        sa.Column("on_bad", sa.String(length=32), nullable=False),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("higher_is_better", sa.Boolean(), nullable=False),
        sa.Column("last_produced_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_publication")),
        sa.UniqueConstraint("kpi", "audience", name=op.f("uq_perf_publication_kpi_audience")),
    )
    op.create_table(
        "perf_coaching",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("coach", sa.String(length=100), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kpi", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("monitoring_points", sa.Text(), nullable=False),
        sa.Column("gap", sa.Text(), nullable=False),
        sa.Column("analysis", sa.Text(), nullable=False),
        sa.Column("action_plan", sa.Text(), nullable=False),
        sa.Column("agreed_by_person", sa.Boolean(), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_perf_coaching_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_coaching")),
    )
    with op.batch_alter_table("perf_coaching", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_perf_coaching_person_id"), ["person_id"], unique=False)

    op.create_table(
        "perf_development_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_by", sa.String(length=100), nullable=False),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_perf_development_note_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_development_note")),
    )
    with op.batch_alter_table("perf_development_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_perf_development_note_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "perf_leader_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_perf_leader_activity_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_leader_activity")),
    )
    with op.batch_alter_table("perf_leader_activity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_perf_leader_activity_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "perf_recognition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("given_by", sa.String(length=100), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("kpi", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_perf_recognition_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_recognition")),
    )
    with op.batch_alter_table("perf_recognition", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_perf_recognition_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "perf_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=100), nullable=False),
        sa.Column("period_first", sa.Date(), nullable=False),
        sa.Column("period_last", sa.Date(), nullable=False),
        sa.Column("strengths", sa.Text(), nullable=False),
        sa.Column("weaknesses", sa.Text(), nullable=False),
        sa.Column("improvement_plan", sa.Text(), nullable=False),
        sa.Column("person_commitments", sa.Text(), nullable=False),
        sa.Column("support_commitments", sa.Text(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=False),
        sa.Column("next_review_criteria", sa.Text(), nullable=False),
        sa.Column("signed_by_person_at", sa.DateTime(), nullable=True),
        sa.Column("signed_by_reviewer_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_perf_review_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_review")),
    )
    with op.batch_alter_table("perf_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_perf_review_person_id"), ["person_id"], unique=False)

    op.create_table(
        "perf_scorecard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("position", sa.String(length=32), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["perf_scorecard.id"],
            name=op.f("fk_perf_scorecard_parent_id_perf_scorecard"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_perf_scorecard_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_perf_scorecard_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_perf_scorecard_team_id_team")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_scorecard")),
        sa.UniqueConstraint("name", name=op.f("uq_perf_scorecard_name")),
    )
    op.create_table(
        "perf_scorecard_kpi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("perspective", sa.String(length=32), nullable=False),
        sa.Column("objective", sa.String(length=200), nullable=False),
        sa.Column("kpi", sa.String(length=64), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("higher_is_better", sa.Boolean(), nullable=False),
        sa.Column("benchmark", sa.Float(), nullable=True),
        sa.Column("benchmark_source", sa.String(length=200), nullable=True),
        sa.Column("weight_pct", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["perf_scorecard.id"],
            name=op.f("fk_perf_scorecard_kpi_scorecard_id_perf_scorecard"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_scorecard_kpi")),
        sa.UniqueConstraint(
            "scorecard_id", "kpi", name=op.f("uq_perf_scorecard_kpi_scorecard_id_kpi")
        ),
    )


def downgrade() -> None:
    op.drop_table("perf_scorecard_kpi")
    op.drop_table("perf_scorecard")
    with op.batch_alter_table("perf_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_perf_review_person_id"))

    op.drop_table("perf_review")
    with op.batch_alter_table("perf_recognition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_perf_recognition_person_id"))

    op.drop_table("perf_recognition")
    with op.batch_alter_table("perf_leader_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_perf_leader_activity_person_id"))

    op.drop_table("perf_leader_activity")
    with op.batch_alter_table("perf_development_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_perf_development_note_person_id"))

    op.drop_table("perf_development_note")
    with op.batch_alter_table("perf_coaching", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_perf_coaching_person_id"))

    op.drop_table("perf_coaching")
    op.drop_table("perf_publication")
