"""Publication of KPIs by level and the reports due to each audience."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.enums import Role
from ccops.errors import Forbidden, Invalid, Problem
from ccops.org import service as org_service
from ccops.org.models import Person, Team, User
from ccops.performance import follow_ups as perf_follow_ups
from ccops.performance import measures as perf_measures
from ccops.performance import models as m
from ccops.performance import schemas as s
from ccops.performance import subjects as perf_subjects
from ccops.performance import sums as perf_sums

RHYTHM_PERIOD = {
    s.Rhythm.hourly: timedelta(hours=1),
    s.Rhythm.daily: timedelta(days=1),
    s.Rhythm.weekly: timedelta(days=7),
}


# --- publication by level ---------------------------------------------------------------------


AUDIENCES_OF_ROLE = {
    Role.supervisor: {s.Audience.agent, s.Audience.team},
    Role.executive: {s.Audience.executive},
}
"""The reports a role receives, where it does not receive every level's."""


def check_audience(*, role: Role, audience: s.Audience) -> None:
    """Refuse a level's report to a role that does not receive it."""
    allowed = AUDIENCES_OF_ROLE.get(role)
    if allowed is not None and audience not in allowed:
        raise Forbidden(
            f"the role {role.value} does not receive the {audience.value} report",
            [Problem("not your level's report", "audience")],
        )


def _publication_out(
    p: m.Publication,
    last: m.ReportDelivery | None = None,
    open_follow_ups: list[s.FollowUpTask] | None = None,
) -> s.PublicationOut:
    return s.PublicationOut(
        id=p.id,
        kpi=p.kpi,
        audience=s.Audience(p.audience),
        rhythm=s.Rhythm(p.rhythm),
        target=p.target,
        higher_is_better=p.higher_is_better,
        on_good=s.FollowUp(p.on_good),
        on_bad=s.FollowUp(p.on_bad),
        label=perf_measures.metric(p.kpi).label,
        last_produced_at=p.last_produced_at,
        owner=p.owner,
        threshold=p.threshold,
        threshold_direction=(
            s.ThresholdDirection(p.threshold_direction) if p.threshold_direction else None
        ),
        last_delivered_at=p.last_delivered_at,
        last_period_first=last.period_first if last else None,
        last_period_last=last.period_last if last else None,
        open_follow_ups=open_follow_ups or [],
    )


def set_publication(*, session: Session, data: s.PublicationIn) -> s.PublicationOut:
    """Say who sees a KPI, how often, and what follows a result (replaces the same KPI+audience)."""
    unit = perf_measures.metric(data.kpi).unit
    if data.threshold is not None and unit == "fraction" and not 0 <= data.threshold <= 1:
        raise Invalid(
            f"threshold: {data.kpi} is a rate; give its threshold as a fraction from 0 to 1 "
            "(0.8 for 80%)",
            [Problem("a rate's threshold is a fraction from 0 to 1 (0.8 for 80%)", "threshold")],
        )
    if data.owner is not None:
        owner = session.scalars(
            select(User).where(User.login == data.owner, User.disabled_at.is_(None))
        ).one_or_none()
        if owner is None or owner.role == Role.executive:
            raise Invalid(
                f"owner: no active user who can act signs in as {data.owner!r} (executives "
                "read only)",
                [Problem("no active user with this login who can act", "owner")],
            )
    found = session.scalars(
        select(m.Publication).where(
            m.Publication.kpi == data.kpi, m.Publication.audience == data.audience.value
        )
    ).one_or_none()
    p = found or m.Publication(kpi=data.kpi, audience=data.audience.value)
    p.rhythm = data.rhythm.value
    p.target = data.target
    p.higher_is_better = data.higher_is_better
    p.on_good = data.on_good.value
    p.on_bad = data.on_bad.value
    p.owner = data.owner
    p.threshold = data.threshold
    p.threshold_direction = data.threshold_direction.value if data.threshold_direction else None
    session.add(p)
    session.flush()
    return _publication_out(p, _last_delivery(session, p.id))


def _last_delivery(session: Session, publication_id: int) -> m.ReportDelivery | None:
    return session.scalars(
        select(m.ReportDelivery)
        .where(m.ReportDelivery.publication_id == publication_id)
        .order_by(m.ReportDelivery.period_last.desc(), m.ReportDelivery.id.desc())
        .limit(1)
    ).first()


def list_publications(*, session: Session) -> list[s.PublicationOut]:
    """List the publication rules by audience and KPI, with each one's last delivery and open
    follow-ups."""
    rows = list(
        session.scalars(select(m.Publication).order_by(m.Publication.audience, m.Publication.kpi))
    )
    tasks = perf_follow_ups.follow_ups(session=session, publication_ids=[p.id for p in rows])
    return [
        _publication_out(
            p,
            _last_delivery(session, p.id),
            [f for f in tasks if f.publication_id == p.id],
        )
        for p in rows
    ]


def _subjects(
    session: Session, audience: s.Audience, scope: org_service.Scope
) -> list[perf_subjects.Subject]:
    if audience == s.Audience.agent:
        people = session.scalars(
            select(Person)
            .where(scope.people_clause(), Person.role == Role.agent)
            .order_by(Person.name, Person.login)
        )
        return [perf_subjects.person_subject(p) for p in people]
    if audience == s.Audience.team:
        teams = session.scalars(select(Team).where(scope.teams_clause()).order_by(Team.name))
        return [perf_subjects.team_subject(t) for t in teams]
    return [perf_subjects.centre_subject(scope)]


def level_report(
    *,
    session: Session,
    audience: s.Audience,
    first: date,
    last: date,
    scope: org_service.Scope,
    rhythm: s.Rhythm | None = None,
) -> s.LevelReportOut:
    """Produce the report one level receives: each published KPI per subject and what follows."""
    query = select(m.Publication).where(m.Publication.audience == audience.value)
    if rhythm is not None:
        query = query.where(m.Publication.rhythm == rhythm.value)
    pubs = list(session.scalars(query.order_by(m.Publication.kpi)))
    lines = report_lines(
        session=session, audience=audience, pubs=pubs, first=first, last=last, scope=scope
    )
    return s.LevelReportOut(audience=audience, rhythm=rhythm, first=first, last=last, lines=lines)


def report_lines(
    *,
    session: Session,
    audience: s.Audience,
    pubs: list[m.Publication],
    first: date,
    last: date,
    scope: org_service.Scope,
    cache: perf_sums.ContactCache | None = None,
) -> list[s.ReportLine]:
    """Each of ``pubs``' KPI per subject of the level in ``scope``, and what follows it."""
    lines = []
    cache = {} if cache is None else cache
    for subject in _subjects(session, audience, scope):
        for p in pubs:
            value = perf_measures.kpi_value(
                session=session,
                subject=subject,
                kpi=p.kpi,
                first=first,
                last=last,
                target=p.target,
                higher_is_better=p.higher_is_better,
                cache=cache,
            )
            result = {"better": "good", "worse": "bad"}.get(value.status, "no_signal")
            follow = {"good": p.on_good, "bad": p.on_bad}.get(result, "none")
            lines.append(
                s.ReportLine(
                    subject=subject.name,
                    kpi=p.kpi,
                    label=value.label,
                    value=value,
                    result=result,
                    follow_up=follow,
                )
            )
    return lines


def due_reports(
    *, session: Session, now: datetime | None = None, scope: org_service.Scope
) -> list[s.LevelReportOut]:
    """Produce every report whose rhythm has come round since it was last produced."""
    now = now or utcnow()
    pubs = list(session.scalars(select(m.Publication)))
    due: dict[tuple[str, str], list[m.Publication]] = defaultdict(list)
    for p in pubs:
        last_at = p.last_produced_at
        if last_at is None or now - last_at >= RHYTHM_PERIOD[s.Rhythm(p.rhythm)]:
            due[(p.audience, p.rhythm)].append(p)
    out = []
    today = now.astimezone(UTC).date()
    for (audience, rhythm), group in sorted(due.items()):
        r = s.Rhythm(rhythm)
        if r == s.Rhythm.hourly:
            first, last = today, today
        elif r == s.Rhythm.daily:
            first = last = today - timedelta(days=1)
        else:
            first, last = today - timedelta(days=7), today - timedelta(days=1)
        out.append(
            level_report(
                session=session,
                audience=s.Audience(audience),
                first=first,
                last=last,
                scope=scope,
                rhythm=r,
            )
        )
        for p in group:
            p.last_produced_at = now
    session.flush()
    return out
