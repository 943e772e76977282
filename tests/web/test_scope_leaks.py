"""The scope leaks of issue #21 (item 3), each repeated as the attack was made.

London principals (site Main) must neither see nor change Shanghai objects (site Other): an
object out of scope answers 404 like a missing id, so ids and logins cannot be probed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ccops.contacts.models import Contact
from ccops.org.models import Person, Queue, Team, User
from tests.factories.quality import ALL_TOP, answers_json
from tests.factories.web import PASSWORD, World
from tests.web.scope_world import Scoped, build, world_session


@pytest.fixture
def scoped(world: World) -> Scoped:
    return build(world)


def test_a_london_analyst_cannot_open_a_shanghai_contact(scoped: Scoped) -> None:
    qa = scoped.client("qa-london")
    inside = qa.get(f"/quality/evaluate/{scoped.ids['contact_in_2']}")
    assert inside.status_code == 200 and "alice" in inside.text
    outside = qa.get(f"/quality/evaluate/{scoped.ids['contact_out']}")
    missing = qa.get("/quality/evaluate/999999")
    assert outside.status_code == missing.status_code == 404
    assert "carol" not in outside.text and "Support" not in outside.text
    posted = qa.post(f"/quality/evaluate/{scoped.ids['contact_out']}", data={})
    assert posted.status_code == 404
    api = qa.post(
        "/api/v1/quality/evaluations",
        json={
            "contact_id": scoped.ids["contact_out"],
            "form_version_id": scoped.ids["version"],
            "answers": answers_json(ALL_TOP),
        },
    )
    assert api.status_code == 404, api.text
    # the all-sites analyst still reaches it
    assert (
        scoped.client("qa_analyst")
        .get(f"/quality/evaluate/{scoped.ids['contact_out']}")
        .status_code
        == 200
    )


@pytest.mark.parametrize("who", ["qa-london", "manager", "supervisor", "admin-london"])
def test_calibrations_spanning_sites_are_hidden_from_london(scoped: Scoped, who: str) -> None:
    client = scoped.client(who)
    listed = client.get("/api/v1/quality/calibrations")
    assert listed.status_code == 200
    names = [c["name"] for c in listed.json()]
    assert "Both sites" not in names
    # the supervisor's team A holds alice: the London session is theirs to see
    assert "London only" in names
    for path in (
        f"/api/v1/quality/calibrations/{scoped.ids['calibration_out']}",
        f"/quality/calibrations/{scoped.ids['calibration_out']}",
        f"/quality/calibrations/{scoped.ids['calibration_out']}/contacts/"
        f"{scoped.ids['contact_in']}",
    ):
        assert client.get(path).status_code == 404, path
    page = client.get("/quality/calibrations")
    assert page.status_code == 200
    assert "Both sites" not in page.text and "London only" in page.text
    inside = client.get(f"/api/v1/quality/calibrations/{scoped.ids['calibration_in']}")
    assert inside.status_code == 200 and inside.json()["contact_ids"] == sorted(
        [scoped.ids["contact_in"], scoped.ids["contact_in_2"]]
    )


def test_the_all_sites_analyst_sees_every_session_and_score(scoped: Scoped) -> None:
    out = scoped.client("qa_analyst").get(
        f"/api/v1/quality/calibrations/{scoped.ids['calibration_out']}"
    )
    assert out.status_code == 200
    assert out.json()["totals"][str(scoped.ids["contact_out"])] == {"u-qa": 72.5}


def _event(event_id: str, queue: str, agent: str) -> str:
    at = datetime.now(UTC) - timedelta(minutes=30)
    return json.dumps(
        {
            "type": "contact",
            "id": event_id,
            "queue": queue,
            "arrival": at.isoformat(),
            "answered_at": (at + timedelta(seconds=5)).isoformat(),
            "ended_at": (at + timedelta(seconds=65)).isoformat(),
            "outcome": "answered",
            "wait_s": 5,
            "talk_s": 60,
            "agent": agent,
        }
    )


def test_a_london_planner_cannot_credit_a_contact_to_a_shanghai_agent(scoped: Scoped) -> None:
    body = "\n".join([_event("e-1", "Sales", "carol"), _event("e-2", "Sales", "alice")])
    answer = scoped.client("planner").post(
        "/api/v1/events", content=body, headers={"Content-Type": "application/x-ndjson"}
    )
    assert answer.status_code == 200, answer.text
    results = {r["id"]: r for r in answer.json()["results"]}
    assert results["e-1"]["status"] == "rejected"
    assert results["e-1"]["detail"] == "agent 'carol' is outside your scope"
    assert results["e-1"]["field"] == "agent"
    assert results["e-2"]["status"] != "rejected"
    with world_session(scoped.world) as s:
        carol = s.scalars(select(Person.id).where(Person.login == "carol")).one()
        credited = s.scalars(select(Contact.external_id).where(Contact.person_id == carol))
        assert sorted(credited) == ["S1"]  # only the seeded Shanghai contact


def test_a_manager_cannot_make_a_shanghai_person_lead_a_london_team(scoped: Scoped) -> None:
    manager = scoped.client("manager")
    out = manager.patch("/api/v1/teams/Team A", json={"leader": "carol"})
    unknown = manager.patch("/api/v1/teams/Team A", json={"leader": "nobody-here"})
    assert out.status_code == unknown.status_code == 404
    assert out.json()["problems"][0]["field"] == unknown.json()["problems"][0]["field"] == "leader"
    assert out.json()["message"].replace("carol", "X") == unknown.json()["message"].replace(
        "nobody-here", "X"
    )
    created = manager.post(
        "/api/v1/teams", json={"name": "Team D", "site": "Main", "leader": "carol"}
    )
    assert created.status_code == 404
    page = manager.post(
        "/admin/teams/Team A", data={"name": "Team A", "site": "Main", "leader": "carol"}
    )
    assert page.status_code == 422 and "carol" in page.text
    with world_session(scoped.world) as s:
        team = s.scalars(select(Team).where(Team.name == "Team A")).one()
        assert team.leader_id is None
        assert s.scalars(select(Team).where(Team.name == "Team D")).first() is None
    assert manager.patch("/api/v1/teams/Team A", json={"leader": "bob"}).json()["leader"] == "bob"


def test_a_manager_cannot_reach_other_sites_queues_teams_or_people_by_name(
    scoped: Scoped,
) -> None:
    manager = scoped.client("manager")
    for path in ("/api/v1/queues/Support", "/api/v1/teams/Team C", "/api/v1/people/carol"):
        out = manager.patch(path, json={})
        missing = manager.patch(path.rsplit("/", 1)[0] + "/no-such-name", json={})
        assert out.status_code == missing.status_code == 404, path
    listed = manager.get("/api/v1/people", params={"team": "Team C"})
    assert (
        listed.status_code
        == manager.get("/api/v1/people", params={"team": "No such team"}).status_code
        == 404
    )
    skill = manager.post(
        "/api/v1/people",
        json={"name": "Dan", "login": "dan", "site": "Main", "skills": [{"queue": "Support"}]},
    )
    assert skill.status_code == 404 and skill.json()["problems"][0]["field"] == "skills"


def _csv(queue: str, agent: str) -> bytes:
    return (
        "external_id,queue,arrival,answered_at,outcome,wait_s,talk_s,agent\n"
        f"n1,{queue},2026-11-02T09:00:00+00:00,2026-11-02T09:00:05+00:00,answered,5,120,{agent}\n"
    ).encode()


def test_a_planner_cannot_create_queues_and_people_by_import(scoped: Scoped) -> None:
    planner = scoped.client("planner")
    direct = planner.post(
        "/api/v1/queues", json={"name": "New", "channel": "voice", "site": "Main"}
    )
    assert direct.status_code == 403
    answer = planner.post(
        "/api/v1/imports/contacts",
        files={"file": ("c.csv", _csv("New queue", "newbie"), "text/csv")},
        data={"format": "csv", "site": "Main", "create_missing": "true"},
    )
    assert answer.status_code == 403, answer.text
    assert answer.json()["problems"][0]["field"] == "create_missing"
    with world_session(scoped.world) as s:
        assert s.scalars(select(Queue).where(Queue.name == "New queue")).first() is None
        assert s.scalars(select(Person).where(Person.login == "newbie")).first() is None


def test_a_manager_creates_by_import_only_at_their_sites(scoped: Scoped) -> None:
    manager = scoped.client("manager")
    elsewhere = manager.post(
        "/api/v1/imports/contacts",
        files={"file": ("c.csv", _csv("New queue", "newbie"), "text/csv")},
        data={"format": "csv", "site": "Other", "create_missing": "true"},
    )
    assert elsewhere.status_code == 403
    mine = manager.post(
        "/api/v1/imports/contacts",
        files={"file": ("c.csv", _csv("New queue", "newbie"), "text/csv")},
        data={"format": "csv", "site": "Main", "create_missing": "true"},
    )
    assert mine.status_code == 200, mine.text
    with world_session(scoped.world) as s:
        queue = s.scalars(select(Queue).where(Queue.name == "New queue")).one()
        assert queue.site.name == "Main"
        assert s.scalars(select(Person.site_id).where(Person.login == "newbie")).one() == (
            queue.site_id
        )


def test_a_london_admin_cannot_grant_or_take_wider_scope(scoped: Scoped) -> None:
    admin = scoped.client("admin-london")
    everything = admin.post(
        "/api/v1/users",
        json={"login": "boss", "password": PASSWORD, "role": "admin", "scope": "all"},
    )
    assert everything.status_code == 403 and everything.json()["problems"][0]["field"] == "scope"
    shanghai = admin.post(
        "/api/v1/users",
        json={
            "login": "spy",
            "password": PASSWORD,
            "role": "admin",
            "scope": "sites",
            "sites": ["Other"],
        },
    )
    assert shanghai.status_code == 403 and shanghai.json()["problems"][0]["field"] == "sites"
    other_team = admin.post(
        "/api/v1/users",
        json={
            "login": "spy",
            "password": PASSWORD,
            "role": "supervisor",
            "scope": "teams",
            "teams": ["Team C"],
        },
    )
    assert other_team.status_code == 403
    own = admin.patch("/api/v1/users/admin-london", json={"scope": "all"})
    assert own.status_code == 403
    widen = admin.patch("/api/v1/users/admin-london", json={"sites": ["Main", "Other"]})
    assert widen.status_code == 403
    # users beyond the London scope are as good as missing: no password reset of the root admin
    for login in ("u-admin", "u-qa", "u-executive"):
        taken = admin.patch(f"/api/v1/users/{login}", json={"password": "taken-over-123"})
        assert taken.status_code == 404, login
        assert admin.get(f"/admin/users/{login}").status_code == 404
    listed = {u["login"] for u in admin.get("/api/v1/users").json()}
    assert "u-admin" not in listed and {"u-agent", "u-manager", "admin-london"} <= listed
    allowed = admin.post(
        "/api/v1/users",
        json={
            "login": "lon-lead",
            "password": PASSWORD,
            "role": "supervisor",
            "scope": "teams",
            "teams": ["Team A"],
        },
    )
    assert allowed.status_code == 201, allowed.text
    assert admin.patch("/api/v1/sites/Other", json={"country_code": "CN"}).status_code == 404
    with world_session(scoped.world) as s:
        assert s.scalars(select(User.login).where(User.login.in_(["boss", "spy"]))).all() == []
        me = s.scalars(select(User).where(User.login == "admin-london")).one()
        assert me.scope.value == "sites" and len(me.scope_items) == 1
    # the all-sites administrator still may
    root = scoped.client("admin")
    granted = root.post(
        "/api/v1/users",
        json={"login": "boss", "password": PASSWORD, "role": "admin", "scope": "all"},
    )
    assert granted.status_code == 201
