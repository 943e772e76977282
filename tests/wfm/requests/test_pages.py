"""Schedule requests on the web: an agent asks for time off on "My week" (bad input comes back
marked, an overlap is refused), the planner sees it on the schedules page and refuses (with a
note) or grants it, the agent is notified; nobody acts on someone else's request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.org.models import Person
from ccops.wfm.requests import service as request_service
from ccops.wfm.requests.schemas import RequestIn
from tests.factories.web import World


def _days(n: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=n)).isoformat()


def _request_of(world: World, login: str, first: int, last: int) -> int:
    """Store a time-off request of ``login`` straight through the service."""
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        pid = s.scalars(select(Person.id).where(Person.login == login)).one()
        out = request_service.create(
            session=s,
            person_id=pid,
            data=RequestIn(
                kind="time_off",
                start_day=datetime.fromisoformat(_days(first)).date(),
                end_day=datetime.fromisoformat(_days(last)).date(),
                reason="move house",
            ),
            created_by=login,
        )
        s.commit()
    engine.dispose()
    return out.id


def test_an_agent_asks_for_time_off_and_the_planner_decides(world: World) -> None:
    agent, planner = world.client(Role.agent), world.client(Role.planner)
    page = agent.get("/schedules/my")
    assert page.status_code == 200
    assert 'id="time-off-form"' in page.text and 'id="swap-form"' in page.text
    assert '<option value="bob">Bob</option>' in page.text  # colleagues of the same site
    assert 'value="carol"' not in page.text  # carol works at the other site
    # the last day before the first: the form comes back with the field marked, input kept
    bad = agent.post(
        "/schedules/my/requests",
        data={"kind": "time_off", "start_day": _days(12), "end_day": _days(10), "reason": "trip"},
    )
    assert bad.status_code == 422
    assert 'id="f-end_day" name="end_day" type="date" value="' + _days(10) in bad.text
    assert "end_day must be on or after start_day" in bad.text and 'aria-invalid="true"' in bad.text
    no_reason = agent.post(
        "/schedules/my/requests",
        data={"kind": "time_off", "start_day": _days(10), "end_day": _days(11), "reason": ""},
    )
    assert no_reason.status_code == 422 and "reason is needed" in no_reason.text
    ok = agent.post(
        "/schedules/my/requests",
        data={"kind": "time_off", "start_day": _days(10), "end_day": _days(11), "reason": "trip"},
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith("/schedules/my#request-")
    [mine] = agent.get("/api/v1/schedules/requests").json()
    assert (mine["status"], mine["person"], mine["start_day"], mine["end_day"]) == (
        "pending",
        "alice",
        _days(10),
        _days(11),
    )
    overlap = agent.post(
        "/api/v1/schedules/requests",
        json={"kind": "time_off", "start_day": _days(11), "end_day": _days(13), "reason": "more"},
    )
    assert overlap.status_code == 409 and f"overlaps your request {mine['id']}" in overlap.text
    assert "waiting for the planner" in agent.get("/schedules/my").text
    # the planner's list on the schedules page
    listing = planner.get("/schedules")
    assert f'id="request-{mine["id"]}"' in listing.text and "Alice" in listing.text
    assert [r["id"] for r in planner.get("/api/v1/schedules/requests?status=pending").json()] == [
        mine["id"]
    ]
    unexplained = planner.post(
        f"/schedules/requests/{mine['id']}/decide", data={"decision": "refuse", "note": ""}
    )
    assert unexplained.status_code == 422 and "say why the request is refused" in unexplained.text
    granted = planner.post(
        f"/schedules/requests/{mine['id']}/decide", data={"decision": "grant", "note": ""}
    )
    assert granted.status_code == 303
    [after] = agent.get("/api/v1/schedules/requests").json()
    assert after["status"] == "granted" and after["decided_by"] == "u-planner"
    assert after["time_off_id"] is not None
    notes = agent.get("/api/v1/notifications").json()
    assert any(f"Request {mine['id']} is granted" in n["subject"] for n in notes)
    again = planner.post(
        f"/api/v1/schedules/requests/{mine['id']}/decision", json={"grant": False, "note": "no"}
    )
    assert again.status_code == 409


def test_nobody_acts_on_someone_elses_request(world: World) -> None:
    of_bob = _request_of(world, "bob", 20, 21)
    of_carol = _request_of(world, "carol", 20, 20)
    agent = world.client(Role.agent)  # alice
    assert agent.post(f"/api/v1/schedules/requests/{of_bob}/withdraw").status_code == 403
    assert agent.post(f"/schedules/my/requests/{of_bob}/withdraw").status_code == 403
    answer = agent.post(f"/api/v1/schedules/requests/{of_bob}/answer", json={"accept": True})
    assert answer.status_code == 403
    assert [r["id"] for r in agent.get("/api/v1/schedules/requests").json()] == []
    # the planner of Main sees and decides Main's requests only
    planner = world.client(Role.planner)
    assert [r["id"] for r in planner.get("/api/v1/schedules/requests").json()] == [of_bob]
    outside = planner.post(f"/api/v1/schedules/requests/{of_carol}/decision", json={"grant": True})
    assert outside.status_code == 403
    refused = planner.post(
        f"/api/v1/schedules/requests/{of_bob}/decision",
        json={"grant": False, "note": "peak week"},
    )
    assert refused.status_code == 200
    assert (refused.json()["status"], refused.json()["decision_note"]) == ("refused", "peak week")
    assert (
        world.client(Role.executive).post("/api/v1/schedules/requests", json={}).status_code == 403
    )
    # an account without a person has no schedule to ask about
    lonely = world.client(Role.qa_analyst).post(
        "/api/v1/schedules/requests",
        json={"kind": "time_off", "start_day": _days(5), "end_day": _days(5), "reason": "x"},
    )
    assert lonely.status_code == 422 and "not linked to a person" in lonely.text
