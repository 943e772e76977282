"""contacts carry their business context: reason code, topic, the standard answer used,
transfer and escalation flags, recording and transcript references, CSAT and NPS

Revision ID: 0039
Revises: 0037
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("reason_code", sa.String(100)),
    ("topic", sa.String(100)),
    ("kb_article_id", sa.BigInteger()),
    ("kb_article_version", sa.Integer()),
    ("transferred", sa.Boolean()),
    ("escalated", sa.Boolean()),
    ("recording_ref", sa.String(500)),
    ("transcript_ref", sa.String(500)),
    ("csat", sa.Integer()),
    ("nps", sa.Integer()),
)


def upgrade() -> None:
    # Nullable columns only: SQLite adds them in place (no copy), PostgreSQL with no rewrite.
    with op.batch_alter_table("contact") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
