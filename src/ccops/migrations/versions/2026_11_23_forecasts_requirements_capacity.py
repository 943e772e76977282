"""forecasts, adjustments, calendar events, staffing requirements and capacity plans

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("effect_pct", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_calendar_event_queue_id_queue")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_calendar_event_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_event")),
    )
    with op.batch_alter_table("calendar_event", schema=None) as batch_op:
        batch_op.create_index("ix_calendar_event_site_day", ["site_id", "day"], unique=False)

    op.create_table(
        "forecast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("interval_min", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("history_source", sa.String(length=32), nullable=False),
        sa.Column("accuracy_json", sa.Text(), nullable=False),
        sa.Column("chosen_wmape_7d", sa.Float(), nullable=True),
        sa.Column("seasonal_naive_wmape_7d", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_forecast_queue_id_queue")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast")),
    )
    with op.batch_alter_table("forecast", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forecast_queue_id"), ["queue_id"], unique=False)

    op.create_table(
        "capacity_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forecast_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("first_week", sa.Date(), nullable=False),
        sa.Column("current_fte", sa.Float(), nullable=False),
        sa.Column("hours_per_fte_week", sa.Float(), nullable=False),
        sa.Column("occupancy", sa.Float(), nullable=False),
        sa.Column("shrinkage", sa.Float(), nullable=False),
        sa.Column("attrition_weekly", sa.Float(), nullable=False),
        sa.Column("lead_time_weeks", sa.Integer(), nullable=False),
        sa.Column("training_weeks", sa.Integer(), nullable=False),
        sa.Column("ramp_json", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["forecast_id"],
            ["forecast.id"],
            name=op.f("fk_capacity_plan_forecast_id_forecast"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_plan")),
    )
    with op.batch_alter_table("capacity_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_capacity_plan_forecast_id"), ["forecast_id"], unique=False
        )

    op.create_table(
        "forecast_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forecast_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("first_local_min", sa.BigInteger(), nullable=False),
        sa.Column("last_local_min", sa.BigInteger(), nullable=False),
        sa.Column("factor", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["forecast_id"],
            ["forecast.id"],
            name=op.f("fk_forecast_adjustment_forecast_id_forecast"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_adjustment")),
    )
    with op.batch_alter_table("forecast_adjustment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_forecast_adjustment_forecast_id"), ["forecast_id"], unique=False
        )

    op.create_table(
        "forecast_interval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forecast_id", sa.Integer(), nullable=False),
        sa.Column("interval_local_min", sa.BigInteger(), nullable=False),
        sa.Column("utc_offset_min", sa.Integer(), nullable=False),
        sa.Column("interval_start", sa.DateTime(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.Column("lo80", sa.Float(), nullable=False),
        sa.Column("hi80", sa.Float(), nullable=False),
        sa.Column("lo95", sa.Float(), nullable=False),
        sa.Column("hi95", sa.Float(), nullable=False),
        sa.Column("aht_s", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["forecast_id"],
            ["forecast.id"],
            name=op.f("fk_forecast_interval_forecast_id_forecast"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_interval")),
        sa.UniqueConstraint(
            "forecast_id",
            "interval_start",
            name=op.f("uq_forecast_interval_forecast_id_interval_start"),
        ),
    )
    op.create_table(
        "staffing_requirement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forecast_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("target_s", sa.Float(), nullable=False),
        sa.Column("service_level_goal", sa.Float(), nullable=False),
        sa.Column("patience_s", sa.Float(), nullable=True),
        sa.Column("shrinkage_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["forecast_id"],
            ["forecast.id"],
            name=op.f("fk_staffing_requirement_forecast_id_forecast"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staffing_requirement")),
    )
    with op.batch_alter_table("staffing_requirement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staffing_requirement_forecast_id"), ["forecast_id"], unique=False
        )

    op.create_table(
        "capacity_week",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("week_index", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("workload_h", sa.Float(), nullable=False),
        sa.Column("from_forecast", sa.Boolean(), nullable=False),
        sa.Column("required_fte", sa.Float(), nullable=False),
        sa.Column("existing_fte", sa.Float(), nullable=False),
        sa.Column("new_hire_fte", sa.Float(), nullable=False),
        sa.Column("available_fte", sa.Float(), nullable=False),
        sa.Column("hires_start", sa.Integer(), nullable=False),
        sa.Column("gap_fte", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["capacity_plan.id"],
            name=op.f("fk_capacity_week_plan_id_capacity_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_week")),
        sa.UniqueConstraint(
            "plan_id", "week_index", name=op.f("uq_capacity_week_plan_id_week_index")
        ),
    )
    op.create_table(
        "requirement_interval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("interval_local_min", sa.BigInteger(), nullable=False),
        sa.Column("utc_offset_min", sa.Integer(), nullable=False),
        sa.Column("interval_start", sa.DateTime(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.Column("aht_s", sa.Float(), nullable=False),
        sa.Column("required_agents", sa.Integer(), nullable=False),
        sa.Column("scheduled", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["staffing_requirement.id"],
            name=op.f("fk_requirement_interval_requirement_id_staffing_requirement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requirement_interval")),
        sa.UniqueConstraint(
            "requirement_id",
            "interval_start",
            name=op.f("uq_requirement_interval_requirement_id_interval_start"),
        ),
    )


def downgrade() -> None:
    op.drop_table("requirement_interval")
    op.drop_table("capacity_week")
    with op.batch_alter_table("staffing_requirement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staffing_requirement_forecast_id"))

    op.drop_table("staffing_requirement")
    op.drop_table("forecast_interval")
    with op.batch_alter_table("forecast_adjustment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_adjustment_forecast_id"))

    op.drop_table("forecast_adjustment")
    with op.batch_alter_table("capacity_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capacity_plan_forecast_id"))

    op.drop_table("capacity_plan")
    with op.batch_alter_table("forecast", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_queue_id"))

    op.drop_table("forecast")
    with op.batch_alter_table("calendar_event", schema=None) as batch_op:
        batch_op.drop_index("ix_calendar_event_site_day")

    op.drop_table("calendar_event")
