"""Reading schedules: a version with its coverage, shifts and audit trail, the list of versions,
one person's published week, and what intraday reads of the published schedules (coverage,
activities, a break with its allowed window)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import ScopeKind
from ccops.metrics import cache as kpi_cache
from ccops.org import service as org_service
from ccops.org.models import Person, Queue, Site
from ccops.wfm.frontline import service as frontline
from ccops.wfm.schedules import common, schemas
from ccops.wfm.schedules.models import (
    CoverageInterval,
    Schedule,
    ScheduleAudit,
    ScheduledActivity,
    ScheduledShift,
)


def _shift_rows(
    session: Session, record: Schedule, person_filter: object | None = None
) -> list[schemas.ShiftOut]:
    site = session.get(Site, record.site_id)
    assert site is not None
    zone = ZoneInfo(site.timezone)
    query = (
        select(ScheduledShift, Person)
        .join(Person, Person.id == ScheduledShift.person_id)
        .where(ScheduledShift.schedule_id == record.id)
        .order_by(Person.login, ScheduledShift.start_at)
    )
    if person_filter is not None:
        query = query.where(person_filter)  # type: ignore[arg-type]
    rows = session.execute(query).all()
    acts: dict[int, list[schemas.ScheduledActivityOut]] = defaultdict(list)
    for a in session.scalars(
        select(ScheduledActivity)
        .where(ScheduledActivity.schedule_id == record.id)
        .order_by(ScheduledActivity.start_at)
    ):
        acts[a.shift_id].append(
            schemas.ScheduledActivityOut(
                person_id=a.person_id,
                kind=a.kind,
                queue_id=a.queue_id,
                start=a.start_at,
                end=a.end_at,
            )
        )
    return [
        schemas.ShiftOut(
            id=s.id,
            person_id=p.id,
            login=p.login,
            name=p.name,
            template=s.template,
            queues=s.queues.split(","),
            start=s.start_at,
            end=s.end_at,
            local_start=s.start_at.astimezone(zone).replace(tzinfo=None),
            local_end=s.end_at.astimezone(zone).replace(tzinfo=None),
            paid_h=s.paid_h,
            activities=acts.get(s.id, []),
        )
        for s, p in rows
    ]


def coverage_rows(*, session: Session, schedule_id: int) -> list[schemas.CoverageRowOut]:
    """The stored coverage of a schedule, by queue then interval."""
    rows = session.execute(
        select(CoverageInterval, Queue.name)
        .join(Queue, Queue.id == CoverageInterval.queue_id)
        .where(CoverageInterval.schedule_id == schedule_id)
        .order_by(Queue.name, CoverageInterval.interval_start)
    ).all()
    return [
        schemas.CoverageRowOut(
            queue=name,
            interval_start=c.interval_start,
            required=c.required,
            scheduled=c.scheduled,
            predicted_service_level=c.predicted_service_level,
        )
        for c, name in rows
    ]


def get_schedule(
    *, session: Session, schedule_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.ScheduleDetailOut:
    """Return a schedule version with coverage, the shifts in scope and its audit trail."""
    record = common.schedule_in_scope(session, schedule_id, scope)
    summary = common.summary(session, record)
    person_filter = (
        None if scope.kind in (ScopeKind.all, ScopeKind.sites) else (scope.people_clause())
    )
    audit = session.scalars(
        select(ScheduleAudit)
        .where(ScheduleAudit.schedule_id == record.id)
        .order_by(ScheduleAudit.id)
    )
    intervals: list[schemas.CoverageRowOut]
    shifts: list[schemas.ShiftOut]
    if record.status == "draft":  # a draft's rows may still change in its own transaction
        intervals = coverage_rows(session=session, schedule_id=record.id)
        shifts = _shift_rows(session, record, person_filter)
    else:  # a published (or superseded) version's rows never change: shared by the process
        schedule_id = record.id
        version = (schedule_id, record.created_at)
        intervals = kpi_cache.session_cached(
            session,
            ("schedule_coverage", *version),
            lambda own: coverage_rows(session=own, schedule_id=schedule_id),
            versioned=False,
            rows=len,
        )
        shifts = kpi_cache.session_cached(  # versioned: people's names may change
            session,
            ("schedule_shifts", *version, scope),
            lambda own: _shift_rows(own, common.schedule_by_id(own, schedule_id), person_filter),
            rows=len,
        )
    return schemas.ScheduleDetailOut(
        **summary.model_dump(),
        intervals=intervals,
        shift_rows=shifts,
        audit=[
            schemas.AuditOut(
                action=a.action, detail=a.detail, created_by=a.created_by, created_at=a.created_at
            )
            for a in audit
        ],
    )


def get_summary(
    *, session: Session, schedule_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.ScheduleOut:
    """Return a schedule version's measures and status (what a page polls)."""
    return common.summary(session, common.schedule_in_scope(session, schedule_id, scope))


def list_schedules(
    *,
    session: Session,
    site: str | None = None,
    week: str | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> list[schemas.ScheduleOut]:
    """List schedule versions of the sites in scope, newest first."""
    query = select(Schedule).order_by(Schedule.id.desc())
    if site:
        query = query.where(Schedule.site_id == common.site_in_scope(session, site, scope).id)
    if week:
        query = query.where(Schedule.week == week)
    return [
        common.summary(session, r) for r in session.scalars(query) if scope.allows_site(r.site_id)
    ]


def person_week(
    *,
    session: Session,
    login: str,
    week: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.PersonWeekOut:
    """Return one person's published week (agents see only their own)."""
    person = common.person_in_scope(session, login, scope)
    site = session.get(Site, person.site_id)
    assert site is not None
    common.Week(site, week)
    record = session.scalars(
        select(Schedule).where(
            Schedule.site_id == site.id, Schedule.week == week, Schedule.status == "published"
        )
    ).first()
    shifts = _shift_rows(session, record, ScheduledShift.person_id == person.id) if record else []
    return schemas.PersonWeekOut(
        person_id=person.id,
        login=person.login,
        name=person.name,
        schedule_id=record.id if record else None,
        week=week,
        status=record.status if record else None,
        paid_h=round(sum(s.paid_h for s in shifts), 4),
        shifts=shifts,
    )


def own_week(*, session: Session, person_id: int | None, week: str) -> schemas.PersonWeekOut | None:
    """Return the published week of the signed-in user's person (None: no person linked)."""
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        return None
    return person_week(session=session, login=person.login, week=week)


def published_break(
    *, session: Session, person_id: int, start: datetime
) -> schemas.BreakWindowOut | None:
    """The person's published break (or lunch) starting at ``start``, with its allowed window."""
    act = session.scalars(
        select(ScheduledActivity)
        .join(Schedule, Schedule.id == ScheduledActivity.schedule_id)
        .where(
            Schedule.status == "published",
            ScheduledActivity.person_id == person_id,
            ScheduledActivity.start_at == start,
            ScheduledActivity.kind.in_(common.BREAK_KINDS),
        )
    ).first()
    if act is None:
        return None
    shift = session.get(ScheduledShift, act.shift_id)
    assert shift is not None
    window = common.break_window(session, shift, act)
    return schemas.BreakWindowOut(
        schedule_id=act.schedule_id,
        person_id=person_id,
        kind=act.kind,
        start=act.start_at,
        end=act.end_at,
        earliest_start=window[0] if window else None,
        latest_start=window[1] if window else None,
    )


def published_coverage(
    *, session: Session, queue_id: int, start: datetime, end: datetime
) -> dict[datetime, float]:
    """Scheduled net agents per 15-minute interval start (UTC) of the published schedules, with
    the front-line shifts a planner counts as coverage."""
    rows = session.execute(
        select(CoverageInterval.interval_start, CoverageInterval.scheduled)
        .join(Schedule, Schedule.id == CoverageInterval.schedule_id)
        .where(
            Schedule.status == "published",
            CoverageInterval.queue_id == queue_id,
            CoverageInterval.interval_start >= start,
            CoverageInterval.interval_start < end,
        )
        .order_by(CoverageInterval.interval_start)
    ).all()
    out: dict[datetime, float] = defaultdict(float)
    for at, value in rows:
        out[at] += float(value)
    extra = frontline.coverage(session=session, queue_id=queue_id, start=start, end=end)
    for at, value in extra.items():
        out[at] += value
    return dict(out)


def published_activities(
    *, session: Session, person_ids: Sequence[int], start: datetime, end: datetime
) -> list[schemas.ScheduledActivityOut]:
    """Published segments (work, breaks, activities) of the people overlapping [start, end)."""
    rows = session.scalars(
        select(ScheduledActivity)
        .join(Schedule, Schedule.id == ScheduledActivity.schedule_id)
        .where(
            Schedule.status == "published",
            ScheduledActivity.person_id.in_(sorted(set(person_ids))),
            ScheduledActivity.start_at < end,
            ScheduledActivity.end_at > start,
        )
        .order_by(ScheduledActivity.person_id, ScheduledActivity.start_at)
    )
    return [
        schemas.ScheduledActivityOut(
            person_id=a.person_id, kind=a.kind, queue_id=a.queue_id, start=a.start_at, end=a.end_at
        )
        for a in rows
    ]
