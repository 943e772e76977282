"""Recommendations through the API, the pages and the CLI; the planner's forecast skill page."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from ccops.cli import app
from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.runtime import dispose_engines
from ccops.settings import get_settings
from tests.factories.performance import DAY, add_contacts, add_horizon
from tests.factories.web import World

REVIEW = {
    "person": "alice",
    "period_first": str(DAY),
    "period_last": str(DAY),
    "strengths": "clear answers",
    "weaknesses": "repeats on refunds",
    "improvement_plan": "refund module",
    "person_commitments": "take it",
    "support_commitments": "book it",
    "next_review_on": str(DAY + timedelta(days=90)),
    "next_review_criteria": "repeats under 8%",
}


def _seed(world: World) -> None:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as session:
        add_contacts(session, login="alice", day=DAY, answered=50, repeats=10)
        add_horizon(session, DAY + timedelta(days=30))
        session.commit()
    engine.dispose()


def test_recommendations_through_the_api_need_evidence_and_a_manager_decides(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(world)
    lead = world.client(Role.supervisor)
    review = lead.post("/api/v1/performance/reviews", json=REVIEW).json()
    url = f"/api/v1/performance/reviews/{review['id']}/recommendations"
    bare = lead.post(url, json={"kind": "pay_step", "rationale": "steady"})
    assert bare.status_code == 422
    assert "a pay step recommendation needs evidence" in bare.json()["message"]
    assert lead.get("/api/v1/performance/recommendations").json() == []
    made = lead.post(
        url, json={"kind": "training", "rationale": "refunds", "kpis": ["repeat_contact_rate"]}
    )
    assert made.status_code == 201
    body = made.json()
    evidence = body["evidence"]["kpis"][0]
    assert (evidence["actual"], evidence["n"]) == (0.2, 50)
    assert evidence["low"] < 0.2 < evidence["high"]
    listed = lead.get("/api/v1/performance/recommendations").json()
    assert [r["id"] for r in listed] == [body["id"]]
    decision = f"/api/v1/performance/recommendations/{body['id']}/decision"
    assert lead.post(decision, json={"decision": "accepted"}).status_code == 403
    manager = world.client(Role.manager)
    done = manager.post(decision, json={"decision": "accepted", "note": "May course"})
    assert done.status_code == 200 and done.json()["status"] == "accepted"
    assert manager.post(decision, json={"decision": "declined"}).status_code == 409
    assert lead.get("/api/v1/performance/recommendations").json() == []
    accepted = lead.get("/api/v1/performance/recommendations?status=accepted").json()
    assert [r["decided_by"] for r in accepted] == ["u-manager"]
    runner = CliRunner()
    # the CLI reads its settings once per process: point them at this test's database
    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_SECRET_KEY", world.settings.secret_key)
    get_settings.cache_clear()
    try:
        env = {"COLUMNS": "200"}
        out = runner.invoke(
            app, ["performance", "recommendations", "--status", "all", "--json"], env=env
        )
        assert out.exit_code == 0, out.output
        assert [r["status"] for r in json.loads(out.output)] == ["accepted"]
        refused = runner.invoke(
            app,
            [
                "performance",
                "recommend",
                str(review["id"]),
                "--kind",
                "transfer",
                "--rationale",
                "x",
            ],
            env=env,
        )
        assert refused.exit_code != 0
        assert "a transfer recommendation needs evidence" in refused.output
    finally:
        dispose_engines()  # the CLI's pooled connections to this test's database
        get_settings.cache_clear()  # the next test reads its own settings


def test_recommend_page_marks_missing_evidence_and_the_manager_page_decides(
    world: World,
) -> None:
    _seed(world)
    lead = world.client(Role.supervisor)
    review = lead.post("/api/v1/performance/reviews", json=REVIEW).json()
    page = f"/performance/reviews/{review['id']}/recommend"
    shown = lead.get(page)
    assert shown.status_code == 200
    assert 'name="kpis" value="repeat_contact_rate"' in shown.text
    refused = lead.post(page, data={"kind": "training", "rationale": "refunds"})
    assert refused.status_code == 422
    assert "a training recommendation needs evidence" in refused.text
    stored = lead.post(
        page, data={"kind": "training", "rationale": "refunds", "kpis": "repeat_contact_rate"}
    )
    assert stored.status_code == 303
    listing = lead.get("/performance/recommendations")
    assert listing.status_code == 200
    assert 'data-status="pending"' in listing.text and "95% interval" in listing.text
    assert "/decide" not in listing.text  # team leaders recommend; managers decide
    manager = world.client(Role.manager)
    rid = lead.get("/api/v1/performance/recommendations").json()[0]["id"]
    assert "/decide" in manager.get("/performance/recommendations").text
    decided = manager.post(
        f"/performance/recommendations/{rid}/decide", data={"decision": "declined", "note": "later"}
    )
    assert decided.status_code == 303
    assert (
        'data-status="declined"' in manager.get("/performance/recommendations?status=declined").text
    )


def test_forecast_skill_page_and_api_answer_for_a_planner_in_scope(world: World) -> None:
    planner = world.client(Role.planner)
    api = planner.get("/api/v1/performance/people/alice/forecast-skill?first=2026-01-05")
    assert api.status_code == 200 and api.json() == []
    page = planner.get("/performance/people/alice/forecast-skill")
    assert page.status_code == 200 and "No forecast of this planner" in page.text
    assert planner.get("/api/v1/performance/people/carol/forecast-skill").status_code == 404
    reversed_period = "?first=2026-01-05&last=2026-01-01"
    bad = planner.get(f"/api/v1/performance/people/alice/forecast-skill{reversed_period}")
    assert bad.status_code == 422 and "ends (2026-01-01) before it starts" in bad.json()["message"]
