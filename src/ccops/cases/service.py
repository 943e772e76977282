"""Cases: business calendars, targets, routing, the case life cycle with its business-time
clocks, the breach sweep and compliance.

Clocks: a case's first-response and resolution due times are business time on the calendar of
its type and severity's target, counted from when it was opened. A pausing status (waiting for
the customer or a third party) stops the resolution clock; on resume the paused business time
is added back, so the due time is ``opened + target + paused`` in business time. Every clock
event (opened, paused, resumed, responded, warning, breach, escalation, resolved, closed) is a
``CaseEvent`` row with who and when. Services flush, never commit.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from ccops.cases import chains, schemas, workflow
from ccops.cases.models import Case, CaseCalendar, CaseEvent, CaseRoute, CaseTarget
from ccops.contacts.models import Contact
from ccops.db import utcnow
from ccops.engines import stats
from ccops.engines.business_time import (
    BusinessCalendar,
    BusinessTimeError,
    add_business_seconds,
    business_seconds_between,
)
from ccops.enums import Role, ScopeKind
from ccops.errors import Conflict, Invalid, NotFound, Problem
from ccops.notifications import service as notifications_service
from ccops.org import scoped
from ccops.org.models import Person, Queue, Site, Team, User
from ccops.org.service import EVERYTHING, Scope

HOUR = 3600.0
AGEING = (("< 8 h", 8.0), ("8–24 h", 24.0), ("24–40 h", 40.0), ("≥ 40 h", math.inf))
"""Buckets of open cases by business hours elapsed."""


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- calendars --------------------------------------------------------------------------------


def business_calendar(row: CaseCalendar) -> BusinessCalendar:
    """The engine's calendar of a stored one."""
    hours = {int(k): [tuple(s) for s in v] for k, v in json.loads(row.hours_json).items()}
    holidays = [date.fromisoformat(d) for d in json.loads(row.holidays_json)]
    return BusinessCalendar(row.timezone, hours, holidays)


def _calendar_out(row: CaseCalendar) -> schemas.CalendarOut:
    cal = business_calendar(row)
    return schemas.CalendarOut(
        id=row.id,
        name=row.name,
        timezone=row.timezone,
        hours={int(k): [(a, b) for a, b in v] for k, v in json.loads(row.hours_json).items()},
        holidays=[date.fromisoformat(d) for d in json.loads(row.holidays_json)],
        weekly_hours=cal.weekly_hours(),
    )


def create_calendar(*, session: Session, data: schemas.CalendarIn) -> schemas.CalendarOut:
    """Store a business calendar; overlapping spans, no hours or an unknown zone are refused."""
    try:
        BusinessCalendar(data.timezone, dict(data.hours), data.holidays)
    except BusinessTimeError as exc:
        raise Invalid(
            f"calendar {data.name!r}: {exc}", [Problem(str(exc), field="hours")]
        ) from None
    if session.scalars(select(CaseCalendar).where(CaseCalendar.name == data.name)).first():
        raise Conflict(
            f"calendar {data.name!r} already exists", [Problem("already exists", field="name")]
        )
    row = CaseCalendar(
        name=data.name,
        timezone=data.timezone,
        hours_json=json.dumps(
            {str(k): [list(s) for s in v] for k, v in sorted(data.hours.items())}
        ),
        holidays_json=json.dumps(sorted(d.isoformat() for d in set(data.holidays))),
    )
    session.add(row)
    session.flush()
    return _calendar_out(row)


def list_calendars(*, session: Session) -> list[schemas.CalendarOut]:
    """Every business calendar by name."""
    return [
        _calendar_out(c) for c in session.scalars(select(CaseCalendar).order_by(CaseCalendar.name))
    ]


def _calendar_named(session: Session, name: str) -> CaseCalendar:
    row = session.scalars(select(CaseCalendar).where(CaseCalendar.name == name)).first()
    if row is None:
        raise NotFound(f"calendar {name!r} does not exist", [Problem("unknown", field="calendar")])
    return row


# --- targets and routes -----------------------------------------------------------------------


def _target_out(session: Session, row: CaseTarget, calendar: str) -> schemas.TargetOut:
    next_update = workflow.next_update_s(session, row.case_type, row.severity)
    return schemas.TargetOut(
        id=row.id,
        case_type=row.case_type,
        severity=row.severity,
        calendar=calendar,
        first_response_h=row.first_response_s / HOUR,
        resolution_h=row.resolution_s / HOUR,
        next_update_h=None if next_update is None else next_update / HOUR,
        warn_min=row.warn_s / 60.0,
    )


def set_target(*, session: Session, data: schemas.TargetIn) -> schemas.TargetOut:
    """Set (or replace) the targets of a type and severity; open cases keep their due times."""
    if data.first_response_h > data.resolution_h:
        raise Invalid(
            "the first response cannot be due after the resolution",
            [Problem("more than the resolution target", field="first_response_h")],
        )
    if data.next_update_h is not None and data.next_update_h > data.resolution_h:
        raise Invalid(
            "the next update cannot be due after the resolution",
            [Problem("more than the resolution target", field="next_update_h")],
        )
    calendar = _calendar_named(session, data.calendar)
    row = session.scalars(
        select(CaseTarget).where(
            CaseTarget.case_type == data.case_type, CaseTarget.severity == data.severity
        )
    ).first()
    if row is None:
        row = CaseTarget(case_type=data.case_type, severity=data.severity)
        session.add(row)
    row.calendar_id = calendar.id
    row.first_response_s = data.first_response_h * HOUR
    row.resolution_s = data.resolution_h * HOUR
    row.warn_s = data.warn_min * 60.0
    session.flush()
    workflow.set_next_update_s(
        session,
        data.case_type,
        data.severity,
        None if data.next_update_h is None else data.next_update_h * HOUR,
    )
    return _target_out(session, row, calendar.name)


def list_targets(*, session: Session) -> list[schemas.TargetOut]:
    """Every target, by type and severity."""
    rows = session.execute(
        select(CaseTarget, CaseCalendar.name)
        .join(CaseCalendar, CaseCalendar.id == CaseTarget.calendar_id)
        .order_by(CaseTarget.case_type, CaseTarget.severity)
    )
    return [_target_out(session, t, name) for t, name in rows]


def _route_out(session: Session, row: CaseRoute) -> schemas.RouteOut:
    owner = session.get(Person, row.owner_id) if row.owner_id else None
    return schemas.RouteOut(
        id=row.id,
        case_type=row.case_type,
        category=row.category,
        queue=queue.name if (queue := session.get(Queue, row.queue_id or 0)) else None,
        site=site.name if (site := session.get(Site, row.site_id or 0)) else None,
        team=team.name if (team := session.get(Team, row.team_id)) else "",
        owner=owner.login if owner else None,
    )


def add_route(
    *, session: Session, data: schemas.RouteIn, scope: Scope = EVERYTHING
) -> schemas.RouteOut:
    """Add a routing rule (team, queue, site and owner must be in scope)."""
    team = scoped.team_in_scope(session, scope, data.team, field="team")
    queue = scoped.queue_in_scope(session, scope, data.queue, field="queue") if data.queue else None
    site = scoped.site_in_scope(session, scope, data.site, field="site") if data.site else None
    owner = (
        scoped.person_in_scope(session, scope, data.owner, field="owner") if data.owner else None
    )
    row = CaseRoute(
        case_type=data.case_type,
        category=data.category or None,
        queue_id=queue.id if queue else None,
        site_id=site.id if site else None,
        team_id=team.id,
        owner_id=owner.id if owner else None,
    )
    session.add(row)
    session.flush()
    return _route_out(session, row)


def list_routes(*, session: Session) -> list[schemas.RouteOut]:
    """Every routing rule in the order they were added."""
    return [
        _route_out(session, r) for r in session.scalars(select(CaseRoute).order_by(CaseRoute.id))
    ]


def _route(
    session: Session, case_type: str, category: str, queue_id: int | None, site_id: int
) -> CaseRoute | None:
    best: tuple[int, int] | None = None
    chosen = None
    for r in session.scalars(select(CaseRoute).where(CaseRoute.case_type == case_type)):
        if r.category is not None and r.category != category:
            continue
        if r.queue_id is not None and r.queue_id != queue_id:
            continue
        if r.site_id is not None and r.site_id != site_id:
            continue
        rank = (
            (r.category is not None) + (r.queue_id is not None) + (r.site_id is not None),
            -r.id,
        )
        if best is None or rank > best:
            best, chosen = rank, r
    return chosen


# --- reading cases ----------------------------------------------------------------------------


def visible(scope: Scope) -> ColumnElement[bool]:
    """Cases in scope: one's own (raised, owned, handled) and those of one's teams or sites."""
    if scope.everything:
        return true()
    pid = scope.person_id
    mine = (
        or_(Case.raised_by_person_id == pid, Case.owner_id == pid, Case.agent_id == pid)
        if pid is not None
        else false()
    )
    if scope.kind == ScopeKind.own:
        return mine
    if scope.kind == ScopeKind.teams:
        return or_(mine, Case.team_id.in_(sorted(scope.team_ids)))
    return or_(mine, Case.site_id.in_(sorted(scope.site_ids or ())))


@dataclass
class _Calendars:
    session: Session
    cache: dict[int, tuple[str, BusinessCalendar]] = field(default_factory=dict)

    def get(self, calendar_id: int) -> tuple[str, BusinessCalendar]:
        if calendar_id not in self.cache:
            row = self.session.get(CaseCalendar, calendar_id)
            assert row is not None
            self.cache[calendar_id] = (row.name, business_calendar(row))
        return self.cache[calendar_id]


def _elapsed(case: Case, cal: BusinessCalendar, now: datetime) -> float:
    """Business seconds the resolution clock has run (paused time left out)."""
    end = case.resolved_at or case.paused_at or now
    return business_seconds_between(cal, _utc(case.opened_at), _utc(end)) - case.paused_business_s


_EVERY = re.compile(r"^(\S+) \(every ([0-9.e+-]+) business h\)$")


@dataclass
class _UpdateClock:
    """The next-update clock of a case, read from its events: each ``next_update_due`` event
    starts an interval (its due time and the case's interval length); a ``update_warning`` or
    ``update_breach`` marks the current interval; ``customer_update`` events say on time or
    late."""

    due: datetime | None = None
    every_s: float | None = None
    warned: bool = False
    breached: bool = False
    on_time: int = 0
    breaches: int = 0


def _update_clock(case: Case) -> _UpdateClock:
    clock = _UpdateClock()
    for e in case.events:
        if e.kind == "next_update_due":
            match = _EVERY.match(e.detail)
            if match is None:
                continue
            clock.due = datetime.fromisoformat(match.group(1))
            if clock.every_s is None:
                clock.every_s = float(match.group(2)) * HOUR
            clock.warned = clock.breached = False
        elif e.kind == "update_warning":
            clock.warned = True
        elif e.kind == "update_breach":
            clock.breached = True
            clock.breaches += 1
        elif e.kind == "customer_update" and e.detail.startswith("on time"):
            clock.on_time += 1
    return clock


def _update_running(case: Case) -> bool:
    return case.paused_at is None and case.resolved_at is None and case.closed_at is None


def _restart_update_clock(
    case: Case, cal: BusinessCalendar, at: datetime, by: str, every_s: float | None
) -> None:
    """Start a next-update interval at ``at`` (cases without a next-update target: nothing)."""
    if every_s is None:
        return
    due = add_business_seconds(cal, at, every_s).astimezone(UTC)
    _event(
        case, at, by, "next_update_due", f"{due.isoformat()} (every {every_s / HOUR!r} business h)"
    )


def _case_out(
    session: Session, case: Case, calendars: _Calendars, now: datetime
) -> schemas.CaseOut:
    cal_name, cal = calendars.get(case.calendar_id)
    elapsed = _elapsed(case, cal, now)
    paused = case.paused_at is not None
    remaining: float | None = None
    if case.resolved_at is not None:
        clock = "breached" if case.resolution_breached else "met"
    else:
        remaining = case.resolution_target_s - elapsed
        if case.resolution_breached or remaining < 0:
            clock = "breached"
        elif paused:
            clock = "paused"
        elif remaining <= case.warn_s:
            clock = "at_risk"
        else:
            clock = "on_time"

    def login(person_id: int | None) -> str | None:
        person = session.get(Person, person_id) if person_id else None
        return person.login if person else None

    site = session.get(Site, case.site_id)
    queue = session.get(Queue, case.queue_id) if case.queue_id else None
    team = session.get(Team, case.team_id) if case.team_id else None
    updates = _update_clock(case)
    return schemas.CaseOut(
        id=case.id,
        case_type=case.case_type,
        category=case.category,
        severity=case.severity,
        status=case.status,
        subject=case.subject,
        description=case.description,
        answer=case.answer,
        attachments=json.loads(case.attachments_json),
        site=site.name if site else "",
        queue=queue.name if queue else None,
        contact_id=case.contact_id,
        customer_key=case.customer_key,
        agent=login(case.agent_id),
        team=team.name if team else None,
        owner=login(case.owner_id),
        raised_by=case.raised_by,
        calendar=cal_name,
        opened_at=_utc(case.opened_at),
        due_first_response_at=_utc(case.due_first_response_at),
        due_resolution_at=None if paused else _utc(case.due_resolution_at),
        first_response_at=_utc(case.first_response_at) if case.first_response_at else None,
        due_next_update_at=updates.due if updates.due and _update_running(case) else None,
        next_update_every_h=None if updates.every_s is None else updates.every_s / HOUR,
        updates_on_time=updates.on_time,
        update_breaches=updates.breaches,
        resolved_at=_utc(case.resolved_at) if case.resolved_at else None,
        closed_at=_utc(case.closed_at) if case.closed_at else None,
        paused=paused,
        business_elapsed_s=round(elapsed, 3),
        resolution_remaining_s=None if remaining is None else round(remaining, 3),
        clock=clock,
        response_breached=case.response_breached,
        resolution_breached=case.resolution_breached,
        escalation_level=case.escalation_level,
        events=[
            schemas.EventOut(at=_utc(e.at), by=e.by, kind=e.kind, detail=e.detail)
            for e in case.events
        ],
    )


def _find(session: Session, case_id: int, scope: Scope) -> Case:
    case = session.scalars(select(Case).where(Case.id == case_id, visible(scope))).first()
    if case is None:
        raise NotFound(f"case {case_id} does not exist", [Problem("unknown", field="case_id")])
    return case


def get_case(
    *, session: Session, case_id: int, scope: Scope = EVERYTHING, now: datetime | None = None
) -> schemas.CaseOut:
    """A case in scope with its clock and events (out of scope: as if missing)."""
    return _case_out(session, _find(session, case_id, scope), _Calendars(session), now or utcnow())


def list_cases(
    *,
    session: Session,
    scope: Scope = EVERYTHING,
    status: str | None = None,
    case_type: str | None = None,
    severity: str | None = None,
    team: str | None = None,
    open_only: bool = False,
    contact_id: int | None = None,
    limit: int = 500,
    now: datetime | None = None,
) -> list[schemas.CaseOut]:
    """Cases in scope, newest first, with filters (a bad filter value is a 422); with
    ``contact_id``, only the cases linked to that contact."""
    for value, allowed, name in (
        (status, workflow.get(session).order, "status"),
        (case_type, schemas.CASE_TYPES, "case_type"),
        (severity, schemas.SEVERITIES, "severity"),
    ):
        if value and value not in allowed:
            raise Invalid(
                f"unknown {name} {value!r}: one of {', '.join(allowed)}",
                [Problem("unknown", field=name)],
            )
    query = select(Case).where(visible(scope))
    if status:
        query = query.where(Case.status == status)
    if case_type:
        query = query.where(Case.case_type == case_type)
    if severity:
        query = query.where(Case.severity == severity)
    if team:
        found = scoped.team_in_scope(session, scope, team, field="team")
        query = query.where(Case.team_id == found.id)
    if open_only:
        query = query.where(Case.resolved_at.is_(None), Case.closed_at.is_(None))
    if contact_id is not None:
        query = query.where(Case.contact_id == contact_id)
    calendars = _Calendars(session)
    at = now or utcnow()
    rows = session.scalars(query.order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit))
    return [_case_out(session, c, calendars, at) for c in rows]


def cases_zone(*, session: Session, cases: Iterable[schemas.CaseOut]) -> str:
    """The one IANA time zone of the cases' sites, or ``UTC`` when they span zones (or there
    is no case): times of a download are written in it."""
    names = {c.site for c in cases}
    zones = set(session.scalars(select(Site.timezone).where(Site.name.in_(sorted(names)))))
    return zones.pop() if len(zones) == 1 else "UTC"


# --- changing cases ---------------------------------------------------------------------------


def _event(case: Case, at: datetime, by: str, kind: str, detail: str = "") -> None:
    case.events.append(CaseEvent(at=at, by=by, kind=kind, detail=detail))


def _users_of(session: Session, case: Case, role: str | None, person: str | None) -> list[int]:
    """The users of a level: the owner, the owning team's leader, the managers or executives
    reaching the case's site, or a named person."""
    if role in ("manager", "executive"):
        wanted = Role.manager if role == "manager" else Role.executive
        ids = []
        for user in session.scalars(select(User).where(User.role == wanted)):
            every, sites = scoped.user_reach(session, user)
            if every or case.site_id in sites:
                ids.append(user.id)
        return ids
    if role == "owner":
        person_ids = [case.owner_id] if case.owner_id else []
    elif role == "team_leader":
        team = session.get(Team, case.team_id) if case.team_id else None
        person_ids = [team.leader_id] if team and team.leader_id else []
    else:
        person_ids = list(session.scalars(select(Person.id).where(Person.login == person)))
    if not person_ids:
        return []
    return list(session.scalars(select(User.id).where(User.person_id.in_(person_ids))))


def _users_to_notify(session: Session, case: Case, level: int) -> list[int]:
    """Level 0: the owner; above it the level of the case's escalation chain (the built-in
    one: 1 the owning team's leader, 2 and more the managers reaching the site)."""
    if level <= 0:
        return _users_of(session, case, "owner", None)
    chain = chains.chain_for(session, case.case_type, case.severity)
    if chain is None:
        return _users_of(session, case, "team_leader" if level == 1 else "manager", None)
    step = chain[min(level, len(chain)) - 1]
    return _users_of(session, case, step.role, step.person)


def _notify(
    session: Session, case: Case, level: int, subject: str, users: list[int] | None = None
) -> int:
    return notifications_service.notify(
        session=session,
        user_ids=_users_to_notify(session, case, level) if users is None else users,
        kind="case",
        subject=subject,
        body=f"{case.case_type} {case.id} ({case.severity}): {case.subject}",
        link=f"/cases/{case.id}",
    )


def open_case(
    *,
    session: Session,
    data: schemas.CaseIn,
    by: str,
    by_person_id: int | None = None,
    scope: Scope = EVERYTHING,
    now: datetime | None = None,
) -> schemas.CaseOut:
    """Open a case: routed to a team and owner, due times from its target's calendar.

    A user whose scope is their own record raises cases from their own contacts only. A case
    matching a serious-case rule (by default: a critical complaint) goes to senior management
    (escalation level 2) at once.
    """
    at = _utc(now or utcnow())
    contact = None
    queue = None
    if data.contact_id is not None:
        contact = session.get(Contact, data.contact_id)
        queue = session.get(Queue, contact.queue_id) if contact else None
        own_only = scope.kind == ScopeKind.own and not scope.everything
        if (
            contact is None
            or queue is None
            or not scope.allows_site(queue.site_id)
            or (own_only and contact.person_id != scope.person_id)
        ):
            raise NotFound(
                f"contact {data.contact_id} does not exist",
                [Problem("unknown", field="contact_id")],
            )
    elif scope.kind == ScopeKind.own and not scope.everything:
        raise Invalid(
            "raise a case from one of your contacts", [Problem("required", field="contact_id")]
        )
    if queue is None and data.queue:
        queue = scoped.queue_in_scope(session, scope, data.queue, field="queue")
    if queue is not None:
        site_id = queue.site_id
    elif data.site:
        site_id = scoped.site_in_scope(session, scope, data.site, field="site").id
    else:
        raise Invalid(
            "name the contact, queue or site the case comes from",
            [Problem("a contact, queue or site is required", field="contact_id")],
        )
    target = session.scalars(
        select(CaseTarget).where(
            CaseTarget.case_type == data.case_type, CaseTarget.severity == data.severity
        )
    ).first()
    if target is None:
        raise Invalid(
            f"no target for {data.case_type} cases of severity {data.severity}: set one first "
            "(ccops cases targets set)",
            [Problem("no target", field="severity")],
        )
    calendar_row = session.get(CaseCalendar, target.calendar_id)
    assert calendar_row is not None
    cal = business_calendar(calendar_row)
    route = _route(session, data.case_type, data.category, queue.id if queue else None, site_id)
    case = Case(
        case_type=data.case_type,
        category=data.category,
        severity=data.severity,
        status=workflow.get(session).initial,
        subject=data.subject,
        description=data.description,
        attachments_json=json.dumps(data.attachments),
        site_id=site_id,
        queue_id=queue.id if queue else None,
        contact_id=contact.id if contact else None,
        customer_key=data.customer_key or (contact.customer_hash if contact else None),
        agent_id=contact.person_id if contact else None,
        team_id=route.team_id if route else None,
        owner_id=route.owner_id if route else None,
        raised_by=by,
        raised_by_person_id=by_person_id,
        calendar_id=target.calendar_id,
        opened_at=at,
        due_first_response_at=add_business_seconds(cal, at, target.first_response_s).astimezone(
            UTC
        ),
        due_resolution_at=add_business_seconds(cal, at, target.resolution_s).astimezone(UTC),
        resolution_target_s=target.resolution_s,
        warn_s=target.warn_s,
        events=[],
    )
    session.add(case)
    _event(case, at, by, "opened", f"routed to {'a rule' if route else 'nobody (no rule)'}")
    _restart_update_clock(
        case, cal, at, by, workflow.next_update_s(session, data.case_type, data.severity)
    )
    session.flush()
    _notify(session, case, 0, f"New {case.case_type} {case.id}: {case.subject}")
    serious = workflow.senior_rule_for(session, case.case_type, case.severity, case.category)
    if serious is not None:
        case.escalation_level = 2
        _event(
            case,
            at,
            by,
            "escalated",
            f"serious case ({workflow.describe_rule(serious)}): senior management at once",
        )
        _notify(
            session,
            case,
            2,
            f"{case.severity.capitalize()} {case.case_type} {case.id}: {case.subject}",
            users=_users_of(session, case, "manager", None),
        )
    session.flush()
    return _case_out(session, case, _Calendars(session), at)


def update_case(
    *,
    session: Session,
    case_id: int,
    data: schemas.CaseUpdate,
    by: str,
    scope: Scope = EVERYTHING,
    now: datetime | None = None,
) -> schemas.CaseOut:
    """Change a case's status (as the centre's workflow allows), owner or answer, or record an
    update to the customer (``to_customer`` with a note); clocks follow. A new answer or an
    update to the customer restarts the next-update clock."""
    if data.status is None and data.owner is None and data.answer is None and not data.to_customer:
        raise Invalid(
            "nothing to change", [Problem("give a status, owner or answer", field="status")]
        )
    if data.to_customer and not data.note.strip():
        raise Invalid(
            "an update to the customer is the note sent to them",
            [Problem("required for an update to the customer", field="note")],
        )
    at = _utc(now or utcnow())
    case = _find(session, case_id, scope)
    flow = workflow.get(session)
    calendars = _Calendars(session)
    _name, cal = calendars.get(case.calendar_id)
    if case.closed_at is not None or flow.is_final(case.status):
        raise Conflict(f"case {case_id} is closed", [Problem("closed", field="status")])
    if data.status is not None and data.status != case.status:
        if data.status not in flow.order:
            raise Invalid(
                f"unknown status {data.status!r}: one of {', '.join(flow.order)}",
                [Problem("unknown", field="status")],
            )
        if data.status not in flow.next.get(case.status, frozenset()):
            allowed = ", ".join(flow.allowed(case.status)) or "nothing"
            raise Conflict(
                f"case {case_id} cannot go from {case.status} to {data.status} "
                f"(allowed: {allowed})",
                [Problem(f"{case.status} → {data.status} is not allowed", field="status")],
            )
        if (
            data.status in flow.closing
            and case.resolved_at is None
            and not (data.answer or case.answer).strip()
        ):
            raise Invalid(
                f"a case is {data.status} with an answer to the customer",
                [Problem(f"required for {data.status}", field="answer")],
            )
    updates = _update_clock(case)
    running = _update_running(case)
    if data.owner is not None:
        owner = scoped.person_in_scope(session, scope, data.owner, field="owner")
        if owner.id != case.owner_id:
            case.owner_id = owner.id
            if case.team_id is None:
                case.team_id = owner.team_id
            _event(case, at, by, "assigned", owner.login)
    told = False
    if data.answer is not None and data.answer != case.answer:
        case.answer = data.answer
        _event(case, at, by, "answered", data.note)
        told = bool(data.answer.strip())
    if data.to_customer:
        told = True
    if told:
        if updates.due is not None and running:
            late = at > updates.due
            if late and not updates.breached:
                _event(case, at, by, "update_breach", "update sent after its due time")
            _event(
                case,
                at,
                by,
                "customer_update",
                ("late" if late else "on time") + (f": {data.note}" if data.to_customer else ""),
            )
        else:
            _event(case, at, by, "customer_update", data.note if data.to_customer else "")
    restart = told
    if data.status is not None and data.status != case.status:
        was_resolved = case.resolved_at is not None
        restart = _change_status(case, cal, flow, data.status, at, by, data.note) or restart
        if case.resolved_at is not None and not was_resolved and case.raised_by_person_id:
            raiser = session.scalars(
                select(User.id).where(User.person_id == case.raised_by_person_id)
            )
            notifications_service.notify(
                session=session,
                user_ids=list(raiser),
                kind="case",
                subject=f"Your case {case.id} is resolved",
                body=case.answer,
                link=f"/cases/{case.id}",
            )
    elif data.note and data.answer is None and not data.to_customer:
        _event(case, at, by, "note", data.note)
    if restart and _update_running(case):
        _restart_update_clock(case, cal, at, by, updates.every_s)
    if case.first_response_at is None and (
        case.status != flow.initial or (data.answer is not None and data.answer) or told
    ):
        case.first_response_at = at
        late = at > _utc(case.due_first_response_at)
        case.response_breached = case.response_breached or late
        _event(case, at, by, "responded", "late" if late else "on time")
    session.flush()
    return _case_out(session, case, calendars, at)


def _change_status(
    case: Case,
    cal: BusinessCalendar,
    flow: workflow.Workflow,
    status: str,
    at: datetime,
    by: str,
    note: str,
) -> bool:
    """Move a case to ``status``; True when its next-update clock starts again (resumed from
    a pausing status, or reopened)."""
    restart = False
    was_paused = case.paused_at is not None
    pauses = status in flow.pausing
    if was_paused and not pauses:
        paused = business_seconds_between(cal, _utc(case.paused_at), at)  # type: ignore[arg-type]
        case.paused_business_s += paused
        case.paused_at = None
        case.due_resolution_at = add_business_seconds(
            cal, _utc(case.opened_at), case.resolution_target_s + case.paused_business_s
        ).astimezone(UTC)
        _event(case, at, by, "resumed", f"paused {paused / HOUR:.2f} business hours")
        restart = True
    elif pauses and not was_paused:
        case.paused_at = at
        _event(case, at, by, "paused", status)
    _event(case, at, by, "status", f"{case.status} → {status}" + (f": {note}" if note else ""))
    case.status = status
    if status in flow.closing:
        if case.resolved_at is None:
            case.resolved_at = at
            late = _elapsed(case, cal, at) > case.resolution_target_s
            case.resolution_breached = case.resolution_breached or late
            _event(
                case, at, by, "resolved", "late" if case.resolution_breached else "within target"
            )
        if flow.is_final(status):
            case.closed_at = at
    elif case.resolved_at is not None:  # reopened
        case.resolved_at = None
        _event(case, at, by, "reopened", "")
        restart = True
    return restart


# --- the sweep --------------------------------------------------------------------------------


def sweep(*, session: Session, now: datetime | None = None) -> schemas.SweepOut:
    """Mark warnings and breaches of open cases, escalate a level on each breach and to every
    level of a centre's chain whose business hours the case has run, and notify.

    Idempotent: a case is warned once and breached once per clock.
    """
    at = _utc(now or utcnow())
    calendars = _Calendars(session)
    out = schemas.SweepOut(
        checked=0, warnings=0, response_breaches=0, resolution_breaches=0, notified=0
    )
    open_cases = session.scalars(
        select(Case).where(Case.resolved_at.is_(None), Case.closed_at.is_(None)).order_by(Case.id)
    )
    for case in open_cases:
        out.checked += 1
        _name, cal = calendars.get(case.calendar_id)
        if (
            case.first_response_at is None
            and not case.response_breached
            and at > _utc(case.due_first_response_at)
        ):
            case.response_breached = True
            _event(case, at, "system", "response_breach", "no first response by its due time")
            out.response_breaches += 1
            out.notified += _escalate(session, case, at)
        if case.paused_at is not None:
            continue
        updates = _update_clock(case)
        if updates.due is not None and not updates.breached:
            if at > updates.due:
                _event(
                    case, at, "system", "update_breach", "no update to the customer by its due time"
                )
                out.update_breaches += 1
                out.notified += _escalate(session, case, at)
            elif (
                not updates.warned and business_seconds_between(cal, at, updates.due) <= case.warn_s
            ):
                left = business_seconds_between(cal, at, updates.due)
                _event(
                    case, at, "system", "update_warning", f"{left / 60:.0f} business minutes left"
                )
                out.update_warnings += 1
                out.notified += _notify(session, case, 0, f"Case {case.id}: an update is due soon")
        elapsed = _elapsed(case, cal, at)
        raised, told = _climb(session, case, elapsed, at)
        out.escalations += raised
        out.notified += told
        if case.resolution_breached:
            continue
        remaining = case.resolution_target_s - elapsed
        if remaining < 0:
            case.resolution_breached = True
            _event(case, at, "system", "resolution_breach", "not resolved by its due time")
            out.resolution_breaches += 1
            out.notified += _escalate(session, case, at)
        elif remaining <= case.warn_s and not case.warned:
            case.warned = True
            _event(case, at, "system", "warning", f"{remaining / 60:.0f} business minutes left")
            out.warnings += 1
            out.notified += _notify(session, case, 0, f"Case {case.id} is due soon")
    session.flush()
    return out


def _escalate(session: Session, case: Case, at: datetime) -> int:
    """A breach: one level up (at the top of a centre's chain the case stays there; its top
    level is told again)."""
    chain = chains.chain_for(session, case.case_type, case.severity)
    if chain is None or case.escalation_level < len(chain):
        case.escalation_level += 1
        who = "" if chain is None else f" ({chain[case.escalation_level - 1].who})"
        _event(case, at, "system", "escalated", f"level {case.escalation_level}{who}: a breach")
    return _notify(
        session, case, case.escalation_level, f"Case {case.id} breached its target"
    ) + _notify(session, case, 0, f"Case {case.id} breached its target")


def _climb(session: Session, case: Case, elapsed_s: float, at: datetime) -> tuple[int, int]:
    """Raise a case to every level of its chain whose business hours its resolution clock has
    run; (levels raised, notifications)."""
    chain = chains.chain_for(session, case.case_type, case.severity)
    if chain is None:
        return 0, 0
    reached = sum(1 for step in chain if step.after_s <= elapsed_s + 1e-6)
    raised = notified = 0
    while case.escalation_level < reached:
        case.escalation_level += 1
        step = chain[case.escalation_level - 1]
        _event(
            case,
            at,
            "system",
            "escalated",
            f"level {step.number} ({step.who}): {step.after_s / HOUR:g} business hours",
        )
        raised += 1
        notified += _notify(
            session,
            case,
            step.number,
            f"Case {case.id} is escalated to you: {step.after_s / HOUR:g} business hours open",
        )
    return raised, notified


# --- compliance -------------------------------------------------------------------------------


def period_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    if last_day < first_day:
        raise Invalid(
            "the period ends before it starts", [Problem("before first_day", field="last_day")]
        )
    return (
        datetime.combine(first_day, time(0), UTC),
        datetime.combine(last_day + timedelta(days=1), time(0), UTC),
    )


def _share(met: int, total: int) -> tuple[float | None, float | None, float | None]:
    if total == 0:
        return None, None, None
    interval = stats.wilson_interval(met, total)
    return met / total, float(interval.low), float(interval.high)


@dataclass
class _Tally:
    met: int = 0
    breached: int = 0
    pending: int = 0
    response_met: int = 0
    response_breached: int = 0
    update_met: int = 0
    update_breached: int = 0
    resolution_h: list[float] = field(default_factory=list)

    def row(self, group: str) -> schemas.ComplianceRow:
        share, low, high = _share(self.met, self.met + self.breached)
        mean = sum(self.resolution_h) / len(self.resolution_h) if self.resolution_h else None
        return schemas.ComplianceRow(
            group=group,
            met=self.met,
            breached=self.breached,
            pending=self.pending,
            share_met=share,
            low=low,
            high=high,
            response_met=self.response_met,
            response_breached=self.response_breached,
            update_met=self.update_met,
            update_breached=self.update_breached,
            mean_resolution_business_h=None if mean is None else round(mean, 3),
        )


def compliance(
    *,
    session: Session,
    first_day: date,
    last_day: date,
    by: str = "type",
    scope: Scope = EVERYTHING,
    now: datetime | None = None,
) -> schemas.ComplianceOut:
    """Resolution targets met and breached of the cases opened in a period, per type, team or
    owner, with the share met's 95% Wilson interval; and the ageing of open cases now."""
    if by not in ("type", "team", "owner"):
        raise Invalid(
            f"unknown grouping {by!r}: type, team or owner", [Problem("unknown", field="by")]
        )
    start, end = period_bounds(first_day, last_day)
    at = _utc(now or utcnow())
    calendars = _Calendars(session)
    tallies: dict[str, _Tally] = {}
    total = _Tally()
    teams = {t.id: t.name for t in session.scalars(select(Team))}
    people = {
        p.id: p.login
        for p in session.scalars(
            select(Person).where(
                Person.id.in_(select(Case.owner_id).where(Case.owner_id.is_not(None)))
            )
        )
    }
    cases = session.scalars(
        select(Case).where(visible(scope), Case.opened_at >= start, Case.opened_at < end)
    )
    for case in cases:
        if by == "type":
            key = case.case_type
        elif by == "team":
            key = teams.get(case.team_id, "(unrouted)") if case.team_id else "(unrouted)"
        else:
            key = people.get(case.owner_id, "(unassigned)") if case.owner_id else "(unassigned)"
        updates = _update_clock(case)
        for tally in (tallies.setdefault(key, _Tally()), total):
            if case.resolution_breached:
                tally.breached += 1
            elif case.resolved_at is not None:
                tally.met += 1
            else:
                tally.pending += 1
            if case.response_breached:
                tally.response_breached += 1
            elif case.first_response_at is not None:
                tally.response_met += 1
            tally.update_met += updates.on_time
            tally.update_breached += updates.breaches
            if case.resolved_at is not None:
                _n, cal = calendars.get(case.calendar_id)
                tally.resolution_h.append(_elapsed(case, cal, at) / HOUR)
    ageing = {label: 0 for label, _limit in AGEING}
    open_cases = session.scalars(
        select(Case).where(visible(scope), Case.resolved_at.is_(None), Case.closed_at.is_(None))
    )
    for case in open_cases:
        _n, cal = calendars.get(case.calendar_id)
        hours = _elapsed(case, cal, at) / HOUR
        label = next(label for label, limit in AGEING if hours < limit)
        ageing[label] += 1
    return schemas.ComplianceOut(
        first_day=first_day,
        last_day=last_day,
        by=by,
        total=total.row("all"),
        rows=[tallies[k].row(k) for k in sorted(tallies)],
        ageing=ageing,
    )


def case_ids(cases: Iterable[schemas.CaseOut]) -> list[int]:
    """The ids of cases (for tests and the CLI's quiet output)."""
    return [c.id for c in cases]
