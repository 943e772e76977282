"""Adherence and conformance per person and day, live alerts for team leaders, and moving a break
inside its allowed window.

Planned activities come from the published schedule (``schedule_queries.published_activities``
through ``intraday_service.published_activities``); actual states are the stored agent-state
spans. The computation is ``engines.adherence``. Alerts reach the team leader in the app.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from ccops.contacts.models import AgentStateEvent
from ccops.db import utcnow
from ccops.engines import adherence as engine
from ccops.enums import AgentState
from ccops.errors import Invalid, NotFound, Problem
from ccops.notifications import service as notifications_service
from ccops.org import service as org_service
from ccops.org.models import Person, Queue, Site, Team, User
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday import service as intraday_service
from ccops.wfm.intraday.constants import STAFFED_STATES
from ccops.wfm.intraday.models import AdherenceAlert
from ccops.wfm.intraday.service import PlannedActivity
from ccops.wfm.schedules import edits as schedule_edits
from ccops.wfm.schedules import publish as schedule_publish
from ccops.wfm.schedules import queries as schedule_queries
from ccops.wfm.schedules import schemas as schedule_schemas

DEFAULT_GRACE_S = 300.0
DEFAULT_THRESHOLD = 0.9


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _epoch(at: datetime) -> float:
    return _aware(at).timestamp()


def _kind(activity: PlannedActivity) -> str:
    return (
        "work"
        if activity.queue_id is not None or activity.kind in engine.WORK_KINDS
        else activity.kind
    )


def _states(
    session: Session, person_id: int, start: datetime, end: datetime, now: datetime
) -> list[engine.Actual]:
    spans = session.scalars(
        select(AgentStateEvent)
        .where(
            AgentStateEvent.person_id == person_id,
            AgentStateEvent.start_at < end,
            # only spans reaching into the day: without this every past span of the person was
            # loaded (the whole history, thousands of rows per person on the adherence page)
            or_(AgentStateEvent.end_at.is_(None), AgentStateEvent.end_at > start),
        )
        .order_by(AgentStateEvent.start_epoch_s)
    )
    out: list[engine.Actual] = []
    lo, hi = _epoch(start), _epoch(end)
    for s in spans:
        s_end = _epoch(s.end_at) if s.end_at is not None else min(_epoch(now), hi)
        a, b = max(_epoch(s.start_at), lo), min(s_end, hi)
        if b > a:
            if out and out[-1].end_s > a:  # overlapping feeds: the later span wins
                prev = out[-1]
                out[-1] = engine.Actual(prev.start_s, a, prev.state)
                if out[-1].end_s <= out[-1].start_s:
                    out.pop()
            out.append(engine.Actual(a, b, str(s.state.value)))
    return out


def person_day(
    *,
    session: Session,
    person: Person,
    day: date,
    activities: Sequence[PlannedActivity],
    grace_s: float = DEFAULT_GRACE_S,
    threshold: float = DEFAULT_THRESHOLD,
    now: datetime | None = None,
) -> schemas.AdherenceOut:
    """Adherence and conformance of one person on a local day against planned activities."""
    if not 0 < threshold <= 1:
        raise Invalid(
            "threshold must be a fraction in (0, 1]", [Problem("(0, 1]", field="threshold")]
        )
    site = session.get(Site, person.site_id)
    zone = ZoneInfo(site.timezone if site else "UTC")
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    moment = _aware(now) if now is not None else utcnow()
    horizon = min(end, moment)
    planned = []
    for a in activities:
        if a.person_id != person.id:
            continue
        s, e = max(_epoch(a.start), _epoch(start)), min(_epoch(a.end), _epoch(horizon))
        if e > s:
            planned.append(engine.Planned(s, e, _kind(a)))
    try:
        result = engine.compute(
            planned, _states(session, person.id, start, horizon, moment), grace_s=grace_s
        )
    except engine.AdherenceInputError as exc:
        raise Invalid(
            f"{person.login} on {day}: {exc}", [Problem(str(exc), field="activities")]
        ) from None
    adherence = result.adherence
    return schemas.AdherenceOut(
        person=person.login,
        date=day,
        scheduled_min=round(result.scheduled_s / 60, 3),
        in_adherence_min=round(result.in_adherence_s / 60, 3),
        adherence=adherence,
        planned_work_min=round(result.planned_work_s / 60, 3),
        worked_min=round(result.worked_s / 60, 3),
        conformance=result.conformance,
        threshold=threshold,
        meets_threshold=None if adherence is None else adherence >= threshold,
        spans=[
            schemas.AdherenceSpanOut(
                start=datetime.fromtimestamp(sp.start_s, UTC),
                end=datetime.fromtimestamp(sp.end_s, UTC),
                planned=sp.planned,
                actual=sp.actual,
                minutes=round(sp.seconds / 60, 3),
                beyond_grace=sp.beyond_grace,
            )
            for sp in result.spans
        ],
    )


def day_adherence(
    *,
    session: Session,
    day: date,
    activities: Sequence[PlannedActivity] | None,
    person: str | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
    grace_s: float = DEFAULT_GRACE_S,
    threshold: float = DEFAULT_THRESHOLD,
    now: datetime | None = None,
    published: bool = False,
) -> list[schemas.AdherenceOut]:
    """Adherence of every person in scope with planned activities on ``day`` (or one person).

    ``published``: read the activities from the published schedule when none are given.

    Raises:
        NotFound: there is no published schedule (``activities`` None) or no such person.
    """
    query = select(Person).where(scope.people_clause()).order_by(Person.login)
    if person is not None:
        query = query.where(Person.login == person)
    people = {p.id: p for p in session.scalars(query)}
    if person is not None and not people:
        raise NotFound(f"no person {person!r} in your scope", [Problem("unknown", field="person")])
    if activities is None and published and people:
        start = datetime.combine(day - timedelta(days=1), time(0), UTC)
        activities = (
            intraday_service.published_activities(
                session, sorted(people), start, start + timedelta(days=3)
            )
            or None
        )
    if activities is None:
        raise NotFound(
            f"no published schedule for {day}: adherence needs the planned activities",
            [Problem("no published schedule", field="date")],
        )
    planned_ids = {a.person_id for a in activities}
    return [
        person_day(
            session=session,
            person=p,
            day=day,
            activities=activities,
            grace_s=grace_s,
            threshold=threshold,
            now=now,
        )
        for pid, p in people.items()
        if pid in planned_ids
    ]


def raise_alerts(
    *,
    session: Session,
    activities: Sequence[PlannedActivity],
    now: datetime | None = None,
    grace_s: float = DEFAULT_GRACE_S,
) -> list[int]:
    """Record an alert for the team leader of everyone out of adherence beyond the grace period
    right now (one alert per stretch); return the ids of the new alerts."""
    moment = _aware(now) if now is not None else utcnow()
    by_person: dict[int, list[PlannedActivity]] = defaultdict(list)
    for a in activities:
        by_person[a.person_id].append(a)
    created: list[int] = []
    for person_id, acts in sorted(by_person.items()):
        person = session.get(Person, person_id)
        if person is None:
            continue
        site = session.get(Site, person.site_id)
        zone = ZoneInfo(site.timezone if site else "UTC")
        day = moment.astimezone(zone).date()
        out = person_day(
            session=session, person=person, day=day, activities=acts, grace_s=grace_s, now=moment
        )
        live = [s for s in out.spans if s.beyond_grace and s.end >= moment - timedelta(seconds=1)]
        if not live:
            continue
        span = live[-1]
        already = session.scalar(
            select(AdherenceAlert.id).where(
                AdherenceAlert.person_id == person_id, AdherenceAlert.start_at == span.start
            )
        )
        if already:
            continue
        leader = None
        if person.team_id is not None:
            team = session.get(Team, person.team_id)
            leader = team.leader_id if team else None
        alert = AdherenceAlert(
            person_id=person_id,
            leader_id=leader,
            start_at=span.start,
            end_at=None,
            planned=span.planned,
            actual=span.actual,
        )
        session.add(alert)
        session.flush()
        created.append(alert.id)
        if leader is not None:
            _notify_leader(session, leader, person, span)
    return created


def alert_after_intake(*, session: Session, people: list[int], now: datetime) -> None:
    """After an intake batch: alert team leaders about people out of adherence beyond the grace
    period (needs the published schedule's activities; without a schedule there is nothing to
    adhere to).

    Checked: the batch's agents, and everyone whose open state span (break, lunch, not ready,
    ...; not offline) passed the grace period without an alert yet, so that someone who stays on
    lunch is caught by whatever batch arrives next, without an event of their own.
    """
    grace = timedelta(seconds=DEFAULT_GRACE_S)
    lingering = session.scalars(
        select(AgentStateEvent.person_id)
        .where(
            AgentStateEvent.end_at.is_(None),
            AgentStateEvent.state.not_in([*STAFFED_STATES, AgentState.offline]),
            AgentStateEvent.start_at <= now - grace,
            AgentStateEvent.start_at >= now - timedelta(hours=12),
            ~exists().where(
                AdherenceAlert.person_id == AgentStateEvent.person_id,
                AdherenceAlert.start_at >= AgentStateEvent.start_at,
            ),
        )
        .distinct()
    )
    wanted = sorted({*people, *lingering})
    if not wanted:
        return
    activities = intraday_service.published_activities(
        session, wanted, now - timedelta(days=1), now + timedelta(days=1)
    )
    if activities:
        raise_alerts(session=session, activities=activities, now=now)


def _notify_leader(
    session: Session, leader_id: int, person: Person, span: schemas.AdherenceSpanOut
) -> None:
    """Tell the team leader's user account(s) in the app that someone is out of adherence."""
    users = list(session.scalars(select(User.id).where(User.person_id == leader_id)))
    if not users:
        return
    since = _aware(span.start).strftime("%H:%M UTC")
    notifications_service.notify(
        session=session,
        user_ids=users,
        kind="adherence_alert",
        subject=f"{person.name or person.login} is out of adherence since {since}",
        body=(
            f"Planned {span.planned}, actual {span.actual} since {since}, beyond the grace period. "
            "Check whether they need help before anything else."
        ),
        link="/intraday",
    )


def move_break(activity: PlannedActivity, new_start: datetime) -> PlannedActivity:
    """Move a planned break to ``new_start`` inside its allowed window (same length).

    Raises:
        Invalid: the activity has no window, or the new start lies outside it.
    """
    if activity.earliest_start is None or activity.latest_start is None:
        raise Invalid(
            f"this {activity.kind} has no allowed window: it cannot be moved",
            [Problem("no allowed window", field="start")],
        )
    try:
        moved = engine.move_activity(
            engine.Planned(_epoch(activity.start), _epoch(activity.end), activity.kind),
            _epoch(new_start),
            earliest_s=_epoch(activity.earliest_start),
            latest_s=_epoch(activity.latest_start),
        )
    except engine.AdherenceInputError:
        raise Invalid(
            f"{_aware(new_start).isoformat(timespec='minutes')} is outside the allowed window "
            f"{_aware(activity.earliest_start).isoformat(timespec='minutes')}–"
            f"{_aware(activity.latest_start).isoformat(timespec='minutes')} of this "
            f"{activity.kind}",
            [Problem("outside the allowed window", field="start")],
        ) from None
    return PlannedActivity(
        person_id=activity.person_id,
        kind=activity.kind,
        start=datetime.fromtimestamp(moved.start_s, UTC),
        end=datetime.fromtimestamp(moved.end_s, UTC),
        queue_id=activity.queue_id,
        earliest_start=activity.earliest_start,
        latest_start=activity.latest_start,
    )


def move_published_break(
    *,
    session: Session,
    login: str,
    break_start: datetime,
    new_start: datetime,
    moved_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
    reason: str = "",
) -> schedule_schemas.ScheduleOut:
    """Move a person's published break to ``new_start`` inside its allowed window.

    The published version is never changed in place: the schedule service makes a new version
    (audited ``move_break``) and publishes it, which supersedes the old one and tells the person.

    Raises:
        NotFound: no such person in scope, or no published break of theirs at ``break_start``.
        Invalid: the break has no window, or ``new_start`` lies outside it.
        Conflict: the moved break would overlap another activity or the shift's end.
    """
    person = session.scalars(
        select(Person).where(Person.login == login, scope.people_clause())
    ).first()
    if person is None:
        raise NotFound(f"no person {login!r} in your scope", [Problem("unknown", field="person")])
    found = schedule_queries.published_break(
        session=session, person_id=person.id, start=_aware(break_start)
    )
    if found is None:
        raise NotFound(
            f"{login} has no published break starting at "
            f"{_aware(break_start).isoformat(timespec='minutes')}",
            [Problem("no such break", field="break_start")],
        )
    moved = move_break(
        PlannedActivity(
            person_id=person.id,
            kind=found.kind,
            start=_aware(found.start),
            end=_aware(found.end),
            earliest_start=found.earliest_start,
            latest_start=found.latest_start,
        ),
        new_start,
    )
    draft = schedule_edits.edit(
        session=session,
        schedule_id=found.schedule_id,
        data=schedule_schemas.EditIn(
            kind="move_break",
            login_a=login,
            break_start=_aware(found.start),
            new_start=moved.start,
            reason=reason,
        ),
        edited_by=moved_by,
        scope=scope,
    )
    return schedule_publish.publish(
        session=session, schedule_id=draft.id, published_by=moved_by, scope=scope
    )


def list_alerts(
    *, session: Session, scope: org_service.Scope = org_service.EVERYTHING, limit: int = 200
) -> list[schemas.AlertOut]:
    """List adherence alerts of the people in scope (a team leader: their teams), newest first."""
    people = select(Person.id).where(scope.people_clause())
    rows = session.scalars(
        select(AdherenceAlert)
        .where(AdherenceAlert.person_id.in_(people))
        .order_by(AdherenceAlert.id.desc())
        .limit(max(1, min(limit, 1000)))
    ).all()
    wanted = {r.person_id for r in rows} | {r.leader_id for r in rows if r.leader_id}
    logins: dict[int, str] = {}
    for pid, login in session.execute(
        select(Person.id, Person.login).where(Person.id.in_(sorted(wanted)))
    ):
        logins[pid] = login
    return [
        schemas.AlertOut(
            id=r.id,
            person=logins.get(r.person_id, ""),
            leader=logins.get(r.leader_id) if r.leader_id else None,
            start_at=r.start_at,
            planned=r.planned,
            actual=r.actual,
            status=r.status,
            created_at=r.created_at,
        )
        for r in rows
    ]


# --- the floor: everyone in scope at a site, now -------------------------------------------------


@dataclass(frozen=True)
class FloorRow:
    """One person on the adherence page: what is planned and what they do now, the day's
    adherence and conformance with its out-of-adherence spans, and their open alerts of the
    day."""

    login: str
    name: str
    team: str | None
    planned_now: str | None
    planned_queue: str | None
    planned_until: datetime | None
    actual_now: str | None
    actual_since: datetime | None
    out_now: bool
    day: schemas.AdherenceOut
    alerts: list[schemas.AlertOut]


def _state_now(session: Session, person_id: int, moment: datetime) -> AgentStateEvent | None:
    return session.scalars(
        select(AgentStateEvent)
        .where(
            AgentStateEvent.person_id == person_id,
            AgentStateEvent.start_at <= moment,
            or_(AgentStateEvent.end_at.is_(None), AgentStateEvent.end_at > moment),
        )
        .order_by(AgentStateEvent.start_epoch_s.desc())
        .limit(1)
    ).first()


def sites_with_people(*, session: Session, scope: org_service.Scope) -> list[Site]:
    """The sites in scope with at least one person in scope, in name order (the adherence
    page's choice of site)."""
    return [
        s
        for s in session.scalars(select(Site).order_by(Site.name))
        if scope.allows_site(s.id)
        and session.scalar(
            select(Person.id).where(scope.people_clause(), Person.site_id == s.id).limit(1)
        )
    ]


def floor(
    *,
    session: Session,
    site_id: int,
    day: date,
    scope: org_service.Scope = org_service.EVERYTHING,
    now: datetime | None = None,
    grace_s: float = DEFAULT_GRACE_S,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[FloorRow]:
    """Adherence of every person in scope at a site with published activities on a local day,
    in name order; "now" columns only when ``day`` is the site's today.

    Empty when no published schedule plans anyone of the site that day.
    """
    site = session.get(Site, site_id)
    if site is None or not scope.allows_site(site_id):
        raise NotFound(f"site {site_id} is not in your scope", [Problem("unknown", field="site")])
    zone = ZoneInfo(site.timezone)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    moment = _aware(now) if now is not None else utcnow()
    live = start <= moment < end
    people = list(
        session.scalars(
            select(Person)
            .where(scope.people_clause(), Person.site_id == site_id)
            .order_by(Person.name, Person.login)
        )
    )
    if not people:
        return []
    activities = intraday_service.published_activities(session, [p.id for p in people], start, end)
    planned = {a.person_id for a in activities}
    teams = {t.id: t.name for t in session.scalars(select(Team))}
    queues = {q.id: q.name for q in session.scalars(select(Queue))}
    open_alerts: dict[str, list[schemas.AlertOut]] = defaultdict(list)
    for alert in list_alerts(session=session, scope=scope):
        if alert.status == "open" and start <= _aware(alert.start_at) < end:
            open_alerts[alert.person].append(alert)
    rows: list[FloorRow] = []
    for p in people:
        if p.id not in planned:
            continue
        out = person_day(
            session=session,
            person=p,
            day=day,
            activities=activities,
            grace_s=grace_s,
            threshold=threshold,
            now=moment,
        )
        current = state = None
        if live:
            current = next(
                (a for a in activities if a.person_id == p.id and a.start <= moment < a.end),
                None,
            )
            state = _state_now(session, p.id, moment)
        rows.append(
            FloorRow(
                login=p.login,
                name=p.name or p.login,
                team=teams.get(p.team_id) if p.team_id is not None else None,
                planned_now=_kind(current) if current else None,
                planned_queue=queues.get(current.queue_id)
                if current and current.queue_id
                else None,
                planned_until=current.end if current else None,
                actual_now=str(state.state.value) if state else None,
                actual_since=_aware(state.start_at) if state else None,
                out_now=live
                and any(
                    s.beyond_grace and _aware(s.end) >= moment - timedelta(seconds=1)
                    for s in out.spans
                ),
                day=out,
                alerts=open_alerts.get(p.login, []),
            )
        )
    return rows
