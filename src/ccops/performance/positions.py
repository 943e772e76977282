"""Position KPIs: what a planner, a QA analyst and a team leader are measured on.

Each is measured from the records of the work itself (forecasts and actual contacts, published
schedules, calibration scores, QA samples, coaching follow-ups), with the same rules as every
other KPI: a sample size, a 95% interval, and no value below the minimum sample. A person
subject is measured on their own work (their login as its author); a team or the centre on
the pooled work of its people.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.engines import stats
from ccops.enums import ScopeKind
from ccops.org import service as org_service
from ccops.performance import estimates as perf_estimates
from ccops.performance import models as m
from ccops.performance import periods as perf_periods
from ccops.performance import subjects as perf_subjects
from ccops.quality import calibration as qa_calibration
from ccops.quality import models as qa_models
from ccops.wfm.forecasts import skill as forecast_skill
from ccops.wfm.schedules.models import CoverageInterval, Schedule

POSITION_KPIS = (
    "forecast_skill",
    "schedule_fit",
    "calibration_offset_pct",
    "qa_sample_completion",
    "coaching_follow_through",
)
MIN_FORECAST_DAYS = 7
"""Fewer scored queue-days than this: forecast skill is not shown."""
MIN_SCHEDULE_DAYS = 3
"""Fewer days of published coverage than this: schedule fit is not shown."""
MIN_CALIBRATION_CONTACTS = perf_estimates.MIN_VALUES
MIN_SAMPLE_CONTACTS = perf_estimates.MIN_TRIALS
MIN_FOLLOW_UPS = 10
"""Fewer due follow-ups than this: follow-through is not shown (a Wilson interval on fewer is
wider than about ±25 points)."""


def logins_of(session: Session, subject: perf_subjects.Subject) -> set[str]:
    """Whose work a subject's position KPIs pool: the person, or everyone of the team or centre."""
    if subject.kind == "person":
        return {subject.key}
    return {p.login for p in perf_subjects.people_for(session, subject)}


def _scope_of(subject: perf_subjects.Subject) -> org_service.Scope:
    if subject.kind == "centre" and subject.site_ids is not None:
        return org_service.Scope(kind=ScopeKind.sites, site_ids=subject.site_ids)
    return org_service.EVERYTHING


def _ratio_over_units(
    numerators: list[float], denominators: list[float], minimum: int, unit: str
) -> tuple[float | None, float | None, float | None, bool, str]:
    n = len(denominators)
    if n == 0 or sum(denominators) <= 0:
        return None, None, None, False, f"no {unit}"
    if n < minimum:
        return None, None, None, False, f"too few {unit}: {n} (at least {minimum} needed)"
    ci = stats.ratio_interval(np.array(numerators), np.array(denominators))
    low, high = perf_estimates.finite(ci.low), perf_estimates.finite(ci.high)
    return ci.point, None if low is None else max(low, 0.0), high, True, ""


# --- planner ----------------------------------------------------------------------------------


def forecast_measure(
    session: Session, subject: perf_subjects.Subject, first: date, last: date
) -> perf_estimates.Measure:
    """Forecast skill: the forecasts' absolute error over the seasonal naive one's."""
    days = forecast_skill.skill_days(
        session=session,
        first=first,
        last=last,
        created_by=logins_of(session, subject),
        scope=_scope_of(subject),
    )
    point, low, high, enough, note = _ratio_over_units(
        [d.error for d in days],
        [d.naive_error for d in days],
        MIN_FORECAST_DAYS,
        "scored queue-days",
    )
    if enough:
        actual = sum(d.actual for d in days)
        wmape = sum(d.error for d in days) / actual if actual > 0 else None
        naive = sum(d.naive_error for d in days) / actual if actual > 0 else None
        note = (
            f"wMAPE {wmape:.1%} against seasonal naive {naive:.1%} over {len(days)} queue-days"
            if wmape is not None and naive is not None
            else f"{len(days)} queue-days"
        )
    return perf_estimates.Measure(
        point, len(days), low, high, "ratio over queue-days", enough, note
    )


@dataclass(frozen=True)
class SkillRow:
    """Forecast skill of one queue at one horizon bucket."""

    queue: str
    horizon: str
    queue_days: int
    wmape: float | None
    naive_wmape: float | None
    skill: float | None
    low: float | None
    high: float | None
    note: str


def forecast_breakdown(
    *,
    session: Session,
    login: str,
    first: date,
    last: date,
    scope: org_service.Scope,
) -> list[SkillRow]:
    """Forecast skill of a planner in scope by queue and horizon (days ahead), queue order."""
    perf_periods.day_span(first, last)
    person = perf_subjects.person_in_scope(session=session, login=login, scope=scope)
    days = forecast_skill.skill_days(
        session=session, first=first, last=last, created_by={person.login}, scope=scope
    )
    groups: dict[tuple[str, str], list[forecast_skill.SkillDay]] = defaultdict(list)
    for d in days:
        groups[(d.queue, forecast_skill.horizon_bucket(d.horizon_days))].append(d)
    out = []
    for (queue, horizon), rows in sorted(groups.items()):
        actual = sum(d.actual for d in rows)
        point, low, high, _enough, note = _ratio_over_units(
            [d.error for d in rows],
            [d.naive_error for d in rows],
            MIN_FORECAST_DAYS,
            "scored queue-days",
        )
        out.append(
            SkillRow(
                queue=queue,
                horizon=horizon,
                queue_days=len(rows),
                wmape=sum(d.error for d in rows) / actual if actual > 0 else None,
                naive_wmape=sum(d.naive_error for d in rows) / actual if actual > 0 else None,
                skill=point,
                low=low,
                high=high,
                note=note,
            )
        )
    return out


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def schedule_measure(
    session: Session, subject: perf_subjects.Subject, first: date, last: date
) -> perf_estimates.Measure:
    """Schedule fit: |scheduled - required| over required, published schedules' coverage."""
    logins = logins_of(session, subject)
    query = (
        select(
            CoverageInterval.interval_start,
            CoverageInterval.required,
            CoverageInterval.scheduled,
            CoverageInterval.predicted_service_level,
            CoverageInterval.rate_per_s,
        )
        .join(Schedule, Schedule.id == CoverageInterval.schedule_id)
        .where(
            Schedule.status == "published",
            func.coalesce(Schedule.published_by, Schedule.created_by).in_(sorted(logins)),
            CoverageInterval.interval_start >= _utc(first),
            CoverageInterval.interval_start < _utc(last + timedelta(days=1)),
        )
    )
    if subject.kind == "centre" and subject.site_ids is not None:
        query = query.where(Schedule.site_id.in_(sorted(subject.site_ids)))
    by_day: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    for start, required, scheduled, predicted, rate in session.execute(query):
        acc = by_day[start.date()]
        acc[0] += abs(scheduled - required)
        acc[1] += required
        acc[2] += max(required - scheduled, 0.0)
        acc[3] += max(scheduled - required, 0.0)
        if predicted is not None and rate > 0:
            acc[4] += predicted * rate
            acc[5] += rate
    days = [d for d in sorted(by_day) if by_day[d][1] > 0]
    point, low, high, enough, note = _ratio_over_units(
        [by_day[d][0] for d in days], [by_day[d][1] for d in days], MIN_SCHEDULE_DAYS, "days"
    )
    if enough:
        required = sum(by_day[d][1] for d in days)
        under = sum(by_day[d][2] for d in days) / required
        over = sum(by_day[d][3] for d in days) / required
        weight = sum(by_day[d][5] for d in days)
        planned = sum(by_day[d][4] for d in days) / weight if weight > 0 else None
        note = f"under-coverage {under:.1%}, over-coverage {over:.1%} of the requirement"
        if planned is not None:
            note += f"; service level the plan predicted {planned:.1%}"
        note += f"; {len(days)} days"
    return perf_estimates.Measure(point, len(days), low, high, "ratio over days", enough, note)


# --- QA analyst -------------------------------------------------------------------------------


def calibration_offsets(
    session: Session, logins: set[str], first: date, last: date
) -> tuple[list[float], dict[str, float | None]]:
    """Each calibration contact's (own score - the others' mean) for evaluators in ``logins``,
    sessions created in [first, last]; and each such session's alpha on totals."""
    sessions = session.scalars(
        select(qa_models.CalibrationSession)
        .where(
            qa_models.CalibrationSession.created_at >= _utc(first),
            qa_models.CalibrationSession.created_at < _utc(last + timedelta(days=1)),
        )
        .order_by(qa_models.CalibrationSession.id)
    ).all()
    diffs: list[float] = []
    alphas: dict[str, float | None] = {}
    for cal in sessions:
        scores: dict[int, dict[str, float]] = defaultdict(dict)
        for e in session.scalars(
            select(qa_models.Evaluation).where(qa_models.Evaluation.calibration_id == cal.id)
        ):
            scores[e.contact_id][e.evaluator] = e.score_pct
        mine = []
        for by_evaluator in scores.values():
            for login, own in by_evaluator.items():
                others = [v for k, v in by_evaluator.items() if k != login]
                if login in logins and others:
                    mine.append(own - float(np.mean(others)))
        if mine:
            diffs += mine
            alphas[cal.name] = qa_calibration.calibration_report(
                session=session, calibration_id=cal.id
            ).total_alpha
    return diffs, alphas


def calibration_measure(
    session: Session, subject: perf_subjects.Subject, first: date, last: date
) -> perf_estimates.Measure:
    """Calibration offset: the mean absolute distance from colleagues on the same contacts."""
    diffs, alphas = calibration_offsets(session, logins_of(session, subject), first, last)
    result = perf_estimates.mean_of([abs(d) for d in diffs], min_values=MIN_CALIBRATION_CONTACTS)
    if alphas:
        signed = float(np.mean(diffs))
        side = "higher" if signed > 0 else "lower" if signed < 0 else "the same"
        shown = ", ".join(
            f"{name} {'n/a' if a is None else f'{a:.2f}'}" for name, a in sorted(alphas.items())
        )
        extra = (
            f"signed offset {signed:+.1f} points (scores {side} than colleagues); alpha: {shown}"
        )
        result.note = f"{result.note}; {extra}" if result.note else extra
    result.method = "t over calibration contacts"
    return result


def sample_measure(
    session: Session, subject: perf_subjects.Subject, first: date, last: date
) -> perf_estimates.Measure:
    """Evaluations done of the contacts the analyst's QA samples drew in the period."""
    logins = logins_of(session, subject)
    sc = qa_models.QaSampleContact
    drawn = session.execute(
        select(sc.contact_id, qa_models.QaSample.person_id)
        .join(qa_models.QaSample, qa_models.QaSample.id == sc.sample_id)
        .where(
            qa_models.QaSample.created_by.in_(sorted(logins)),
            qa_models.QaSample.created_at >= _utc(first),
            qa_models.QaSample.created_at < _utc(last + timedelta(days=1)),
        )
    ).all()
    contact_ids = sorted({c for c, _p in drawn})
    done: set[int] = set()
    for chunk in range(0, len(contact_ids), 500):
        done |= set(
            session.scalars(
                select(qa_models.Evaluation.contact_id).where(
                    qa_models.Evaluation.contact_id.in_(contact_ids[chunk : chunk + 500]),
                    qa_models.Evaluation.calibration_id.is_(None),
                )
            )
        )
    evaluated = sum(1 for c, _p in drawn if c in done)
    result = perf_estimates.proportion(evaluated, len(drawn), min_trials=MIN_SAMPLE_CONTACTS)
    result.note = (result.note + "; " if result.note else "") + (
        f"{evaluated} of {len(drawn)} sampled contacts evaluated"
    )
    return result


# --- team leader ------------------------------------------------------------------------------


def follow_up_counts(
    session: Session, logins: set[str], first: date, last: date
) -> tuple[int, int]:
    """(followed up, due): coaching sessions by ``logins`` with a follow-up date in the period."""
    rows = session.execute(
        select(m.CoachingSession.outcome).where(
            m.CoachingSession.coach.in_(sorted(logins)),
            m.CoachingSession.follow_up_on >= first,
            m.CoachingSession.follow_up_on <= last,
        )
    ).all()
    followed = sum(1 for (outcome,) in rows if outcome and outcome.strip())
    return followed, len(rows)


def coaching_measure(
    session: Session, subject: perf_subjects.Subject, first: date, last: date
) -> perf_estimates.Measure:
    """Coaching follow-through: follow-ups due in the period that have an outcome."""
    followed, due = follow_up_counts(session, logins_of(session, subject), first, last)
    result = perf_estimates.proportion(followed, due, min_trials=MIN_FOLLOW_UPS)
    result.note = (result.note + "; " if result.note else "") + (
        f"{followed} of {due} follow-ups due in the period have an outcome"
    )
    return result


MEASURES = {
    "forecast_skill": forecast_measure,
    "schedule_fit": schedule_measure,
    "calibration_offset_pct": calibration_measure,
    "qa_sample_completion": sample_measure,
    "coaching_follow_through": coaching_measure,
}
