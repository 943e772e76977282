"""Agents' schedule requests: time off for whole local days and shift swaps with a colleague.

A time-off request waits for the planner. A swap is proposed to a colleague of the same site
who can work the shift's queues (and whose shift that day, if any, the proposer can work); once
the colleague accepts it waits for the planner. Granting applies the schedule service's edit
(``time_off`` or ``swap``, which checks skills, contracts and rest) to the published version and
publishes the result; when those rules refuse the edit, nothing of it is kept and the request
is refused with the rule's words. The people concerned are notified at each step.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.errors import CcopsError, Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.notifications import service as notify_service
from ccops.org import service as org_service
from ccops.org.models import Person, PersonSkill, Queue, Site
from ccops.wfm.allowances import service as allowance_service
from ccops.wfm.requests import schemas
from ccops.wfm.requests.models import ScheduleRequest
from ccops.wfm.schedules import common as schedule_common
from ccops.wfm.schedules import edits as schedule_edits
from ccops.wfm.schedules import publish as schedule_publish
from ccops.wfm.schedules import schemas as schedule_schemas
from ccops.wfm.schedules.models import Schedule, ScheduledShift, TimeOff

OPEN = ("awaiting_colleague", "pending")
"""Statuses of a request still to be answered or decided."""


def _problem(kind: type[CcopsError], message: str, field: str | None) -> CcopsError:
    return kind(message, [Problem(message, field=field)])


def _zone(session: Session, site_id: int) -> tuple[Site, ZoneInfo]:
    site = session.get(Site, site_id)
    assert site is not None
    return site, ZoneInfo(site.timezone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def _today(zone: ZoneInfo, now: datetime | None) -> date:
    return (now or utcnow()).astimezone(zone).date()


def _out(session: Session, r: ScheduleRequest) -> schemas.RequestOut:
    person = session.get(Person, r.person_id)
    colleague = session.get(Person, r.colleague_id) if r.colleague_id else None
    site, zone = _zone(session, r.site_id)
    assert person is not None
    last_day = None
    if r.end_at is not None:
        last_day = (r.end_at.astimezone(zone) - timedelta(seconds=1)).date()
    return schemas.RequestOut(
        id=r.id,
        kind=r.kind,
        status=r.status,
        person=person.login,
        person_name=person.name or person.login,
        site=site.name,
        start=r.start_at,
        end=r.end_at,
        start_day=r.start_at.astimezone(zone).date() if r.start_at else None,
        end_day=last_day,
        day=r.day,
        colleague=colleague.login if colleague else None,
        colleague_name=(colleague.name or colleague.login) if colleague else None,
        reason=r.reason,
        created_at=r.created_at,
        answered_at=r.answered_at,
        decided_by=r.decided_by,
        decided_at=r.decided_at,
        decision_note=r.decision_note,
        time_off_id=r.time_off_id,
        schedule_id=r.schedule_id,
    )


def _users(session: Session, *person_ids: int | None) -> list[int]:
    return schedule_common.users_of(session, [p for p in person_ids if p is not None])


def _describe(out: schemas.RequestOut) -> str:
    if out.kind == "time_off":
        return f"time off {out.start_day} to {out.end_day} ({out.reason})"
    return f"swap of the shifts of {out.person} and {out.colleague} on {out.day}"


def _day_shifts(
    session: Session, person_id: int, day: date, zone: ZoneInfo
) -> list[tuple[ScheduledShift, Schedule]]:
    """A person's published shifts starting on a local day."""
    lo, hi = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
    rows = session.execute(
        select(ScheduledShift, Schedule)
        .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
        .where(
            Schedule.status == "published",
            ScheduledShift.person_id == person_id,
            ScheduledShift.start_at >= lo,
            ScheduledShift.start_at < hi,
        )
        .order_by(ScheduledShift.start_at)
    ).all()
    return [(r[0], r[1]) for r in rows]


def _skills(session: Session, person_id: int) -> set[str]:
    return set(
        session.scalars(
            select(Queue.name)
            .join(PersonSkill, PersonSkill.queue_id == Queue.id)
            .where(PersonSkill.person_id == person_id)
        )
    )


def _check_skills(
    session: Session, taker: Person, shifts: list[tuple[ScheduledShift, Schedule]], whose: str
) -> None:
    have = _skills(session, taker.id)
    for shift, _schedule in shifts:
        missing = sorted(q for q in shift.queues.split(",") if q and q not in have)
        if missing:
            raise _problem(
                Conflict,
                f"{taker.login} has no skill for {', '.join(missing)}, the queues of {whose} "
                f"shift on that day (rule: same skills)",
                "colleague",
            )


def create(
    *,
    session: Session,
    person_id: int | None,
    data: schemas.RequestIn,
    created_by: str,
    now: datetime | None = None,
) -> schemas.RequestOut:
    """Store a request of the person ``person_id`` (the signed-in user's person).

    Raises:
        Invalid: no person, a day in the past, no published shift to swap, a bad colleague.
        Conflict: time off overlapping another request or recorded time off; a colleague
            without the skills; a second open swap for the same day.
    """
    if person_id is None:
        raise _problem(
            Invalid, "your account is not linked to a person, so you have no schedule", None
        )
    person = session.get(Person, person_id)
    if person is None:
        raise _problem(NotFound, f"person {person_id} does not exist", None)
    site, zone = _zone(session, person.site_id)
    today = _today(zone, now)
    record = ScheduleRequest(
        kind=data.kind,
        person_id=person.id,
        site_id=site.id,
        reason=data.reason,
        created_by=created_by,
        decision_note="",
    )
    booking: allowance_service.Booking | None = None
    if data.kind == "time_off":
        assert data.start_day is not None and data.end_day is not None
        if data.start_day < today:
            raise _problem(Invalid, f"{data.start_day} is in the past", "start_day")
        start, end = _midnight(data.start_day, zone), _midnight(data.end_day + timedelta(1), zone)
        clash = session.scalars(
            select(ScheduleRequest).where(
                ScheduleRequest.person_id == person.id,
                ScheduleRequest.kind == "time_off",
                ScheduleRequest.status.in_([*OPEN, "granted"]),
                ScheduleRequest.start_at < end,
                ScheduleRequest.end_at > start,
            )
        ).first()
        if clash is not None:
            other = _out(session, clash)
            raise _problem(
                Conflict,
                f"this overlaps your request {other.id} ({other.start_day} to {other.end_day}, "
                f"{other.status.replace('_', ' ')})",
                "start_day",
            )
        recorded = session.scalars(
            select(TimeOff).where(
                TimeOff.person_id == person.id, TimeOff.start_at < end, TimeOff.end_at > start
            )
        ).first()
        if recorded is not None:
            raise _problem(
                Conflict,
                f"this overlaps time off already recorded for you "
                f"({recorded.start_at.astimezone(zone):%Y-%m-%d} to "
                f"{(recorded.end_at.astimezone(zone) - timedelta(seconds=1)):%Y-%m-%d}, "
                f"{recorded.reason})",
                "start_day",
            )
        record.start_at, record.end_at, record.status = start, end, "pending"
        # the allowance refuses a request beyond the balance before anything is stored
        booking = allowance_service.check_request(
            session=session, person=person, first=data.start_day, last=data.end_day, now=now
        )
    else:
        assert data.day is not None and data.colleague is not None
        if data.day < today:
            raise _problem(Invalid, f"{data.day} is in the past", "day")
        colleague = session.scalars(
            select(Person).where(Person.login == data.colleague.strip())
        ).first()
        if colleague is None or colleague.site_id != person.site_id:
            raise _problem(
                Invalid, f"no colleague {data.colleague!r} at your site ({site.name})", "colleague"
            )
        if colleague.id == person.id:
            raise _problem(Invalid, "a swap needs a colleague, not yourself", "colleague")
        mine = _day_shifts(session, person.id, data.day, zone)
        if not mine:
            raise _problem(Invalid, f"you have no published shift on {data.day}", "day")
        _check_skills(session, colleague, mine, "your")
        _check_skills(session, person, _day_shifts(session, colleague.id, data.day, zone), "their")
        already = session.scalars(
            select(ScheduleRequest.id).where(
                ScheduleRequest.person_id == person.id,
                ScheduleRequest.kind == "swap",
                ScheduleRequest.day == data.day,
                ScheduleRequest.status.in_(OPEN),
            )
        ).first()
        if already is not None:
            raise _problem(
                Conflict, f"your swap request {already} for {data.day} is still open", "day"
            )
        record.day, record.colleague_id, record.status = (
            data.day,
            colleague.id,
            "awaiting_colleague",
        )
    session.add(record)
    session.flush()
    if record.kind == "time_off" and booking is not None:
        allowance_service.book(
            session=session, request_id=record.id, person_id=person.id, booking=booking
        )
        if booking.auto and _auto_grant(session, record):
            return _out(session, record)
    out = _out(session, record)
    if record.status == "awaiting_colleague":
        notify_service.notify(
            session=session,
            user_ids=_users(session, record.colleague_id),
            kind="schedule_request",
            subject=f"{out.person_name} proposes to swap shifts with you on {out.day}",
            body=f"{_describe(out)}. {out.reason}".strip(),
            link=f"/schedules/my#request-{out.id}",
        )
    else:
        _tell_planners(session, record, out)
    return out


AUTO_GRANT = "auto-grant"
"""Who decided a request granted by the allowance rule (inside the open slots and the balance)."""


def _auto_grant(session: Session, record: ScheduleRequest) -> bool:
    """Grant a time-off request inside the open slots and the balance without the planner;
    False (nothing kept) when the schedule rules refuse the edit: the planner then decides."""
    try:
        with session.begin_nested():
            _grant_time_off(session, record, AUTO_GRANT, org_service.EVERYTHING)
    except (Conflict, Invalid):
        session.refresh(record)
        return False
    record.status = "granted"
    record.decided_by, record.decided_at = AUTO_GRANT, utcnow()
    record.decision_note = (
        "granted automatically: inside the open slots and your balance (rule: time-off allowance)"
    )
    session.flush()
    out = _out(session, record)
    notify_service.notify(
        session=session,
        user_ids=_users(session, record.person_id),
        kind="schedule_request",
        subject=f"Request {out.id} is granted: {_describe(out)}",
        body=record.decision_note
        + (f"; the new schedule ({out.schedule_id}) is published" if out.schedule_id else ""),
        link=f"/schedules/my#request-{out.id}",
    )
    return True


def _tell_planners(session: Session, record: ScheduleRequest, out: schemas.RequestOut) -> None:
    why = allowance_service.booking_note(session=session, request_id=record.id)
    notify_service.notify(
        session=session,
        user_ids=schedule_common.planner_users(session, record.site_id),
        kind="schedule_request",
        subject=f"Request {out.id} of {out.person_name} waits for a decision",
        body=_describe(out) + (f". Why it was not granted automatically: {why}" if why else ""),
        link=f"/schedules#request-{out.id}",
    )


def _get(session: Session, request_id: int) -> ScheduleRequest:
    # the row is locked (PostgreSQL) until the decision or answer commits: two planners granting
    # at once, or a grant racing a withdrawal, cannot both act on a request seen as pending
    record = session.get(ScheduleRequest, request_id, with_for_update=True)
    if record is None:
        raise _problem(NotFound, f"request {request_id} does not exist", "id")
    return record


def list_own(*, session: Session, person_id: int | None) -> list[schemas.RequestOut]:
    """The person's requests and the swaps proposed to them, newest first."""
    if person_id is None:
        return []
    rows = session.scalars(
        select(ScheduleRequest)
        .where(
            or_(ScheduleRequest.person_id == person_id, ScheduleRequest.colleague_id == person_id)
        )
        .order_by(ScheduleRequest.id.desc())
        .limit(100)
    )
    return [_out(session, r) for r in rows]


def swap_colleagues(*, session: Session, person_id: int | None) -> list[schemas.ColleagueOut]:
    """The people of one's site with at least one's own skills (those a swap can be proposed
    to), in name order; the swap itself checks the queues of the shifts concerned."""
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        return []
    skills: dict[int, set[int]] = {}
    for pid, qid in session.execute(
        select(PersonSkill.person_id, PersonSkill.queue_id)
        .join(Person, Person.id == PersonSkill.person_id)
        .where(Person.site_id == person.site_id)
    ):
        skills.setdefault(pid, set()).add(qid)
    mine = skills.get(person.id, set())
    return [
        schemas.ColleagueOut(login=p.login, name=p.name)
        for p in session.scalars(
            select(Person)
            .where(Person.site_id == person.site_id, Person.id != person.id)
            .order_by(Person.name, Person.login)
        )
        if mine <= skills.get(p.id, set())
    ]


def list_for_planner(
    *,
    session: Session,
    scope: org_service.Scope = org_service.EVERYTHING,
    status: str | None = "pending",
) -> list[schemas.RequestOut]:
    """Requests of the people in scope (by default those waiting for a decision), oldest first."""
    if status is not None and status not in (
        *OPEN,
        "granted",
        "refused",
        "declined",
        "withdrawn",
        "cancelled",
    ):
        raise _problem(
            Invalid,
            f"status {status!r}: use awaiting_colleague, pending, granted, refused, declined, "
            "withdrawn or cancelled",
            "status",
        )
    query = (
        select(ScheduleRequest)
        .join(Person, Person.id == ScheduleRequest.person_id)
        .where(scope.people_clause())
        .order_by(ScheduleRequest.id)
        .limit(500)
    )
    if status is not None:
        query = query.where(ScheduleRequest.status == status)
    return [_out(session, r) for r in session.scalars(query) if scope.allows_site(r.site_id)]


def answer(
    *,
    session: Session,
    request_id: int,
    person_id: int | None,
    accept: bool,
) -> schemas.RequestOut:
    """The colleague accepts (the request goes to the planner) or declines a proposed swap."""
    record = _get(session, request_id)
    if person_id is None or record.colleague_id != person_id:
        raise _problem(Forbidden, f"request {request_id} was not proposed to you", None)
    if record.status != "awaiting_colleague":
        raise _problem(
            Conflict, f"request {request_id} is {record.status.replace('_', ' ')}", "status"
        )
    record.status = "pending" if accept else "declined"
    record.answered_at = utcnow()
    session.flush()
    out = _out(session, record)
    verb = "accepted" if accept else "declined"
    notify_service.notify(
        session=session,
        user_ids=_users(session, record.person_id),
        kind="schedule_request",
        subject=f"{out.colleague_name} {verb} your swap on {out.day}",
        body=_describe(out)
        + (": it now waits for the planner." if accept else ": nothing changes."),
        link=f"/schedules/my#request-{out.id}",
    )
    if accept:
        _tell_planners(session, record, out)
    return out


def withdraw(
    *, session: Session, request_id: int, person_id: int | None, now: datetime | None = None
) -> schemas.RequestOut:
    """The person takes back their own request while it is still open."""
    record = _get(session, request_id)
    if person_id is None or record.person_id != person_id:
        raise _problem(Forbidden, f"request {request_id} is not yours", None)
    if record.kind == "time_off" and record.status == "granted":
        return cancel(session=session, request_id=request_id, person_id=person_id, now=now)
    if record.status not in OPEN:
        raise _problem(
            Conflict, f"request {request_id} is {record.status}: it cannot be withdrawn", "status"
        )
    record.status = "withdrawn"
    session.flush()
    return _out(session, record)


def _grant_time_off(
    session: Session, record: ScheduleRequest, decided_by: str, scope: org_service.Scope
) -> None:
    assert record.start_at is not None and record.end_at is not None
    off = TimeOff(
        person_id=record.person_id,
        start_at=record.start_at,
        end_at=record.end_at,
        reason=record.reason[:200] or "time off",
        credit_h_per_day=allowance_service.credit_h_per_day(
            session=session, person_id=record.person_id
        ),
        status="approved",
        created_by=decided_by,
    )
    session.add(off)
    session.flush()
    record.time_off_id = off.id
    published = session.scalars(
        select(Schedule.id)
        .join(ScheduledShift, ScheduledShift.schedule_id == Schedule.id)
        .where(
            Schedule.status == "published",
            ScheduledShift.person_id == record.person_id,
            ScheduledShift.start_at < record.end_at,
            ScheduledShift.end_at > record.start_at,
        )
        .distinct()
        .order_by(Schedule.id)
    ).all()
    if published:
        off.status = "pending"
    for schedule_id in published:
        draft = schedule_edits.edit(
            session=session,
            schedule_id=schedule_id,
            data=schedule_schemas.EditIn(
                kind="time_off", time_off_id=off.id, reason=f"request {record.id}"
            ),
            edited_by=decided_by,
            scope=scope,
        )
        out = schedule_publish.publish(
            session=session, schedule_id=draft.id, published_by=decided_by, scope=scope
        )
        record.schedule_id = out.id


def _grant_swap(
    session: Session, record: ScheduleRequest, decided_by: str, scope: org_service.Scope
) -> None:
    assert record.day is not None and record.colleague_id is not None
    person, colleague = (
        session.get(Person, record.person_id),
        session.get(Person, record.colleague_id),
    )
    assert person is not None and colleague is not None
    _site, zone = _zone(session, record.site_id)
    mine = _day_shifts(session, person.id, record.day, zone)
    if not mine:
        raise _problem(
            Conflict, f"{person.login} no longer has a published shift on {record.day}", "day"
        )
    draft = schedule_edits.edit(
        session=session,
        schedule_id=mine[0][1].id,
        data=schedule_schemas.EditIn(
            kind="swap",
            day=record.day,
            login_a=person.login,
            login_b=colleague.login,
            reason=f"request {record.id}",
        ),
        edited_by=decided_by,
        scope=scope,
    )
    out = schedule_publish.publish(
        session=session, schedule_id=draft.id, published_by=decided_by, scope=scope
    )
    record.schedule_id = out.id


def decide(
    *,
    session: Session,
    request_id: int,
    grant: bool,
    note: str,
    decided_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
    decider_person_id: int | None = None,
) -> schemas.RequestOut:
    """Grant (apply the edit to the published schedule and publish it) or refuse a pending
    request; the people concerned are notified. A grant the schedule rules refuse (skills,
    contract hours or days, rest between shifts) leaves the schedule as it was and refuses the
    request naming the rule.

    Raises:
        Forbidden: the request's person is outside the planner's scope.
        Conflict: the request is not waiting for a decision.
        Invalid: refusing without a note.
    """
    record = _get(session, request_id)
    people = [record.person_id] + ([record.colleague_id] if record.colleague_id else [])
    in_scope = session.scalars(
        select(Person.id).where(Person.id.in_(people), scope.people_clause())
    ).all()
    if len(set(in_scope)) < len(set(people)) or not scope.allows_site(record.site_id):
        raise _problem(Forbidden, f"request {request_id} is outside your scope", None)
    if decider_person_id is not None and decider_person_id in people:
        raise _problem(
            Forbidden, f"request {request_id} concerns you: someone else decides it", None
        )
    if record.status != "pending":
        raise _problem(
            Conflict,
            f"request {request_id} is {record.status.replace('_', ' ')}: only a pending request "
            "can be decided",
            "status",
        )
    note = note.strip()
    if not grant and not note:
        raise _problem(Invalid, "say why the request is refused (note)", "note")
    if grant:
        try:
            with session.begin_nested():
                if record.kind == "time_off":
                    _grant_time_off(session, record, decided_by, scope)
                else:
                    _grant_swap(session, record, decided_by, scope)
        except (Conflict, Invalid) as exc:
            session.refresh(record)
            grant = False
            note = f"the schedule rules refuse it: {exc.message}"
        else:
            record.status = "granted"
    if not grant:
        record.status = "refused"
    record.decided_by, record.decided_at = decided_by, utcnow()
    record.decision_note = note
    session.flush()
    out = _out(session, record)
    what = "granted" if out.status == "granted" else "refused"
    notify_service.notify(
        session=session,
        user_ids=_users(session, record.person_id, record.colleague_id),
        kind="schedule_request",
        subject=f"Request {out.id} is {what}: {_describe(out)}",
        body=(note or f"{what} by {decided_by}")
        + (f"; the new schedule ({out.schedule_id}) is published" if out.schedule_id else ""),
        link=f"/schedules/my#request-{out.id}",
    )
    return out


def cancel(
    *, session: Session, request_id: int, person_id: int | None, now: datetime | None = None
) -> schemas.RequestOut:
    """The person cancels their granted time off that has not begun: the hours return to the
    balance, the recorded time off is cancelled and the planners are told (the shifts the grant
    removed are not put back by themselves: the planner re-plans the days if needed).

    Raises:
        Forbidden: not the person's request.
        Conflict: not granted time off, or it has already begun.
    """
    record = _get(session, request_id)
    if person_id is None or record.person_id != person_id:
        raise _problem(Forbidden, f"request {request_id} is not yours", None)
    if record.kind != "time_off" or record.status != "granted":
        raise _problem(
            Conflict,
            f"request {request_id} is {record.status.replace('_', ' ')} "
            f"{record.kind.replace('_', ' ')}: only granted time off can be cancelled "
            "(withdraw an open request instead)",
            "status",
        )
    assert record.start_at is not None
    if record.start_at <= (now or utcnow()):
        raise _problem(
            Conflict,
            f"request {request_id} has already begun: ask your planner (rule: only time off "
            "still ahead can be cancelled)",
            "status",
        )
    record.status = "cancelled"
    if record.time_off_id is not None:
        off = session.get(TimeOff, record.time_off_id)
        if off is not None:
            off.status = "cancelled"
    session.flush()
    out = _out(session, record)
    notify_service.notify(
        session=session,
        user_ids=schedule_common.planner_users(session, record.site_id),
        kind="schedule_request",
        subject=f"{out.person_name} cancelled time off {out.start_day} to {out.end_day}",
        body="The hours are back in their balance; re-plan the days if coverage needs them.",
        link=f"/schedules#request-{out.id}",
    )
    return out
