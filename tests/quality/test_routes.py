"""The quality API and pages: 422s with the field, roles and scope, the dispute flow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from ccops.contacts.models import Contact
from ccops.db import make_engine, make_session_factory
from ccops.enums import Outcome, Role
from ccops.org.models import Person, Queue
from ccops.quality import forms as qa_forms
from ccops.quality import schemas
from tests.factories.quality import ALL_TOP, FORM, MIXED, answers_json
from tests.factories.web import World

DAY = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _seed(world: World) -> dict[str, Any]:
    """A form and three handled contacts each for alice (Team A), bob (Team B), carol (Other)."""
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        form = qa_forms.create_form(session=s, data=schemas.FormIn.model_validate(FORM), by="u-qa")
        contacts: dict[str, list[int]] = {}
        for login in ("alice", "bob", "carol"):
            person = s.scalars(select(Person).where(Person.login == login)).one()
            queue = s.scalars(select(Queue).where(Queue.site_id == person.site_id)).first()
            assert queue is not None
            contacts[login] = []
            for n in range(3):
                at = DAY + timedelta(minutes=10 * n)
                contact = Contact(
                    source="t",
                    external_id=f"{login}{n}",
                    queue_id=queue.id,
                    channel_id=queue.channel_id,
                    person_id=person.id,
                    arrival_at=at,
                    answered_at=at + timedelta(seconds=5),
                    outcome=Outcome.answered,
                    arrival_epoch_s=int(at.timestamp()),
                    arrival_local_min=int(at.timestamp() // 60),
                    utc_offset_min=0,
                    content_hash="x",
                )
                s.add(contact)
                s.flush()
                contacts[login].append(contact.id)
        s.commit()
    engine.dispose()
    return {"version_id": form.versions[0].id, "form_id": form.id, "contacts": contacts}


def _body(seed: dict[str, Any], contact: int, pattern: dict[str, int | None]) -> dict[str, Any]:
    return {
        "contact_id": contact,
        "form_version_id": seed["version_id"],
        "answers": answers_json(pattern),
    }


def test_api_refuses_bad_input_with_422_naming_the_field(world: World) -> None:
    seed = _seed(world)
    qa_client = world.client(Role.qa_analyst)
    bad_form = {**FORM, "name": "Bad"}
    bad_form["sections"] = [{**FORM["sections"][0], "weight_pct": 10}, *FORM["sections"][1:]]
    response = qa_client.post("/api/v1/quality/forms", json=bad_form)
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "sections"
    assert "the section weights sum to 90%, not 100%" in response.json()["message"]

    off_scale = _body(seed, seed["contacts"]["alice"][0], {**ALL_TOP, "accuracy": 6})
    response = qa_client.post("/api/v1/quality/evaluations", json=off_scale)
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "answers[2].value"

    response = qa_client.post(
        "/api/v1/quality/evaluations", json={"contact_id": seed["contacts"]["alice"][0]}
    )
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["problems"]}
    assert fields == {"form_version_id", "answers"}

    response = qa_client.get(
        "/api/v1/quality/sample-size",
        params={
            "person": "alice",
            "first_day": "2026-11-02",
            "last_day": "2026-11-02",
            "margin_pct": 0,
        },
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "margin_pct"
    assert qa_client.get("/api/v1/quality/evaluations").json() == []


def test_qa_evaluates_agent_sees_own_disputes_and_a_second_evaluator_decides(
    world: World,
) -> None:
    seed = _seed(world)
    qa_client = world.client(Role.qa_analyst)
    first = qa_client.post(
        "/api/v1/quality/evaluations", json=_body(seed, seed["contacts"]["alice"][0], MIXED)
    )
    assert first.status_code == 201, first.text
    assert first.json()["score_pct"] == 72.5
    other = qa_client.post(
        "/api/v1/quality/evaluations", json=_body(seed, seed["contacts"]["bob"][0], ALL_TOP)
    )
    assert other.status_code == 201
    again = qa_client.post(
        "/api/v1/quality/evaluations", json=_body(seed, seed["contacts"]["alice"][0], ALL_TOP)
    )
    assert again.status_code == 409
    assert "already evaluated" in again.json()["message"]

    agent = world.client(Role.agent)
    own = agent.get("/api/v1/quality/evaluations").json()
    assert [e["id"] for e in own] == [first.json()["id"]]
    assert agent.get(f"/api/v1/quality/evaluations/{other.json()['id']}").status_code == 404
    refused = agent.post(
        f"/api/v1/quality/evaluations/{other.json()['id']}/disputes", json={"reason": "no"}
    )
    assert refused.status_code == 404  # someone else's: answered like a missing id
    assert "you can dispute only your own" in refused.json()["message"]
    assert (
        agent.post(
            f"/api/v1/quality/evaluations/{first.json()['id']}/disputes", json={"reason": ""}
        ).status_code
        == 422
    )
    dispute = agent.post(
        f"/api/v1/quality/evaluations/{first.json()['id']}/disputes",
        json={"reason": "I verified the caller"},
    )
    assert dispute.status_code == 201

    decision = {
        "decision": "amend",
        "comment": "verified",
        "answers": answers_json({**MIXED, "verify": 1}),
    }
    same = qa_client.post(
        f"/api/v1/quality/disputes/{dispute.json()['id']}/decision", json=decision
    )
    assert same.status_code == 403
    supervisor = world.client(Role.supervisor)
    decided = supervisor.post(
        f"/api/v1/quality/disputes/{dispute.json()['id']}/decision", json=decision
    )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert (body["score_pct"], body["revision"]) == (82.5, 2)
    assert [r["score_pct"] for r in body["revisions"]] == [72.5, 82.5]
    # the supervisor of Team A does not see bob's (Team B) evaluation
    assert supervisor.get(f"/api/v1/quality/evaluations/{other.json()['id']}").status_code == 404
    # the agent's page shows the amended score and the history
    page = agent.get(f"/quality/evaluations/{first.json()['id']}")
    assert page.status_code == 200
    assert 'data-status="amended"' in page.text and "82.5" in page.text


def test_summary_lists_people_by_name_and_executives_get_teams_only(world: World) -> None:
    seed = _seed(world)
    qa_client = world.client(Role.qa_analyst)
    for contact in seed["contacts"]["bob"]:
        qa_client.post("/api/v1/quality/evaluations", json=_body(seed, contact, ALL_TOP))
    params = {"first_day": "2026-11-02", "last_day": "2026-11-02"}
    manager = world.client(Role.manager).get("/api/v1/quality/summary", params=params).json()
    assert [t["team"] for t in manager["teams"]] == ["Team A", "Team B"]
    team_b = manager["teams"][1]
    assert [p["name"] for p in team_b["people"]] == ["Bob"]
    assert team_b["score"]["n"] == 3 and team_b["score"]["mean_pct"] == 100.0
    assert team_b["score"]["margin_pct"] == 0.0
    assert team_b["score"]["enough"] is False
    executive = world.client(Role.executive).get("/api/v1/quality/summary", params=params)
    assert all(t["people"] == [] for t in executive.json()["teams"])
    page = world.client(Role.manager).get("/quality/team", params=params)
    assert page.status_code == 200
    assert "too few evaluations: 3 of 5" in page.text
