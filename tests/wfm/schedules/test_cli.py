"""`ccops schedule ...` on SQLite and PostgreSQL: the build's one JSON object, show, list,
publish, swap, time off, templates and contracts, and bad input as exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.db import make_engine, make_session_factory
from ccops.settings import Settings
from tests.factories.schedules import WEEK, make_small_site

BUILD_KEYS = {
    "objective",
    "bound",
    "gap",
    "solve_s",
    "paid_hours",
    "under_coverage_h",
    "over_coverage_h",
    "intervals",
}
INTERVAL_KEYS = {"queue", "interval_start", "required", "scheduled", "predicted_service_level"}


@pytest.fixture
def site(session: Session) -> None:
    make_small_site(session)
    session.commit()


def _json(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.usefixtures("site")
def test_build_prints_one_object_and_the_rest_round_trips(cli: CliRunner) -> None:
    out = _json(
        cli,
        "schedule",
        "build",
        "--week",
        WEEK,
        "--site",
        "Main",
        "--workers",
        "1",
        "--plan-time-limit-s",
        "20",
    )
    assert BUILD_KEYS <= set(out)
    assert 0 <= out["gap"] <= 0.01
    assert out["gap"] == pytest.approx((out["objective"] - out["bound"]) / out["objective"])
    assert out["under_coverage_h"] == pytest.approx(0.0, abs=1e-6)
    assert out["paid_hours"] > 0 and out["version"] == 1
    assert len(out["intervals"]) == 7 * 96
    assert all(set(r) == INTERVAL_KEYS for r in out["intervals"])
    over = sum(max(r["scheduled"] - r["required"], 0) for r in out["intervals"]) / 4
    assert out["over_coverage_h"] == pytest.approx(over, abs=1e-4)
    sid = str(out["schedule_id"])
    shown = _json(cli, "schedule", "show", sid)
    assert shown["paid_hours"] == out["paid_hours"] and shown["status"] == "draft"
    published = _json(cli, "schedule", "publish", sid)
    assert published["status"] == "published"
    again = cli.invoke(app, ["schedule", "publish", sid])
    assert again.exit_code == 4 and "only a complete draft" in again.output
    listed = _json(cli, "schedule", "list", "--site", "Main")
    assert [(r["version"], r["status"]) for r in listed] == [(1, "published")]


@pytest.mark.usefixtures("site")
def test_bad_input_is_named_with_an_exit_code(cli: CliRunner) -> None:
    bad_week = cli.invoke(app, ["schedule", "build", "--week", "2026-W60", "--site", "Main"])
    assert bad_week.exit_code == 2 and "2026-W60" in bad_week.output
    unknown = cli.invoke(app, ["schedule", "build", "--week", WEEK, "--site", "Nowhere"])
    assert unknown.exit_code == 3 and "Nowhere" in unknown.output
    contract = cli.invoke(
        app,
        [
            "schedule",
            "contract",
            "add",
            "--name",
            "odd",
            "--weekly-min-h",
            "50",
            "--weekly-max-h",
            "20",
        ],
    )
    assert contract.exit_code == 2 and "weekly_min_h 50 > weekly_max_h 20" in contract.output
    brk = cli.invoke(
        app,
        [
            "schedule",
            "template",
            "add",
            "--site",
            "Main",
            "--name",
            "x",
            "--first",
            "08:00",
            "--last",
            "09:00",
            "--length-min",
            "240",
            "--break",
            "15@300-330",
        ],
    )
    assert brk.exit_code == 2 and "past the shift end" in brk.output
    missing = cli.invoke(app, ["schedule", "show", "999"])
    assert missing.exit_code == 3 and "schedule 999 does not exist" in missing.output
    listed = _json(cli, "schedule", "list")
    assert listed == []


@pytest.mark.usefixtures("site")
def test_templates_and_contracts_are_listed(cli: CliRunner) -> None:
    added = _json(
        cli,
        "schedule",
        "template",
        "add",
        "--site",
        "Main",
        "--name",
        "late",
        "--first",
        "12:00",
        "--last",
        "13:00",
        "--length-min",
        "480",
        "--weekdays",
        "56",
        "--break",
        "30@180-240:unpaid",
        "--late",
    )
    assert added["starts"] == {
        "5": ["12:00", "12:15", "12:30", "12:45", "13:00"],
        "6": ["12:00", "12:15", "12:30", "12:45", "13:00"],
    }
    assert added["breaks"][0]["paid"] is False and added["is_late"] is True
    names = [t["name"] for t in _json(cli, "schedule", "template", "list", "--site", "Main")]
    assert names == ["day", "late"]
    assert [c["name"] for c in _json(cli, "schedule", "contract", "list")] == ["flex"]


def test_availability_and_preferences_set_show_and_bad_input(cli: CliRunner, site: None) -> None:
    out = _json(
        cli, "schedule", "availability", "set", "alice", "mon 08:00-12:00", "Tue 13:00-24:00"
    )
    assert out == {
        "login": "alice",
        "any_time": False,
        "spans": [
            {"weekday": 0, "start": "08:00", "end": "12:00"},
            {"weekday": 1, "start": "13:00", "end": "24:00"},
        ],
    }
    assert _json(cli, "schedule", "availability", "show", "alice") == out
    for args, message in (
        (["noday 08:00-12:00"], "'noday' is not a weekday"),
        (["mon 12:00-08:00"], "end 08:00 must be after start 12:00"),
        (["mon 08:00-12:00", "mon 11:00-13:00"], "mon 08:00-12:00 overlaps 11:00-13:00"),
        (["mon 8-12"], "start: Value error, '8' is not a time of day HH:MM"),
        (["mon"], "'mon' is not like 'mon 08:00-17:00'"),
        ([], "or --clear for any time"),
    ):
        bad = cli.invoke(app, ["schedule", "availability", "set", "alice", *args])
        assert bad.exit_code == 2, (args, bad.output)
        assert message in bad.output.replace("\n", " "), (args, bad.output)
    assert _json(cli, "schedule", "availability", "show", "alice") == out  # unchanged
    missing = cli.invoke(app, ["schedule", "availability", "show", "nobody"])
    assert missing.exit_code == 3 and "nobody" in missing.output
    cleared = _json(cli, "schedule", "availability", "set", "alice", "--clear")
    assert cleared == {"login": "alice", "any_time": True, "spans": []}

    prefs = _json(
        cli, "schedule", "preferences", "set", "bob", "weight=2,template=day", "weight=-3,day=sat"
    )
    assert prefs["preferences"] == [
        {"weight": 2.0, "template": "day", "weekday": None, "start": None, "end": None},
        {"weight": -3.0, "template": None, "weekday": 5, "start": None, "end": None},
    ]
    for args, message in (
        (["weight=2,template=late"], "template 'late' does not exist; known: day"),
        (["weight=0,day=mon"], "weight must not be 0"),
        (["weight=1"], "needs a template, a weekday or a start and end"),
        (["weight=1,from=08:00"], "start and end go together"),
        (["weight=x,day=mon"], "weight 'x' is not a number"),
        (["day=mon"], "has no weight="),
        (["weight=1,colour=red"], "'colour=red' is not one of"),
    ):
        bad = cli.invoke(app, ["schedule", "preferences", "set", "bob", *args])
        assert bad.exit_code == 2, (args, bad.output)
        assert message in bad.output.replace("\n", " "), (args, bad.output)
    assert _json(cli, "schedule", "preferences", "show", "bob") == prefs  # unchanged


def test_a_build_run_as_a_program_prints_only_json_on_stdout(
    sqlite_settings: Settings,
) -> None:
    """HiGHS writes its banner on the process's real stdout (not Python's sys.stdout, so a
    CliRunner never sees it): run as a program, `--json` must still be one parsable object."""
    engine = make_engine(sqlite_settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        make_small_site(s)
        s.commit()
    engine.dispose()
    env = {
        **os.environ,
        "CCOPS_DATABASE_URL": sqlite_settings.resolved_database_url(),
        "CCOPS_DATA_DIR": str(sqlite_settings.data_dir),
        "CCOPS_SECRET_KEY": sqlite_settings.secret_key,
    }
    args = ["schedule", "build", "--week", WEEK, "--site", "Main", "--workers", "1"]
    done = subprocess.run(
        [sys.executable, "-c", "from ccops.cli import app; app()", *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert BUILD_KEYS <= set(out)
    assert out["version"] == 1 and out["paid_hours"] > 0
    assert "HiGHS" not in done.stdout
