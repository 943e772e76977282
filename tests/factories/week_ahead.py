"""A published week ahead: a site's latest published schedule copied forward whole (shifts,
activities, coverage), so that self-service pages (swap board, overtime offers), which act only
on days to come, have a published week to act on in a fixture whose weeks are past."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.org.models import Site
from ccops.wfm.schedules import common
from ccops.wfm.schedules.models import (
    CoverageInterval,
    Schedule,
    ScheduledActivity,
    ScheduledShift,
)


def week_ahead(weeks: int) -> str:
    """The ISO week ``weeks`` weeks after the current one."""
    year, number, _ = (datetime.now(UTC).date() + timedelta(weeks=weeks)).isocalendar()
    return f"{year}-W{number:02d}"


def publish_copy(session: Session, *, site: str, week: str) -> Schedule:
    """Publish the site's latest published week again as ``week`` (flushed); a week already
    published is returned as it is."""
    record = session.scalars(select(Site).where(Site.name == site)).one()
    existing = session.scalars(
        select(Schedule).where(
            Schedule.site_id == record.id, Schedule.week == week, Schedule.status == "published"
        )
    ).first()
    if existing is not None:
        return existing
    base = session.scalars(
        select(Schedule)
        .where(Schedule.site_id == record.id, Schedule.status == "published")
        .order_by(Schedule.week_start.desc(), Schedule.version.desc())
    ).first()
    assert base is not None, f"{site} has no published schedule to copy"
    new = common.new_record(
        session=session, site=record, week=week, created_by="tests", status="published"
    )
    new.published_by, new.published_at = "tests", utcnow()
    shift: date = new.week_start
    delta = timedelta(days=(shift - base.week_start).days)
    shift_map: dict[int, int] = {}
    for s in session.scalars(select(ScheduledShift).where(ScheduledShift.schedule_id == base.id)):
        copy = ScheduledShift(
            schedule_id=new.id,
            person_id=s.person_id,
            template=s.template,
            queues=s.queues,
            start_at=s.start_at + delta,
            end_at=s.end_at + delta,
            paid_h=s.paid_h,
            cost=s.cost,
        )
        session.add(copy)
        session.flush()
        shift_map[s.id] = copy.id
    for a in session.scalars(
        select(ScheduledActivity).where(ScheduledActivity.schedule_id == base.id)
    ):
        session.add(
            ScheduledActivity(
                schedule_id=new.id,
                shift_id=shift_map[a.shift_id],
                person_id=a.person_id,
                kind=a.kind,
                queue_id=a.queue_id,
                start_at=a.start_at + delta,
                end_at=a.end_at + delta,
            )
        )
    for c in session.scalars(
        select(CoverageInterval).where(CoverageInterval.schedule_id == base.id)
    ):
        session.add(
            CoverageInterval(
                schedule_id=new.id,
                queue_id=c.queue_id,
                interval_start=c.interval_start + delta,
                required=c.required,
                scheduled=c.scheduled,
                predicted_service_level=c.predicted_service_level,
                rate_per_s=c.rate_per_s,
                aht_s=c.aht_s,
            )
        )
    session.flush()
    return new
