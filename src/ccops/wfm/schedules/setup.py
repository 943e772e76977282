"""Schedule set-up: shift templates, contracts and who has which, fixed activities, time off
(a change request when it overlaps published cover), availability and shift preferences."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.engines import scheduling as sch
from ccops.errors import Conflict, Invalid, NotFound, Problem
from ccops.notifications import service as notify_service
from ccops.org import service as org_service
from ccops.wfm.schedules import common, schemas
from ccops.wfm.schedules.models import (
    Availability,
    ChangeRequest,
    FixedActivity,
    PersonContract,
    Schedule,
    ScheduledShift,
    ShiftPreference,
    ShiftTemplate,
    TimeOff,
    WorkContract,
)


def _hhmm(text: str, field: str) -> int:
    h, _, m = text.partition(":")
    value = int(h) * 60 + int(m)
    if not 0 <= value < 1440 or int(m) >= 60:
        raise common.invalid(f"{field} {text!r} is not a time of day", field)
    return value


def _template_out(t: ShiftTemplate, site: str) -> schemas.ShiftTemplateOut:
    starts = {int(k): v for k, v in json.loads(t.starts_json).items()}
    return schemas.ShiftTemplateOut(
        id=t.id,
        site=site,
        name=t.name,
        starts={d: [f"{m // 60:02d}:{m % 60:02d}" for m in ms] for d, ms in sorted(starts.items())},
        length_min=t.length_min,
        breaks=[schemas.BreakIn(**b) for b in json.loads(t.breaks_json)],
        cost_per_hour=t.cost_per_hour,
        is_night=t.is_night,
        is_late=t.is_late,
    )


def create_template(
    *,
    session: Session,
    data: schemas.ShiftTemplateIn,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.ShiftTemplateOut:
    """Store a shift template of a site (checked by the engine's own rules first)."""
    site = common.site_in_scope(session, data.site, scope)
    first, last = _hhmm(data.first_start, "first_start"), _hhmm(data.last_start, "last_start")
    if first % common.STEP_MIN or last % common.STEP_MIN:
        raise common.invalid("start times must be on the 15-minute grid", "first_start")
    if last < first:
        raise common.invalid(f"last_start {data.last_start} is before first_start", "last_start")
    grid = list(range(first, last + 1, data.step_min))
    record = ShiftTemplate(
        site_id=site.id,
        name=data.name,
        starts_json=json.dumps({str(d): grid for d in sorted(set(data.weekdays))}),
        length_min=data.length_min,
        breaks_json=json.dumps([b.model_dump() for b in data.breaks]),
        cost_per_hour=data.cost_per_hour,
        is_night=data.is_night,
        is_late=data.is_late,
    )
    try:
        common.engine_template(record)
    except sch.SchedulingInputError as exc:
        raise common.invalid(f"template {data.name!r}: {exc}", "breaks", exc.problems) from None
    exists = session.scalars(
        select(ShiftTemplate).where(
            ShiftTemplate.site_id == site.id, ShiftTemplate.name == data.name
        )
    ).first()
    if exists is not None:
        raise Conflict(
            f"template {data.name!r} already exists at {site.name}",
            [Problem("duplicate", field="name")],
        )
    session.add(record)
    session.flush()
    return _template_out(record, site.name)


def list_templates(
    *, session: Session, site: str, scope: org_service.Scope = org_service.EVERYTHING
) -> list[schemas.ShiftTemplateOut]:
    """List a site's shift templates."""
    found = common.site_in_scope(session, site, scope)
    rows = session.scalars(
        select(ShiftTemplate).where(ShiftTemplate.site_id == found.id).order_by(ShiftTemplate.name)
    )
    return [_template_out(t, found.name) for t in rows]


def _contract_out(c: WorkContract) -> schemas.ContractOut:
    return schemas.ContractOut(
        id=c.id,
        name=c.name,
        weekly_min_h=c.weekly_min_h,
        weekly_max_h=c.weekly_max_h,
        days_min=c.days_min,
        days_max=c.days_max,
        max_consecutive_days=c.max_consecutive_days,
        min_rest_h=c.min_rest_h,
        max_nights=c.max_nights,
        max_weekend_days=c.max_weekend_days,
        templates=None if c.templates_json is None else json.loads(c.templates_json),
    )


def create_contract(*, session: Session, data: schemas.ContractIn) -> schemas.ContractOut:
    """Store a contract; one that contradicts itself is refused with every contradiction."""
    record = WorkContract(
        name=data.name,
        weekly_min_h=data.weekly_min_h,
        weekly_max_h=data.weekly_max_h,
        days_min=data.days_min,
        days_max=data.days_max,
        max_consecutive_days=data.max_consecutive_days,
        min_rest_h=data.min_rest_h,
        max_nights=data.max_nights,
        max_weekend_days=data.max_weekend_days,
        templates_json=None if data.templates is None else json.dumps(data.templates),
    )
    try:
        common.engine_contract(record)
    except sch.SchedulingInputError as exc:
        raise common.invalid(
            f"contract {data.name!r} contradicts itself", "contract", exc.problems
        ) from None
    if session.scalars(select(WorkContract).where(WorkContract.name == data.name)).first():
        raise Conflict(
            f"contract {data.name!r} already exists", [Problem("duplicate", field="name")]
        )
    session.add(record)
    session.flush()
    return _contract_out(record)


def list_contracts(*, session: Session) -> list[schemas.ContractOut]:
    """List the contracts."""
    return [
        _contract_out(c) for c in session.scalars(select(WorkContract).order_by(WorkContract.name))
    ]


def assign_contract(
    *,
    session: Session,
    login: str,
    contract: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> None:
    """Give a person a contract (replacing the one they had)."""
    person = common.person_in_scope(session, login, scope)
    found = session.scalars(select(WorkContract).where(WorkContract.name == contract)).first()
    if found is None:
        raise NotFound(
            f"contract {contract!r} does not exist", [Problem("unknown", field="contract")]
        )
    link = session.scalars(
        select(PersonContract).where(PersonContract.person_id == person.id)
    ).first()
    if link is None:
        session.add(PersonContract(person_id=person.id, contract_id=found.id))
    else:
        link.contract_id = found.id
    session.flush()


def add_activity(
    *,
    session: Session,
    data: schemas.ActivityIn,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> int:
    """Store a fixed activity (meeting, training, coaching, huddle) of a person; return its id."""
    person = common.person_in_scope(session, data.login, scope)
    record = FixedActivity(
        person_id=person.id,
        kind=data.kind,
        name=data.name,
        start_at=data.start.astimezone(UTC),
        end_at=data.end.astimezone(UTC),
    )
    session.add(record)
    session.flush()
    return record.id


def _published_shifts(
    session: Session, person_ids: Iterable[int], start: datetime, end: datetime
) -> list[tuple[ScheduledShift, Schedule]]:
    rows = session.execute(
        select(ScheduledShift, Schedule)
        .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
        .where(
            Schedule.status == "published",
            ScheduledShift.person_id.in_(sorted(set(person_ids))),
            ScheduledShift.start_at < end,
            ScheduledShift.end_at > start,
        )
        .order_by(ScheduledShift.start_at)
    ).all()
    return [(r[0], r[1]) for r in rows]


def add_time_off(
    *,
    session: Session,
    data: schemas.TimeOffIn,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.TimeOffOut:
    """Record time off; if it overlaps a published shift it becomes a change request.

    Published cover never changes silently: the time off waits (status ``pending``) until the
    planner grants it as an edit (a new version) and publishes that version.
    """
    person = common.person_in_scope(session, data.login, scope)
    start, end = data.start.astimezone(UTC), data.end.astimezone(UTC)
    record = TimeOff(
        person_id=person.id,
        start_at=start,
        end_at=end,
        reason=data.reason,
        credit_h_per_day=data.credit_h_per_day,
        status="approved",
        created_by=created_by,
    )
    session.add(record)
    session.flush()
    clashes = _published_shifts(session, [person.id], start, end)
    out = schemas.TimeOffOut(
        id=record.id,
        person_id=person.id,
        login=person.login,
        start=start,
        end=end,
        reason=data.reason,
        status="approved",
    )
    if not clashes:
        return out
    record.status = "pending"
    shift, schedule = clashes[0]
    when = ", ".join(
        f"{s.start_at:%Y-%m-%d %H:%M}-{s.end_at:%H:%M} UTC (schedule {sc.id} v{sc.version})"
        for s, sc in clashes
    )
    message = (
        f"time off of {person.login} ({data.reason}) overlaps published shifts: {when}; it "
        "waits for the planner to grant it in a new schedule version"
    )
    request = ChangeRequest(
        schedule_id=schedule.id,
        person_id=person.id,
        time_off_id=record.id,
        message=message,
        status="open",
        created_by=created_by,
    )
    session.add(request)
    session.flush()
    notify_service.notify(
        session=session,
        user_ids=common.planner_users(session, schedule.site_id),
        kind="schedule_change_request",
        subject=f"Change request: time off of {person.login}",
        body=message,
        link=f"/schedules/{schedule.id}",
    )
    out.status = "pending"
    out.change_request_id = request.id
    out.message = message
    return out


def _hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def list_availability(
    *, session: Session, login: str, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.AvailabilityOut:
    """Return when a person can work (no spans: any time)."""
    person = common.person_in_scope(session, login, scope)
    rows = session.scalars(
        select(Availability)
        .where(Availability.person_id == person.id)
        .order_by(Availability.weekday, Availability.start_min)
    ).all()
    return schemas.AvailabilityOut(
        login=person.login,
        any_time=not rows,
        spans=[
            schemas.AvailabilitySpanIn(
                weekday=r.weekday, start=_hm(r.start_min), end=_hm(r.end_min)
            )
            for r in rows
        ],
    )


def set_availability(
    *,
    session: Session,
    login: str,
    data: schemas.AvailabilityIn,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.AvailabilityOut:
    """Replace a person's availability; overlapping spans of a weekday are refused by name."""
    person = common.person_in_scope(session, login, scope)
    spans = sorted(
        (s.weekday, schemas.minutes_of(s.start), schemas.minutes_of(s.end), i)
        for i, s in enumerate(data.spans)
    )
    problems = [
        Problem(
            f"{schemas.WEEKDAYS[a[0]]} {_hm(a[1])}-{_hm(a[2])} overlaps {_hm(b[1])}-{_hm(b[2])}",
            field=f"spans.{b[3]}",
        )
        for a, b in zip(spans, spans[1:], strict=False)
        if a[0] == b[0] and b[1] < a[2]
    ]
    if problems:
        raise Invalid(f"availability of {login!r}: spans overlap", problems)
    for old in session.scalars(select(Availability).where(Availability.person_id == person.id)):
        session.delete(old)
    session.flush()
    for weekday, start, end, _ in spans:
        session.add(
            Availability(person_id=person.id, weekday=weekday, start_min=start, end_min=end)
        )
    session.flush()
    return list_availability(session=session, login=login, scope=scope)


def list_preferences(
    *, session: Session, login: str, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.PreferencesOut:
    """Return a person's shift preferences."""
    person = common.person_in_scope(session, login, scope)
    rows = session.scalars(
        select(ShiftPreference)
        .where(ShiftPreference.person_id == person.id)
        .order_by(ShiftPreference.id)
    ).all()
    return schemas.PreferencesOut(
        login=person.login,
        preferences=[
            schemas.PreferenceIn(
                weight=r.weight,
                template=r.template,
                weekday=r.weekday,
                start=None if r.start_min is None else _hm(r.start_min),
                end=None if r.end_min is None else _hm(r.end_min),
            )
            for r in rows
        ],
    )


def set_preferences(
    *,
    session: Session,
    login: str,
    data: schemas.PreferencesIn,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.PreferencesOut:
    """Replace a person's preferences; a template no site has is refused by name."""
    person = common.person_in_scope(session, login, scope)
    known = set(session.scalars(select(ShiftTemplate.name)))
    problems = [
        Problem(
            f"template {p.template!r} does not exist; known: {', '.join(sorted(known)) or 'none'}",
            field=f"preferences.{i}.template",
        )
        for i, p in enumerate(data.preferences)
        if p.template is not None and p.template not in known
    ]
    if problems:
        raise Invalid(f"preferences of {login!r}: unknown shift template", problems)
    for old in session.scalars(
        select(ShiftPreference).where(ShiftPreference.person_id == person.id)
    ):
        session.delete(old)
    session.flush()
    for p in data.preferences:
        session.add(
            ShiftPreference(
                person_id=person.id,
                weight=p.weight,
                template=p.template,
                weekday=p.weekday,
                start_min=None if p.start is None else schemas.minutes_of(p.start),
                end_min=None if p.end is None else schemas.minutes_of(p.end),
            )
        )
    session.flush()
    return list_preferences(session=session, login=login, scope=scope)
