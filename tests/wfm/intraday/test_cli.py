"""`ccops events ...`, `ccops intraday ...` and `ccops exceptions ...` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.wfm.intraday import exceptions as exception_service
from ccops.wfm.intraday import schemas
from tests.factories import make_org
from tests.factories.intraday import OPEN, contacts, flat_forecast, send


def _json(runner: CliRunner, *args: str) -> object:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_intraday_commands(cli: CliRunner, session: Session, tmp_path: Path) -> None:
    make_org(session, timezone="UTC")
    flat_forecast(session)
    exception_service.create_plan(
        session=session,
        data=schemas.PlanIn(
            name="p",
            queue="Sales",
            rules=[schemas.RuleIn(name="T1", tier=1, measure="volume_over", threshold=0.3)],
        ),
        created_by="t",
    )
    send(session, contacts(OPEN, 30, prefix="a"), OPEN + timedelta(minutes=15))
    send(
        session,
        contacts(OPEN + timedelta(minutes=15), 30, prefix="b"),
        OPEN + timedelta(minutes=30),
    )
    session.commit()

    view = _json(cli, "intraday", "status", "--queue", "Sales", "--date", "2026-11-23")
    assert isinstance(view, dict) and view["queue"] == "Sales" and view["offered"] == 60
    explained = _json(cli, "intraday", "explain", "--date", "2026-11-23", "--queue", "Sales")
    assert isinstance(explained, list) and len(explained) == 1
    keys = {"queue", "date", "target_service_level", "achieved_service_level", "shortfall", "parts"}
    assert keys <= set(explained[0])
    assert set(explained[0]["parts"]) == {
        "volume",
        "handle_time",
        "staffing",
        "schedule_loss",
        "other",
    }
    listed = _json(cli, "exceptions", "list")
    assert isinstance(listed, list) and [x["tier"] for x in listed] == [1]
    done = cli.invoke(app, ["exceptions", "acknowledge", str(listed[0]["id"])])
    assert done.exit_code == 0 and "acknowledged" in done.stdout

    bad = cli.invoke(app, ["intraday", "status", "--queue", "Sales", "--date", "someday"])
    assert bad.exit_code == 2 and "not a date" in bad.output
    relative = cli.invoke(app, ["intraday", "status", "--queue", "Sales", "--date", "yesterday"])
    assert relative.exit_code == 0, relative.output  # a relative day is a day
    missing = cli.invoke(app, ["intraday", "status", "--queue", "Nope"])
    assert missing.exit_code == 3

    log = tmp_path / "calls.csv"
    log.write_text(
        "external_id,queue,arrival,outcome,wait_s,talk_s\n"
        "f1,Sales,2026-11-23T10:01:00+00:00,answered,5,100\n"
        "f2,Sales,2026-11-23T10:02:00+00:00,bogus,5,100\n"
    )
    followed = _json(cli, "events", "follow", str(log), "--format", "csv", "--once")
    assert followed == {"accepted": 1, "duplicate": 0, "rejected": 0}
    again = _json(cli, "events", "follow", str(log), "--format", "csv", "--once")
    assert again == {"accepted": 0, "duplicate": 1, "rejected": 0}
    lines = tmp_path / "events.jsonl"
    lines.write_text(contacts(OPEN + timedelta(hours=2), 1, prefix="z")[0] + "\n{broken\n")
    sent = _json(cli, "events", "send", str(lines))
    assert isinstance(sent, dict) and (sent["accepted"], sent["rejected"]) == (1, 1)
