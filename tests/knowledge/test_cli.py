"""`ccops kb` and `ccops changes`: JSON search output and exit codes of refused steps."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ccops.cli import app
from ccops.settings import get_settings
from tests.factories.knowledge import published, world_session
from tests.factories.web import World


def test_kb_search_json_and_refusals_exit_with_codes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    mp = monkeypatch
    mp.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    mp.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    mp.setenv("CCOPS_SECRET_KEY", "k")
    get_settings.cache_clear()
    with world_session(world) as s:
        a = published(s, title="退款多久到账", body="七个工作日内到账。", language="zh")
    runner = CliRunner()
    out = runner.invoke(app, ["kb", "search", "工作日", "--json"])
    assert out.exit_code == 0, out.output
    hits = json.loads(out.stdout)
    assert [(h["id"], h["title"], h["version"], h["language"]) for h in hits] == [
        (a.id, "退款多久到账", 1, "zh")
    ]
    edit = runner.invoke(
        app, ["kb", "edit", str(a.id), "--title", "退款", "--body", "新", "--by", "u-planner"]
    )
    assert edit.exit_code == 0, edit.output
    refused = runner.invoke(app, ["kb", "publish", str(a.id), "2", "--by", "u-qa", "--json"])
    assert refused.exit_code == 4 and json.loads(refused.stdout)["error"] == "Conflict"
    assert runner.invoke(app, ["kb", "rollback", str(a.id), "9"]).exit_code == 3
    shown = json.loads(runner.invoke(app, ["kb", "show", str(a.id), "--json"]).stdout)
    assert (shown["version"], [v["status"] for v in shown["versions"]]) == (
        1,
        ["published", "draft"],
    )
    made = runner.invoke(
        app,
        ["changes", "create", "--title", "t", "--summary", "s", "--team", "Team A", "--json"],
    )
    assert made.exit_code == 0, made.output
    change_id = json.loads(made.stdout)[0]["id"]
    assert runner.invoke(app, ["changes", "ack", str(change_id), "--user", "u-qa"]).exit_code == 5
    assert (
        runner.invoke(app, ["changes", "ack", str(change_id), "--user", "u-agent"]).exit_code == 0
    )
    status = json.loads(runner.invoke(app, ["changes", "status", str(change_id), "--json"]).stdout)
    assert [(t["team"], t["acknowledged"], t["missing"]) for t in status["teams"]] == [
        ("Team A", 1, [])
    ]
    get_settings.cache_clear()
