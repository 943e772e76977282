"""The demo's intraday totals: every queue-day of its history counted once, as an import of the
same contacts would have left them, so the board and ``intraday explain`` replay past days
(the launch Monday) from stored interval data."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.org.models import Queue
from ccops.wfm.intraday import totals


def seed_demo(session: Session, *, first: date, end: date) -> int:
    """Rebuild the interval totals of every queue from ``first`` to ``end``; return how many."""
    return sum(
        totals.rebuild_days(session=session, queue_id=queue_id, first=first, last=end)
        for queue_id in session.scalars(select(Queue.id).order_by(Queue.id))
    )
