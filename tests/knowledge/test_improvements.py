"""Improvement cycles (PDCA) on SQLite and PostgreSQL: plan, do, check with intervals and an
honest verdict, standardise only what improved; the API and the CLI."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from ccops.cli import app
from ccops.enums import Role
from ccops.errors import Conflict, Invalid, NotFound
from ccops.knowledge import improvements, schemas
from ccops.settings import get_settings
from tests.factories.knowledge import published, site_scope, world_session
from tests.factories.web import World

PLAN = {
    "title": "Repeat contacts after the launch",
    "kpi": "repeat_rate",
    "queue": "Support",
    "problem_first": "2026-11-16",
    "problem_last": "2026-11-16",
    "problem": "Three different answers to the log-in problem; customers called back.",
    "whys": ["Agents gave different answers", "No answer was written", "Nobody owned it"],
    "fishbone": {"process": ["no known-issue process"], "people": ["no briefing"]},
}


def _check(before: tuple[int, int], after: tuple[int, int]) -> schemas.CheckIn:
    return schemas.CheckIn(
        before_first=date(2026, 11, 16),
        before_last=date(2026, 11, 16),
        before_successes=before[0],
        before_trials=before[1],
        after_first=date(2026, 11, 23),
        after_last=date(2026, 11, 23),
        after_successes=after[0],
        after_trials=after[1],
        higher_is_better=False,
    )


def test_pdca_cycle_never_standardises_noise(world: World) -> None:
    with world_session(world) as s:
        r = improvements.create(
            session=s, data=schemas.ImprovementIn.model_validate(PLAN), by="u-manager"
        )
        assert (r.stage, r.queue, len(r.whys)) == ("plan", "Support", 3)
        assert list(r.fishbone) == ["people", "process"]  # in fishbone order
        with pytest.raises(NotFound):
            improvements.get(session=s, record_id=r.id, scope=site_scope(s, "Main"))
        r = improvements.add_action(
            session=s,
            record_id=r.id,
            data=schemas.ActionIn(text="Write the answer", owner="u-qa", due=date(2026, 11, 17)),
        )
        assert r.stage == "do" and r.actions[0].owner == "u-qa"
        article = published(s, title="Log-in answer", body="Update the app", queue="Support")
        # 12% -> 9% repeats on 100 contacts each: inside the noise
        r = improvements.check(session=s, record_id=r.id, data=_check((12, 100), (9, 100)), by="q")
        assert r.check is not None and r.check.verdict == "no detectable change"
        assert r.check.difference == pytest.approx(-0.03)
        assert r.check.difference_low is not None and r.check.difference_low < 0
        assert r.check.difference_high is not None and r.check.difference_high > 0
        with pytest.raises(Conflict, match="no detectable change"):
            improvements.standardise(session=s, record_id=r.id, article_id=article.id)
        # 30% -> 20% on 1000 contacts each: a real improvement of a lower-is-better KPI
        r = improvements.check(
            session=s, record_id=r.id, data=_check((300, 1000), (200, 1000)), by="q"
        )
        assert r.check is not None and r.check.verdict == "improved"
        assert r.check.before.rate == pytest.approx(0.3) and r.check.after.low < 0.2
        r = improvements.standardise(session=s, record_id=r.id, article_id=article.id)
        assert (r.stage, r.standard_article_id) == ("standardised", article.id)
        with pytest.raises(Invalid):
            improvements.check(session=s, record_id=r.id, data=_check((5, 4), (1, 2)), by="q")


def test_improvements_api_and_cli(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    manager = world.client(Role.manager)  # sites: Main
    plan = PLAN | {"queue": "Sales"}
    made = manager.post("/api/v1/improvements", json=plan)
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    assert manager.post("/api/v1/improvements", json=PLAN).status_code == 404  # Support: Shanghai
    assert world.client(Role.agent).get("/api/v1/improvements").status_code == 403
    check = _check((300, 1000), (290, 1000)).model_dump(mode="json")
    out = manager.post(f"/api/v1/improvements/{rid}/check", json=check).json()
    assert out["check"]["verdict"] == "no detectable change"
    assert manager.post(f"/api/v1/improvements/{rid}/standardise/1").status_code == 409
    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("CCOPS_SECRET_KEY", "k")
    get_settings.cache_clear()
    runner = CliRunner()
    done = runner.invoke(
        app,
        [
            "improvements",
            "check",
            str(rid),
            "--before",
            "2026-11-16:2026-11-16:300:1000",
            "--after",
            "2026-11-23:2026-11-23:200:1000",
            "--lower-is-better",
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["check"]["verdict"] == "improved"
    listed = json.loads(runner.invoke(app, ["improvements", "list", "--json"]).stdout)
    assert [r["id"] for r in listed] == [rid]
    get_settings.cache_clear()
