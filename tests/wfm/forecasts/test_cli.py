"""`ccops forecast ...` and `ccops capacity plan` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from tests.factories import make_org
from tests.factories.history import add_history

BACKTEST_KEYS = {"method", "horizon_days", "mae", "rmse", "wmape", "mase", "chosen"}


@pytest.fixture
def history(session: Session) -> None:
    make_org(session, timezone="Asia/Shanghai", queues=("Sales", "Empty"))
    add_history(session, queue="Sales", first_day=date(2026, 5, 11), days=21)
    session.commit()


def _json(runner: CliRunner, *args: str) -> object:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.usefixtures("history")
def test_forecast_commands_round_trip(cli: CliRunner) -> None:
    rows = _json(cli, "forecast", "backtest", "--queue", "Sales", "--interval", "30")
    assert isinstance(rows, list) and rows
    for row in rows:
        assert BACKTEST_KEYS <= set(row)
    assert {r["horizon_days"] for r in rows} == {1, 7}
    assert sum(r["chosen"] for r in rows if r["horizon_days"] == 7) == 1

    built = _json(
        cli,
        "forecast",
        "build",
        "--queue",
        "Sales",
        "--horizon-days",
        "7",
        "--interval",
        "30",
        "--method",
        "HistoricalAverage",
    )
    assert isinstance(built, dict)
    fid = str(built["id"])
    assert built["method"] in {"SeasonalNaive", "HistoricalAverage"}
    assert built["created_by"]
    listed = _json(cli, "forecast", "list")
    assert isinstance(listed, list) and [f["id"] for f in listed] == [built["id"]]
    adjusted = _json(
        cli,
        "forecast",
        "adjust",
        fid,
        "--factor",
        "1.2",
        "--reason",
        "promo",
        "--day",
        "2026-06-01",
    )
    assert isinstance(adjusted, dict) and len(adjusted["adjustments"]) == 1
    shown = _json(cli, "forecast", "show", fid)
    assert isinstance(shown, dict) and len(shown["intervals"]) == 7 * 48
    accuracy = _json(cli, "forecast", "accuracy", fid)
    assert isinstance(accuracy, dict) and accuracy["scored_intervals"] == 0
    req = _json(cli, "forecast", "requirement", fid, "--breaks", "0.1", "--absence", "0.1")
    assert isinstance(req, dict) and req["total_shrinkage"] == pytest.approx(0.2)
    plan = _json(cli, "capacity", "plan", "--forecast", fid, "--current-fte", "3", "--weeks", "4")
    assert isinstance(plan, dict) and len(plan["weeks"]) == 4

    special = _json(
        cli,
        "forecast",
        "special-day",
        "add",
        "--site",
        "Main",
        "--day",
        "2026-06-01",
        "--kind",
        "launch",
        "--name",
        "New plan",
        "--effect-pct",
        "30",
    )
    assert isinstance(special, list) and special[0]["effect_pct"] == 30
    assert _json(cli, "forecast", "special-day", "list") == special

    table = cli.invoke(app, ["forecast", "show", fid])
    assert table.exit_code == 0 and "Daily totals" in table.output
    # `latest` names the newest forecast (of a queue), as the README uses it on the demo
    latest = _json(cli, "forecast", "show", "latest", "--queue", "Sales")
    assert isinstance(latest, dict) and latest["id"] == int(fid)
    assert latest["intervals"] == shown["intervals"]
    table = cli.invoke(app, ["capacity", "plan", "--forecast", fid, "--current-fte", "3"])
    assert table.exit_code == 0 and "hires" in table.output


@pytest.mark.usefixtures("history")
def test_forecast_cli_errors_name_the_problem(cli: CliRunner) -> None:
    result = cli.invoke(app, ["forecast", "build", "--queue", "Nope"])
    assert result.exit_code == 3
    assert "queue 'Nope' does not exist" in result.output
    result = cli.invoke(app, ["forecast", "build", "--queue", "Sales", "--horizon-days", "40"])
    assert result.exit_code == 2
    assert "horizon_days: 40 days reaches further ahead than the 21 days" in result.output
    result = cli.invoke(app, ["forecast", "build", "--queue", "Empty"])
    assert result.exit_code == 2
    assert "has no contacts or interval reports" in result.output
    result = cli.invoke(app, ["forecast", "build", "--queue", "Sales", "--interval", "20"])
    assert result.exit_code == 2 and "interval_min" in result.output
    result = cli.invoke(
        app, ["forecast", "adjust", "1", "--factor", "-2", "--reason", "x", "--day", "2026-06-01"]
    )
    assert result.exit_code == 2 and "factor" in result.output
    result = cli.invoke(
        app, ["capacity", "plan", "--forecast", "1", "--current-fte", "1", "--ramp", "a,b"]
    )
    assert result.exit_code == 2 and "ramp" in result.output
    assert _json(cli, "forecast", "list") == []  # nothing stored half
    result = cli.invoke(app, ["forecast", "show", "latest"])
    assert result.exit_code == 3 and "no forecast is stored" in result.output
    result = cli.invoke(app, ["forecast", "show", "newest"])
    assert result.exit_code == 2 and "'newest' is not a forecast id" in result.output
