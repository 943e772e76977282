"""The demo's forecasts and forecasting calendar.

Before the launch week a planner forecast every queue from the history of the weeks before
(seasonal naive, the benchmark every method must beat) and turned it into a staffing
requirement: that is what the launch Monday was planned with, so the board and ``intraday
explain`` can set what happened against it. Nobody entered the launch before it happened (that
is the story), but once it is known a planner marks it as a special day, so that a forecast
built after it does not take that Monday as a normal one; ``launch`` in a command
(``--date launch``) finds the day by this record.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ccops.org import demo as org_demo
from ccops.wfm.forecasts import schemas
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.forecasts import special_days as special_day_service
from ccops.wfm.staffing import requirements as requirement_service
from ccops.wfm.staffing import schemas as staffing_schemas

PLANNER = "planner"


def seed_demo(session: Session, *, launch: date) -> dict[str, int]:
    """The launch week's forecasts and requirements, then the launch marked afterwards."""
    forecasts = seed_launch_week_plans(session, launch=launch)
    return {"forecasts": forecasts, "special_days": mark_launch(session, launch=launch)}


def seed_launch_week_plans(session: Session, *, launch: date) -> int:
    """Forecast each queue for the launch week as of its Monday, and its requirement."""
    for q in org_demo.QUEUES:
        forecast = forecast_service.build_forecast(
            session=session,
            data=schemas.ForecastBuildIn(
                queue=q.name,
                horizon_days=7,
                methods=["SeasonalNaive"],
                backtest_weeks=1,
                as_of=launch,
                notes="Made before the launch week; the launch was not announced.",
            ),
            created_by=PLANNER,
        )
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
