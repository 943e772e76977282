"""A small site to schedule: one or two queues, a few people with contracts, one template,
and a stored staffing requirement covering a week (no forecast history needed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.org.models import Queue
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.forecasts.models import Forecast
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.schedules import setup as schedule_setup
from ccops.wfm.staffing.models import RequirementInterval, StaffingRequirement
from tests.factories import make_org

WEEK = "2026-W48"
FAST = ss.SolveOptionsIn(plan_time_limit_s=20, roster_time_limit_s=20, threads=1, workers=1, seed=0)


def office_hours(local: datetime) -> int:
    """Two agents 09:00-13:00 and one 13:00-17:00 on weekdays, none otherwise."""
    if local.weekday() >= 5:
        return 0
    if 9 <= local.hour < 13:
        return 2
    if 13 <= local.hour < 17:
        return 1
    return 0


def store_requirement(
    session: Session,
    queue_name: str,
    week: str = WEEK,
    agents: Callable[[datetime], int] = office_hours,
    rate_per_agent_per_s: float = 0.004,
) -> int:
    """Store a forecast and a requirement of ``queue_name`` for the ISO week (local grid)."""
    queue = session.query(Queue).filter_by(name=queue_name).one()
    zone = ZoneInfo(queue.site.timezone)
    monday = ss.parse_week(week)
    fc = Forecast(
        queue_id=queue.id,
        method="seasonal_naive",
        created_by="test",
        created_at=utcnow(),
        horizon_days=7,
        interval_min=15,
        first_day=monday,
        last_day=monday + timedelta(days=6),
        history_source="test",
    )
    req = (
        StaffingRequirement(
            forecast=None, created_by="test", target_s=20.0, service_level_goal=0.8, patience_s=None
        )
        if False
        else StaffingRequirement(
            created_by="test", target_s=20.0, service_level_goal=0.8, patience_s=None
        )
    )
    session.add(fc)
    session.flush()
    req.forecast_id = fc.id
    start = datetime.combine(monday, datetime.min.time())
    seen: set[datetime] = set()
    for k in range(7 * 96):
        local = start + timedelta(minutes=15 * k)
        utc = local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))
        if utc in seen or utc.astimezone(zone).replace(tzinfo=None) != local:
            continue
        seen.add(utc)
        n = agents(local)
        req.intervals.append(
            RequirementInterval(
                interval_local_min=forecast_service._local_min(local),
                utc_offset_min=int(
                    (utc.astimezone(zone).utcoffset() or timedelta()).total_seconds() // 60
                ),
                interval_start=utc,
                volume=n * rate_per_agent_per_s * 900 * 60,
                aht_s=240.0 if n else 0.0,
                required_agents=n,
                scheduled=n,
            )
        )
    session.add(req)
    session.flush()
    return req.id


def make_small_site(
    session: Session,
    *,
    agents: tuple[str, ...] = ("alice", "bob", "carol"),
    timezone: str = "Europe/London",
    contract: ss.ContractIn | None = None,
) -> None:
    """A site Main with queue Sales, people with a contract, one day template, a requirement."""
    make_org(session, timezone=timezone, agents=agents)
    schedule_setup.create_template(
        session=session,
        data=ss.ShiftTemplateIn(
            site="Main",
            name="day",
            first_start="08:00",
            last_start="10:00",
            step_min=60,
            weekdays=[0, 1, 2, 3, 4],
            length_min=480,
            breaks=[
                ss.BreakIn(
                    length_min=30,
                    earliest_after_start_min=180,
                    latest_after_start_min=300,
                    paid=False,
                )
            ],
            cost_per_hour=20.0,
        ),
    )
    schedule_setup.create_contract(
        session=session,
        data=contract
        or ss.ContractIn(name="flex", weekly_min_h=0, weekly_max_h=40, days_min=0, days_max=5),
    )
    for login in agents:
        schedule_setup.assign_contract(
            session=session, login=login, contract=(contract.name if contract else "flex")
        )
    store_requirement(session, "Sales")


def monday_utc(week: str = WEEK, timezone: str = "Europe/London") -> datetime:
    """Monday 00:00 local of the week, in UTC."""
    monday: date = ss.parse_week(week)
    return datetime.combine(monday, datetime.min.time()).replace(tzinfo=ZoneInfo(timezone))
