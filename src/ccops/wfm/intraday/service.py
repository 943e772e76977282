"""The intraday view: forecast against what is happening, per queue and 15-minute interval, with
a reforecast of the rest of the day and the agents it requires; and the day's explanation of a
missed service level (attribution by sequential replacement).

Reads only the interval aggregates the intake keeps up to date (``IntradayInterval``), the
stored forecast and requirement, and (when given) the published schedule's coverage: nothing is
recomputed from the history of contacts on a request.

Reforecast (documented formula): with ``W`` the last ``REFORECAST_WINDOW`` completed intervals of
the day, ``A`` the contacts offered in them and ``F`` their forecast,

    ratio  r = A / F
    factor k = 1 + (r - 1) * F / (F + DAMPING_CONTACTS)

and every interval not yet completed is reforecast as ``forecast x k``; completed intervals keep
their actual volume. The damping shrinks the observed ratio toward 1 by how much evidence there
is: with F = 30 forecast contacts and DAMPING_CONTACTS = 30, half the observed deviation is
carried forward; with F = 300, 91%. Without completed intervals (or F = 0) k = 1.
The requirement of the reforecast comes from the staffing engine
(``queueing.required_agents`` at the queue's goal and threshold, Erlang A when the stored
requirement has a patience).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops import bounds
from ccops.contacts.models import AgentStateEvent
from ccops.db import utcnow
from ccops.engines import attribution, queueing
from ccops.enums import ScopeKind, ServiceLevelVariant
from ccops.errors import Forbidden, Problem
from ccops.metrics import rules as kpi_rules
from ccops.org import service as org_service
from ccops.org.models import Person, PersonSkill, Queue
from ccops.wfm.forecasts.models import Forecast, ForecastInterval
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday.constants import INTERVAL_MIN, INTERVAL_S, STAFFED_STATES
from ccops.wfm.intraday.models import IntradayInterval
from ccops.wfm.schedules import queries as schedule_queries
from ccops.wfm.staffing.models import RequirementInterval, StaffingRequirement

REFORECAST_WINDOW = 4
DAMPING_CONTACTS = 30.0
FORMULA = (
    "r = offered / forecast over the last 4 completed intervals; "
    "k = 1 + (r - 1) * F / (F + 30), F = their forecast contacts; "
    "reforecast = forecast x k for intervals not yet completed"
)
NO_SCHEDULE = "no published schedule: scheduled is unknown"


@dataclass(frozen=True)
class PlannedActivity:
    """One planned activity of a person (from the published schedule), times in UTC."""

    person_id: int
    kind: str
    start: datetime
    end: datetime
    queue_id: int | None = None
    earliest_start: datetime | None = None
    latest_start: datetime | None = None


CoverageFn = Callable[[int, datetime, datetime], dict[datetime, float]]
"""(queue id, start, end) -> scheduled agents per interval start (the published schedule)."""


def published_coverage(session: Session) -> CoverageFn:
    """The published schedules' coverage (``schedule_queries.published_coverage``) as a function.

    It returns an empty mapping when no published schedule covers the queue and period.
    """

    def coverage(queue_id: int, start: datetime, end: datetime) -> dict[datetime, float]:
        found = schedule_queries.published_coverage(
            session=session, queue_id=queue_id, start=start, end=end
        )
        return {_aware(k): float(v) for k, v in found.items()}

    return coverage


def scheduled_agents(
    coverage: CoverageFn, queue_id: int, start: datetime, end: datetime
) -> dict[datetime, float] | None:
    """Scheduled agents per interval start, or None when no published schedule covers the period
    (an empty coverage: scheduled is unknown, not zero)."""
    found = coverage(queue_id, start, end)
    return found or None


def published_activities(
    session: Session, person_ids: list[int], start: datetime, end: datetime
) -> list[PlannedActivity]:
    """The people's planned activities from the published schedules (empty without one)."""
    return [
        PlannedActivity(
            person_id=a.person_id,
            kind=a.kind,
            start=_aware(a.start),
            end=_aware(a.end),
            queue_id=a.queue_id,
        )
        for a in schedule_queries.published_activities(
            session=session, person_ids=person_ids, start=start, end=end
        )
    ]


@dataclass
class DayPlan:
    """A queue-day's plan and actuals, interval by interval (arrays of the day's grid)."""

    queue: Queue
    zone: ZoneInfo
    day: date
    starts: list[datetime]
    local_starts: list[datetime]
    forecast: np.ndarray
    forecast_aht_s: np.ndarray
    required: np.ndarray | None
    patience_s: float | None
    forecast_id: int | None
    requirement_id: int | None
    rows: dict[datetime, IntradayInterval]
    notes: list[str] = field(default_factory=list)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def day_grid(day: date, zone: ZoneInfo) -> tuple[list[datetime], list[datetime]]:
    """UTC and local starts of the 15-minute intervals of a local day (23/25 h on DST days)."""
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    n = int((end - start).total_seconds() // INTERVAL_S)
    utc = [start + timedelta(seconds=i * INTERVAL_S) for i in range(n)]
    return utc, [u.astimezone(zone).replace(tzinfo=None) for u in utc]


def queue_allowed(session: Session, scope: org_service.Scope, queue: Queue) -> bool:
    """Whether a queue is in scope: its site's, and for team leaders a queue their teams work."""
    if not scope.allows_site(queue.site_id):
        return False
    if scope.kind in (ScopeKind.teams, ScopeKind.own) and scope.site_ids is not None:
        members = select(Person.id).where(Person.team_id.in_(sorted(scope.team_ids)))
        if scope.person_id is not None and scope.kind == ScopeKind.own:
            members = select(Person.id).where(Person.id == scope.person_id)
        found = session.scalar(
            select(PersonSkill.id)
            .where(PersonSkill.queue_id == queue.id, PersonSkill.person_id.in_(members))
            .limit(1)
        )
        return found is not None
    return True


def queues_in_scope(*, session: Session, scope: org_service.Scope) -> list[Queue]:
    """The queues in scope (``queue_allowed``), in name order."""
    return [
        q
        for q in session.scalars(select(Queue).order_by(Queue.name))
        if queue_allowed(session, scope, q)
    ]


def get_queue(session: Session, name: str, scope: org_service.Scope) -> Queue:
    """Return a queue in scope, or raise NotFound/Forbidden naming it."""
    queue = org_service.get_queue(session=session, name=name)
    if not queue_allowed(session, scope, queue):
        raise Forbidden(
            f"queue {queue.name!r} is outside your scope",
            [Problem("outside your scope", field="queue")],
        )
    return queue


def load_day(*, session: Session, queue: Queue, day: date) -> DayPlan:
    """Read a queue-day's forecast, requirement and interval aggregates."""
    zone = ZoneInfo(queue.site.timezone)
    starts, local = day_grid(day, zone)
    n = len(starts)
    notes: list[str] = []
    record = session.scalars(
        select(Forecast)
        .where(Forecast.queue_id == queue.id, Forecast.first_day <= day, Forecast.last_day >= day)
        .order_by(Forecast.id.desc())
        .limit(1)
    ).first()
    forecast = np.zeros(n)
    aht = np.zeros(n)
    required: np.ndarray | None = None
    patience: float | None = None
    requirement_id = None
    if record is None:
        notes.append(f"no forecast of queue {queue.name} covers {day}: forecast is unknown")
    else:
        index = {s: i for i, s in enumerate(starts)}
        last = starts[-1]
        ivs = session.scalars(
            select(ForecastInterval)
            .where(
                ForecastInterval.forecast_id == record.id,
                ForecastInterval.interval_start >= starts[0],
                ForecastInterval.interval_start <= last,
            )
            .order_by(ForecastInterval.interval_start)
        ).all()
        lm = np.array([iv.interval_local_min for iv in ivs], dtype=np.int64)
        factor = np.ones(len(ivs))
        for adj in record.adjustments:
            factor[(lm >= adj.first_local_min) & (lm <= adj.last_local_min)] *= adj.factor
        step = record.interval_min // INTERVAL_MIN
        for iv, f in zip(ivs, factor, strict=True):
            i = index.get(_aware(iv.interval_start))
            if i is None:
                continue
            for j in range(i, min(i + step, n)):
                forecast[j] = iv.volume * f / step
                aht[j] = iv.aht_s
        req = session.scalars(
            select(StaffingRequirement)
            .where(StaffingRequirement.forecast_id == record.id)
            .order_by(StaffingRequirement.id.desc())
            .limit(1)
        ).first()
        if req is not None:
            requirement_id = req.id
            patience = req.patience_s
            required = np.zeros(n)
            for riv in session.scalars(
                select(RequirementInterval).where(
                    RequirementInterval.requirement_id == req.id,
                    RequirementInterval.interval_start >= starts[0],
                    RequirementInterval.interval_start <= last,
                )
            ):
                i = index.get(_aware(riv.interval_start))
                if i is not None:
                    for j in range(i, min(i + step, n)):
                        required[j] = riv.required_agents
        else:
            notes.append("no stored staffing requirement: required computed from the forecast")
            required = _required(forecast, aht, queue, None)
    rows = {
        _aware(r.interval_start): r
        for r in session.scalars(
            select(IntradayInterval).where(
                IntradayInterval.queue_id == queue.id,
                IntradayInterval.interval_start >= starts[0],
                IntradayInterval.interval_start <= starts[-1],
            )
        )
    }
    return DayPlan(
        queue=queue,
        zone=zone,
        day=day,
        starts=starts,
        local_starts=local,
        forecast=forecast,
        forecast_aht_s=aht,
        required=required,
        patience_s=patience,
        forecast_id=None if record is None else record.id,
        requirement_id=requirement_id,
        rows=rows,
        notes=notes,
    )


def _required(
    volume: np.ndarray, aht_s: np.ndarray, queue: Queue, patience_s: float | None
) -> np.ndarray:
    """Agents per interval from the staffing engine (0 where nothing is expected)."""
    out = np.zeros(volume.size)
    busy = (volume > 0) & (aht_s > 0)
    if busy.any():
        out[busy] = queueing.required_agents(
            volume[busy] / INTERVAL_S,
            aht_s[busy],
            service_level=queue.service_level_goal,
            target_s=queue.target_s,
            patience_s=patience_s,
        )
    return out


def required_for(volume: float, aht_s: float, queue: Queue, patience_s: float | None = None) -> int:
    """Agents one interval needs for ``volume`` contacts (the staffing engine's answer)."""
    if volume <= 0 or aht_s <= 0:
        return 0
    return int(
        queueing.required_agents(
            volume / INTERVAL_S,
            aht_s,
            service_level=queue.service_level_goal,
            target_s=queue.target_s,
            patience_s=patience_s,
        )
    )


def service_level(
    variant: ServiceLevelVariant,
    within: int,
    offered: int,
    answered: int,
    short: int,
    timed: int | None = None,
    answered_timed: int | None = None,
) -> float | None:
    """Service level by the queue's variant (the KPI rules of ``ccops.metrics.rules``), over the
    contacts with trusted timing: ``timed`` of the offered, ``answered_timed`` of the answered
    (None: all of them)."""
    return kpi_rules.service_level(
        variant,
        within=within,
        offered=offered,
        answered=answered,
        short=short,
        untimed=0 if timed is None else offered - timed,
        answered_untimed=0 if answered_timed is None else answered - answered_timed,
    )


def row_service_level(variant: ServiceLevelVariant, rows: list[IntradayInterval]) -> float | None:
    """Service level of the summed interval totals ``rows`` by the queue's variant."""
    return service_level(
        variant,
        sum(r.answered_within_target for r in rows),
        sum(r.offered for r in rows),
        sum(r.answered for r in rows),
        sum(r.short_abandoned for r in rows),
        sum(r.timed for r in rows),
        sum(r.answered_timed for r in rows),
    )


def untimed_note(rows: list[IntradayInterval]) -> str | None:
    """The data-quality note of contacts with untrusted timing among ``rows`` (None: none)."""
    untimed = sum(r.offered - r.timed for r in rows)
    if not untimed:
        return None
    answered = sum(r.answered - r.answered_timed for r in rows)
    return (
        f"{untimed} contact(s) with untrusted timing ({answered} answered): counted in offered, "
        "answered and abandoned, left out of service level, ASA and AHT (wait unknown)"
    )


def abandon_rate(abandoned: float, short: float, offered: float) -> float | None:
    """Abandonment rate: abandons other than short abandons over contacts offered other than
    short abandons (None without any)."""
    return kpi_rules.abandon_rate(abandoned=abandoned, short=short, offered=offered)


@dataclass
class Reforecast:
    """The reforecast of a day at a moment: factor, observed ratio and volumes per interval."""

    factor: float
    ratio: float | None
    completed: int
    volume: np.ndarray


def reforecast(plan: DayPlan, as_of: datetime) -> Reforecast:
    """Scale the rest of the day by the damped ratio observed in the last completed intervals."""
    done = [i for i, s in enumerate(plan.starts) if s + timedelta(seconds=INTERVAL_S) <= as_of]
    window = done[-REFORECAST_WINDOW:]
    offered = np.array(
        [plan.rows[s].offered if s in plan.rows else 0 for s in plan.starts], dtype=np.float64
    )
    f = float(plan.forecast[window].sum()) if window else 0.0
    a = float(offered[window].sum()) if window else 0.0
    ratio = a / f if f > 0 else None
    factor = 1.0 if ratio is None else 1.0 + (ratio - 1.0) * f / (f + DAMPING_CONTACTS)
    volume = plan.forecast * factor
    if done:
        volume[: done[-1] + 1] = offered[: done[-1] + 1]
    return Reforecast(factor=factor, ratio=ratio, completed=len(done), volume=volume)


def _open_staffed(session: Session, queue: Queue, at: datetime) -> float:
    """Agents of the queue in an open staffed span now (live spans not yet in the aggregates)."""
    people = select(PersonSkill.person_id).where(PersonSkill.queue_id == queue.id)
    spans = session.scalars(
        select(AgentStateEvent).where(
            AgentStateEvent.end_at.is_(None),
            AgentStateEvent.person_id.in_(people),
            AgentStateEvent.start_at <= at,
            AgentStateEvent.state.in_([s.value for s in STAFFED_STATES]),
        )
    )
    count = 0
    for span in spans:
        top = session.execute(
            select(PersonSkill.queue_id)
            .where(PersonSkill.person_id == span.person_id)
            .order_by(PersonSkill.level.desc(), PersonSkill.queue_id)
            .limit(1)
        ).scalar()
        count += top == queue.id
    return float(count)


def last_day_with_contacts(
    *, session: Session, queue: str, scope: org_service.Scope = org_service.EVERYTHING
) -> date | None:
    """The latest local day on which the queue's interval totals counted a contact (None when
    none ever did): where the board sends a user on a day nothing has arrived yet."""
    q = get_queue(session, queue, scope)
    latest = session.scalar(
        select(func.max(IntradayInterval.interval_local_min)).where(
            IntradayInterval.queue_id == q.id, IntradayInterval.offered > 0
        )
    )
    return None if latest is None else date(1970, 1, 1) + timedelta(days=int(latest) // 1440)


def status(
    *,
    session: Session,
    queue: str,
    day: date | None = None,
    as_of: datetime | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
    coverage: CoverageFn | None = None,
) -> schemas.IntradayOut:
    """Return the intraday view of a queue for a local day (default: today at the site).

    Args:
        session: Database session.
        queue: Queue name.
        day: Local date at the queue's site (default today there).
        as_of: The moment the view is taken (default now, capped to the day's end).
        scope: The caller's scope.
        coverage: Agents per interval (default the published schedules'); an empty answer shows
            scheduled as unknown.
    """
    q = get_queue(session, queue, scope)
    coverage = coverage or published_coverage(session)
    zone = ZoneInfo(q.site.timezone)
    now = utcnow()
    if day is None:
        day = (as_of or now).astimezone(zone).date()
    plan = load_day(session=session, queue=q, day=day)
    end = plan.starts[-1] + timedelta(seconds=INTERVAL_S)
    moment = min(_aware(as_of) if as_of else now, end)
    refc = reforecast(plan, moment)
    aht = plan.forecast_aht_s.copy()
    known = aht[aht > 0]
    fallback = float(np.median(known)) if known.size else 0.0
    aht[aht <= 0] = fallback
    required = _required(refc.volume, aht, q, plan.patience_s)
    scheduled = scheduled_agents(coverage, q.id, plan.starts[0], end)
    notes = list(plan.notes)
    if scheduled is None:
        notes.append(NO_SCHEDULE)
    live = _open_staffed(session, q, moment) if plan.starts[0] <= moment < end else 0.0
    measured = [r for s in plan.starts if (r := plan.rows.get(s)) is not None]
    if (note := untimed_note(measured)) is not None:
        notes.append(note)
    out_rows: list[schemas.IntervalOut] = []
    tot: dict[str, float] = dict.fromkeys(("offered", "answered", "abandoned", "short"), 0)
    tot["wait"] = 0.0
    tot["answered_timed"] = 0
    for i, (s, local) in enumerate(zip(plan.starts, plan.local_starts, strict=True)):
        r = plan.rows.get(s)
        e = s + timedelta(seconds=INTERVAL_S)
        state: Literal["past", "current", "future"] = (
            "past" if e <= moment else ("current" if s <= moment else "future")
        )
        offered = r.offered if r else 0
        answered = r.answered if r else 0
        abandoned = r.abandoned if r else 0
        short = r.short_abandoned if r else 0
        answered_timed = r.answered_timed if r else 0
        elapsed = INTERVAL_S if state == "past" else max((moment - s).total_seconds(), 0.0)
        staffed: float | None = None
        if state != "future":
            staffed = (r.staffed_s if r else 0.0) / elapsed if elapsed > 0 else 0.0
            if state == "current":
                staffed += live
        ready = (r.handling_s + r.available_s) if r else 0.0
        tot["offered"] += offered
        tot["answered"] += answered
        tot["answered_timed"] += answered_timed
        tot["abandoned"] += abandoned
        tot["short"] += short
        tot["wait"] += r.answered_wait_sum_s if r else 0.0
        out_rows.append(
            schemas.IntervalOut(
                interval_start=s,
                local_start=local,
                state=state,
                forecast=None if plan.forecast_id is None else round(float(plan.forecast[i]), 3),
                offered=offered,
                reforecast=None if plan.forecast_id is None else round(float(refc.volume[i]), 3),
                required=None if plan.forecast_id is None else int(required[i]),
                scheduled=None if scheduled is None else scheduled.get(s),
                staffed=None if staffed is None else round(staffed, 3),
                answered=answered,
                abandoned=abandoned,
                service_level=row_service_level(q.service_level_variant, [r] if r else []),
                abandon_rate=abandon_rate(abandoned, short, offered),
                asa_s=r.answered_wait_sum_s / answered_timed if r and answered_timed else None,
                aht_s=r.handle_sum_s / answered_timed if r and answered_timed else None,
                occupancy=r.handling_s / ready if r and ready > 0 else None,
            )
        )
    return schemas.IntradayOut(
        queue=q.name,
        site=q.site.name,
        date=day,
        as_of=moment,
        interval_min=INTERVAL_MIN,
        target_s=q.target_s,
        service_level_goal=q.service_level_goal,
        forecast_id=plan.forecast_id,
        requirement_id=plan.requirement_id,
        reforecast_factor=round(refc.factor, 6),
        reforecast_ratio=None if refc.ratio is None else round(refc.ratio, 6),
        reforecast_formula=FORMULA,
        offered=int(tot["offered"]),
        forecast_total=None if plan.forecast_id is None else round(float(plan.forecast.sum()), 3),
        service_level=row_service_level(q.service_level_variant, measured),
        abandon_rate=abandon_rate(tot["abandoned"], tot["short"], tot["offered"]),
        asa_s=tot["wait"] / tot["answered_timed"] if tot["answered_timed"] else None,
        timing_untrusted=sum(r.offered - r.timed for r in measured),
        answered_timing_untrusted=int(tot["answered"] - tot["answered_timed"]),
        notes=notes,
        intervals=out_rows,
    )


# --- explaining a missed service level -------------------------------------------------------


def _pts(x: float) -> str:
    return f"{x * 100:.1f}"


PART_WORDS = {
    "volume": "more (or fewer) contacts than forecast",
    "handle_time": "handle time different from plan",
    "staffing": "a schedule that did not cover the requirement",
    "schedule_loss": "agents scheduled but not available (absence, adherence, shrinkage)",
    "other": "what the queue model does not explain (randomness, routing, patience)",
}


def _report(out: schemas.ExplainOut, offered: int, planned: float) -> str:
    """The explanation in words, with how many contacts the service level left out."""
    text = _report_text(out, offered, planned)
    if out.timing_untrusted:
        text += (
            f" {out.timing_untrusted} contact(s) with untrusted timing (wait unknown) are counted "
            "as offered but left out of the service level and AHT."
        )
    return text


def _report_text(out: schemas.ExplainOut, offered: int, planned: float) -> str:
    if out.achieved_service_level is None or out.shortfall is None:
        return f"{out.queue} on {out.date}: no contacts were measured, nothing to explain."
    head = (
        f"{out.queue} on {out.date}: service level {_pts(out.achieved_service_level)}% "
        f"against a goal of {_pts(out.target_service_level)}%"
    )
    if out.shortfall <= 0:
        return head + " — the goal was met."
    if not out.parts:
        return (
            f"{head}: {_pts(out.shortfall)} points short. No forecast covers this day, so the "
            "shortfall cannot be split into its causes: build a forecast for the queue first."
        )
    order = sorted(out.parts.items(), key=lambda kv: -kv[1])
    lines = [f"{head}: {_pts(out.shortfall)} points short."]
    change = (offered / planned - 1) * 100 if planned > 0 else 0.0
    for name, value in order:
        if value <= 0.0005:
            continue
        text = f"{_pts(value)} points: {PART_WORDS[name]}"
        if name == "volume":
            text += f" ({offered} offered against {planned:.0f} forecast, {change:+.0f}%)"
        lines.append(text + ".")
    gains = [(n, v) for n, v in order if v < -0.0005 and n != "other"]
    if gains:
        lines.append(
            "Working the other way: "
            + ", ".join(f"{PART_WORDS[n]} ({_pts(-v)} points)" for n, v in gains)
            + "."
        )
    other = out.parts.get("other", 0.0)
    if other < -0.0005:
        lines.append(
            f"The queue model predicted a day {_pts(-other)} points worse than happened: help "
            "from agents of other queues, callers who gave up and routing are outside it."
        )
    top = order[0][0]
    if top in ("volume", "staffing", "handle_time"):
        lines.append(
            "The largest cause lies in planning, not in how the agents worked: "
            "look at the forecast and the plan before looking at people."
        )
    return " ".join(lines)


def explain(
    *,
    session: Session,
    day: date,
    queue: str | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
    coverage: CoverageFn | None = None,
) -> list[schemas.ExplainOut]:
    """Split each queue's service-level shortfall of a day into its causes (attribution engine).

    Plan = forecast volume and AHT with the stored requirement; actual = contacts offered, their
    AHT and the agents staffed (from agent states). Scheduled agents come from the published
    schedule; without one they are taken equal to the requirement (the staffing part is then 0
    and any gap shows as schedule loss), which the notes say.
    """
    if queue is not None:
        queues = [get_queue(session, queue, scope)]
    else:
        queues = [
            q
            for q in session.scalars(select(Queue).order_by(Queue.name))
            if queue_allowed(session, scope, q)
        ]
    coverage = coverage or published_coverage(session)
    out = []
    for q in queues:
        plan = load_day(session=session, queue=q, day=day)
        if plan.forecast_id is None and queue is None:
            continue
        out.append(_explain_one(plan, coverage))
    return out


def _explain_one(plan: DayPlan, coverage: CoverageFn) -> schemas.ExplainOut:
    q = plan.queue
    notes = list(plan.notes)
    rows = [plan.rows.get(s) for s in plan.starts]
    measured = [r for r in rows if r is not None]
    if (note := untimed_note(measured)) is not None:
        notes.append(note)
    offered = np.array([r.offered if r else 0 for r in rows], dtype=np.float64)
    # AHT is over the answered contacts with trusted timing (their handle sums)
    answered = np.array([r.answered_timed if r else 0 for r in rows], dtype=np.float64)
    handle = np.array([r.handle_sum_s if r else 0.0 for r in rows])
    staffed = np.array([(r.staffed_s if r else 0.0) / INTERVAL_S for r in rows])
    achieved = row_service_level(q.service_level_variant, measured)
    target = q.service_level_goal
    empty = schemas.ExplainOut(
        queue=q.name,
        date=plan.day,
        target_service_level=target,
        achieved_service_level=achieved,
        shortfall=None if achieved is None else target - achieved,
        parts={},
        largest_cause=None,
        steps={},
        report="",
        notes=notes,
        timing_untrusted=sum(r.offered - r.timed for r in measured),
    )
    if plan.forecast_id is None or plan.required is None or achieved is None:
        empty.report = _report(empty, int(offered.sum()), 0.0)
        return empty
    planned_aht = plan.forecast_aht_s.copy()
    known = planned_aht[planned_aht > 0]
    planned_aht[planned_aht <= 0] = float(np.median(known)) if known.size else 1.0
    actual_aht = np.where(answered > 0, handle / np.maximum(answered, 1), planned_aht)
    actual_aht[actual_aht <= 0] = planned_aht[actual_aht <= 0]
    end = plan.starts[-1] + timedelta(seconds=INTERVAL_S)
    cover = scheduled_agents(coverage, q.id, plan.starts[0], end)
    if cover is None:
        scheduled = plan.required
        notes.append(
            NO_SCHEDULE + "; scheduled is taken equal to the requirement, so the staffing part is 0"
        )
    else:
        scheduled = np.array([cover.get(s, 0.0) for s in plan.starts])
    # Intervals where nothing was planned nor offered carry no weight; where contacts came but
    # no agent was planned, the model's service level is 0 at every step (as it should be).
    result = attribution.attribute_shortfall(
        target=target,
        achieved=achieved,
        interval_s=INTERVAL_S,
        planned_volume=plan.forecast,
        actual_volume=offered,
        planned_aht_s=planned_aht,
        actual_aht_s=actual_aht,
        required_agents=plan.required,
        scheduled_agents=scheduled,
        staffed_agents=staffed,
        target_s=q.target_s,
        patience_s=plan.patience_s,
    )
    parts = {k: round(v, 6) for k, v in result.parts.items()}
    out = empty.model_copy(
        update={
            "parts": parts,
            "shortfall": round(result.shortfall, 6),
            "largest_cause": result.largest_cause(),
            "steps": {k: round(v, 6) for k, v in result.steps.items()},
            "notes": notes,
        }
    )
    out.report = _report(out, int(offered.sum()), float(plan.forecast.sum()))
    return out


def parse_day(value: str | None, field: str = "date") -> date | None:
    """Parse an ISO date argument, or raise Invalid naming the field (bad or out of range)."""
    return bounds.parse_day(value, field)


def dumps(data: object) -> str:
    """JSON text of ``data`` (for stored measured values)."""
    return json.dumps(data, sort_keys=True, default=str)
