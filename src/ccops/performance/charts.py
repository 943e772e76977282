"""Funnel plots and control charts: compare people by their uncertainty, never by rank."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Literal

import numpy as np
from sqlalchemy.orm import Session

from ccops.engines import stats
from ccops.errors import Invalid, Problem
from ccops.org import service as org_service
from ccops.performance import measures as perf_measures
from ccops.performance import periods as perf_periods
from ccops.performance import schemas as s
from ccops.performance import subjects as perf_subjects
from ccops.performance import sums as perf_sums
from ccops.quality import scores as qa_scores

# --- funnel plot and control chart ------------------------------------------------------------


def funnel_points(
    people: Sequence[tuple[str, str, int, int]], *, method: stats.FunnelMethod = "exact"
) -> tuple[float | None, list[s.FunnelPoint], list[s.FunnelCurvePoint]]:
    """Place people (login, name, successes, trials) on a funnel around their pooled rate.

    A person is flagged only outside the 99.8% limits (exact binomial test, so the false-alarm
    probability is at most 0.2% per person); output is in name order, never by rate.
    """
    ordered = sorted(people, key=lambda p: (p[1], p[0]))
    succ = np.array([p[2] for p in ordered], dtype=np.float64)
    trials = np.array([p[3] for p in ordered], dtype=np.float64)
    if trials.sum() == 0:
        points = [
            s.FunnelPoint(
                person=p[0],
                name=p[1],
                successes=p[2],
                trials=p[3],
                rate=None,
                lower_95=None,
                upper_95=None,
                lower_998=None,
                upper_998=None,
                flagged=False,
                note="no observations",
            )
            for p in ordered
        ]
        return None, points, []
    team_rate = float(succ.sum() / trials.sum())
    flags = stats.flag_outliers(succ, trials, team_rate, confidence=0.998, method=method)
    l95 = stats.funnel_limits(team_rate, trials, 0.95, method)
    points = []
    for i, p in enumerate(ordered):
        has = p[3] > 0
        note = ""
        if flags.flagged[i]:
            side = "below" if flags.below[i] else "above"
            note = (
                f"{side} the team's 99.8% limits: a signal worth a look at the process and the "
                "work this person received, not a verdict on the person"
            )
        elif has:
            note = "within the limits: common-cause variation, no difference from the team"
        else:
            note = "no observations"
        points.append(
            s.FunnelPoint(
                person=p[0],
                name=p[1],
                successes=p[2],
                trials=p[3],
                rate=float(flags.rate[i]) if has else None,
                lower_95=float(l95.lower[i]) if has else None,
                upper_95=float(l95.upper[i]) if has else None,
                lower_998=float(flags.limits.lower[i]) if has else None,
                upper_998=float(flags.limits.upper[i]) if has else None,
                flagged=bool(flags.flagged[i]),
                note=note,
            )
        )
    top = int(max(trials.max(), 10) * 1.1)
    grid = np.unique(np.linspace(1, top, 60).round().astype(np.int64)).astype(np.float64)
    c95 = stats.funnel_limits(team_rate, grid, 0.95, method)
    c998 = stats.funnel_limits(team_rate, grid, 0.998, method)
    curve = [
        s.FunnelCurvePoint(
            trials=int(n),
            lower_95=float(c95.lower[j]),
            upper_95=float(c95.upper[j]),
            lower_998=float(c998.lower[j]),
            upper_998=float(c998.upper[j]),
        )
        for j, n in enumerate(grid)
    ]
    return team_rate, points, curve


def funnel(
    *,
    session: Session,
    team: str,
    kpi: str,
    first: date,
    last: date,
    scope: org_service.Scope,
    cache: perf_sums.ContactCache | None = None,
) -> s.FunnelOut:
    """Compare a team's people on one proportion with a funnel plot around the team's rate."""
    d = perf_measures.metric(kpi)
    if kpi not in perf_measures.FUNNEL_KPIS:
        raise Invalid(
            "a funnel plot compares proportions measured per person: "
            + ", ".join(perf_measures.FUNNEL_KPIS),
            [Problem("not a per-person proportion", "kpi")],
        )
    found = perf_subjects.team_in_scope(session=session, name=team, scope=scope)
    members = perf_subjects.team_members(session, found.id)
    people = []
    if kpi == "qa_pass_rate":
        counts = qa_scores.pass_counts(
            session=session, people=members, first_day=first, last_day=last
        )
        people = [(p.login, p.name, *counts[p.id]) for p in members]
        unit = "evaluations"
    else:
        days = perf_sums.contact_days(
            session=session,
            subject=perf_subjects.team_subject(found),
            first=first,
            last=last,
            cache=cache,
        )
        for p in members:
            sums = days.total(first, last, p.id)
            people.append((p.login, p.name, sums.repeats, sums.repeat_trials))
        unit = "contacts"
    rate, points, curve = funnel_points(people)
    flagged = sum(p.flagged for p in points)
    note = (
        "Each point is one person's rate against the team's rate; the funnel narrows as the "
        f"number of {unit} grows. Inside the 99.8% limits the differences are noise. "
        f"{flagged} of {len(points)} people outside the 99.8% limits."
    )
    return s.FunnelOut(
        team=found.name,
        kpi=kpi,
        label=d.label,
        formula=d.formula,
        first=first,
        last=last,
        team_rate=rate,
        method="exact binomial limits (Spiegelhalter 2005), flags by exact test at 99.8%",
        points=points,
        curve=curve,
        note=note,
    )


def chart_periods(first: date, last: date, days_per_point: int) -> list[tuple[date, date]]:
    """The periods of a control chart: ISO weeks (Monday to Sunday) for 7 days a point, the
    first and last cut at the range's ends; otherwise runs of ``days_per_point`` from ``first``."""
    out: list[tuple[date, date]] = []
    start = first
    while start <= last:
        length = 7 - start.weekday() if days_per_point == 7 else days_per_point
        end = min(start + timedelta(days=length - 1), last)
        out.append((start, end))
        start = end + timedelta(days=1)
    return out


def _variation(n: int, special: bool) -> Literal["common_cause", "special_cause", "no_data"]:
    if n == 0:
        return "no_data"
    return "special_cause" if special else "common_cause"


def control_chart(
    *,
    session: Session,
    team: str,
    kpi: str,
    first: date,
    last: date,
    days_per_point: int = 7,
    scope: org_service.Scope,
    cache: perf_sums.ContactCache | None = None,
) -> s.ControlChartOut:
    """Chart a team KPI per period (p-chart for a proportion, XmR for a mean) with its limits."""
    d = perf_measures.metric(kpi)
    found = perf_subjects.team_in_scope(session=session, name=team, scope=scope)
    if (
        kpi not in perf_measures.PROPORTIONS | perf_measures.MEANS
        or kpi in perf_measures.CENTRE_ONLY
    ):
        raise Invalid(
            "control charts of a team are drawn for repeat_contact_rate (p-chart) and aht_s (XmR)",
            [Problem("unsupported KPI", "kpi")],
        )
    if not 1 <= days_per_point <= 31:
        raise Invalid("days per point must be 1 to 31", [Problem("out of range", "days")])
    perf_periods.day_span(first, last)
    days = perf_sums.contact_days(
        session=session,
        subject=perf_subjects.team_subject(found),
        first=first,
        last=last,
        cache=cache,
    )
    periods = [
        (a, b, perf_sums.from_sums(kpi, days.total(a, b)))
        for a, b in chart_periods(first, last, days_per_point)
    ]
    points: list[s.ControlPoint] = []
    if kpi in perf_measures.PROPORTIONS:
        succ = sum(p[2].successes or 0 for p in periods)
        n = sum(p[2].n for p in periods)
        pbar = succ / n if n else None
        for a, b, v in periods:
            rate = (v.successes or 0) / v.n if v.n else None
            lim = stats.p_chart_limits(pbar, v.n) if pbar is not None and v.n else None
            signal = bool(
                lim is not None and rate is not None and (rate < lim.lower or rate > lim.upper)
            )
            points.append(
                s.ControlPoint(
                    first=a,
                    last=b,
                    value=rate,
                    n=v.n,
                    lower=lim.lower if lim else None,
                    centre=pbar,
                    upper=lim.upper if lim else None,
                    special_cause=signal,
                    variation=_variation(v.n, signal),
                )
            )
        chart = "p"
    else:
        means = [(a, b, v.actual, v.n) for a, b, v in periods]
        valid = [x[2] for x in means if x[2] is not None]
        xmr = stats.xmr_limits(np.array(valid)) if len(valid) >= 2 else None
        for a, b, value, n in means:
            signal = bool(
                xmr is not None and value is not None and (value < xmr.lower or value > xmr.upper)
            )
            points.append(
                s.ControlPoint(
                    first=a,
                    last=b,
                    value=value,
                    n=n,
                    lower=xmr.lower if xmr else None,
                    centre=xmr.centre if xmr else None,
                    upper=xmr.upper if xmr else None,
                    special_cause=signal,
                    variation=_variation(n if value is not None else 0, signal),
                )
            )
        chart = "xmr"
    specials = sum(p.special_cause for p in points)
    note = (
        "Points inside the limits are common-cause variation of the process: explain the "
        f"system, not single points. {specials} point(s) show special-cause variation."
    )
    return s.ControlChartOut(
        team=found.name, kpi=kpi, label=d.label, chart=chart, points=points, note=note
    )
