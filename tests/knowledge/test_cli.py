"""`ccops kb` and `ccops changes`: JSON search output and exit codes of refused steps."""

from __future__ import annotations

import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from ccops import cli_support
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


def test_kb_repeats_prints_rates_per_topic_and_version(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.knowledge.test_repeat_routes import LOGIN
    from tests.knowledge.test_repeat_routes import _seed as seed_repeats

    mp = monkeypatch
    mp.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    mp.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    mp.setenv("CCOPS_SECRET_KEY", "k")
    # the table's figures are read whole: a console as wide as a desktop terminal, whatever
    # the terminal of the test run (80 columns under xdist, where cells fold)
    mp.setattr(cli_support, "console", Console(width=160))
    get_settings.cache_clear()
    article_id = seed_repeats(world)
    runner = CliRunner()
    span = ["--from", "2026-11-01", "--to", "2026-11-22"]
    out = runner.invoke(app, ["kb", "repeats", *span, "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout)
    # every site (the CLI is not scoped): A's Shanghai contact is one more version-1 contact
    (topic,) = body["topics"]
    assert (topic["topic"], topic["contacts"], topic["repeats"]) == (LOGIN, 5, 2)
    v1, v2 = topic["versions"]
    assert (v1["article_id"], v1["version"], v1["contacts"], v1["repeats"]) == (article_id, 1, 4, 2)
    assert v1["low"] == pytest.approx(0.150, abs=1e-3) and v1["high"] == pytest.approx(
        0.850, abs=1e-3
    )
    assert (v2["contacts"], v2["incomplete"], v2["comparison"]) == (1, 1, "no clear difference")
    assert (body["incomplete"], body["without_topic"]) == (1, 1)

    table = runner.invoke(app, ["kb", "repeats", *span])
    assert table.exit_code == 0, table.output
    assert "Repeat contacts within 7 days, 2026-11-01 to 2026-11-22" in table.stdout
    assert "50.0%" in table.stdout and "15.0%–85.0%" in table.stdout
    assert "no clear difference than v1" in table.stdout
    assert "Not in a rate: 1 contacts whose window is not over yet" in table.stdout

    # the default range ends on the data's last day; a topic filter; bad input exits 2
    default = json.loads(runner.invoke(app, ["kb", "repeats", "--json"]).stdout)
    assert (default["first"], default["last"]) == ("2026-08-31", "2026-11-22")
    other = json.loads(runner.invoke(app, ["kb", "repeats", "--topic", "refunds", "--json"]).stdout)
    assert other["topics"] == []
    for bad, named in (
        (["--days", "0"], "window"),
        (["--from", "2026-13-01"], "--from"),
        ([*span[:2], "--to", "2026-10-01"], "from must not be after to"),
    ):
        refused = runner.invoke(app, ["kb", "repeats", *bad])
        assert refused.exit_code == 2 and named in refused.output, (bad, refused.output)
    get_settings.cache_clear()
