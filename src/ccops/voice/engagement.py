"""Engagement beside attrition: each team's monthly attrition with its interval next to the
engagement index of the engagement round that closed that month, never for a group under the
survey's minimum (seed 003's loop between how people feel and whether they stay)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.org import service as org_service
from ccops.performance import attrition as perf_attrition
from ccops.performance import periods as perf_periods
from ccops.voice import models as m
from ccops.voice import schemas as s
from ccops.voice import surveys as survey_service

NOTE = (
    "Engagement index: each respondent's mean rating over the round's rating questions, "
    "averaged over the team's respondents, with a 95% Student t interval; withheld when the "
    "team has fewer respondents than the survey's minimum or when showing it would let such a "
    "group be computed by subtraction. Attrition: leavers over average headcount in the month, "
    "with an approximate 95% Wilson interval. Side by side, not a cause: a month's two figures "
    "are from small groups and their intervals overlap more often than not."
)


def engagement_and_attrition(
    *,
    session: Session,
    first: date | None = None,
    last: date | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> s.EngagementOut:
    """Every team-month in scope between ``first`` and ``last`` (default: the attrition page's
    year to yesterday): attrition, and the engagement index of the latest engagement round that
    closed in that month (if any)."""
    first, last = perf_periods.attrition_period(first=first, last=last)
    attrition = perf_attrition.attrition(session=session, first=first, last=last, scope=scope)
    rounds = session.execute(
        select(m.StaffSurveyRound, m.StaffSurvey.name)
        .join(m.StaffSurvey, m.StaffSurvey.id == m.StaffSurveyRound.survey_id)
        .where(
            m.StaffSurvey.kind == "engagement",
            m.StaffSurveyRound.closed.is_(True),
            m.StaffSurveyRound.closes_on >= first,
            m.StaffSurveyRound.closes_on <= last,
        )
        .order_by(m.StaffSurveyRound.closes_on, m.StaffSurveyRound.id)
    ).all()
    by_month: dict[str, tuple[str, str, dict[str, s.TeamEngagement]]] = {}
    for r, survey in rounds:  # a later round of the same month replaces an earlier one
        shown = survey_service.team_engagement(session=session, round_id=r.id, scope=scope)
        by_month[r.closes_on.strftime("%Y-%m")] = (survey, r.label, {t.team: t for t in shown})
    months = []
    for a in attrition.months:
        found = by_month.get(a.month)
        teams = found[2] if found is not None else {}
        months.append(
            s.EngagementMonth(
                team=a.team,
                month=a.month,
                leavers=a.leavers,
                average_headcount=a.average_headcount,
                attrition=a.rate,
                attrition_low=a.low,
                attrition_high=a.high,
                survey=found[0] if found is not None else None,
                round=found[1] if found is not None else None,
                engagement=teams.get(a.team),
            )
        )
    return s.EngagementOut(first=first, last=last, months=months, note=NOTE)
