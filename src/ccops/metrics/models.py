"""The version of the data KPIs are computed from, so cached KPI results know when they are stale.

Database triggers (migration 0009) bump ``version`` in the same transaction as every insert,
update or delete of contacts, agent states, interval reports, queues and people, whichever code
path writes them (web, CLI, demo, direct SQL). ``epoch`` is drawn at random whenever the row is
created, so a table emptied and refilled never repeats an earlier (epoch, version) pair.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ccops.db import Base

# The tables whose rows KPIs are computed from; a write to any of them bumps the data version.
KPI_SOURCE_TABLES = ("contact", "agent_state_event", "interval_report", "queue", "person")


class KpiDataVersion(Base):
    """One row: a counter of writes to the KPI source tables and the random epoch of the row."""

    __tablename__ = "kpi_data_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    epoch: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(BigInteger)
