"""two-way communication: anonymous staff surveys (questions, rounds, audiences, blank ballots
with random keys and no rowid, the set of who has answered kept apart), the suggestion box,
huddles with attendance and actions

Revision ID: 0033
Revises: 0034
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("min_respondents", sa.Integer(), nullable=False),
        sa.Column("min_comments", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_survey")),
        sa.UniqueConstraint("name", name=op.f("uq_staff_survey_name")),
    )
    op.create_table(
        "staff_survey_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["staff_survey.id"],
            name=op.f("fk_staff_survey_question_survey_id_staff_survey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_survey_question")),
        sa.UniqueConstraint(
            "survey_id", "key", name=op.f("uq_staff_survey_question_survey_id_key")
        ),
    )
    op.create_index(
        op.f("ix_staff_survey_question_survey_id"),
        "staff_survey_question",
        ["survey_id"],
        unique=False,
    )
    op.create_table(
        "staff_survey_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["staff_survey.id"],
            name=op.f("fk_staff_survey_round_survey_id_staff_survey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_survey_round")),
        sa.UniqueConstraint(
            "survey_id", "label", name=op.f("uq_staff_survey_round_survey_id_label")
        ),
    )
    op.create_index(
        op.f("ix_staff_survey_round_survey_id"), "staff_survey_round", ["survey_id"], unique=False
    )
    op.create_table(
        "staff_survey_audience",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["staff_survey_round.id"],
            name=op.f("fk_staff_survey_audience_round_id_staff_survey_round"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_staff_survey_audience_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_staff_survey_audience_team_id_team")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_survey_audience")),
    )
    op.create_index(
        op.f("ix_staff_survey_audience_round_id"),
        "staff_survey_audience",
        ["round_id"],
        unique=False,
    )
    op.create_table(
        "staff_survey_ballot",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("tenure_band", sa.String(length=8), nullable=True),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["staff_survey_round.id"],
            name=op.f("fk_staff_survey_ballot_round_id_staff_survey_round"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_staff_survey_ballot_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_staff_survey_ballot_team_id_team")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_survey_ballot")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_staff_survey_ballot_round_id"), "staff_survey_ballot", ["round_id"], unique=False
    )
    op.create_table(
        "voice_huddle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("led_by", sa.String(length=100), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_voice_huddle_team_id_team")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_huddle")),
    )
    op.create_index(op.f("ix_voice_huddle_held_on"), "voice_huddle", ["held_on"], unique=False)
    op.create_index(op.f("ix_voice_huddle_team_id"), "voice_huddle", ["team_id"], unique=False)
    op.create_table(
        "staff_survey_respondent",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_staff_survey_respondent_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["staff_survey_round.id"],
            name=op.f("fk_staff_survey_respondent_round_id_staff_survey_round"),
        ),
        sa.PrimaryKeyConstraint("round_id", "person_id", name=op.f("pk_staff_survey_respondent")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "voice_huddle_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("huddle_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["huddle_id"],
            ["voice_huddle.id"],
            name=op.f("fk_voice_huddle_action_huddle_id_voice_huddle"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["person.id"], name=op.f("fk_voice_huddle_action_owner_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_huddle_action")),
    )
    op.create_index(
        op.f("ix_voice_huddle_action_huddle_id"), "voice_huddle_action", ["huddle_id"], unique=False
    )
    op.create_index(
        op.f("ix_voice_huddle_action_owner_id"), "voice_huddle_action", ["owner_id"], unique=False
    )
    op.create_table(
        "voice_huddle_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("huddle_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["huddle_id"],
            ["voice_huddle.id"],
            name=op.f("fk_voice_huddle_attendance_huddle_id_voice_huddle"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_voice_huddle_attendance_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_huddle_attendance")),
        sa.UniqueConstraint(
            "huddle_id", "person_id", name=op.f("uq_voice_huddle_attendance_huddle_id_person_id")
        ),
    )
    op.create_index(
        op.f("ix_voice_huddle_attendance_huddle_id"),
        "voice_huddle_attendance",
        ["huddle_id"],
        unique=False,
    )
    op.create_table(
        "voice_suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("receipt_hash", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("reward", sa.Text(), nullable=False),
        sa.Column("recognition_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_voice_suggestion_author_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["recognition_id"],
            ["perf_recognition.id"],
            name=op.f("fk_voice_suggestion_recognition_id_perf_recognition"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_voice_suggestion_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_suggestion")),
        sa.UniqueConstraint("receipt_hash", name=op.f("uq_voice_suggestion_receipt_hash")),
    )
    op.create_index(
        op.f("ix_voice_suggestion_author_id"), "voice_suggestion", ["author_id"], unique=False
    )
    op.create_index(
        op.f("ix_voice_suggestion_site_id"), "voice_suggestion", ["site_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_voice_suggestion_site_id"), table_name="voice_suggestion")
    op.drop_index(op.f("ix_voice_suggestion_author_id"), table_name="voice_suggestion")
    op.drop_table("voice_suggestion")
    op.drop_index(
        op.f("ix_voice_huddle_attendance_huddle_id"), table_name="voice_huddle_attendance"
    )
    op.drop_table("voice_huddle_attendance")
    op.drop_index(op.f("ix_voice_huddle_action_owner_id"), table_name="voice_huddle_action")
    op.drop_index(op.f("ix_voice_huddle_action_huddle_id"), table_name="voice_huddle_action")
    op.drop_table("voice_huddle_action")
    op.drop_table("staff_survey_respondent")
    op.drop_index(op.f("ix_voice_huddle_team_id"), table_name="voice_huddle")
    op.drop_index(op.f("ix_voice_huddle_held_on"), table_name="voice_huddle")
    op.drop_table("voice_huddle")
    op.drop_index(op.f("ix_staff_survey_ballot_round_id"), table_name="staff_survey_ballot")
    op.drop_table("staff_survey_ballot")
    op.drop_index(op.f("ix_staff_survey_audience_round_id"), table_name="staff_survey_audience")
    op.drop_table("staff_survey_audience")
    op.drop_index(op.f("ix_staff_survey_round_survey_id"), table_name="staff_survey_round")
    op.drop_table("staff_survey_round")
    op.drop_index(op.f("ix_staff_survey_question_survey_id"), table_name="staff_survey_question")
    op.drop_table("staff_survey_question")
    op.drop_table("staff_survey")
