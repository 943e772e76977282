"""The open swap board: an agent posts a published shift to give away or trade; colleagues who
hold its skills and whose contract has room see it; the first who takes it gets it approved at
once when the rules allow (same skills, coverage unchanged, rest and weekly hours kept), or, when
the trade would change coverage (other times or queues), as a swap request for the planner. A
take the schedule rules refuse changes nothing and names the rule.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.errors import CcopsError, Conflict, Invalid, NotFound, Problem
from ccops.notifications import service as notify_service
from ccops.org import service as org_service
from ccops.org.models import Person, PersonSkill, Queue, Site
from ccops.wfm.requests.models import ScheduleRequest
from ccops.wfm.schedules import common as schedule_common
from ccops.wfm.schedules import edits as schedule_edits
from ccops.wfm.schedules import publish as schedule_publish
from ccops.wfm.schedules import schemas as schedule_schemas
from ccops.wfm.schedules.models import (
    PersonContract,
    Schedule,
    ScheduledShift,
    WorkContract,
)
from ccops.wfm.swapboard import schemas
from ccops.wfm.swapboard.models import SwapPost


class _RulesPass(Exception):
    """Raised inside the trial edit to undo it once the rules are known to hold."""


BY = "swap board"
"""Who edits and publishes a schedule version approved by the board's rules."""


def _zone(session: Session, site_id: int) -> ZoneInfo:
    site = session.get(Site, site_id)
    assert site is not None
    return ZoneInfo(site.timezone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def _day_shifts(
    session: Session, person_id: int, day: date, zone: ZoneInfo
) -> list[ScheduledShift]:
    lo, hi = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
    return list(
        session.scalars(
            select(ScheduledShift)
            .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
            .where(
                Schedule.status == "published",
                ScheduledShift.person_id == person_id,
                ScheduledShift.start_at >= lo,
                ScheduledShift.start_at < hi,
            )
            .order_by(ScheduledShift.start_at)
        )
    )


def _week(session: Session, person_id: int, day: date, zone: ZoneInfo) -> tuple[float, int]:
    monday = day - timedelta(days=day.weekday())
    hours, days = 0.0, set()
    for k in range(7):
        for s in _day_shifts(session, person_id, monday + timedelta(days=k), zone):
            hours += s.paid_h
            days.add(k)
    return hours, len(days)


def _skills(session: Session, person_id: int) -> set[str]:
    return set(
        session.scalars(
            select(Queue.name)
            .join(PersonSkill, PersonSkill.queue_id == Queue.id)
            .where(PersonSkill.person_id == person_id)
        )
    )


def _queues(shifts: list[ScheduledShift]) -> set[str]:
    return {q for s in shifts for q in s.queues.split(",") if q}


def _describe(shifts: list[ScheduledShift], zone: ZoneInfo) -> str:
    return "; ".join(
        f"{s.start_at.astimezone(zone):%H:%M}-{s.end_at.astimezone(zone):%H:%M} "
        f"({s.queues.replace(',', ', ')})"
        for s in shifts
    )


def _out(session: Session, post: SwapPost) -> schemas.PostOut:
    person = session.get(Person, post.person_id)
    taker = session.get(Person, post.taker_id) if post.taker_id else None
    assert person is not None
    zone = _zone(session, post.site_id)
    shifts = _day_shifts(session, post.person_id, post.day, zone)
    return schemas.PostOut(
        id=post.id,
        person=person.login,
        person_name=person.name or person.login,
        day=post.day,
        kind="trade" if post.kind == "trade" else "give",
        note=post.note,
        status=post.status,
        shift=_describe(shifts, zone) if post.status == "open" else post.outcome,
        queues=sorted(_queues(shifts)),
        taker=taker.login if taker else None,
        request_id=post.request_id,
        schedule_id=post.schedule_id,
        outcome=post.outcome,
        created_at=post.created_at,
    )


def _why_not(session: Session, post: SwapPost, viewer: Person) -> str | None:
    """Why ``viewer`` may not take the post (the rule), or None when they may."""
    zone = _zone(session, post.site_id)
    mine = _day_shifts(session, post.person_id, post.day, zone)
    if not mine:
        return f"the posted shift on {post.day} is no longer in the published schedule"
    missing = sorted(_queues(mine) - _skills(session, viewer.id))
    if missing:
        return f"you have no skill for {', '.join(missing)} (rule: same skills)"
    theirs = _day_shifts(session, viewer.id, post.day, zone)
    if post.kind == "give":
        if theirs:
            return f"you already work on {post.day} (rule: a shift given away goes to someone free)"
        contract = session.scalars(
            select(WorkContract)
            .join(PersonContract, PersonContract.contract_id == WorkContract.id)
            .where(PersonContract.person_id == viewer.id)
        ).first()
        if contract is not None:
            hours, days = _week(session, viewer.id, post.day, zone)
            extra = sum(s.paid_h for s in mine)
            if hours + extra > contract.weekly_max_h + 1e-6:
                return (
                    f"{hours + extra:g} paid hours that week is above your contract's "
                    f"{contract.weekly_max_h:g} (rule: weekly hours)"
                )
            if days + 1 > contract.days_max:
                return (
                    f"{days + 1} working days that week is above your contract's "
                    f"{contract.days_max} (rule: contract days)"
                )
    else:
        if not theirs:
            return f"you have no shift on {post.day} to trade (rule: a trade is shift for shift)"
        lacking = sorted(_queues(theirs) - _skills(session, post.person_id))
        if lacking:
            return f"the poster has no skill for {', '.join(lacking)} (rule: same skills)"
    return None


def create(
    *, session: Session, person_id: int | None, data: schemas.PostIn, now: datetime | None = None
) -> schemas.PostOut:
    """Post one's published shift on a day to give away or trade; eligible colleagues are told."""
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        raise Invalid(
            "your account is not linked to a person, so you have no shift to post",
            [Problem("no person", None)],
        )
    zone = _zone(session, person.site_id)
    if data.day < (now or utcnow()).astimezone(zone).date():
        raise Invalid(f"{data.day} is in the past", [Problem("past", field="day")])
    if not _day_shifts(session, person.id, data.day, zone):
        raise Invalid(
            f"you have no published shift on {data.day}", [Problem("no shift", field="day")]
        )
    clash = session.scalars(
        select(SwapPost.id).where(
            SwapPost.person_id == person.id, SwapPost.day == data.day, SwapPost.status == "open"
        )
    ).first()
    if clash is not None:
        raise Conflict(
            f"your post {clash} for {data.day} is still open", [Problem("open", field="day")]
        )
    post = SwapPost(
        site_id=person.site_id,
        person_id=person.id,
        day=data.day,
        kind=data.kind,
        note=data.note.strip(),
        status="open",
        outcome="",
    )
    session.add(post)
    session.flush()
    colleagues = [
        p.id
        for p in session.scalars(
            select(Person).where(Person.site_id == person.site_id, Person.id != person.id)
        )
        if _why_not(session, post, p) is None
    ]
    out = _out(session, post)
    verb = "gives away" if post.kind == "give" else "offers to trade"
    notify_service.notify(
        session=session,
        user_ids=schedule_common.users_of(session, colleagues),
        kind="swap_board",
        subject=f"{out.person_name} {verb} a shift on {post.day}",
        body=f"{out.shift}. {post.note}".strip(),
        link=f"/api/v1/swaps#post-{post.id}",
    )
    return out


def board(*, session: Session, person_id: int | None) -> list[schemas.PostOut]:
    """The open posts the person may take, then their own posts, newest first."""
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        return []
    posts = session.scalars(
        select(SwapPost)
        .where(SwapPost.site_id == person.site_id)
        .order_by(SwapPost.id.desc())
        .limit(200)
    )
    return [
        _out(session, p)
        for p in posts
        if p.person_id == person.id or (p.status == "open" and _why_not(session, p, person) is None)
    ]


def posts(
    *, session: Session, scope: org_service.Scope = org_service.EVERYTHING
) -> list[schemas.PostOut]:
    """Every post of the sites in scope, newest first (the planner's view of the board)."""
    rows = session.scalars(select(SwapPost).order_by(SwapPost.id.desc()).limit(500))
    return [_out(session, p) for p in rows if scope.allows_site(p.site_id)]


def _get(
    session: Session, post_id: int, scope: org_service.Scope, person: Person | None
) -> SwapPost:
    post = session.get(SwapPost, post_id, with_for_update=True)
    if (
        post is None
        or not scope.allows_site(post.site_id)
        or (person is not None and person.site_id != post.site_id)
    ):
        raise NotFound(f"post {post_id} does not exist", [Problem("unknown", field="post_id")])
    return post


def take(
    *,
    session: Session,
    post_id: int,
    person_id: int | None,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.PostOut:
    """Take a post: approved and published at once when the rules allow, else to the planner.

    Raises:
        Conflict: the post is not open, or a rule refuses the take (named); nothing changes.
    """
    person = session.get(Person, person_id) if person_id else None
    post = _get(session, post_id, scope, person)
    if person is None:
        raise Invalid(
            "your account is not linked to a person, so you cannot take a shift",
            [Problem("no person", None)],
        )
    if post.status != "open":
        raise Conflict(f"post {post.id} is {post.status.replace('_', ' ')}", [Problem("status")])
    if post.person_id == person.id:
        raise Invalid("this is your own post", [Problem("own post", None)])
    why = _why_not(session, post, person)
    if why is not None:
        raise Conflict(f"you cannot take post {post.id}: {why}", [Problem(why, field="post_id")])
    poster = session.get(Person, post.person_id)
    assert poster is not None
    zone = _zone(session, post.site_id)
    mine = _day_shifts(session, poster.id, post.day, zone)
    theirs = _day_shifts(session, person.id, post.day, zone)

    def shape(shifts: list[ScheduledShift]) -> list[tuple[datetime, datetime, str]]:
        return sorted((s.start_at, s.end_at, s.queues) for s in shifts)

    # a shift given away moves whole (coverage unchanged); a trade keeps coverage only when the
    # two shifts cover the same intervals on the same queues
    same_coverage = post.kind == "give" or shape(mine) == shape(theirs)
    published = None
    try:
        with session.begin_nested():
            draft = schedule_edits.edit(
                session=session,
                schedule_id=mine[0].schedule_id,
                data=schedule_schemas.EditIn(
                    kind="swap",
                    day=post.day,
                    login_a=poster.login,
                    login_b=person.login,
                    reason=f"swap board post {post.id}",
                ),
                edited_by=BY,
            )
            if not same_coverage:
                raise _RulesPass  # the rules hold, but the planner decides: undo the trial
            published = schedule_publish.publish(
                session=session, schedule_id=draft.id, published_by=BY
            )
    except _RulesPass:
        session.refresh(post)
    except CcopsError as exc:
        session.refresh(post)
        raise Conflict(
            f"the schedule rules refuse this: {exc.message} (nothing changed)",
            [Problem(exc.message, field="post_id")],
        ) from None
    if published is not None:
        post.status, post.schedule_id = "approved", published.id
        post.outcome = (
            f"approved by the rules (same skills, coverage unchanged, rest and weekly hours "
            f"kept): {_describe(mine, zone)} to {person.login}"
        )
    else:
        request = ScheduleRequest(
            kind="swap",
            person_id=poster.id,
            site_id=post.site_id,
            status="pending",
            day=post.day,
            colleague_id=person.id,
            reason=f"swap board post {post.id}",
            created_by=person.login,
            answered_at=utcnow(),
            decision_note="",
        )
        session.add(request)
        session.flush()
        post.status, post.request_id = "to_planner", request.id
        post.outcome = (
            "to the planner: the two shifts differ in times or queues, so coverage would change "
            f"(request {request.id})"
        )
        notify_service.notify(
            session=session,
            user_ids=schedule_common.planner_users(session, post.site_id),
            kind="schedule_request",
            subject=f"Request {request.id}: a trade from the swap board waits for a decision",
            body=f"{poster.login} and {person.login} on {post.day}: {post.outcome}",
            link=f"/schedules#request-{request.id}",
        )
    post.taker_id, post.taken_at = person.id, utcnow()
    session.flush()
    out = _out(session, post)
    notify_service.notify(
        session=session,
        user_ids=schedule_common.users_of(session, [poster.id, person.id]),
        kind="swap_board",
        subject=f"Swap board post {post.id} on {post.day}: {post.status.replace('_', ' ')}",
        body=post.outcome,
        link=f"/api/v1/swaps#post-{post.id}",
    )
    return out


def withdraw(
    *,
    session: Session,
    post_id: int,
    person_id: int | None,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.PostOut:
    """Take one's own open post off the board."""
    person = session.get(Person, person_id) if person_id else None
    post = _get(session, post_id, scope, person)
    if person is None or post.person_id != person.id:
        raise Invalid(
            f"post {post.id} is not yours: only its poster withdraws it", [Problem("not yours")]
        )
    if post.status != "open":
        raise Conflict(f"post {post.id} is {post.status.replace('_', ' ')}", [Problem("status")])
    post.status = "withdrawn"
    session.flush()
    return _out(session, post)
