"""Site plans kept under a name (SQLite and PostgreSQL): kept with inputs and weekly results,
listed, opened as they were, and compared with the same inputs computed again after a wave and
a promotion came in; API, CLI and page, each in scope only."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.enums import Role, ScopeKind
from ccops.errors import NotFound
from ccops.org import service as org_service
from ccops.org.access import Scope
from ccops.web.app import create_app
from ccops.wfm.capacity import saved as capacity_saved
from ccops.wfm.capacity import schemas
from ccops.wfm.capacity import site as capacity_site
from tests.factories.web import World, sign_in
from tests.wfm.forecasts.test_site_plan import MONDAY, WAVE, _centre, _plan
from tests.wfm.forecasts.test_site_plan_people import _recommend

ALL = org_service.EVERYTHING


def _totals(weeks: list[schemas.ComparedWeekOut], field: str) -> list[float]:
    return [getattr(w, field) for w in weeks]


def test_a_kept_plan_is_opened_as_it_was_and_compared_with_today(session: Session) -> None:
    _centre(session)  # 9 people for 12 FTE (Chat 8, Sales 4)
    data = schemas.SavedSitePlanIn.model_validate(
        _plan([WAVE]).model_dump(mode="json") | {"name": "January plan", "promotion_weeks": 1}
    )
    kept = capacity_saved.save_site_plan(session=session, data=data, by="plan", scope=ALL)
    assert (kept.name, kept.site, kept.created_by, kept.first_week) == (
        "January plan",
        "Main",
        "plan",
        MONDAY,
    )
    assert kept.inputs.waves[0].name == "January" and kept.inputs.promotion_weeks == 1
    assert [sum(w.gap_with_waves.values()) for w in kept.plan.weeks] == pytest.approx(
        [3.0, 3.0, 1.0, 0.0], abs=1e-6
    )
    assert (kept.people, kept.peak_gap_without_waves, kept.peak_gap_with_waves) == (9.0, 3.0, 3.0)

    # later: a second class is kept for the site and c5 is recommended for promotion
    capacity_site.add_wave(
        session=session,
        data=schemas.StoredWaveIn.model_validate(dict(WAVE, name="March", hires=2, site="Main")),
        by="plan",
        scope=ALL,
    )
    _recommend(session, "c5", "promotion_readiness", "pending", recorded=-7, decided=None)
    opened = capacity_saved.get_site_plan(session=session, saved_id=kept.id, scope=ALL)
    assert opened.plan == kept.plan  # as it was computed, whatever changed since

    cmp = capacity_saved.compare_site_plan(session=session, saved_id=kept.id, scope=ALL)
    assert (cmp.waves_added, cmp.waves_removed, cmp.waves_changed) == (["March"], [], [])
    assert (cmp.promotions_added, cmp.promotions_removed) == (["c5"], [])
    assert (cmp.people_saved, cmp.people_now) == (9.0, 9.0)
    assert _totals(cmp.weeks, "on_hand_saved") == [9.0] * 4
    assert _totals(cmp.weeks, "on_hand_now") == [8.0] * 4  # c5 gone from the first week
    assert _totals(cmp.weeks, "gap_without_waves_now") == pytest.approx([4.0] * 4, abs=1e-4)
    # with January (4 Chat, half in week 3) and March (2 Chat, likewise): 4, 4, 4 - 2 - 1, 0
    assert _totals(cmp.weeks, "gap_with_waves_now") == pytest.approx([4.0, 4.0, 1.0, 0.0], abs=1e-4)
    assert _totals(cmp.weeks, "change_gap_with_waves") == pytest.approx(
        [1.0, 1.0, 0.0, 0.0], abs=1e-4
    )

    (listed,) = capacity_saved.list_site_plans(session=session, scope=ALL, site="Main")
    assert listed.id == kept.id and listed.waves == ["January"]
    elsewhere = Scope(kind=ScopeKind.sites, site_ids=frozenset({-1}))
    with pytest.raises(NotFound, match=f"no saved site plan {kept.id}"):
        capacity_saved.get_site_plan(session=session, saved_id=kept.id, scope=elsewhere)
    assert capacity_saved.list_site_plans(session=session, scope=elsewhere) == []


def test_saved_site_plans_over_the_api_in_scope_only(world: World) -> None:
    planner = world.client(Role.planner)  # sites: Main
    body = {"site": "Main", "first_week": str(MONDAY), "weeks": 2, "name": "Two weeks"}
    nameless = planner.post("/api/v1/capacity-plans/site/saved", json=dict(body, name=""))
    assert nameless.status_code == 422
    assert planner.get("/api/v1/capacity-plans/site/saved").json() == []
    kept = planner.post("/api/v1/capacity-plans/site/saved", json=body)
    assert kept.status_code == 201, kept.text
    saved = kept.json()
    assert saved["created_by"] == "u-planner" and saved["people"] == 3.0
    assert [w["week_start"] for w in saved["plan"]["weeks"]] == [
        str(MONDAY),
        str(MONDAY + timedelta(days=7)),
    ]
    listed = planner.get("/api/v1/capacity-plans/site/saved", params={"site": "Main"}).json()
    assert [p["name"] for p in listed] == ["Two weeks"]
    shown = planner.get(f"/api/v1/capacity-plans/site/saved/{saved['id']}")
    assert shown.status_code == 200 and shown.json()["inputs"]["weeks"] == 2
    cmp = planner.get(f"/api/v1/capacity-plans/site/saved/{saved['id']}/comparison").json()
    assert [w["change_gap_with_waves"] for w in cmp["weeks"]] == [0.0, 0.0]

    admin = world.client(Role.admin)
    far = admin.post("/api/v1/capacity-plans/site/saved", json=dict(body, site="Other"))
    assert far.status_code == 201
    far_id = far.json()["id"]
    assert planner.get(f"/api/v1/capacity-plans/site/saved/{far_id}").status_code == 404
    assert planner.get(f"/api/v1/capacity-plans/site/saved/{far_id}/comparison").status_code == 404
    assert [p["site"] for p in planner.get("/api/v1/capacity-plans/site/saved").json()] == ["Main"]
    assert (
        planner.get("/api/v1/capacity-plans/site/saved", params={"site": "Other"}).status_code
        == 404
    )
    executive = world.client(Role.executive)
    assert executive.post("/api/v1/capacity-plans/site/saved", json=body).status_code == 403
    assert executive.get(f"/api/v1/capacity-plans/site/saved/{saved['id']}").status_code == 200


def test_a_plan_is_kept_from_the_site_page_and_opened_beside_today(world: World) -> None:
    client = TestClient(create_app(world.settings), follow_redirects=False)
    csrf = sign_in(client, "u-planner")  # sites: Main
    form = {
        "csrf_token": csrf,
        "site": "Main",
        "first_week": str(MONDAY),
        "weeks": "3",
        "name": "",
    }
    nameless = client.post("/capacity-plans/site/saved", data=form)
    assert nameless.status_code == 422
    assert 'aria-describedby="e-sv-name"' in nameless.text
    assert "No plan of this site kept yet." in nameless.text
    kept = client.post("/capacity-plans/site/saved", data=dict(form, name="Quarter view"))
    assert kept.status_code == 303
    url = kept.headers["location"]
    assert url.startswith("/capacity-plans/site/saved/")
    page = client.get(url)
    assert page.status_code == 200
    assert "Saved site plan Quarter view" in page.text
    assert page.text.count('<tr data-week="') == 3
    assert "No wave and no promotion changed since the plan was kept." in page.text
    site = client.get("/capacity-plans/site?site=Main").text
    assert f'<a href="{url}">Quarter view</a>' in site
    assert world.client(Role.agent).get(url).status_code == 403
    far = world.client(Role.admin).post(
        "/api/v1/capacity-plans/site/saved",
        json={"site": "Other", "first_week": str(MONDAY), "weeks": 2, "name": "Far"},
    )
    assert client.get(f"/capacity-plans/site/saved/{far.json()['id']}").status_code == 404


def test_cli_keeps_lists_and_shows_a_site_plan(
    session: Session, cli: CliRunner, tmp_path: Path
) -> None:
    _centre(session)
    session.commit()
    file = tmp_path / "plan.json"
    file.write_text(json.dumps(_plan([WAVE]).model_dump(mode="json")), encoding="utf-8")
    saved = cli.invoke(app, ["capacity", "site-plan", "save", str(file), "--name", "Jan", "--json"])
    assert saved.exit_code == 0, saved.output
    out = json.loads(saved.stdout)
    assert (out["name"], out["peak_gap_with_waves"]) == ("Jan", 3.0)
    listed = cli.invoke(app, ["capacity", "site-plan", "list", "--site", "Main", "--json"])
    assert [p["id"] for p in json.loads(listed.stdout)] == [out["id"]]
    shown = cli.invoke(app, ["capacity", "site-plan", "show", str(out["id"]), "--json"])
    assert json.loads(shown.stdout)["plan"] == out["plan"]
    cmp = cli.invoke(app, ["capacity", "site-plan", "show", str(out["id"]), "--compare", "--json"])
    assert cmp.exit_code == 0, cmp.output
    assert [w["gap_with_waves_now"] for w in json.loads(cmp.stdout)["weeks"]] == pytest.approx(
        [3.0, 3.0, 1.0, 0.0], abs=1e-4
    )
    missing = cli.invoke(app, ["capacity", "site-plan", "show", "999999", "--json"])
    assert missing.exit_code != 0
    assert json.loads(missing.stdout)["message"] == "no saved site plan 999999"
