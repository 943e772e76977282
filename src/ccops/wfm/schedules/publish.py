"""Publishing a schedule version: the week's previous published version becomes superseded and
the people concerned are notified."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.errors import Conflict, Problem
from ccops.notifications import service as notify_service
from ccops.org import service as org_service
from ccops.org.models import Site
from ccops.wfm.schedules import common, schemas
from ccops.wfm.schedules.models import (
    CoverageInterval,
    Schedule,
    ScheduleAudit,
    ScheduledShift,
)


def publish(
    *,
    session: Session,
    schedule_id: int,
    published_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.ScheduleOut:
    """Publish a complete draft; the week's previous published version becomes superseded.

    Notifies the users of the people whose shifts are in the new or the superseded version.
    """
    record = common.schedule_in_scope(session, schedule_id, scope)
    if record.status != "draft":
        raise Conflict(
            f"schedule {schedule_id} is {record.status}: only a complete draft can be published",
            [Problem(f"status {record.status}", field="status")],
        )
    complete = session.scalar(
        select(func.count())
        .select_from(CoverageInterval)
        .where(CoverageInterval.schedule_id == record.id)
    )
    if not complete:
        raise Conflict(
            f"schedule {schedule_id} has no coverage rows: it is not complete",
            [Problem("incomplete", field="status")],
        )
    previous = session.scalars(
        select(Schedule).where(
            Schedule.site_id == record.site_id,
            Schedule.week == record.week,
            Schedule.status == "published",
        )
    ).all()
    affected = set(
        session.scalars(
            select(ScheduledShift.person_id).where(
                ScheduledShift.schedule_id.in_([record.id, *(p.id for p in previous)])
            )
        )
    )
    for old in previous:
        old.status = "superseded"
        session.add(
            ScheduleAudit(
                schedule_id=old.id,
                action="superseded",
                detail=f"superseded by version {record.version}",
                created_by=published_by,
            )
        )
    record.status = "published"
    record.published_by = published_by
    record.published_at = utcnow()
    session.add(
        ScheduleAudit(
            schedule_id=record.id,
            action="publish",
            detail=f"version {record.version} published",
            created_by=published_by,
        )
    )
    session.flush()
    site = session.get(Site, record.site_id)
    assert site is not None
    notify_service.notify(
        session=session,
        user_ids=common.users_of(session, affected),
        kind="schedule_published",
        subject=f"Your schedule for {record.week} is published",
        body=f"{site.name}, week {record.week}, version {record.version}.",
        link=f"/schedules/my?week={record.week}",
    )
    return common.summary(session, record)
