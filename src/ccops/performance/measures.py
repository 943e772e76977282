"""Measure one KPI of a subject over a period, with its status against a target and its trend.

KPI definitions come from the metrics registry (label, formula, data source); the values of one
person, one team or the centre are computed here from the same contact records and agent-state
events the registry names, because the interval services aggregate by queue, not by person.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import numpy as np
from sqlalchemy import ColumnElement, and_, case, func, not_, select, true
from sqlalchemy.orm import Session

from ccops.contacts.models import AgentStateEvent
from ccops.engines import stats
from ccops.enums import AgentState
from ccops.errors import Invalid, Problem
from ccops.metrics import cache as kpi_cache
from ccops.metrics import registry
from ccops.org.models import Person
from ccops.performance import attrition as perf_attrition
from ccops.performance import estimates as perf_estimates
from ccops.performance import floor_time as perf_floor_time
from ccops.performance import models as m
from ccops.performance import periods as perf_periods
from ccops.performance import positions as perf_positions
from ccops.performance import schemas as s
from ccops.performance import subjects as perf_subjects
from ccops.performance import sums as perf_sums
from ccops.quality import scores as qa_scores

MIN_DAYS = 3
"""Fewer days with agent-state data than this: occupancy and utilisation are not shown."""
FLOOR_TARGET = registry.FLOOR_TARGET
FUNNEL_KPIS = ("repeat_contact_rate", "qa_pass_rate")
"""Proportions measured per person, the only KPIs a funnel plot compares people on."""
MIN_QA_EVALUATIONS = qa_scores.MIN_EVALUATIONS
"""Fewer evaluations than this: a QA pass rate is not shown (the quality pages' own minimum)."""

PERFORMANCE_METRICS: dict[str, registry.Metric] = {
    key: registry.METRICS[key] for key in ("floor_time_share", "attrition_rate", "qa_pass_rate")
}
"""The registry's people KPIs, measured here (from schedules, activity logs and people records)."""
PROPORTIONS = {"repeat_contact_rate", "service_level", "abandon_rate"}
MEANS = {"aht_s", "asa_s"}
STATE_RATIOS = {"occupancy", "utilisation"}
POSITION_METRICS: dict[str, registry.Metric] = {
    key: registry.METRICS[key] for key in perf_positions.POSITION_KPIS
}
"""The registry's position KPIs (planner, QA analyst, team leader), measured in ``positions``."""
MEASURABLE = PROPORTIONS | MEANS | STATE_RATIOS | set(PERFORMANCE_METRICS) | set(POSITION_METRICS)
CENTRE_ONLY = {"service_level", "abandon_rate", "asa_s"}
"""Queue KPIs: measured for the centre (queues of its sites), not for a person or a team."""


def metric(key: str) -> registry.Metric:
    """Return the definition of KPI ``key`` (metrics registry or performance KPIs)."""
    found = registry.METRICS.get(key)
    if found is None:
        known = ", ".join(sorted(MEASURABLE))
        raise Invalid(f"unknown KPI {key!r}; use one of: {known}", [Problem("unknown", "kpi")])
    return found


HANDLING = (AgentState.on_contact, AgentState.wrap_up)
STATE_CLASSES = ("handling", "available", "other", "offline")


def _state_days(
    session: Session, where: ColumnElement[bool], lo_s: int, hi_s: int
) -> dict[int, dict[str, float]]:
    """Seconds per local day and state class (handling, available, other, offline) in
    [lo_s, hi_s): spans inside one local day summed in SQL, the rest split in Python."""
    local_start = AgentStateEvent.start_epoch_s + AgentStateEvent.utc_offset_min * 60
    local_end = AgentStateEvent.end_epoch_s + AgentStateEvent.utc_offset_min * 60
    base = and_(
        where,
        AgentStateEvent.end_epoch_s.is_not(None),
        local_start < hi_s,
        local_end > lo_s,
    )
    day = (local_start // 86400).label("day")
    simple = and_(
        AgentStateEvent.end_epoch_s > AgentStateEvent.start_epoch_s,
        local_start >= lo_s,
        local_end <= hi_s,
        day == (local_end - 1) // 86400,
    )
    kind = case(
        (AgentStateEvent.state.in_(HANDLING), "handling"),
        (AgentStateEvent.state == AgentState.available, "available"),
        (AgentStateEvent.state == AgentState.offline, "offline"),
        else_="other",
    ).label("kind")
    out: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    grouped = (
        select(day, kind, func.sum(local_end - local_start)).where(base, simple).group_by(day, kind)
    )
    for d, k, seconds in session.execute(grouped):
        out[int(d)][str(k)] += float(seconds)
    rest = select(AgentStateEvent.state, local_start, local_end).where(base, not_(simple))
    for state, start, end in session.execute(rest):
        k = (
            "handling"
            if state in HANDLING
            else "available"
            if state == AgentState.available
            else "offline"
            if state == AgentState.offline
            else "other"
        )
        a, b = max(int(start or 0), lo_s), min(int(end or 0), hi_s)
        while a < b:  # split at local midnight: one value per local day
            d = a // 86400
            stop = min(b, (d + 1) * 86400)
            out[d][k] += float(stop - a)
            a = stop
    # plain dicts with every class present: the result is shared by the process's requests
    return {d: {k: v.get(k, 0.0) for k in STATE_CLASSES} for d, v in out.items()}


def _state_measure(
    session: Session, subject: perf_subjects.Subject, kpi: str, first: date, last: date
) -> perf_estimates.Measure:
    lo, hi = perf_periods.day_span(first, last)
    if subject.kind == "person":
        where: ColumnElement[bool] = AgentStateEvent.person_id == subject.person_id
    elif subject.kind == "team":
        where = AgentStateEvent.person_id.in_(
            select(Person.id).where(Person.team_id == subject.team_id)
        )
    elif subject.site_ids is None:  # the centre: everyone with agent states
        where = true()
    else:  # the centre of the sites in scope: their people
        where = AgentStateEvent.person_id.in_(
            select(Person.id).where(Person.site_id.in_(sorted(subject.site_ids)))
        )
    handling: dict[int, float] = {}
    denominator: dict[int, float] = {}
    by_day = kpi_cache.session_cached(
        session,
        ("state_days", *perf_subjects.subject_key(subject), lo, hi),
        lambda own: _state_days(own, where, lo * 60, hi * 60),
        rows=len,
    )
    for d, seconds in by_day.items():
        handling[d] = seconds["handling"]
        denominator[d] = seconds["handling"] + seconds["available"]
        if kpi == "utilisation":
            denominator[d] += seconds["other"]
    days = sorted(d for d, v in denominator.items() if v > 0)
    if not days:
        return perf_estimates.Measure(
            None, 0, None, None, "t over days", False, "no agent-state data"
        )
    if len(days) < MIN_DAYS:
        return perf_estimates.Measure(
            None,
            len(days),
            None,
            None,
            "t over days",
            False,
            f"too few days of agent-state data: {len(days)} (at least {MIN_DAYS} needed)",
        )
    ci = stats.ratio_interval(
        np.array([handling[d] for d in days]), np.array([denominator[d] for d in days])
    )
    low, high = perf_estimates.finite(ci.low), perf_estimates.finite(ci.high)
    return perf_estimates.Measure(
        ci.point,
        len(days),
        None if low is None else max(low, 0.0),
        None if high is None else min(high, 1.0),
        "ratio over days",
        True,
        "ratio of summed seconds; its interval by linearisation over days (the same estimator)",
    )


def _qa_measure(
    session: Session, subject: perf_subjects.Subject, first: date, last: date
) -> perf_estimates.Measure:
    if subject.kind == "person":
        person = session.get(Person, subject.person_id)
        people = [person] if person is not None else []
    else:
        people = perf_subjects.people_for(session, subject)
    counts = qa_scores.pass_counts(session=session, people=people, first_day=first, last_day=last)
    passed = sum(k for k, _n in counts.values())
    evaluated = sum(n for _k, n in counts.values())
    return perf_estimates.proportion(passed, evaluated, min_trials=MIN_QA_EVALUATIONS)


def _attrition_measure(
    session: Session, subject: perf_subjects.Subject, first: date, last: date
) -> perf_estimates.Measure:
    if subject.kind == "person":
        return perf_estimates.Measure(
            None, 0, None, None, "none", False, "measured for teams and the centre"
        )
    people = perf_subjects.people_for(session, subject)
    leavers, average = perf_attrition.attrition_counts(people, first, last)
    if average <= 0:
        return perf_estimates.Measure(
            None, 0, None, None, "wilson", False, "no headcount in the period"
        )
    n = max(round(average), leavers)
    ci = stats.wilson_interval(leavers, n)
    return perf_estimates.Measure(
        leavers / average,
        n,
        ci.low,
        ci.high,
        "wilson (approximate: n = average headcount)",
        True,
        f"{leavers} leavers over an average headcount of {average:g}",
        leavers,
    )


def measure(
    *,
    session: Session,
    subject: perf_subjects.Subject,
    kpi: str,
    first: date,
    last: date,
    cache: perf_sums.ContactCache | None = None,
) -> perf_estimates.Measure:
    """Compute KPI ``kpi`` of ``subject`` over the local dates [first, last]."""
    metric(kpi)
    if kpi not in MEASURABLE:
        return perf_estimates.Measure(
            None, 0, None, None, "none", False, "no data source for this KPI yet"
        )
    if kpi in CENTRE_ONLY and subject.kind != "centre":
        return perf_estimates.Measure(
            None, 0, None, None, "none", False, "a queue KPI: measured for the centre"
        )
    if kpi in PROPORTIONS | MEANS:
        days = perf_sums.contact_days(
            session=session, subject=subject, first=first, last=last, cache=cache
        )
        return perf_sums.from_sums(kpi, days.total(first, last))
    if kpi in STATE_RATIOS:
        return _state_measure(session, subject, kpi, first, last)
    if kpi in perf_positions.MEASURES:
        return perf_positions.MEASURES[kpi](session, subject, first, last)
    if kpi == "floor_time_share":
        return perf_floor_time.floor_measure(session, subject, first, last)
    if kpi == "qa_pass_rate":
        return _qa_measure(session, subject, first, last)
    return _attrition_measure(session, subject, first, last)


def _status(
    value: perf_estimates.Measure, target: float | None, higher: bool
) -> tuple[str, float | None]:
    if value.actual is None:
        return ("too_few" if value.n else "no_data"), None
    if target is None:
        return "no_target", None
    gap = value.actual - target
    low = value.low if value.low is not None else value.actual
    high = value.high if value.high is not None else value.actual
    if low > target:
        return ("better" if higher else "worse"), gap
    if high < target:
        return ("worse" if higher else "better"), gap
    if value.low is None:
        return ("better" if (gap >= 0) == higher else "worse"), gap
    return "within_noise", gap


def _trend(now: perf_estimates.Measure, before: perf_estimates.Measure) -> str:
    if now.actual is None or before.actual is None:
        return "unknown"
    if now.low is None or before.low is None or now.high is None or before.high is None:
        return (
            "up" if now.actual > before.actual else "down" if now.actual < before.actual else "flat"
        )
    if now.low > before.high:
        return "up"
    if now.high < before.low:
        return "down"
    return "no_clear_change"


def kpi_value(
    *,
    session: Session,
    subject: perf_subjects.Subject,
    kpi: str,
    first: date,
    last: date,
    line: m.ScorecardKpi | None = None,
    target: float | None = None,
    higher_is_better: bool = True,
    cache: perf_sums.ContactCache | None = None,
) -> s.KpiValue:
    """Fill in one KPI for a subject: actual, target, gap, interval, trend against the period
    before (same length), and a note when the sample is too small."""
    cache = {} if cache is None else cache
    span = last - first + timedelta(days=1)
    if kpi in PROPORTIONS | MEANS and (kpi not in CENTRE_ONLY or subject.kind == "centre"):
        # one query for both periods: the cache then answers the period before
        start = first - span if first - span >= perf_periods.OLDEST else first
        perf_sums.contact_days(
            session=session, subject=subject, first=start, last=last, cache=cache
        )
    now = measure(session=session, subject=subject, kpi=kpi, first=first, last=last, cache=cache)
    before = perf_estimates.Measure(
        None, 0, None, None, now.method, False, "before the oldest date"
    )
    if first - span >= perf_periods.OLDEST:
        before = measure(
            session=session,
            subject=subject,
            kpi=kpi,
            first=first - span,
            last=first - timedelta(1),
            cache=cache,
        )
    return value_of(kpi, now, before, line, target, higher_is_better)


def value_of(
    kpi: str,
    now: perf_estimates.Measure,
    before: perf_estimates.Measure,
    line: m.ScorecardKpi | None,
    target: float | None,
    higher_is_better: bool,
) -> s.KpiValue:
    d = metric(kpi)
    if line is not None:
        target, higher_is_better = line.target, line.higher_is_better
    status, gap = _status(now, target, higher_is_better)
    return s.KpiValue(
        kpi=kpi,
        label=d.label,
        unit=d.unit,
        formula=d.formula,
        data_source=d.data_source,
        perspective=s.Perspective(line.perspective) if line else None,
        objective=line.objective if line else None,
        weight_pct=line.weight_pct if line else None,
        target=target,
        benchmark=line.benchmark if line else None,
        higher_is_better=higher_is_better,
        actual=now.actual,
        n=now.n,
        low=now.low,
        high=now.high,
        interval_method=now.method,
        enough_data=now.enough,
        gap=gap,
        status=status,
        previous=before.actual,
        trend=_trend(now, before),
        note=now.note,
        source=now.source,
    )
