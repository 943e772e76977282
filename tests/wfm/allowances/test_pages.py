"""The time-off page: an agent reads their balance (on a phone), a planner a team's week in the
vacation planner; a bad week is named and an agent sees no planner."""

from __future__ import annotations

from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.wfm.allowances import schemas, service
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.schedules import setup as schedule_setup
from tests.factories.web import World


def _allowance(world: World) -> None:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        schedule_setup.create_contract(
            session=s,
            data=ss.ContractIn(
                name="flex", weekly_min_h=0, weekly_max_h=40, days_min=0, days_max=5
            ),
        )
        schedule_setup.assign_contract(session=s, login="alice", contract="flex")
        service.set_policy(
            session=s, data=schemas.PolicyIn(contract="flex", annual_h=160), updated_by="planner"
        )
        s.commit()
    engine.dispose()


def test_an_agent_reads_their_balance_and_a_planner_the_team_week(world: World) -> None:
    _allowance(world)
    agent, planner = world.client(Role.agent), world.client(Role.planner)
    page = agent.get("/timeoff")
    assert page.status_code == 200
    assert '<dd data-key="remaining_h"><strong>160' in page.text
    assert 'id="planner-table"' not in page.text and 'href="/timeoff"' in page.text
    week = planner.get("/timeoff?team=Team+A&week=2026-W48")
    assert week.status_code == 200
    assert week.text.count("<tr data-day=") == 7
    assert "no published schedule for the week of 2026-11-23" in week.text
    bad = planner.get("/timeoff?team=Team+A&week=2026-48")
    assert bad.status_code == 400 and "not an ISO week" in bad.text


def test_granted_time_off_ahead_is_cancelled_from_my_week(world: World) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from ccops.org.models import Person
    from ccops.wfm.requests import service as request_service
    from ccops.wfm.requests.schemas import RequestIn

    first = datetime.now(UTC).date() + timedelta(days=20)
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        pid = s.scalars(select(Person.id).where(Person.login == "alice")).one()
        made = request_service.create(
            session=s,
            person_id=pid,
            data=RequestIn(kind="time_off", start_day=first, end_day=first, reason="wedding"),
            created_by="alice",
        )
        request_service.decide(
            session=s, request_id=made.id, grant=True, note="", decided_by="planner"
        )
        s.commit()
    engine.dispose()
    agent = world.client(Role.agent)
    page = agent.get("/schedules/my")
    assert f"Cancel time off {made.id}" in page.text
    done = agent.post(f"/schedules/my/requests/{made.id}/withdraw")
    assert done.status_code == 303
    again = agent.get("/schedules/my")
    assert "cancelled (the hours are back in the balance)" in again.text
    assert f"Cancel time off {made.id}" not in again.text
