"""Scope inside each route: own record, teams, sites; data elsewhere is filtered or refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ccops.db import make_engine, make_session_factory
from ccops.enums import AgentState, Outcome, Role
from ccops.org.models import Person
from tests.factories.metrics import add_contact, add_state
from tests.factories.web import World


def _contacts(world: World) -> None:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        t = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
        add_contact(s, ext="m1", queue="Sales", arrival=t, outcome=Outcome.answered, wait_s=5)
        add_contact(s, ext="o1", queue="Support", arrival=t, outcome=Outcome.abandoned, wait_s=9)
        s.commit()
    engine.dispose()


def test_sites_queues_and_teams_are_those_of_the_scope(world: World) -> None:
    planner = world.client(Role.planner)  # sites: Main
    assert [s["name"] for s in planner.get("/api/v1/sites").json()] == ["Main"]
    assert [q["name"] for q in planner.get("/api/v1/queues").json()] == ["Sales"]
    assert [t["name"] for t in planner.get("/api/v1/teams").json()] == ["Team A", "Team B"]
    admin = world.client(Role.admin)
    assert len(admin.get("/api/v1/queues").json()) == 2
    supervisor = world.client(Role.supervisor)  # teams: Team A
    assert [t["name"] for t in supervisor.get("/api/v1/teams").json()] == ["Team A"]
    assert [q["name"] for q in supervisor.get("/api/v1/queues").json()] == ["Sales"]


def test_people_are_own_record_team_or_sites(world: World) -> None:
    def logins(role: Role) -> list[str]:
        return [p["login"] for p in world.client(role).get("/api/v1/people").json()]

    assert logins(Role.agent) == ["alice"]
    assert logins(Role.supervisor) == ["alice", "lead"]
    assert logins(Role.planner) == ["alice", "bob", "lead"]
    assert logins(Role.qa_analyst) == ["alice", "bob", "carol", "lead"]
    agent = world.client(Role.agent)
    other_team = agent.get("/api/v1/people", params={"team": "Team C"})
    no_team = agent.get("/api/v1/people", params={"team": "Team Z"})
    # a team out of scope answers as an unknown one: names cannot be probed
    assert other_team.status_code == no_team.status_code == 404
    assert other_team.json()["problems"] == no_team.json()["problems"]


def test_kpis_are_computed_for_queues_in_scope_only(world: World) -> None:
    _contacts(world)
    params = {"from": "2024-01-15", "to": "2024-01-15"}
    planner = world.client(Role.planner)
    rows = planner.get("/api/v1/kpi/intervals", params=params).json()
    assert {r["queue"] for r in rows} == {"Sales"}
    refused = planner.get("/api/v1/kpi/intervals", params=params | {"queue": "Support"})
    assert refused.status_code == 403 and "Support" in refused.json()["message"]
    everything = world.client(Role.executive).get("/api/v1/kpi/intervals", params=params).json()
    assert {r["queue"] for r in everything} == {"Sales", "Support"}
    repeats = planner.get("/api/v1/kpi/repeats", params=params | {"queue": "Support"})
    assert repeats.status_code == 403


def test_agent_kpis_are_of_people_in_scope_only(world: World) -> None:
    """alice (Team A), bob (Team B) and carol (Other) each work an hour; the agent alice sees only
    her own rows, her team leader (Team A) only Team A's, the administrator everyone's."""
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        t = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
        for n, login in enumerate(("alice", "bob", "carol")):
            add_state(
                s,
                ext=f"s{n}",
                login=login,
                state=AgentState.on_contact,
                start=t,
                end=t + timedelta(hours=1),
            )
        s.commit()
    engine.dispose()
    params = {"from": "2024-01-15", "to": "2024-01-15"}

    def people(role: Role, **extra: str) -> set[str]:
        response = world.client(role).get("/api/v1/kpi/agents", params=params | extra)
        assert response.status_code == 200, response.text
        rows = response.json()
        assert all(r["handling_s"] > 0 for r in rows)
        return {r["person"] for r in rows}

    everyone = people(Role.admin)
    assert len(everyone) == 3  # the data is there: the checks below are not vacuous
    alice = people(Role.agent)
    assert len(alice) == 1 and alice == people(Role.agent, person="alice")
    assert people(Role.supervisor) == alice  # Team A is alice's team
    other = world.client(Role.agent).get("/api/v1/kpi/agents", params=params | {"person": "bob"})
    assert other.status_code == 403 and "bob" in other.json()["message"]


def test_contacts_are_those_of_queues_in_scope(world: World) -> None:
    _contacts(world)
    planner = world.client(Role.planner)
    assert [c["queue"] for c in planner.get("/api/v1/contacts").json()] == ["Sales"]
    qa = world.client(Role.qa_analyst)
    assert sorted(c["queue"] for c in qa.get("/api/v1/contacts").json()) == ["Sales", "Support"]


def test_managers_create_only_at_their_sites(world: World) -> None:
    manager = world.client(Role.manager)
    elsewhere = manager.post(
        "/api/v1/people", json={"name": "Dan", "login": "dan", "site": "Other"}
    )
    assert elsewhere.status_code == 403
    assert elsewhere.json()["problems"][0]["field"] == "site"
    here = manager.post("/api/v1/people", json={"name": "Dan", "login": "dan", "site": "Main"})
    assert here.status_code == 201
    queue = manager.post("/api/v1/queues", json={"name": "Q2", "channel": "voice", "site": "Other"})
    assert queue.status_code == 403
    team = manager.post("/api/v1/teams", json={"name": "T9", "site": "Other"})
    assert team.status_code == 403
    wrong_team = manager.post(
        "/api/v1/people",
        json={"name": "Eve", "login": "eve", "site": "Main", "team": "Team C"},
    )
    assert wrong_team.status_code == 404  # Team C is out of scope: as good as missing


def test_imports_of_a_scoped_planner_stay_in_scope(world: World, tmp_path: object) -> None:
    planner = world.client(Role.planner)
    rows = (
        "external_id,queue,arrival,outcome,wait_s,talk_s\n"
        "a1,Sales,2024-01-15T09:00:00+00:00,abandoned,7,0\n"
        "a2,Support,2024-01-15T09:01:00+00:00,abandoned,8,0\n"
    )
    refused = planner.post(
        "/api/v1/imports/contacts",
        files={"file": ("calls.csv", rows.encode(), "text/csv")},
        data={"format": "csv"},
    )
    assert refused.status_code == 403
    assert refused.json()["problems"][0] == {
        "message": "queue 'Support' is outside your scope",
        "field": "queue",
        "row": 3,
        "file": "calls.csv",
    }
    other_site = planner.post(
        "/api/v1/imports/contacts",
        files={"file": ("calls.csv", rows.encode(), "text/csv")},
        data={"format": "csv", "site": "Other"},
    )
    assert other_site.status_code == 403
    mine = "\n".join(rows.splitlines()[:2]) + "\n"
    accepted = planner.post(
        "/api/v1/imports/contacts",
        files={"file": ("calls.csv", mine.encode(), "text/csv")},
        data={"format": "csv"},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["inserted"] == 1


def test_the_agent_sees_their_own_person_only(world: World) -> None:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        alice = s.scalars(select(Person).where(Person.login == "alice")).one()
        assert alice.team_id is not None
    engine.dispose()
    page = world.client(Role.agent).get("/")
    assert page.status_code == 200 and "Your numbers" in page.text
