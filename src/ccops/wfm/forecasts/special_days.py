"""Special days of a site or queue (launches, campaigns, bill runs, closures) and the calendar a
forecast of a queue takes into account: public holidays of China and the site's country, and
the stored special days (a stored day overrides a holiday of the same day and kind)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from ccops.engines import forecasting as fc
from ccops.errors import Conflict, Forbidden, Invalid, Problem
from ccops.org import service as org_service
from ccops.org.models import Queue, Site
from ccops.wfm.forecasts import schemas
from ccops.wfm.forecasts.models import SpecialDay


def _invalid(message: str, field: str) -> Invalid:
    return Invalid(message, [Problem(message, field=field)])


def calendar(
    *, session: Session, queue: Queue, first_year: int, last_year: int
) -> fc.EventCalendar:
    """Public holidays of China and the site's country, and the stored special days of the site
    (or of this queue), for the years ``first_year`` to ``last_year``."""
    codes = sorted({"CN", *([queue.site.country_code] if queue.site.country_code else [])})
    try:
        holidays = fc.holiday_calendar([c.upper() for c in codes], range(first_year, last_year + 1))
    except fc.ForecastInputError as exc:
        raise _invalid(f"site {queue.site.name!r}: {exc}", "country_code") from None
    events: dict[tuple[date, str], fc.Event] = {(e.day, e.kind): e for e in holidays.events}
    stored = session.scalars(
        select(SpecialDay).where(
            SpecialDay.site_id == queue.site_id,
            (SpecialDay.queue_id.is_(None)) | (SpecialDay.queue_id == queue.id),
        )
    ).all()
    for day in stored:
        events[(day.day, day.kind)] = fc.Event(day.day, day.kind, day.effect_pct)
    return fc.EventCalendar(tuple(events.values()))


def _special_day_out(session: Session, day: SpecialDay) -> schemas.SpecialDayOut:
    site = session.get(Site, day.site_id)
    queue = session.get(Queue, day.queue_id) if day.queue_id is not None else None
    assert site is not None
    return schemas.SpecialDayOut(
        id=day.id,
        site=site.name,
        queue=queue.name if queue else None,
        day=day.day,
        kind=day.kind,
        name=day.name,
        effect_pct=day.effect_pct,
    )


def add_special_day(
    *,
    session: Session,
    data: schemas.SpecialDayIn,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.SpecialDayOut:
    """Store a special day of a site (or of one of its queues) for future forecasts."""
    site = org_service.get_site(session=session, name=data.site)
    if not scope.allows_site(site.id):
        raise Forbidden(
            f"site {site.name!r} is outside your scope",
            [Problem("outside your scope", field="site")],
        )
    queue = org_service.get_queue(session=session, name=data.queue) if data.queue else None
    if queue is not None and queue.site_id != site.id:
        raise _invalid(f"queue: {data.queue!r} is not at site {data.site!r}", "queue")
    # One day of a kind per site, or per queue: two queues of a site may each have their own
    # launch on the same day, but not beside a site-wide one.
    duplicate = session.scalar(
        select(func.count()).where(
            SpecialDay.site_id == site.id,
            SpecialDay.day == data.day,
            SpecialDay.kind == data.kind,
            true()
            if queue is None
            else (SpecialDay.queue_id.is_(None)) | (SpecialDay.queue_id == queue.id),
        )
    )
    if duplicate:
        where = f"site {data.site!r}" if queue is None else f"queue {queue.name!r}"
        raise Conflict(
            f"{where} already has a {data.kind} special day on {data.day}",
            [Problem("already exists", field="kind")],
        )
    row = SpecialDay(
        site_id=site.id,
        queue_id=queue.id if queue else None,
        day=data.day,
        kind=data.kind,
        name=data.name,
        effect_pct=data.effect_pct,
    )
    session.add(row)
    session.flush()
    return _special_day_out(session, row)


def list_special_days(
    *,
    session: Session,
    site: str | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> list[schemas.SpecialDayOut]:
    """List stored special days by day, optionally of one site."""
    stmt = select(SpecialDay)
    if site is not None:
        stmt = stmt.where(SpecialDay.site_id == org_service.get_site(session=session, name=site).id)
    if scope.site_ids is not None:
        stmt = stmt.where(SpecialDay.site_id.in_(sorted(scope.site_ids)))
    rows = session.scalars(stmt.order_by(SpecialDay.day, SpecialDay.id)).all()
    return [_special_day_out(session, day) for day in rows]


def latest_launch(*, session: Session, on_or_before: date) -> date:
    """The latest special day of kind ``launch`` on or before a day (what ``launch`` means in a
    command); Invalid when none is stored."""
    day = session.scalar(
        select(func.max(SpecialDay.day)).where(
            SpecialDay.kind == "launch", SpecialDay.day <= on_or_before
        )
    )
    if day is None:
        raise _invalid(
            "no launch day is stored (a special day of kind 'launch'): give a date instead",
            "date",
        )
    return day
