"""cases: business calendars, case targets and routing rules, cases with their clock events,
post-contact surveys (CSAT, NPS)

Revision ID: 0030
Revises: 0028
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_calendar",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("hours_json", sa.Text(), nullable=False),
        sa.Column("holidays_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_calendar")),
        sa.UniqueConstraint("name", name=op.f("uq_case_calendar_name")),
    )
    op.create_table(
        "case_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_type", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("first_response_s", sa.Float(), nullable=False),
        sa.Column("resolution_s", sa.Float(), nullable=False),
        sa.Column("warn_s", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["case_calendar.id"],
            name=op.f("fk_case_target_calendar_id_case_calendar"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_target")),
        sa.UniqueConstraint(
            "case_type", "severity", name=op.f("uq_case_target_case_type_severity")
        ),
    )
    op.create_table(
        "case_route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_type", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["person.id"], name=op.f("fk_case_route_owner_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_case_route_queue_id_queue")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_case_route_site_id_site")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_case_route_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_route")),
    )
    op.create_table(
        "case_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_type", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("attachments_json", sa.Text(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("customer_key", sa.String(length=100), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("raised_by", sa.String(length=100), nullable=False),
        sa.Column("raised_by_person_id", sa.Integer(), nullable=True),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("due_first_response_at", sa.DateTime(), nullable=False),
        sa.Column("due_resolution_at", sa.DateTime(), nullable=False),
        sa.Column("resolution_target_s", sa.Float(), nullable=False),
        sa.Column("warn_s", sa.Float(), nullable=False),
        sa.Column("first_response_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("paused_at", sa.DateTime(), nullable=True),
        sa.Column("paused_business_s", sa.Float(), nullable=False),
        sa.Column("response_breached", sa.Boolean(), nullable=False),
        sa.Column("resolution_breached", sa.Boolean(), nullable=False),
        sa.Column("warned", sa.Boolean(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["person.id"], name=op.f("fk_case_record_agent_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["case_calendar.id"],
            name=op.f("fk_case_record_calendar_id_case_calendar"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_case_record_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["person.id"], name=op.f("fk_case_record_owner_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_case_record_queue_id_queue")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_person_id"],
            ["person.id"],
            name=op.f("fk_case_record_raised_by_person_id_person"),
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_case_record_site_id_site")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_case_record_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_record")),
    )
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_record_case_type"), ["case_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_record_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_record_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_record_status"), ["status"], unique=False)

    op.create_table(
        "case_survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_case_survey_contact_id_contact")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_survey")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_case_survey_contact_id")),
    )
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_case_event_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )


def downgrade() -> None:
    op.drop_table("case_event")
    op.drop_table("case_survey")
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_record_status"))
        batch_op.drop_index(batch_op.f("ix_case_record_site_id"))
        batch_op.drop_index(batch_op.f("ix_case_record_contact_id"))
        batch_op.drop_index(batch_op.f("ix_case_record_case_type"))

    op.drop_table("case_record")
    op.drop_table("case_route")
    op.drop_table("case_target")
    op.drop_table("case_calendar")
