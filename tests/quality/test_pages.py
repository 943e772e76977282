"""The quality pages through signed-in sessions (cookies and CSRF), as a browser would use them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ccops.enums import Role
from ccops.web.app import create_app
from tests.factories.quality import MIXED
from tests.factories.web import World, sign_in
from tests.quality.test_routes import _body, _seed

PERIOD = {"first_day": "2026-11-01", "last_day": "2026-11-03"}


def _client(world: World, login: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(world.settings), follow_redirects=False)
    return client, sign_in(client, login)


def test_analyst_evaluates_on_the_page_and_the_agent_disputes_it(world: World) -> None:
    seed = _seed(world)
    contact = seed["contacts"]["alice"][1]
    qa_client, qa_csrf = _client(world, "u-qa")
    assert qa_client.get("/quality").headers["location"] == "/quality/worklist"
    form = qa_client.get(f"/quality/evaluate/{contact}")
    assert form.status_code == 200 and 'name="item-accuracy"' in form.text
    fields = {"csrf_token": qa_csrf, "version": str(seed["version_id"]), "comment": "ok"}
    fields |= {"item-greet": "1", "item-verify": "0", "item-accuracy": "9", "item-ownership": "3"}
    missing = qa_client.post(f"/quality/evaluate/{contact}", data=fields)
    assert missing.status_code == 422
    assert "Required." in missing.text  # disclosure not answered
    fields |= {"item-disclosure": "1"}
    refused = qa_client.post(f"/quality/evaluate/{contact}", data=fields)
    assert refused.status_code == 422
    assert "9 is not on its scale" in refused.text  # off the scale, beside its item
    fields |= {"item-accuracy": "4", "item-disclosure": "1"}
    saved = qa_client.post(f"/quality/evaluate/{contact}", data=fields)
    assert saved.status_code == 303
    url = saved.headers["location"]
    assert "72.5" in qa_client.get(url).text

    agent, agent_csrf = _client(world, "u-agent")
    mine = agent.get("/quality/mine", params=PERIOD)
    assert mine.status_code == 200 and f'href="{url}"' in mine.text
    assert "too few evaluations: 1 of 5" in mine.text
    page = agent.get(url)
    assert 'id="dispute-form"' in page.text
    empty = agent.post(f"{url}/dispute", data={"csrf_token": agent_csrf, "reason": ""})
    assert empty.status_code == 422
    done = agent.post(f"{url}/dispute", data={"csrf_token": agent_csrf, "reason": "I verified"})
    assert done.status_code == 303
    after = agent.get(url).text
    assert 'data-status="open"' in after and 'id="dispute-form"' not in after

    # the analyst who scored may not decide; the team leader decides on the page
    assert 'id="decide-form"' not in qa_client.get(url).text
    lead, lead_csrf = _client(world, "u-supervisor")
    team = lead.get("/quality/team", params=PERIOD).text
    assert f'href="{url}"' in team.split('id="open-disputes"')[1]
    decide_page = lead.get(url)
    assert 'id="decide-form"' in decide_page.text
    dispute_id = decide_page.text.split('action="/quality/disputes/')[1].split("/")[0]
    decision = {"csrf_token": lead_csrf, "decision": "amend", "comment": "verified"}
    decision |= {
        "item-greet": "1",
        "item-verify": "1",
        "item-accuracy": "4",
        "item-ownership": "3",
        "item-disclosure": "1",
    }
    decided = lead.post(f"/quality/disputes/{dispute_id}/decide", data=decision)
    assert decided.status_code == 303
    assert 'data-status="amended"' in agent.get(url).text


def test_every_quality_page_renders(world: World) -> None:
    seed = _seed(world)
    qa_api = world.client(Role.qa_analyst)
    qa_api.post(
        "/api/v1/quality/evaluations", json=_body(seed, seed["contacts"]["alice"][0], MIXED)
    )
    calibration = qa_api.post(
        "/api/v1/quality/calibrations",
        json={
            "name": "C1",
            "form_version_id": seed["version_id"],
            "contact_ids": seed["contacts"]["bob"][:2],
        },
    ).json()
    for evaluator in ("u-qa", "u-admin"):
        client = qa_api if evaluator == "u-qa" else world.client(Role.admin)
        for contact in seed["contacts"]["bob"][:2]:
            response = client.post(
                "/api/v1/quality/evaluations",
                json={**_body(seed, contact, MIXED), "calibration_id": calibration["id"]},
            )
            assert response.status_code == 201, response.text
    qa_client, qa_csrf = _client(world, "u-qa")
    for path in (
        "/quality/worklist",
        "/quality/forms",
        "/quality/calibrations",
        f"/quality/calibrations/{calibration['id']}",
        "/quality/team",
    ):
        response = qa_client.get(path, params=PERIOD if path == "/quality/team" else None)
        assert response.status_code == 200, (path, response.text[:2000])
    detail = qa_client.get(f"/quality/calibrations/{calibration['id']}").text
    assert 'id="total-alpha"' in detail
    drawn = qa_client.post(
        "/quality/worklist",
        data={
            "csrf_token": qa_csrf,
            "person": "carol",
            "method": "stratified",
            "size": "2",
            "seed": "1",
            "margin_pct": "5",
            **PERIOD,
        },
    )
    assert drawn.status_code == 303, drawn.text[:3000]
    worklist = qa_client.get("/quality/worklist").text
    assert worklist.count("data-evaluate=") == 2
    bad = qa_client.post(
        "/quality/worklist",
        data={"csrf_token": qa_csrf, "person": "nobody", "method": "random", **PERIOD},
    )
    assert bad.status_code == 404 or bad.status_code == 422
    executive = world.client(Role.executive)
    assert executive.get("/quality/team", params=PERIOD).status_code == 200
