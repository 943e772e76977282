"""CLI failures read like the API's: `--json` prints the error body on stdout, and a read
command given a name that does not exist fails (exit 3) instead of printing an empty table."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.enums import Outcome
from tests.factories import make_admin, make_org
from tests.factories.metrics import add_contact

DAY = ["--from", "2024-01-15", "--to", "2024-01-15"]
PROBLEM_KEYS = {"message", "field", "row", "file"}

# command, the name's field, the message; each command also runs with a known name (KNOWN).
UNKNOWN = [
    pytest.param(["kpi", *DAY, "--queue", "Nope"], "queue", "queue 'Nope'", id="kpi"),
    pytest.param(
        ["kpi", "repeats", *DAY, "--queue", "Nope"], "queue", "queue 'Nope'", id="repeats"
    ),
    pytest.param(
        ["kpi", "agents", *DAY, "--person", "nope"], "person", "person 'nope'", id="agents"
    ),
    pytest.param(
        ["users", "token", "list", "--login", "nope"], "login", "user 'nope'", id="tokens"
    ),
]
KNOWN = {
    "kpi": ["kpi", *DAY, "--queue", "Sales"],
    "repeats": ["kpi", "repeats", *DAY, "--queue", "Sales"],
    "agents": ["kpi", "agents", *DAY, "--person", "alice"],
    "tokens": ["users", "token", "list", "--login", "root"],
}


@pytest.fixture
def org(session: Session) -> Session:
    """Site Main with queue Sales, agents alice and bob, one answered call, user root."""
    make_org(session)
    add_contact(
        session,
        ext="1",
        queue="Sales",
        arrival=datetime(2024, 1, 15, 9, 5, tzinfo=UTC),
        outcome=Outcome.answered,
        wait_s=10,
        talk_s=60,
    )
    make_admin(session)  # commits
    return session


@pytest.mark.parametrize(("args", "field", "name"), UNKNOWN)
def test_an_unknown_name_fails_with_the_apis_error_body(
    cli: CliRunner, org: Session, args: list[str], field: str, name: str
) -> None:
    result = cli.invoke(app, [*args, "--json"])
    assert result.exit_code == 3, result.output
    assert result.stderr == ""
    body = json.loads(result.stdout)
    assert (body["error"], body["message"]) == ("NotFound", f"{name} does not exist")
    assert [p["field"] for p in body["problems"]] == [field]
    assert set(body["problems"][0]) == PROBLEM_KEYS
    text = cli.invoke(app, args)
    assert (text.exit_code, text.stdout) == (3, "")
    assert f"error: {name} does not exist" in text.stderr
    assert f"field {field}" in text.stderr


@pytest.mark.parametrize("command", sorted(KNOWN))
def test_a_known_name_still_answers(cli: CliRunner, org: Session, command: str) -> None:
    result = cli.invoke(app, [*KNOWN[command], "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    if command == "kpi":
        assert [(r["queue"], r["offered"], r["answered"]) for r in rows] == [("Sales", 1, 1)]
    if command == "tokens":
        assert [r["login"] for r in rows] == ["root"]


def test_every_unknown_name_is_named(cli: CliRunner, org: Session) -> None:
    result = cli.invoke(app, ["kpi", *DAY, "--queue", "Sales", "--queue", "A", "--queue", "B"])
    assert result.exit_code == 3
    assert "error: queue 'A', queue 'B' do not exist" in result.stderr


def test_a_parquet_export_knows_the_queues_in_it(
    cli: CliRunner, org: Session, tmp_path: Path
) -> None:
    parquet = tmp_path / "contacts.parquet"
    exported = cli.invoke(app, ["export", "contacts", *DAY, "--to-file", str(parquet)])
    assert exported.exit_code == 0, exported.output
    known = cli.invoke(app, ["kpi", *DAY, "--parquet", str(parquet), "--queue", "Sales", "--json"])
    assert [r["offered"] for r in json.loads(known.stdout)] == [1]
    unknown = cli.invoke(
        app, ["kpi", "repeats", *DAY, "--parquet", str(parquet), "--queue", "Nope", "--json"]
    )
    assert unknown.exit_code == 3
    assert json.loads(unknown.stdout)["problems"][0]["field"] == "queue"


def test_an_invalid_input_prints_json_with_the_field(cli: CliRunner, org: Session) -> None:
    """A schema's validation error (pydantic) is an Invalid body too, exit code 2."""
    result = cli.invoke(app, ["sites", "create", "Eve\u202e", "--timezone", "UTC", "--json"])
    assert result.exit_code == 2
    body = json.loads(result.stdout)
    assert (body["error"], body["message"]) == ("Invalid", "the input is invalid")
    (problem,) = body["problems"]
    assert problem["field"] == "name" and "U+202E" in problem["message"]
    assert set(problem) == PROBLEM_KEYS


def test_a_bad_option_prints_json_with_the_field(cli: CliRunner) -> None:
    result = cli.invoke(app, ["kpi", "--from", "2024-01-02", "--to", "2024-01-01", "--json"])
    assert result.exit_code == 2
    body = json.loads(result.stdout)
    assert body["message"] == "--to 2024-01-01 is before --from 2024-01-02"
    assert body["problems"] == [
        {"message": "before --from", "field": "to", "row": None, "file": None}
    ]


@pytest.mark.parametrize(
    "command",
    [
        ["import", "agent-states", "--format", "csv"],
        ["import", "contacts", "--format", "asterisk-queue-log"],
        ["exceptions", "plan"],
        ["performance", "scorecard-create"],
    ],
    ids=["agent-states", "queue-log", "plan", "scorecard"],
)
def test_a_missing_file_is_named_as_typed_once(
    cli: CliRunner,
    org: Session,
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The path as the user typed it (../ and all) and where it led, said once, exit code 2."""
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    result = cli.invoke(app, [*command, "../nope.file"])
    assert result.exit_code == 2, result.output
    line = f"error: ../nope.file ({tmp_path / 'nope.file'}): no such file"
    assert result.stderr.strip() == line


@pytest.mark.parametrize(
    ("command", "line"),
    [
        (
            ["performance", "scorecard", "--from", "nope"],
            "error: --from 'nope' is not a date (YYYY-MM-DD, or today, yesterday, launch, "
            "with an offset in days (yesterday-6))",
        ),
        (
            ["kpi", "--from", "2024-01-02", "--to", "2024-01-01"],
            "error: --to 2024-01-01 is before --from 2024-01-02",
        ),
    ],
    ids=["scorecard-day", "kpi-order"],
)
def test_an_error_is_said_once_naming_the_option(
    cli: CliRunner, command: list[str], line: str
) -> None:
    """A problem whose text and field the message already says is not printed again under it
    (was "error: --to … is before --from …" then "  field to: before --from")."""
    result = cli.invoke(app, command, env={"COLUMNS": "250"})
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == line


def test_a_file_that_is_not_json_is_said_once(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{nope", encoding="utf-8")
    result = cli.invoke(app, ["performance", "scorecard-create", str(bad)], env={"COLUMNS": "250"})
    assert result.exit_code == 2, result.output
    (only,) = result.stderr.strip().splitlines()
    assert only.startswith(f"error: {bad}: not JSON (Expecting property name")
