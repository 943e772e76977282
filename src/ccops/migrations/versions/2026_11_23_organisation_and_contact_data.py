"""organisation and contact data

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "voice",
                "chat",
                "email",
                "messaging",
                name="channelkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("max_concurrency", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel")),
        sa.UniqueConstraint("name", name=op.f("uq_channel_name")),
    )
    op.create_table(
        "erasure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=False),
        sa.Column("contacts_affected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure")),
    )
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("name", name=op.f("uq_site_name")),
    )
    op.create_table(
        "queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("target_s", sa.Float(), nullable=False),
        sa.Column("service_level_goal", sa.Float(), nullable=False),
        sa.Column("short_abandon_s", sa.Float(), nullable=False),
        sa.Column(
            "service_level_variant",
            sa.Enum(
                "exclude_short_abandons",
                "abandons_count_against",
                "abandons_ignored",
                name="servicelevelvariant",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channel.id"], name=op.f("fk_queue_channel_id_channel")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_queue_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue")),
        sa.UniqueConstraint("name", name=op.f("uq_queue_name")),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_team_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("name", name=op.f("uq_team_name")),
    )
    op.create_table(
        "interval_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("interval_start", sa.DateTime(), nullable=False),
        sa.Column("interval_local_min", sa.BigInteger(), nullable=False),
        sa.Column("utc_offset_min", sa.Integer(), nullable=False),
        sa.Column("interval_min", sa.Integer(), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("short_abandoned", sa.Integer(), nullable=True),
        sa.Column("answered_within_target", sa.Integer(), nullable=True),
        sa.Column("handle_s", sa.Float(), nullable=True),
        sa.Column("wait_s", sa.Float(), nullable=True),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_interval_report_batch_id_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_interval_report_queue_id_queue")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interval_report")),
        sa.UniqueConstraint(
            "source",
            "queue_id",
            "interval_start",
            name=op.f("uq_interval_report_source_queue_id_interval_start"),
        ),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("login", sa.String(length=100), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "agent",
                "supervisor",
                "qa_analyst",
                "planner",
                "manager",
                "executive",
                "admin",
                name="role",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("hire_date", sa.Date(), nullable=True),
        sa.Column("termination_date", sa.Date(), nullable=True),
        sa.Column("termination_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_person_site_id_site")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_person_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("login", name=op.f("uq_person_login")),
    )
    # team.leader_id -> person.id closes a cycle (person.team_id -> team.id): added afterwards.
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_team_leader_id_person", "person", ["leader_id"], ["id"])
    op.create_table(
        "agent_state_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "available",
                "on_contact",
                "wrap_up",
                "break",
                "lunch",
                "training",
                "meeting",
                "coaching",
                "other_work",
                "not_ready",
                "offline",
                name="agentstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason_code", sa.String(length=100), nullable=True),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=True),
        sa.Column("start_epoch_s", sa.BigInteger(), nullable=False),
        sa.Column("end_epoch_s", sa.BigInteger(), nullable=True),
        sa.Column("utc_offset_min", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
            name=op.f("fk_agent_state_event_batch_id_import_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_agent_state_event_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_state_event")),
        sa.UniqueConstraint(
            "source", "external_id", name=op.f("uq_agent_state_event_source_external_id")
        ),
    )
    with op.batch_alter_table("agent_state_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_state_person_start", ["person_id", "start_epoch_s"], unique=False
        )

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "agent",
                "supervisor",
                "qa_analyst",
                "planner",
                "manager",
                "executive",
                "admin",
                name="role",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "scope",
            sa.Enum("own", "teams", "sites", "all", name="scopekind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_app_user_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("login", name=op.f("uq_app_user_login")),
    )
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("arrival_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "answered",
                "transferred",
                "abandoned",
                "timed_out",
                "exited_empty",
                "exited_key",
                "other",
                name="outcome",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("wait_s", sa.Float(), nullable=False),
        sa.Column("talk_s", sa.Float(), nullable=False),
        sa.Column("hold_s", sa.Float(), nullable=False),
        sa.Column("wrap_s", sa.Float(), nullable=False),
        sa.Column("customer_hash", sa.String(length=64), nullable=True),
        sa.Column("arrival_epoch_s", sa.BigInteger(), nullable=False),
        sa.Column("arrival_local_min", sa.BigInteger(), nullable=False),
        sa.Column("utc_offset_min", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_contact_batch_id_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channel.id"], name=op.f("fk_contact_channel_id_channel")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_contact_person_id_person")
        ),
        sa.ForeignKeyConstraint(["queue_id"], ["queue.id"], name=op.f("fk_contact_queue_id_queue")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_contact_source_external_id")),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_customer", ["customer_hash", "queue_id", "arrival_epoch_s"], unique=False
        )
        batch_op.create_index(
            "ix_contact_queue_local", ["queue_id", "arrival_local_min"], unique=False
        )

    op.create_table(
        "person_skill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_person_skill_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_person_skill_queue_id_queue")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_skill")),
        sa.UniqueConstraint(
            "person_id", "queue_id", name=op.f("uq_person_skill_person_id_queue_id")
        ),
    )
    op.create_table(
        "user_scope",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_user_scope_site_id_site")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_user_scope_team_id_team")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_user_scope_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_scope")),
    )


def downgrade() -> None:
    op.drop_table("user_scope")
    op.drop_table("person_skill")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_queue_local")
        batch_op.drop_index("ix_contact_customer")

    op.drop_table("contact")
    op.drop_table("app_user")
    with op.batch_alter_table("agent_state_event", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_state_person_start")

    op.drop_table("agent_state_event")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_constraint("fk_team_leader_id_person", type_="foreignkey")
    op.drop_table("person")
    op.drop_table("interval_report")
    op.drop_table("team")
    op.drop_table("queue")
    op.drop_table("site")
    op.drop_table("import_batch")
    op.drop_table("erasure")
    op.drop_table("channel")
