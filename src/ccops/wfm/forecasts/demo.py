"""The demo's forecasts and forecasting calendar.

Before each week of the history (from the second: the first has no week before it to learn from)
a planner forecast every queue from the weeks before (seasonal naive, the benchmark every method
must beat) and turned it into a staffing requirement, each stored as made on the Thursday
before the week. So every past week has the forecast it was planned with, and forecast accuracy
reads real forecast-against-actual; the launch week's is what the launch Monday was planned
with, so the board and ``intraday explain`` can set what happened against it. Nobody entered
the launch before it happened (that is the story), but once it is known a planner marks it as a
special day, so that a forecast built after it does not take that Monday as a normal one;
``launch`` in a command (``--date launch``) finds the day by this record.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ccops.org import demo as org_demo
from ccops.wfm.forecasts import schemas
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.forecasts import special_days as special_day_service
from ccops.wfm.forecasts.models import Forecast
from ccops.wfm.staffing import requirements as requirement_service
from ccops.wfm.staffing import schemas as staffing_schemas

PLANNER = "planner"
MADE_DAYS_BEFORE = 4
"""A week's forecast is made on the Thursday before it (at 15:00 local)."""
MADE_AT = time(15, 0)


def seed_demo(session: Session, *, first: date, launch: date) -> dict[str, int]:
    """The forecast and requirement made before each week of the history from ``first`` (the
    launch week's last), then the launch marked afterwards."""
    forecasts = 0
    for monday in history_mondays(first=first, launch=launch):
        forecasts += seed_week_plans(session, monday=monday, launch=launch)
    return {"forecasts": forecasts, "special_days": mark_launch(session, launch=launch)}


def history_mondays(*, first: date, launch: date) -> list[date]:
    """The Mondays of the weeks forecast: each with at least a week of history before it (the
    seasonal naive's), up to the launch Monday."""
    monday = first + timedelta(days=7 + (-(first + timedelta(days=7)).weekday()) % 7)
    out = []
    while monday <= launch:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def seed_week_plans(session: Session, *, monday: date, launch: date) -> int:
    """Forecast each queue for the week from ``monday`` as of that Monday, and its requirement,
    recorded as made on the Thursday before."""
    note = (
        "Made before the launch week; the launch was not announced."
        if monday == launch
        else f"Made before the week of {monday.isoformat()}."
    )
    for q in org_demo.QUEUES:
        forecast = forecast_service.build_forecast(
            session=session,
            data=schemas.ForecastBuildIn(
                queue=q.name,
                horizon_days=7,
                methods=["SeasonalNaive"],
                backtest_weeks=1,
                as_of=monday,
                notes=note,
            ),
            created_by=PLANNER,
        )
        record = session.get(Forecast, forecast.id)
        assert record is not None
        zone = ZoneInfo(next(z for site, z, _ in org_demo.SITES if site == q.site))
        made = datetime.combine(monday - timedelta(days=MADE_DAYS_BEFORE), MADE_AT, zone)
        record.created_at = made.astimezone(UTC)
        requirement_service.build_requirement(
            session=session,
            forecast_id=forecast.id,
            data=staffing_schemas.RequirementIn(breaks=0.1, absence=0.05),
            created_by=PLANNER,
        )
    return len(org_demo.QUEUES)


def mark_launch(session: Session, *, launch: date) -> int:
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
