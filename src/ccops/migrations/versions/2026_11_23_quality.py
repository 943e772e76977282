"""quality management: evaluation forms, evaluations, samples, calibration, disputes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qa_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_form")),
        sa.UniqueConstraint("name", name=op.f("uq_qa_form_name")),
    )
    op.create_table(
        "qa_form_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition_json", sa.Text(), nullable=False),
        sa.Column("pass_mark_pct", sa.Float(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["form_id"], ["qa_form.id"], name=op.f("fk_qa_form_version_form_id_qa_form")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_form_version")),
        sa.UniqueConstraint("form_id", "version", name=op.f("uq_qa_form_version_form_id_version")),
    )
    with op.batch_alter_table("qa_form_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qa_form_version_form_id"), ["form_id"], unique=False)

    op.create_table(
        "qa_calibration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("form_version_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["form_version_id"],
            ["qa_form_version.id"],
            name=op.f("fk_qa_calibration_form_version_id_qa_form_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_calibration")),
        sa.UniqueConstraint("name", name=op.f("uq_qa_calibration_name")),
    )
    op.create_table(
        "qa_sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_qa_sample_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_sample")),
    )
    with op.batch_alter_table("qa_sample", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qa_sample_person_id"), ["person_id"], unique=False)

    op.create_table(
        "qa_calibration_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_qa_calibration_contact_contact_id_contact"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["qa_calibration.id"],
            name=op.f("fk_qa_calibration_contact_session_id_qa_calibration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_calibration_contact")),
        sa.UniqueConstraint(
            "session_id", "contact_id", name=op.f("uq_qa_calibration_contact_session_id_contact_id")
        ),
    )
    op.create_table(
        "qa_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_version_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("evaluator", sa.String(length=100), nullable=False),
        sa.Column("calibration_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("contact_at", sa.DateTime(), nullable=False),
        sa.Column("score_pct", sa.Float(), nullable=False),
        sa.Column("critical_failed", sa.Boolean(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calibration_id"],
            ["qa_calibration.id"],
            name=op.f("fk_qa_evaluation_calibration_id_qa_calibration"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_qa_evaluation_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["form_version_id"],
            ["qa_form_version.id"],
            name=op.f("fk_qa_evaluation_form_version_id_qa_form_version"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_qa_evaluation_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_evaluation")),
    )
    with op.batch_alter_table("qa_evaluation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_qa_evaluation_calibration_id"), ["calibration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_qa_evaluation_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_qa_evaluation_form_version_id"), ["form_version_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_qa_evaluation_person_id"), ["person_id"], unique=False)

    op.create_table(
        "qa_sample_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("stratum", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_qa_sample_contact_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["qa_sample.id"],
            name=op.f("fk_qa_sample_contact_sample_id_qa_sample"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_sample_contact")),
        sa.UniqueConstraint(
            "sample_id", "contact_id", name=op.f("uq_qa_sample_contact_sample_id_contact_id")
        ),
    )
    op.create_table(
        "qa_dispute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("raised_by", sa.String(length=100), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revision_disputed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=False),
        sa.Column("resulting_revision", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["qa_evaluation.id"],
            name=op.f("fk_qa_dispute_evaluation_id_qa_evaluation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_dispute")),
    )
    with op.batch_alter_table("qa_dispute", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_qa_dispute_evaluation_id"), ["evaluation_id"], unique=False
        )

    op.create_table(
        "qa_evaluation_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("scored_by", sa.String(length=100), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("score_pct", sa.Float(), nullable=False),
        sa.Column("critical_failed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["qa_evaluation.id"],
            name=op.f("fk_qa_evaluation_revision_evaluation_id_qa_evaluation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_evaluation_revision")),
        sa.UniqueConstraint(
            "evaluation_id",
            "revision",
            name=op.f("uq_qa_evaluation_revision_evaluation_id_revision"),
        ),
    )
    op.create_table(
        "qa_evaluation_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("not_applicable", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["qa_evaluation_revision.id"],
            name=op.f("fk_qa_evaluation_answer_revision_id_qa_evaluation_revision"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_evaluation_answer")),
        sa.UniqueConstraint(
            "revision_id", "item_key", name=op.f("uq_qa_evaluation_answer_revision_id_item_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("qa_evaluation_answer")
    op.drop_table("qa_evaluation_revision")
    with op.batch_alter_table("qa_dispute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_dispute_evaluation_id"))

    op.drop_table("qa_dispute")
    op.drop_table("qa_sample_contact")
    with op.batch_alter_table("qa_evaluation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_evaluation_person_id"))
        batch_op.drop_index(batch_op.f("ix_qa_evaluation_form_version_id"))
        batch_op.drop_index(batch_op.f("ix_qa_evaluation_contact_id"))
        batch_op.drop_index(batch_op.f("ix_qa_evaluation_calibration_id"))

    op.drop_table("qa_evaluation")
    op.drop_table("qa_calibration_contact")
    with op.batch_alter_table("qa_sample", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_sample_person_id"))

    op.drop_table("qa_sample")
    op.drop_table("qa_calibration")
    with op.batch_alter_table("qa_form_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_form_version_form_id"))

    op.drop_table("qa_form_version")
    op.drop_table("qa_form")
