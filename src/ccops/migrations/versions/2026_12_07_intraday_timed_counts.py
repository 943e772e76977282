"""intraday interval totals count the contacts with trusted timing (timed, answered_timed), and
their handle and wait sums cover only those, so ASA, AHT and service level leave out contacts
whose wait is unknown (issue #15, point 5)

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-07

Backfill: until now a contact with untrusted timing (null wait, revision 0047) was counted in
its interval's offered and answered, added its handle time to handle_sum_s and 0 to the wait
sum. Each row's timed and answered_timed are its counts less the stored contacts of its queue,
UTC offset and 15-minute local interval whose wait is null, and its handle sum loses theirs;
a row without such contacts (every row of a database older than 0047) keeps its sums.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0049"
down_revision: str | None = "0048"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNTIMED = """
    FROM contact c
    WHERE c.queue_id = intraday_interval.queue_id
      AND c.utc_offset_min = intraday_interval.utc_offset_min
      AND c.arrival_local_min >= intraday_interval.interval_local_min
      AND c.arrival_local_min < intraday_interval.interval_local_min + 15
      AND c.wait_s IS NULL
"""
ANSWERED = " AND c.outcome IN ('answered', 'transferred')"


def upgrade() -> None:
    with op.batch_alter_table("intraday_interval") as batch:
        batch.add_column(sa.Column("timed", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("answered_timed", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute("UPDATE intraday_interval SET timed = offered, answered_timed = answered")
    op.execute(
        "UPDATE intraday_interval SET "
        f"timed = offered - (SELECT count(*) {UNTIMED}), "
        f"answered_timed = answered - (SELECT count(*) {UNTIMED}{ANSWERED}), "
        "handle_sum_s = handle_sum_s - (SELECT coalesce(sum(c.talk_s + c.hold_s + c.wrap_s), 0) "
        f"{UNTIMED}{ANSWERED}) "
        f"WHERE EXISTS (SELECT 1 {UNTIMED})"
    )


def downgrade() -> None:
    # the handle sums go back to counting every answered contact, as before
    op.execute(
        "UPDATE intraday_interval SET "
        "handle_sum_s = handle_sum_s + (SELECT coalesce(sum(c.talk_s + c.hold_s + c.wrap_s), 0) "
        f"{UNTIMED}{ANSWERED}) "
        f"WHERE EXISTS (SELECT 1 {UNTIMED})"
    )
    with op.batch_alter_table("intraday_interval") as batch:
        batch.drop_column("answered_timed")
        batch.drop_column("timed")
