"""The demo's forecasting calendar: the launch Monday, marked afterwards by a planner.

Nobody entered the launch before it happened (that is the story), but once it is known a
planner marks it, so that a forecast built after it does not take that Monday as a normal one;
``launch`` in a command (``--date launch``) finds the day by this record.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ccops.org import demo as org_demo
from ccops.wfm.forecasts import schemas
from ccops.wfm.forecasts import special_days as special_day_service


def seed_demo(session: Session, *, launch: date) -> int:
    """Mark the launch Monday on every voice queue that surged; return the days stored."""
    voice = [q for q in org_demo.QUEUES if q.channel == "voice"]
    for q in voice:
        special_day_service.add_special_day(
            session=session,
            data=schemas.SpecialDayIn(
                site=q.site,
                queue=q.name,
                day=launch,
                kind="launch",
                name="Product launch (not announced; marked afterwards)",
            ),
        )
    return len(voice)
