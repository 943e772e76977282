"""Adherence from stored agent states against planned activities; alerts for team leaders;
moving a break inside its window."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.errors import Invalid, NotFound
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person, Team
from ccops.wfm.intraday import adherence as adherence_service
from ccops.wfm.intraday.models import AdherenceAlert
from ccops.wfm.intraday.service import PlannedActivity
from tests.factories import make_org
from tests.factories.intraday import DAY, OPEN, send


def _state(eid: str, person: str, state: str, start: int, end: int | None) -> str:
    body = {
        "id": eid,
        "type": "agent_state",
        "person": person,
        "state": state,
        "start": (OPEN + timedelta(minutes=start)).isoformat(),
    }
    if end is not None:
        body["end"] = (OPEN + timedelta(minutes=end)).isoformat()
    return json.dumps(body)


def test_adherence_of_a_day_and_an_alert_for_the_team_leader(session: Session) -> None:
    make_org(session, timezone="UTC")
    org_service.create_person(
        session=session,
        data=org_schemas.PersonIn(name="Lead", login="lead", site="Main"),
    )
    org_service.create_team(
        session=session, data=org_schemas.TeamIn(name="T", site="Main", leader="lead")
    )
    alice = session.scalars(select(Person).where(Person.login == "alice")).one()
    team = session.scalars(select(Team).where(Team.name == "T")).one()
    alice.team_id = team.id
    session.flush()
    now = OPEN + timedelta(minutes=60)
    send(
        session,
        [
            _state("s1", "alice", "available", 0, 30),
            _state("s2", "alice", "break", 30, None),  # still on break at 10:00
        ],
        now,
    )
    acts = [
        PlannedActivity(alice.id, "work", OPEN, OPEN + timedelta(minutes=30), queue_id=1),
        PlannedActivity(
            alice.id, "break", OPEN + timedelta(minutes=30), OPEN + timedelta(minutes=45)
        ),
        PlannedActivity(
            alice.id, "work", OPEN + timedelta(minutes=45), OPEN + timedelta(hours=3), queue_id=1
        ),
    ]
    [out] = adherence_service.day_adherence(
        session=session, day=DAY, activities=acts, person="alice", now=now, grace_s=300
    )
    assert out.scheduled_min == 60 and out.in_adherence_min == 45
    assert out.adherence == pytest.approx(0.75) and out.meets_threshold is False
    assert out.conformance == pytest.approx(30 / 45)
    assert [(s.planned, s.actual, s.minutes, s.beyond_grace) for s in out.spans] == [
        ("work", "break", 15, True)
    ]
    created = adherence_service.raise_alerts(session=session, activities=acts, now=now)
    assert len(created) == 1
    alert = session.get(AdherenceAlert, created[0])
    assert alert is not None and (alert.planned, alert.actual) == ("work", "break")
    assert alert.leader_id == team.leader_id is not None
    assert alert.start_at.replace(tzinfo=UTC) == OPEN + timedelta(minutes=45)
    assert adherence_service.raise_alerts(session=session, activities=acts, now=now) == []
    [listed] = adherence_service.list_alerts(session=session)
    assert (listed.person, listed.leader, listed.planned, listed.actual) == (
        "alice",
        "lead",
        "work",
        "break",
    )
    with pytest.raises(NotFound, match="no published schedule"):
        adherence_service.day_adherence(session=session, day=DAY, activities=None)


def test_a_break_moves_within_its_window() -> None:
    brk = PlannedActivity(
        1,
        "break",
        datetime(2026, 11, 23, 10, 30, tzinfo=UTC),
        datetime(2026, 11, 23, 10, 45, tzinfo=UTC),
        earliest_start=datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        latest_start=datetime(2026, 11, 23, 11, 0, tzinfo=UTC),
    )
    moved = adherence_service.move_break(brk, datetime(2026, 11, 23, 10, 50, tzinfo=UTC))
    assert (moved.start.hour, moved.start.minute, moved.end.minute) == (10, 50, 5)
    with pytest.raises(Invalid, match="outside the allowed window"):
        adherence_service.move_break(brk, datetime(2026, 11, 23, 11, 30, tzinfo=UTC))


def test_without_a_published_schedule_state_events_raise_no_alert(session: Session) -> None:
    make_org(session, timezone="UTC")
    send(session, [_state("s1", "alice", "lunch", 10, None)], OPEN + timedelta(minutes=30))
    assert adherence_service.list_alerts(session=session) == []
    with pytest.raises(NotFound, match="no published schedule"):
        adherence_service.day_adherence(session=session, day=DAY, activities=None, published=True)
