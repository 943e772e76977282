"""The performance cycle on the person page: coaching agreed and followed up, reviews signed by
both sides, recognition and development notes; roles refused, bad input returned marked.

The main cycle runs on SQLite and PostgreSQL (a two-site organisation built on each engine).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from ccops.db import make_engine, make_session_factory
from ccops.engines import stats
from ccops.enums import Role
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import schemas as qa_schemas
from ccops.runtime import dispose_engines
from ccops.settings import Settings
from ccops.web.app import create_app
from tests.factories.quality import ALL_TOP, MIXED, answers
from tests.factories.web import World, build_world, sign_in
from tests.quality.test_routes import _seed

DAY = "2026-11-02"


@pytest.fixture
def any_world(settings: Settings) -> Iterator[World]:
    """The two-site organisation of the web tests on each engine (SQLite and PostgreSQL)."""
    engine = make_engine(settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        tokens = build_world(s)
    engine.dispose()
    yield World(settings, tokens)
    dispose_engines()


def _client(world: World, login: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(world.settings), follow_redirects=False)
    return client, sign_in(client, login)


def _evaluate(world: World, seed: dict[str, Any], login: str, n: int, pattern: Any) -> int:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        out = qa_evaluations.evaluate(
            session=s,
            data=qa_schemas.EvaluationIn(
                contact_id=seed["contacts"][login][n],
                form_version_id=seed["version_id"],
                answers=answers(pattern),
            ),
            by="u-qa",
        )
        s.commit()
    engine.dispose()
    return out.id


def _coaching(world: World, login: str) -> list[dict[str, Any]]:
    found = world.client(Role.admin).get(f"/api/v1/performance/people/{login}/coaching")
    assert found.status_code == 200
    result: list[dict[str, Any]] = found.json()
    return result


def _reviews(world: World, login: str) -> list[dict[str, Any]]:
    found = world.client(Role.admin).get(f"/api/v1/performance/people/{login}/reviews")
    assert found.status_code == 200
    result: list[dict[str, Any]] = found.json()
    return result


COACHING = {
    "person": "alice",
    "held_on": DAY,
    "kpi": "qa_pass_rate",
    "monitoring_points": "Listened to the evaluated call.",
    "gap": "Disclosure read late.",
    "analysis": "The script puts it at the end.",
    "action_plan": "Read the disclosure first; lead asks for the script to change.",
    "follow_up_on": "2026-11-16",
}


def test_coaching_is_agreed_by_the_person_only_and_followed_up(any_world: World) -> None:
    world = any_world
    seed = _seed(world)
    evaluation = _evaluate(world, seed, "alice", 0, MIXED)
    lead, lead_csrf = _client(world, "u-supervisor")
    page = lead.get("/performance/people/alice")
    assert page.status_code == 200 and 'id="coaching-form"' in page.text
    saved = lead.post(
        "/performance/coaching",
        data=COACHING | {"csrf_token": lead_csrf, "evaluation": str(evaluation)},
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/performance/people/alice"
    [stored] = _coaching(world, "alice")
    assert stored["reference"] == f"evaluation:{evaluation}"
    assert stored["kpi"] == "qa_pass_rate" and stored["coach"] == "u-supervisor"
    assert stored["follow_up_on"] == "2026-11-16" and stored["agreed_by_person"] is False
    shown = lead.get("/performance/people/alice").text
    assert f'href="/quality/evaluations/{evaluation}"' in shown  # what prompted it, one click
    assert f'action="/performance/coaching/{stored["id"]}/agree"' not in shown  # not the lead's

    # only the coached person agrees: the lead, and alice on bob's session, are refused
    assert (
        lead.post(
            f"/performance/coaching/{stored['id']}/agree", data={"csrf_token": lead_csrf}
        ).status_code
        == 404
    )
    assert _coaching(world, "alice")[0]["agreed_by_person"] is False
    agent, agent_csrf = _client(world, "u-agent")  # alice
    own = agent.get("/performance/people/alice").text
    assert f'action="/performance/coaching/{stored["id"]}/agree"' in own
    assert 'id="coaching-form"' not in own and "Record the outcome" not in own
    agreed = agent.post(
        f"/performance/coaching/{stored['id']}/agree", data={"csrf_token": agent_csrf}
    )
    assert agreed.status_code == 303
    assert agreed.headers["location"] == f"/performance/people/alice#coaching-{stored['id']}"
    assert _coaching(world, "alice")[0]["agreed_by_person"] is True
    assert 'data-agreed="true"' in agent.get("/performance/people/alice").text
    no_csrf = agent.post(f"/performance/coaching/{stored['id']}/agree")
    assert no_csrf.status_code == 403
    bob = world.client(Role.admin).post(
        "/api/v1/performance/coaching", json=dict(COACHING, person="bob", kpi=None)
    )
    assert bob.status_code == 201
    refused = agent.post(
        f"/performance/coaching/{bob.json()['id']}/agree", data={"csrf_token": agent_csrf}
    )
    assert refused.status_code == 404 and _coaching(world, "bob")[0]["agreed_by_person"] is False

    # the outcome at follow-up: the agent may not write it, an empty one comes back marked
    outcome_url = f"/performance/coaching/{stored['id']}/outcome"
    forbidden = agent.post(outcome_url, data={"csrf_token": agent_csrf, "outcome": "done"})
    assert forbidden.status_code == 403
    empty = lead.post(outcome_url, data={"csrf_token": lead_csrf, "outcome": "  "})
    assert empty.status_code == 422
    assert f'id="oc{stored["id"]}-outcome-e"' in empty.text and 'aria-invalid="true"' in empty.text
    assert _coaching(world, "alice")[0]["outcome"] is None
    text = "Disclosure read first on 9 of 10 calls; script changed."
    done = lead.post(outcome_url, data={"csrf_token": lead_csrf, "outcome": text})
    assert done.status_code == 303
    assert _coaching(world, "alice")[0]["outcome"] == text
    assert text in agent.get("/performance/people/alice").text
    other = lead.post(
        f"/performance/coaching/{bob.json()['id']}/outcome",
        data={"csrf_token": lead_csrf, "outcome": "x"},
    )
    assert other.status_code == 404  # bob is in Team B, outside the lead's scope


def test_review_is_written_on_the_page_and_signed_by_both_sides(any_world: World) -> None:
    world = any_world
    lead, lead_csrf = _client(world, "u-supervisor")
    form = {
        "csrf_token": lead_csrf,
        "person": "alice",
        "period_first": "2026-08-01",
        "period_last": "2026-10-31",
        "strengths": "Calm with upset customers.",
        "weaknesses": "Wrap-up notes are short.",
        "improvement_plan": "Notes to the template.",
        "person_commitments": "Use the template on every call.",
        "support_commitments": "Lead reviews five notes a week with alice.",
        "next_review_on": "2026-10-15",
        "next_review_criteria": "Notes complete on 9 of 10 checked.",
    }
    bad = lead.post("/performance/reviews", data=form)
    assert bad.status_code == 422
    assert 'id="rv-next_review_on-e"' in bad.text
    assert "The next review must come after the period reviewed." in bad.text
    assert "Lead reviews five notes a week with alice." in bad.text  # the input is kept
    missing = lead.post("/performance/reviews", data=dict(form, strengths=""))
    assert missing.status_code == 422 and 'id="rv-strengths-e"' in missing.text
    assert _reviews(world, "alice") == []
    saved = lead.post("/performance/reviews", data=dict(form, next_review_on="2027-01-31"))
    assert saved.status_code == 303
    [review] = _reviews(world, "alice")
    assert review["reviewer"] == "u-supervisor" and review["next_review_on"] == "2027-01-31"
    assert review["support_commitments"] == form["support_commitments"]
    assert review["signed_by_person_at"] is None and review["signed_by_reviewer_at"] is None
    sign = f"/performance/reviews/{review['id']}/sign"

    # a manager in scope who is no party to the review may not sign it
    manager, manager_csrf = _client(world, "u-manager")
    assert "Sign as" not in manager.get("/performance/people/alice").text
    refused = manager.post(sign, data={"csrf_token": manager_csrf})
    assert refused.status_code == 303
    assert _reviews(world, "alice")[0]["signed_by_reviewer_at"] is None

    page = lead.get("/performance/people/alice").text
    assert "Sign as the reviewer" in page and "Sign as the person reviewed" not in page
    assert lead.post(sign, data={"csrf_token": lead_csrf}).status_code == 303
    after_lead = _reviews(world, "alice")[0]
    assert after_lead["signed_by_reviewer_at"] and after_lead["signed_by_person_at"] is None
    agent, agent_csrf = _client(world, "u-agent")
    own = agent.get("/performance/people/alice").text
    assert "Sign as the person reviewed" in own and 'id="review-form"' not in own
    assert agent.post(sign, data={"csrf_token": agent_csrf}).status_code == 303
    both = _reviews(world, "alice")[0]
    assert both["signed_by_person_at"] and both["signed_by_reviewer_at"]
    shown = agent.get("/performance/people/alice").text
    signed = re.findall(r'data-signed="(person|reviewer)">✓ ([^<]+)<', shown)
    assert [who for who, _text in signed] == ["person", "reviewer"]
    assert signed[0][1].startswith("Alice on ") and signed[1][1].startswith("u-supervisor on ")
    assert "Sign as" not in shown
    # an agent writes no review (403), a QA analyst neither
    assert agent.post("/performance/reviews", data=form).status_code == 403
    qa_client, qa_csrf = _client(world, "u-qa")
    assert (
        qa_client.post("/performance/reviews", data=dict(form, csrf_token=qa_csrf)).status_code
        == 403
    )


def test_recognition_and_development_notes_from_the_page(world: World) -> None:
    lead, lead_csrf = _client(world, "u-supervisor")
    bad = lead.post(
        "/performance/recognitions",
        data={"csrf_token": lead_csrf, "person": "alice", "given_on": "2026-13-01", "text": ""},
    )
    assert bad.status_code == 422
    assert 'id="rc-given_on-e"' in bad.text and 'id="rc-text-e"' in bad.text
    assert (
        world.client(Role.admin).get("/api/v1/performance/people/alice/recognitions").json() == []
    )
    thanks = "A customer wrote in to thank alice for a tangled billing case."
    good = lead.post(
        "/performance/recognitions",
        data={
            "csrf_token": lead_csrf,
            "person": "alice",
            "given_on": DAY,
            "kpi": "repeat_contact_rate",
            "text": thanks,
        },
    )
    assert good.status_code == 303
    [stored] = world.client(Role.admin).get("/api/v1/performance/people/alice/recognitions").json()
    assert stored["text"] == thanks and stored["given_by"] == "u-supervisor"
    assert stored["kpi"] == "repeat_contact_rate" and stored["given_on"] == DAY
    agent, agent_csrf = _client(world, "u-agent")
    assert thanks in agent.get("/performance/people/alice").text
    assert (
        agent.post(
            "/performance/recognitions",
            data={"csrf_token": agent_csrf, "person": "alice", "given_on": DAY, "text": "me"},
        ).status_code
        == 403
    )
    outside = lead.post(
        "/performance/recognitions",
        data={"csrf_token": lead_csrf, "person": "carol", "given_on": DAY, "text": "x"},
    )
    assert outside.status_code == 404

    note = {"csrf_token": lead_csrf, "person": "alice", "written_on": DAY}
    wrong = lead.post("/performance/development", data=note | {"kind": "bonus", "text": "x"})
    assert wrong.status_code == 422 and 'id="dn-kind-e"' in wrong.text
    saved = lead.post(
        "/performance/development",
        data=note | {"kind": "promotion_readiness", "text": "Ready to mentor new hires."},
    )
    assert saved.status_code == 303
    [kept] = world.client(Role.admin).get("/api/v1/performance/people/alice/development").json()
    assert kept["kind"] == "promotion_readiness" and kept["written_by"] == "u-supervisor"
    assert "Ready for promotion" in agent.get("/performance/people/alice").text
    qa_client, qa_csrf = _client(world, "u-qa")
    refused = qa_client.post(
        "/performance/development",
        data=note | {"csrf_token": qa_csrf, "kind": "training_need", "text": "x"},
    )
    assert refused.status_code == 403


def test_a_bad_coaching_form_comes_back_marked_and_stores_nothing(world: World) -> None:
    seed = _seed(world)
    bobs = _evaluate(world, seed, "bob", 0, ALL_TOP)
    lead, lead_csrf = _client(world, "u-supervisor")
    form = COACHING | {"csrf_token": lead_csrf, "action_plan": "", "follow_up_on": "2026-10-01"}
    response = lead.post("/performance/coaching", data=form)
    assert response.status_code == 422
    assert 'id="co-action_plan-e"' in response.text
    assert "Listened to the evaluated call." in response.text  # input kept
    before = lead.post("/performance/coaching", data=dict(form, action_plan="plan"))
    assert before.status_code == 422
    assert "The follow-up date is before the session." in before.text
    assert 'id="co-follow_up_on-e"' in before.text
    foreign = lead.post(
        "/performance/coaching",
        data=dict(form, action_plan="plan", follow_up_on="", evaluation=str(bobs)),
    )
    assert foreign.status_code == 422 and 'id="co-evaluation-e"' in foreign.text
    assert "Not an evaluation of this person." in foreign.text
    unknown = lead.post(
        "/performance/coaching",
        data=dict(form, action_plan="plan", follow_up_on="", kpi="happiness"),
    )
    assert unknown.status_code == 422 and 'id="co-kpi-e"' in unknown.text
    assert _coaching(world, "alice") == []
    api = world.client(Role.admin).post(
        "/api/v1/performance/coaching",
        json=COACHING | {"reference": f"evaluation:{bobs}"},
    )
    assert api.status_code == 422 and api.json()["problems"][0]["field"] == "reference"


def test_team_page_and_api_compare_people_on_the_qa_pass_rate(world: World) -> None:
    seed = _seed(world)
    for n, pattern in enumerate((ALL_TOP, ALL_TOP, MIXED)):
        _evaluate(world, seed, "alice", n, pattern)
    _evaluate(world, seed, "bob", 0, MIXED)  # Team B: not in Team A's funnel
    lead = world.client(Role.supervisor)  # Team A
    period = {"first": DAY, "last": DAY}
    api = lead.get(
        "/api/v1/performance/teams/Team A/funnel", params=period | {"kpi": "qa_pass_rate"}
    )
    assert api.status_code == 200
    body = api.json()
    assert body["kpi"] == "qa_pass_rate" and body["team_rate"] == pytest.approx(2 / 3)
    assert [(p["person"], p["successes"], p["trials"]) for p in body["points"]] == [("alice", 2, 3)]
    page = lead.get("/performance/teams/Team A", params=period | {"kpi": "qa_pass_rate"})
    assert page.status_code == 200
    assert "Funnel plot: QA pass rate" in page.text and "Passed / evaluated" in page.text
    assert '<option value="qa_pass_rate" selected>' in page.text
    row = page.text.split('id="funnel-table"')[1].split("</table>")[0]
    assert 'data-person="alice"' in row and "2 / 3" in row and 'data-rate="0.666667"' in row
    default = lead.get("/performance/teams/Team A", params=period)
    assert "Funnel plot: repeat-contact rate" in default.text
    bad = lead.get("/api/v1/performance/teams/Team A/funnel", params={"kpi": "aht_s"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "kpi"
    assert (
        lead.get(
            "/api/v1/performance/teams/Team B/funnel", params={"kpi": "qa_pass_rate"}
        ).status_code
        == 404
    )
    agent = world.client(Role.agent)
    assert (
        agent.get(
            "/api/v1/performance/teams/Team A/funnel", params={"kpi": "qa_pass_rate"}
        ).status_code
        == 403
    )


def _items(pattern: dict[str, int | None]) -> dict[str, str]:
    return {f"item-{k}": "na" if v is None else str(v) for k, v in pattern.items()}


def test_calibration_is_opened_and_scored_on_pages_then_alpha_shown(any_world: World) -> None:
    world = any_world
    seed = _seed(world)
    alice, carol = seed["contacts"]["alice"], seed["contacts"]["carol"]
    qa_client, qa_csrf = _client(world, "u-qa")
    assert 'id="calibration-form"' in qa_client.get("/quality/calibrations").text
    form = {"csrf_token": qa_csrf, "name": "", "version": str(seed["version_id"])}
    bad = qa_client.post("/quality/calibrations", data=form | {"contacts": f"{alice[0]}, x"})
    assert bad.status_code == 422 and 'id="e-contacts"' in bad.text
    unnamed = qa_client.post("/quality/calibrations", data=form | {"contacts": str(alice[0])})
    assert unnamed.status_code == 422 and 'id="e-name"' in unnamed.text
    unknown = qa_client.post(
        "/quality/calibrations", data=form | {"name": "Nov", "contacts": "999999"}
    )
    assert unknown.status_code == 422 and "contact 999999 does not exist" in unknown.text
    assert world.client(Role.admin).get("/api/v1/quality/calibrations").json() == []
    wide = qa_client.post(
        "/quality/calibrations",
        data=form | {"name": "Nov, both teams", "contacts": f"{alice[0]}, {alice[1]}; {carol[0]}"},
    )
    assert wide.status_code == 303
    opened = qa_client.post(
        "/quality/calibrations", data=form | {"name": "Nov", "contacts": f"{alice[0]};{alice[1]}"}
    )
    assert opened.status_code == 303
    sessions = world.client(Role.admin).get("/api/v1/quality/calibrations").json()
    [session, both] = sessions
    assert both["contact_ids"] == sorted([alice[0], alice[1], carol[0]])
    assert session["contact_ids"] == sorted([alice[0], alice[1]])
    assert opened.headers["location"] == f"/quality/calibrations/{session['id']}"
    base = f"/quality/calibrations/{session['id']}/contacts"

    lead, lead_csrf = _client(world, "u-supervisor")  # Team A: alice, not carol
    # a session reaching beyond the lead's scope is not shown at all: its agreement figures and
    # the evaluators' scores come from carol's contact too
    assert lead.get(f"/quality/calibrations/{both['id']}").status_code == 404
    assert lead.get(f"/quality/calibrations/{both['id']}/contacts/{alice[0]}").status_code == 404
    assert [s["name"] for s in lead.get("/api/v1/quality/calibrations").json()] == ["Nov"]
    detail = lead.get(f"/quality/calibrations/{session['id']}").text
    assert f'href="{base}/{alice[0]}"' in detail
    page = lead.get(f"{base}/{alice[0]}")
    assert page.status_code == 200 and 'id="calibration-note"' in page.text
    assert f'action="{base}/{alice[0]}"' in page.text and 'name="item-accuracy"' in page.text
    assert lead.get(f"{base}/{carol[0]}").status_code == 404  # outside the session and scope
    assert lead.get(f"{base}/{seed['contacts']['bob'][0]}").status_code == 404  # not in it
    partial = {k: v for k, v in _items(MIXED).items() if k != "item-disclosure"}
    missing = lead.post(f"{base}/{alice[0]}", data={"csrf_token": lead_csrf, **partial})
    assert missing.status_code == 422 and 'id="e-disclosure"' in missing.text
    assert (
        world.client(Role.admin)
        .get(f"/api/v1/quality/calibrations/{session['id']}")
        .json()["evaluators"]
        == []
    )
    for client, csrf, contact, pattern in (
        (lead, lead_csrf, alice[0], MIXED),
        (lead, lead_csrf, alice[1], MIXED),
        (qa_client, qa_csrf, alice[0], ALL_TOP),
        (qa_client, qa_csrf, alice[1], MIXED),
    ):
        saved = client.post(f"{base}/{contact}", data={"csrf_token": csrf, **_items(pattern)})
        assert saved.status_code == 303, saved.text[:2000]
    again = lead.post(f"{base}/{alice[0]}", data={"csrf_token": lead_csrf, **_items(MIXED)})
    assert again.status_code == 422 and "already scored" in again.text
    assert 'id="already-scored"' in lead.get(f"{base}/{alice[0]}").text
    report = world.client(Role.admin).get(f"/api/v1/quality/calibrations/{session['id']}").json()
    assert report["evaluators"] == ["u-qa", "u-supervisor"]
    assert report["totals"][str(alice[0])] == {"u-qa": 100.0, "u-supervisor": 72.5}
    ratings = np.array([[100.0, 72.5], [72.5, 72.5]])
    order = [0 if c == alice[0] else 1 for c in report["contact_ids"]]
    expected = stats.krippendorff_alpha(ratings[order], "interval").alpha
    assert report["total_alpha"] == pytest.approx(expected)
    shown = lead.get(f"/quality/calibrations/{session['id']}").text
    assert f"{expected:.3f}" in shown.split('id="total-alpha"')[1].split("</p>")[0]
    assert shown.count("data-scored=") == 2  # the lead's two contacts
    items = shown.split('id="item-agreement"')[1].split("</table>")[0]
    assert "Accurate answer" in items and "1 / 2" in items  # 5 vs 4 on one contact of two
    agent, agent_csrf = _client(world, "u-agent")
    assert agent.get(f"{base}/{alice[1]}").status_code == 403
    assert (
        agent.post(
            f"{base}/{alice[1]}", data={"csrf_token": agent_csrf, **_items(MIXED)}
        ).status_code
        == 403
    )
