"""`ccops cases ...` and `ccops calendars ...`: JSON output, exit codes, nothing stored on bad
input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from tests.factories.cases import OFFICE, add_contact, set_up_cases
from tests.factories.web import build_world


def test_cli_calendars_open_update_compliance_and_surveys(
    cli: CliRunner, session: Session, tmp_path: Path
) -> None:
    build_world(session)
    set_up_cases(session)
    contact = add_contact(session, "alice", datetime(2026, 12, 4, 10, tzinfo=UTC))
    session.commit()

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**OFFICE, "name": "Bad", "hours": {"1": []}}))
    refused = cli.invoke(app, ["calendars", "create", str(bad)])
    assert refused.exit_code == 2 and "no business hours at all" in refused.stderr
    good = tmp_path / "weekend.toml"
    good.write_text(
        'name = "Weekend"\ntimezone = "Europe/Paris"\n[hours]\n"5" = [["10:00", "16:00"]]\n'
    )
    made = cli.invoke(app, ["calendars", "create", str(good), "--json"])
    assert made.exit_code == 0, made.stdout
    assert json.loads(made.stdout)["weekly_hours"] == 6.0
    listed = json.loads(cli.invoke(app, ["calendars", "list", "--json"]).stdout)
    assert [c["name"] for c in listed] == ["Office", "Weekend"]

    unknown = cli.invoke(app, ["cases", "open", "praise", "x", "--contact", str(contact)])
    assert unknown.exit_code == 2 and "case_type" in unknown.stderr
    opened = cli.invoke(
        app, ["cases", "open", "complaint", "Billed twice", "--contact", str(contact), "--json"]
    )
    assert opened.exit_code == 0, opened.stdout
    case = json.loads(opened.stdout)
    assert case["due_first_response_at"] and case["due_resolution_at"]
    assert (case["owner"], case["team"], case["status"]) == ("lead", "Team A", "new")

    forbidden = cli.invoke(
        app, ["cases", "update", str(case["id"]), "--status", "closed", "--json"]
    )
    assert forbidden.exit_code == 4
    assert "cannot go from new to closed" in json.loads(forbidden.stdout)["message"]
    missing = cli.invoke(app, ["cases", "show", "999999"])
    assert missing.exit_code == 3
    resolved = cli.invoke(
        app,
        [
            "cases",
            "update",
            str(case["id"]),
            "--status",
            "resolved",
            "--answer",
            "Refunded",
            "--json",
        ],
    )
    assert resolved.exit_code == 0 and json.loads(resolved.stdout)["status"] == "resolved"
    shown = json.loads(cli.invoke(app, ["cases", "show", str(case["id"]), "--json"]).stdout)
    assert [e["kind"] for e in shown["events"]][-2:] == ["resolved", "responded"]

    summary = cli.invoke(
        app, ["cases", "compliance", "--from", "2026-01-01", "--to", "2099-12-31", "--json"]
    )
    assert summary.exit_code == 0
    assert json.loads(summary.stdout)["total"]["met"] == 1
    assert cli.invoke(app, ["cases", "compliance", "--from", "soon"]).exit_code == 2
    assert cli.invoke(app, ["cases", "list", "--status", "lost"]).exit_code == 2

    answers = tmp_path / "surveys.csv"
    answers.write_text(f"contact_id,csat,nps,comment\n{contact},5,9,great\n999999,11,,\n")
    bad_import = cli.invoke(app, ["cases", "surveys", "import", str(answers)])
    assert bad_import.exit_code == 2 and "row 2" in bad_import.stderr
    answers.write_text(f"contact_id,csat,nps,comment\n{contact},5,9,great\n")
    stored = cli.invoke(app, ["cases", "surveys", "import", str(answers), "--json"])
    assert json.loads(stored.stdout) == {"stored": 1, "replaced": 0}
    results = cli.invoke(
        app, ["cases", "surveys", "results", "--from", "2026-12-01", "--to", "2026-12-06", "--json"]
    )
    assert json.loads(results.stdout)["total"]["nps"] == 100.0
