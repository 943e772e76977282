"""Small intraday worlds for tests: a flat stored forecast and contacts sent as events."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from ccops import flows
from ccops.org.models import Queue
from ccops.wfm.forecasts.models import Forecast, ForecastInterval
from ccops.wfm.intraday import schemas as intraday_schemas

DAY = date(2026, 11, 23)
OPEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def flat_forecast(
    session: Session, *, queue: str = "Sales", per_interval: float = 20.0, aht_s: float = 180.0
) -> int:
    """Store a forecast of ``per_interval`` contacts per 15 minutes from 09:00 to 17:00 UTC."""
    q = session.query(Queue).filter_by(name=queue).one()
    record = Forecast(
        queue_id=q.id,
        method="test",
        created_by="test",
        horizon_days=1,
        interval_min=15,
        first_day=DAY,
        last_day=DAY,
        history_source="contacts",
    )
    start = datetime(2026, 11, 23, tzinfo=UTC)
    for i in range(96):
        at = start + timedelta(minutes=15 * i)
        busy = OPEN <= at < OPEN + timedelta(hours=8)
        record.intervals.append(
            ForecastInterval(
                interval_local_min=int(at.timestamp() // 60),
                utc_offset_min=0,
                interval_start=at,
                volume=per_interval if busy else 0.0,
                lo80=0,
                hi80=0,
                lo95=0,
                hi95=0,
                aht_s=aht_s,
            )
        )
    session.add(record)
    session.flush()
    return record.id


def contacts(
    first: datetime, count: int, *, prefix: str = "c", queue: str = "Sales", spread_s: float = 600
) -> list[str]:
    """``count`` answered contacts spread evenly over ``spread_s`` seconds from ``first``."""
    out = []
    for i in range(count):
        arrival = first + timedelta(seconds=spread_s * i / count)
        out.append(
            json.dumps(
                {
                    "id": f"{prefix}{i}",
                    "type": "contact",
                    "queue": queue,
                    "arrival": arrival.isoformat(),
                    "outcome": "answered",
                    "wait_s": 8,
                    "talk_s": 150,
                    "wrap_s": 30,
                }
            )
        )
    return out


def send(session: Session, lines: list[str], now: datetime) -> intraday_schemas.IntakeOut:
    """Ingest ``lines`` at the clock ``now``."""
    return flows.ingest_events(session=session, events=lines, secret_key="k", now=now)
