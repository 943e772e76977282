"""intraday events exceptions adherence

Revision ID: 0005
Revises: 0007
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "intake_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("event_at", sa.DateTime(), nullable=False),
        sa.Column("target", sa.String(length=320), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_intake_event_event_id")),
    )
    with op.batch_alter_table("intake_event", schema=None) as batch_op:
        batch_op.create_index("ix_intake_event_target", ["target", "event_at"], unique=False)

    op.create_table(
        "exception_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_exception_plan_queue_id_queue")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_exception_plan_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exception_plan")),
        sa.UniqueConstraint("name", name=op.f("uq_exception_plan_name")),
    )
    op.create_table(
        "intraday_interval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("interval_start", sa.DateTime(), nullable=False),
        sa.Column("interval_local_min", sa.BigInteger(), nullable=False),
        sa.Column("utc_offset_min", sa.Integer(), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("answered_within_target", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("short_abandoned", sa.Integer(), nullable=False),
        sa.Column("handle_sum_s", sa.Float(), nullable=False),
        sa.Column("answered_wait_sum_s", sa.Float(), nullable=False),
        sa.Column("staffed_s", sa.Float(), nullable=False),
        sa.Column("handling_s", sa.Float(), nullable=False),
        sa.Column("available_s", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_intraday_interval_queue_id_queue")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intraday_interval")),
        sa.UniqueConstraint(
            "queue_id", "interval_start", name=op.f("uq_intraday_interval_queue_id_interval_start")
        ),
    )
    op.create_table(
        "live_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("arrival_at", sa.DateTime(), nullable=False),
        sa.Column("arrival_local_min", sa.BigInteger(), nullable=False),
        sa.Column("utc_offset_min", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_live_contact_queue_id_queue")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_contact")),
        sa.UniqueConstraint(
            "source", "external_id", name=op.f("uq_live_contact_source_external_id")
        ),
    )
    with op.batch_alter_table("live_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_contact_queue_id"), ["queue_id"], unique=False)

    op.create_table(
        "adherence_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=True),
        sa.Column("planned", sa.String(length=32), nullable=False),
        sa.Column("actual", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["leader_id"], ["person.id"], name=op.f("fk_adherence_alert_leader_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_adherence_alert_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adherence_alert")),
        sa.UniqueConstraint(
            "person_id", "start_at", name=op.f("uq_adherence_alert_person_id_start_at")
        ),
    )
    with op.batch_alter_table("adherence_alert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adherence_alert_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "exception_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("consecutive", sa.Integer(), nullable=False),
        sa.Column("resources_json", sa.Text(), nullable=False),
        sa.Column("owners_json", sa.Text(), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["exception_plan.id"],
            name=op.f("fk_exception_rule_plan_id_exception_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exception_rule")),
    )
    with op.batch_alter_table("exception_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exception_rule_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "exception_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("measured_json", sa.Text(), nullable=False),
        sa.Column("recommended_extra_agents", sa.Integer(), nullable=False),
        sa.Column("recommendation_json", sa.Text(), nullable=False),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_exception_record_queue_id_queue")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["exception_rule.id"],
            name=op.f("fk_exception_record_rule_id_exception_rule"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exception_record")),
        sa.UniqueConstraint(
            "rule_id", "queue_id", "day", name=op.f("uq_exception_record_rule_id_queue_id_day")
        ),
    )
    with op.batch_alter_table("exception_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exception_record_queue_id"), ["queue_id"], unique=False
        )

    op.create_table(
        "exception_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exception_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["exception_id"],
            ["exception_record.id"],
            name=op.f("fk_exception_action_exception_id_exception_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exception_action")),
    )
    with op.batch_alter_table("exception_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exception_action_exception_id"), ["exception_id"], unique=False
        )

    op.create_table(
        "exception_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exception_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["exception_id"],
            ["exception_record.id"],
            name=op.f("fk_exception_notification_exception_id_exception_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exception_notification")),
    )
    with op.batch_alter_table("exception_notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exception_notification_exception_id"), ["exception_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("exception_notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exception_notification_exception_id"))

    op.drop_table("exception_notification")
    with op.batch_alter_table("exception_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exception_action_exception_id"))

    op.drop_table("exception_action")
    with op.batch_alter_table("exception_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exception_record_queue_id"))

    op.drop_table("exception_record")
    with op.batch_alter_table("exception_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exception_rule_plan_id"))

    op.drop_table("exception_rule")
    with op.batch_alter_table("adherence_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adherence_alert_person_id"))

    op.drop_table("adherence_alert")
    with op.batch_alter_table("live_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_contact_queue_id"))

    op.drop_table("live_contact")
    op.drop_table("intraday_interval")
    op.drop_table("exception_plan")
    with op.batch_alter_table("intake_event", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_event_target")

    op.drop_table("intake_event")
