"""End to end: a published schedule (built and published by the schedule service on a tiny site)
feeds the intraday view's scheduled agents, the attribution's staffing part, and adherence; an
agent on lunch during planned work raises an alert their team leader receives in the app."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import Role, ScopeKind
from ccops.errors import Invalid
from ccops.notifications import service as notify_service
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person, Queue, Team, User
from ccops.wfm.forecasts.models import Forecast, ForecastInterval
from ccops.wfm.intraday import adherence as adherence_service
from ccops.wfm.intraday import service as intraday_service
from ccops.wfm.intraday.models import AdherenceAlert
from ccops.wfm.schedules import build as schedule_build
from ccops.wfm.schedules import publish as schedule_publish
from ccops.wfm.schedules import queries as schedule_queries
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.staffing.models import RequirementInterval, StaffingRequirement
from tests.factories.intraday import contacts, send
from tests.factories.schedules import FAST, make_small_site

DAY = date(2026, 11, 23)


def _forecast_from_requirement(session: Session) -> None:
    """Give the small site's forecast one contact per required agent and interval (AHT 240 s)."""
    req = session.scalars(select(StaffingRequirement)).one()
    fc = session.get(Forecast, req.forecast_id)
    assert fc is not None
    for riv in session.scalars(
        select(RequirementInterval).where(RequirementInterval.requirement_id == req.id)
    ):
        fc.intervals.append(
            ForecastInterval(
                interval_local_min=riv.interval_local_min,
                utc_offset_min=riv.utc_offset_min,
                interval_start=riv.interval_start,
                volume=float(riv.required_agents),
                lo80=0,
                hi80=0,
                lo95=0,
                hi95=0,
                aht_s=240.0,
            )
        )
    session.flush()


@pytest.fixture
def published(session: Session) -> ss.ScheduleDetailOut:
    make_small_site(session, timezone="UTC")
    _forecast_from_requirement(session)
    built = schedule_build.build_schedule(
        session=session, site="Main", week="2026-W48", created_by="planner", options=FAST
    )
    schedule_publish.publish(session=session, schedule_id=built.id, published_by="planner")
    return built


def _monday_shift(built: ss.ScheduleDetailOut) -> ss.ShiftOut:
    return min(
        (s for s in built.shift_rows if s.start.date() == DAY), key=lambda s: (s.start, s.login)
    )


def test_published_schedule_feeds_scheduled_and_the_staffing_part(
    session: Session, published: ss.ScheduleDetailOut
) -> None:
    # contacts in the first interval where the shifts give more agents than required
    over = next(
        r
        for r in published.intervals
        if r.queue == "Sales" and r.interval_start.date() == DAY and r.scheduled > r.required >= 1
    )
    one = over.interval_start
    send(session, contacts(one, 6, prefix="m", spread_s=600), one + timedelta(hours=2))
    view = intraday_service.status(
        session=session, queue="Sales", day=DAY, as_of=one + timedelta(hours=2)
    )
    assert intraday_service.NO_SCHEDULE not in view.notes
    expected = {
        r.interval_start: r.scheduled
        for r in published.intervals
        if r.queue == "Sales" and r.interval_start.date() == DAY
    }
    got = {iv.interval_start: iv.scheduled for iv in view.intervals}
    assert got == pytest.approx(expected)
    assert sum(got.values()) > 0  # type: ignore[arg-type]

    [day] = intraday_service.explain(session=session, day=DAY, queue="Sales")
    assert not any(intraday_service.NO_SCHEDULE in n for n in day.notes)

    def same(queue_id: int, start: datetime, end: datetime) -> dict[datetime, float]:
        return {k: v for k, v in expected.items() if start <= k < end}

    [by_hand] = intraday_service.explain(session=session, day=DAY, queue="Sales", coverage=same)
    assert day.parts == pytest.approx(by_hand.parts)
    # more agents than required where the contacts came: the staffing part is negative (helped)
    assert day.parts["staffing"] < 0
    assert sum(day.parts.values()) == pytest.approx(day.shortfall)
    # a queue-day no published schedule covers (the week after) shows scheduled as unknown
    later = intraday_service.status(session=session, queue="Sales", day=date(2026, 11, 30))
    assert intraday_service.NO_SCHEDULE in later.notes
    assert all(iv.scheduled is None for iv in later.intervals)


def test_lunch_during_planned_work_alerts_the_team_leader_in_the_app(
    session: Session, published: ss.ScheduleDetailOut
) -> None:
    shift = _monday_shift(published)
    org_service.create_person(
        session=session, data=org_schemas.PersonIn(name="Lead", login="lead", site="Main")
    )
    org_service.create_team(
        session=session, data=org_schemas.TeamIn(name="T", site="Main", leader="lead")
    )
    team = session.scalars(select(Team).where(Team.name == "T")).one()
    agent = session.scalars(select(Person).where(Person.login == shift.login)).one()
    agent.team_id = team.id
    org_service.create_user(
        session=session,
        data=org_schemas.UserIn(
            login="u-lead",
            password="long-enough-pass-1",
            role=Role.supervisor,
            person="lead",
            scope=ScopeKind.all,
        ),
    )
    lead_user = session.scalars(select(User.id).where(User.login == "u-lead")).one()
    session.flush()
    work = next(a for a in shift.activities if a.kind == "work")
    lunch_at = work.start + timedelta(minutes=30)
    state = {
        "id": "st1",
        "type": "agent_state",
        "person": shift.login,
        "state": "lunch",
        "start": lunch_at.isoformat(),
    }
    # within the grace period (5 minutes): no alert yet
    send(session, [json.dumps(state)], lunch_at + timedelta(minutes=3))
    assert session.scalars(select(AdherenceAlert)).all() == []
    # beyond it: the next event (a colleague's) re-checks and alerts the leader
    other = {**state, "id": "st2", "person": "lead", "state": "available"}
    send(session, [json.dumps(other)], lunch_at + timedelta(minutes=10))
    [alert] = adherence_service.list_alerts(session=session)
    assert (alert.person, alert.leader, alert.planned, alert.actual) == (
        shift.login,
        "lead",
        "work",
        "lunch",
    )
    assert alert.start_at == lunch_at
    [note] = notify_service.list_own(session=session, user_id=lead_user)
    assert note.kind == "adherence_alert" and shift.login.title() in note.subject
    # adherence of the day against the published schedule shows the same span
    [day] = adherence_service.day_adherence(
        session=session,
        day=DAY,
        activities=None,
        published=True,
        person=shift.login,
        now=lunch_at + timedelta(minutes=10),
    )
    span = next(s for s in day.spans if s.start == lunch_at)
    assert (span.planned, span.actual, span.beyond_grace) == ("work", "lunch", True)
    assert span.minutes == pytest.approx(10.0)
    assert day.adherence is not None and day.adherence < 1.0
    queue = session.scalars(select(Queue).where(Queue.name == "Sales")).one()
    assert queue.id in {a.queue_id for a in shift.activities if a.kind == "work"}


def _lunch(shift: ss.ShiftOut) -> ss.ScheduledActivityOut:
    return next(a for a in shift.activities if a.kind == "lunch")


def test_moving_a_published_break_makes_a_new_published_version(
    session: Session, published: ss.ScheduleDetailOut
) -> None:
    shift = _monday_shift(published)
    lunch = _lunch(shift)
    # the template allows the 30-minute lunch to start 180 to 300 minutes after the shift start
    earliest = shift.start + timedelta(minutes=180)
    latest = shift.start + timedelta(minutes=300)
    # the end of the window farther from the lunch: at least an hour away, no shared interval
    target = max(earliest, latest, key=lambda at: abs((at - lunch.start).total_seconds()))
    person = session.scalars(select(Person).where(Person.login == shift.login)).one()
    queue = session.scalars(select(Queue).where(Queue.name == "Sales")).one()
    day_start = datetime.combine(DAY, datetime.min.time()).replace(tzinfo=lunch.start.tzinfo)
    cover_before = schedule_queries.published_coverage(
        session=session, queue_id=queue.id, start=day_start, end=day_start + timedelta(days=1)
    )
    with pytest.raises(Invalid, match="outside the allowed window"):
        adherence_service.move_published_break(
            session=session,
            login=shift.login,
            break_start=lunch.start,
            new_start=latest + timedelta(minutes=15),
            moved_by="planner",
        )
    assert [s.version for s in schedule_queries.list_schedules(session=session)] == [
        published.version
    ]
    out = adherence_service.move_published_break(
        session=session,
        login=shift.login,
        break_start=lunch.start,
        new_start=target,
        moved_by="planner",
        reason="team huddle",
    )
    assert (out.version, out.status) == (2, "published")
    old = schedule_queries.get_schedule(session=session, schedule_id=published.id)
    assert old.status == "superseded"
    detail = schedule_queries.get_schedule(session=session, schedule_id=out.id)
    assert [a.action for a in detail.audit][-2:] == ["move_break", "publish"]
    assert "team huddle" in detail.audit[-2].detail and shift.login in detail.audit[-2].detail
    acts = schedule_queries.published_activities(
        session=session, person_ids=[person.id], start=shift.start, end=shift.end
    )
    assert [a.start for a in acts if a.kind == "lunch"] == [target]
    assert acts[0].start == shift.start and acts[-1].end == shift.end
    assert all(a.end == b.start for a, b in zip(acts, acts[1:], strict=False))
    cover_after = schedule_queries.published_coverage(
        session=session, queue_id=queue.id, start=day_start, end=day_start + timedelta(days=1)
    )
    # the same work, moved: the lunch's old intervals gain an agent, the new ones lose one
    assert sum(cover_after.values()) == pytest.approx(sum(cover_before.values()))
    for k in range(2):
        was, now = lunch.start + timedelta(minutes=15 * k), target + timedelta(minutes=15 * k)
        assert cover_after[was] - cover_before[was] == pytest.approx(1.0)
        assert cover_after[now] - cover_before[now] == pytest.approx(-1.0)


def test_the_board_form_moves_a_break(
    admin_client: TestClient, session: Session, published: ss.ScheduleDetailOut
) -> None:
    session.commit()
    shift = _monday_shift(published)
    lunch = _lunch(shift)
    target = shift.start + timedelta(minutes=180)
    if target == lunch.start:
        target += timedelta(minutes=15)
    base = "/intraday/breaks/move?queue=Sales&date=2026-11-23"
    bad = admin_client.post(
        base,
        data={"person": shift.login, "break_at": f"{lunch.start:%H:%M}", "new_at": "23:00"},
        follow_redirects=False,
    )
    assert bad.status_code == 303
    page = admin_client.get(bad.headers["location"])
    assert "outside the allowed window" in page.text
    good = admin_client.post(
        base,
        data={
            "person": shift.login,
            "break_at": f"{lunch.start:%H:%M}",
            "new_at": f"{target:%H:%M}",
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    page = admin_client.get(good.headers["location"])
    assert "schedule version 2 published" in page.text and 'id="move-break-form"' in page.text
    session.rollback()
    person = session.scalars(select(Person).where(Person.login == shift.login)).one()
    acts = schedule_queries.published_activities(
        session=session, person_ids=[person.id], start=shift.start, end=shift.end
    )
    assert [a.start for a in acts if a.kind == "lunch"] == [target]
