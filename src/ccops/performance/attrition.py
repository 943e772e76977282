"""Attrition of people by month and site, and its cost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.engines import stats
from ccops.org import service as org_service
from ccops.org.models import Person, Site, Team
from ccops.performance import estimates as perf_estimates
from ccops.performance import periods as perf_periods
from ccops.performance import schemas as s
from ccops.performance import subjects as perf_subjects


def attrition_counts(people: Sequence[Person], first: date, last: date) -> tuple[int, float]:
    def employed(p: Person, day: date) -> bool:
        hired = p.hire_date is None or p.hire_date <= day
        return hired and (p.termination_date is None or p.termination_date > day)

    start = sum(1 for p in people if employed(p, first - timedelta(days=1)))
    end = sum(1 for p in people if employed(p, last))
    leavers = sum(
        1 for p in people if p.termination_date is not None and first <= p.termination_date <= last
    )
    return leavers, (start + end) / 2


def attrition(
    *,
    session: Session,
    first: date,
    last: date,
    scope: org_service.Scope,
    team: str | None = None,
) -> s.AttritionOut:
    """Leavers with reason and tenure, monthly attrition per team, and tenure survival (KM)."""
    perf_periods.day_span(first, last)
    teams = (
        [perf_subjects.team_in_scope(session=session, name=team, scope=scope)]
        if team
        else list(session.scalars(select(Team).where(scope.teams_clause()).order_by(Team.name)))
    )
    team_ids = [t.id for t in teams]
    people = list(
        session.scalars(
            select(Person).where(Person.team_id.in_(team_ids)).order_by(Person.name, Person.login)
        )
    )
    names = {t.id: t.name for t in teams}
    leavers = [
        s.Leaver(
            person=p.login,
            name=p.name,
            team=names.get(p.team_id) if p.team_id else None,
            hire_date=p.hire_date,
            termination_date=p.termination_date,
            reason=p.termination_reason,
            tenure_days=(p.termination_date - p.hire_date).days if p.hire_date else None,
        )
        for p in people
        if p.termination_date is not None and first <= p.termination_date <= last
    ]
    months = []
    for t in teams:
        members = [p for p in people if p.team_id == t.id]
        for a, b in perf_periods.month_spans(first, last):
            n_left, average = attrition_counts(members, a, b)
            rate: float | None = None
            low: float | None = None
            high: float | None = None
            if average > 0:
                ci = stats.wilson_interval(n_left, max(round(average), n_left))
                rate, low, high = n_left / average, ci.low, ci.high
            months.append(
                s.AttritionMonth(
                    team=t.name,
                    month=a.strftime("%Y-%m"),
                    leavers=n_left,
                    average_headcount=average,
                    rate=rate,
                    low=low,
                    high=high,
                )
            )
    durations, observed = [], []
    for p in people:
        if p.hire_date is None or p.hire_date > last:
            continue
        left = p.termination_date is not None and p.termination_date <= last
        end = p.termination_date if left and p.termination_date else last
        durations.append(float((end - p.hire_date).days))
        observed.append(left)
    survival: list[s.SurvivalPoint] = []
    if durations:
        km = stats.kaplan_meier(np.array(durations), np.array(observed, dtype=bool))
        survival = [
            s.SurvivalPoint(
                tenure_days=float(km.times[i]),
                at_risk=int(km.at_risk[i]),
                leavers=int(km.events[i]),
                survival=float(km.survival[i]),
                low=perf_estimates.finite(float(km.low[i])),
                high=perf_estimates.finite(float(km.high[i])),
            )
            for i in range(len(km.times))
            if km.events[i] > 0 or i == len(km.times) - 1
        ]
    note = (
        "Monthly rate = leavers / average headcount ((start + end) / 2); the interval is a "
        "Wilson interval with n = the average headcount (an approximation). Survival is "
        "Kaplan-Meier over tenure, people still employed counted as censored."
    )
    return s.AttritionOut(
        first=first, last=last, leavers=leavers, months=months, survival=survival, note=note
    )


def attrition_cost(*, session: Session, last: date, scope: org_service.Scope) -> s.AttritionCostOut:
    """Per site in scope: leavers of the 12 months up to ``last``, the attrition rate over the
    average headcount with a Wilson 95% interval, and the cost = leavers x cost per leaver."""
    first = perf_periods.year_before(last)
    perf_periods.day_span(first, last)
    query = select(Site).order_by(Site.name)
    if scope.site_ids is not None:
        query = query.where(Site.id.in_(sorted(scope.site_ids)))
    rows = []
    for site in session.scalars(query):
        people = list(session.scalars(select(Person).where(Person.site_id == site.id)))
        leavers, average = attrition_counts(people, first, last)
        rate = low = high = None
        if average > 0:
            ci = stats.wilson_interval(leavers, max(round(average), leavers))
            rate, low, high = leavers / average, ci.low, ci.high
        cost = None if site.cost_per_leaver is None else leavers * site.cost_per_leaver
        if site.cost_per_leaver is None:
            note = "no replacement cost per leaver set for this site"
        else:
            note = f"{leavers} leavers x {site.cost_per_leaver:g} {site.currency} per leaver"
        rows.append(
            s.SiteAttritionCost(
                site=site.name,
                first=first,
                last=last,
                leavers=leavers,
                average_headcount=average,
                rate=rate,
                low=low,
                high=high,
                cost_per_leaver=site.cost_per_leaver,
                currency=site.currency,
                cost=cost,
                note=note,
            )
        )
    basis = (
        "Leavers: people of the site whose termination date falls in the 12 months. Rate = "
        "leavers / average headcount ((start + end) / 2), 95% Wilson interval with n = the "
        "average headcount (an approximation). Cost = leavers x the site's replacement cost "
        "per leaver, set by an administrator, in the site's currency."
    )
    return s.AttritionCostOut(first=first, last=last, sites=rows, basis=basis)
