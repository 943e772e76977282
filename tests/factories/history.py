"""Small generated histories for the forecast tests, bulk-inserted for speed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.enums import Outcome
from ccops.org.models import Queue

SHANGHAI_OFFSET_MIN = 480  # Asia/Shanghai has no daylight saving


def weekday_profile(day: date, slot: int) -> int:
    """Contacts in a 30-minute slot: open 08:00-18:00, busier on Mondays, closed at night."""
    if not 16 <= slot < 36:
        return 0
    return 3 + (2 if day.weekday() == 0 else 0) + (1 if 20 <= slot < 28 else 0)


def add_history(
    session: Session,
    *,
    queue: str,
    first_day: date,
    days: int,
    skip_days: frozenset[date] = frozenset(),
    volume: Callable[[date, int], int] = weekday_profile,
    talk_s: float = 100.0,
    wrap_s: float = 20.0,
) -> int:
    """Insert contacts on a Shanghai-time queue, per 30-minute local slot; return how many."""
    q = session.scalars(select(Queue).where(Queue.name == queue)).one()
    rows = []
    for d in range(days):
        day = first_day + timedelta(days=d)
        if day in skip_days:
            continue
        day_min = (day - date(1970, 1, 1)).days * 1440
        for slot in range(48):
            for k in range(volume(day, slot)):
                local_min = day_min + slot * 30 + k
                arrival = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
                    minutes=local_min - SHANGHAI_OFFSET_MIN
                )
                rows.append(
                    {
                        "source": "test",
                        "external_id": f"{queue}-{local_min}",
                        "queue_id": q.id,
                        "channel_id": q.channel_id,
                        "arrival_at": arrival,
                        "answered_at": arrival + timedelta(seconds=5),
                        "ended_at": arrival + timedelta(seconds=5 + talk_s + wrap_s),
                        "outcome": Outcome.answered,
                        "wait_s": 5.0,
                        "talk_s": talk_s,
                        "hold_s": 0.0,
                        "wrap_s": wrap_s,
                        "arrival_epoch_s": int(arrival.timestamp()),
                        "arrival_local_min": local_min,
                        "utc_offset_min": SHANGHAI_OFFSET_MIN,
                        "content_hash": "x",
                    }
                )
    if rows:
        session.execute(insert(Contact), rows)
    session.flush()
    return len(rows)
