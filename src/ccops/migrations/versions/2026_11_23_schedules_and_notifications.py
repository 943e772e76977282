"""schedules and notifications

Revision ID: 0004
Revises: 0008
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "work_contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("weekly_min_h", sa.Float(), nullable=False),
        sa.Column("weekly_max_h", sa.Float(), nullable=False),
        sa.Column("days_min", sa.Integer(), nullable=False),
        sa.Column("days_max", sa.Integer(), nullable=False),
        sa.Column("max_consecutive_days", sa.Integer(), nullable=False),
        sa.Column("min_rest_h", sa.Float(), nullable=False),
        sa.Column("max_nights", sa.Integer(), nullable=False),
        sa.Column("max_weekend_days", sa.Integer(), nullable=False),
        sa.Column("templates_json", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_contract")),
        sa.UniqueConstraint("name", name=op.f("uq_work_contract_name")),
    )
    op.create_table(
        "schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("solve_s", sa.Float(), nullable=True),
        sa.Column("paid_hours", sa.Float(), nullable=True),
        sa.Column("cost", sa.Float(), nullable=True),
        sa.Column("under_coverage_h", sa.Float(), nullable=True),
        sa.Column("over_coverage_h", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["schedule.id"], name=op.f("fk_schedule_parent_id_schedule")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_schedule_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule")),
        sa.UniqueConstraint(
            "site_id", "week", "version", name=op.f("uq_schedule_site_id_week_version")
        ),
    )
    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedule_site_id"), ["site_id"], unique=False)

    op.create_table(
        "shift_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("starts_json", sa.Text(), nullable=False),
        sa.Column("length_min", sa.Integer(), nullable=False),
        sa.Column("breaks_json", sa.Text(), nullable=False),
        sa.Column("cost_per_hour", sa.Float(), nullable=False),
        sa.Column("is_night", sa.Boolean(), nullable=False),
        sa.Column("is_late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_shift_template_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_template")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_shift_template_site_id_name")),
    )
    with op.batch_alter_table("shift_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shift_template_site_id"), ["site_id"], unique=False)

    op.create_table(
        "coverage_interval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("interval_start", sa.DateTime(), nullable=False),
        sa.Column("required", sa.Float(), nullable=False),
        sa.Column("scheduled", sa.Float(), nullable=False),
        sa.Column("predicted_service_level", sa.Float(), nullable=True),
        sa.Column("rate_per_s", sa.Float(), nullable=False),
        sa.Column("aht_s", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_coverage_interval_queue_id_queue")
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedule.id"],
            name=op.f("fk_coverage_interval_schedule_id_schedule"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_interval")),
        sa.UniqueConstraint(
            "schedule_id",
            "queue_id",
            "interval_start",
            name=op.f("uq_coverage_interval_schedule_id_queue_id_interval_start"),
        ),
    )
    op.create_table(
        "schedule_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedule.id"],
            name=op.f("fk_schedule_audit_schedule_id_schedule"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_audit")),
    )
    with op.batch_alter_table("schedule_audit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_schedule_audit_schedule_id"), ["schedule_id"], unique=False
        )

    op.create_table(
        "availability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_min", sa.Integer(), nullable=False),
        sa.Column("end_min", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_availability_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability")),
    )
    with op.batch_alter_table("availability", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_availability_person_id"), ["person_id"], unique=False)

    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_calendar_feed_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_token_hash")),
    )
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feed_person_id"), ["person_id"], unique=False)

    op.create_table(
        "fixed_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_fixed_activity_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fixed_activity")),
    )
    with op.batch_alter_table("fixed_activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fixed_activity_person_start", ["person_id", "start_at"], unique=False
        )

    op.create_table(
        "person_contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["work_contract.id"],
            name=op.f("fk_person_contract_contract_id_work_contract"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_person_contract_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_contract")),
        sa.UniqueConstraint("person_id", name=op.f("uq_person_contract_person_id")),
    )
    with op.batch_alter_table("person_contract", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_contract_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "scheduled_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("queues", sa.String(length=500), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.Column("paid_h", sa.Float(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_scheduled_shift_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedule.id"],
            name=op.f("fk_scheduled_shift_schedule_id_schedule"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_shift")),
    )
    with op.batch_alter_table("scheduled_shift", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scheduled_shift_schedule_person", ["schedule_id", "person_id"], unique=False
        )

    op.create_table(
        "shift_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=True),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("start_min", sa.Integer(), nullable=True),
        sa.Column("end_min", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_shift_preference_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_preference")),
    )
    with op.batch_alter_table("shift_preference", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shift_preference_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "time_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("credit_h_per_day", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_time_off_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_off")),
    )
    with op.batch_alter_table("time_off", schema=None) as batch_op:
        batch_op.create_index("ix_time_off_person_start", ["person_id", "start_at"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_notification_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_user_read", ["user_id", "read_at"], unique=False)

    op.create_table(
        "schedule_change_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("time_off_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_schedule_change_request_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedule.id"],
            name=op.f("fk_schedule_change_request_schedule_id_schedule"),
        ),
        sa.ForeignKeyConstraint(
            ["time_off_id"],
            ["time_off.id"],
            name=op.f("fk_schedule_change_request_time_off_id_time_off"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_change_request")),
    )
    with op.batch_alter_table("schedule_change_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_schedule_change_request_schedule_id"), ["schedule_id"], unique=False
        )

    op.create_table(
        "scheduled_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_scheduled_activity_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_scheduled_activity_queue_id_queue")
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedule.id"],
            name=op.f("fk_scheduled_activity_schedule_id_schedule"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["scheduled_shift.id"],
            name=op.f("fk_scheduled_activity_shift_id_scheduled_shift"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_activity")),
    )
    with op.batch_alter_table("scheduled_activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scheduled_activity_schedule_person", ["schedule_id", "person_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("scheduled_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_activity_schedule_person")

    op.drop_table("scheduled_activity")
    with op.batch_alter_table("schedule_change_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_change_request_schedule_id"))

    op.drop_table("schedule_change_request")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_read")

    op.drop_table("notification")
    with op.batch_alter_table("time_off", schema=None) as batch_op:
        batch_op.drop_index("ix_time_off_person_start")

    op.drop_table("time_off")
    with op.batch_alter_table("shift_preference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shift_preference_person_id"))

    op.drop_table("shift_preference")
    with op.batch_alter_table("scheduled_shift", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_shift_schedule_person")

    op.drop_table("scheduled_shift")
    with op.batch_alter_table("person_contract", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_contract_contract_id"))

    op.drop_table("person_contract")
    with op.batch_alter_table("fixed_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_fixed_activity_person_start")

    op.drop_table("fixed_activity")
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feed_person_id"))

    op.drop_table("calendar_feed")
    with op.batch_alter_table("availability", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_availability_person_id"))

    op.drop_table("availability")
    with op.batch_alter_table("schedule_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_audit_schedule_id"))

    op.drop_table("schedule_audit")
    op.drop_table("coverage_interval")
    with op.batch_alter_table("shift_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shift_template_site_id"))

    op.drop_table("shift_template")
    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_site_id"))

    op.drop_table("schedule")
    op.drop_table("work_contract")
