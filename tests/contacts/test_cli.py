"""`ccops import …` and `ccops privacy erase`: reports, exit codes and one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.contacts.models import AgentStateEvent, Contact, ImportBatch, IntervalReport
from ccops.settings import Settings, get_settings
from tests.factories import make_org
from tests.factories.contacts import make_bank, table_counts
from tests.plugins.data import TEST_DATA


def _count(session: Session, model: type) -> int:
    session.rollback()  # see what the CLI committed
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_import_technion_prints_the_report_as_json(cli: CliRunner, session: Session) -> None:
    make_bank(session)
    session.commit()
    sample = str(TEST_DATA / "technion_sample.tsv")
    result = cli.invoke(
        app, ["import", "contacts", sample, "--format", "technion", "--site", "Bank", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["inserted"], report["skipped"]) == (11, {"phantom": 1, "vru_only": 1})
    assert _count(session, Contact) == 11

    again = cli.invoke(app, ["import", "contacts", sample, "-f", "technion", "--site", "Bank"])
    assert again.exit_code == 0, again.output
    assert "unchanged" in again.stdout and "phantom" in again.stdout
    assert _count(session, Contact) == 11


def test_import_reports_contacts_kept_with_untrusted_timing(
    cli: CliRunner, session: Session, tmp_path: Path
) -> None:
    """Issue #15, point 5: the table and --json say how many contacts were kept, by reason."""
    make_bank(session)
    session.commit()
    text = (TEST_DATA / "technion_sample.tsv").read_bytes().decode("utf-8")
    odd = text.replace("AGENT\t11:10:24\t11:12:24\t120", "AGENT\t0:00:00\t0:00:00\t0")
    assert odd != text
    path = tmp_path / "odd.tsv"
    path.write_text(odd, encoding="utf-8", newline="")
    args = ["import", "contacts", str(path), "--format", "technion", "--site", "Bank"]
    result = cli.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["inserted"], report["rejected"]) == (11, 0)
    assert report["timing_untrusted"] == {"no_answer_time": 1}
    again = cli.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert re.search(r"kept, timing untrusted: no_answer_time\s+│ 1 ", again.stdout)
    assert _count(session, Contact) == 11


def _flat(text: str) -> str:
    """Undo Rich's wrapping at the (test) terminal's width."""
    return text.replace("\n", "")


def test_rejected_file_exits_non_zero_with_one_line_per_problem(
    cli: CliRunner, session: Session, tmp_path: Path
) -> None:
    make_org(session)
    session.commit()
    path = tmp_path / "calls.csv"
    path.write_text(
        "external_id,queue,arrival,outcome,wait_s,talk_s\n"
        "a1,Sales,2024-01-15T09:00:00+00:00,abandoned,5,0\n"
        "a2,Sales,2024-01-15T09:01:00+00:00,abandoned,-5,0\n"
        "a1,Sales,2024-01-15T09:02:00+00:00,abandoned,5,0\n",
        encoding="utf-8",
    )
    before = table_counts(session)
    result = cli.invoke(app, ["import", "contacts", str(path), "--format", "csv"])
    assert result.exit_code == 2
    assert _flat(result.stderr) == (
        "error: calls.csv: 2 bad rows (2 problems); nothing was imported (fix them, or import "
        "with --skip-invalid)"
        "  calls.csv, row 3, field wait_s: negative duration -5"
        "  calls.csv, row 4, field external_id: duplicate external_id a1 (also on row 2)"
    )
    session.rollback()
    assert table_counts(session) == before


def test_skip_invalid_points_at_the_rejects_file(
    cli: CliRunner, session: Session, settings: Settings, tmp_path: Path
) -> None:
    make_org(session)
    session.commit()
    path = tmp_path / "calls.csv"
    path.write_text(
        "external_id,queue,arrival,outcome,wait_s,talk_s\n"
        "a1,Sales,2024-01-15T09:00:00+00:00,abandoned,5,0\n"
        "a2,Sales,2024-01-15T09:01:00+00:00,abandoned,-5,0\n",
        encoding="utf-8",
    )
    out = tmp_path / "reports"
    result = cli.invoke(
        app,
        ["import", "contacts", str(path), "-f", "csv", "--skip-invalid", "--report-dir", str(out)],
    )
    assert result.exit_code == 0, result.output
    [rejects] = out.glob("calls.*.rejects.csv")
    [report] = out.glob("calls.*.import-report.json")
    assert rejects.name.removesuffix(".rejects.csv") == report.name.removesuffix(
        ".import-report.json"
    )
    assert rejects.name in result.stdout.replace("\n", "")
    assert _count(session, Contact) == 1


def test_unknown_format_lists_the_known_ones(cli: CliRunner, session: Session) -> None:
    result = cli.invoke(
        app, ["import", "contacts", str(TEST_DATA / "intervals.csv"), "--format", "xls"]
    )
    assert result.exit_code == 2
    assert _flat(result.stderr) == (
        "error: unknown format 'xls' for contacts: use one of csv, parquet, technion, "
        "asterisk-queue-log, amazon-connect-ctr, genesys-cloud-conversations, "
        "twilio-taskrouter-events  field format: unknown format 'xls'; known: "
        "csv, parquet, technion, asterisk-queue-log, amazon-connect-ctr, "
        "genesys-cloud-conversations, twilio-taskrouter-events"
    )
    result = cli.invoke(
        app, ["import", "intervals", str(TEST_DATA / "intervals.csv"), "--format", "technion"]
    )
    assert result.exit_code == 2
    assert "use one of csv, parquet" in _flat(result.stderr)


def test_unknown_queue_exits_with_not_found(cli: CliRunner, session: Session) -> None:
    make_org(session, queues=("Sales",))
    session.commit()
    result = cli.invoke(app, ["import", "intervals", str(TEST_DATA / "intervals.csv"), "-f", "csv"])
    assert result.exit_code == 3
    assert _flat(result.stderr).startswith("error: intervals.csv: unknown queues Support")
    assert "intervals.csv, row 5, field queue: unknown queue 'Support'" in _flat(result.stderr)
    assert _count(session, IntervalReport) == 0


def test_agent_states_and_intervals_commands(cli: CliRunner, session: Session) -> None:
    make_org(session, queues=("Sales", "Support"))
    session.commit()
    states = cli.invoke(
        app,
        [
            "import",
            "agent-states",
            str(TEST_DATA / "asterisk_queue_log.txt"),
            "-f",
            "asterisk-queue-log",
            "--json",
        ],
    )
    assert states.exit_code == 0, states.output
    assert json.loads(states.stdout)["inserted"] == 12
    intervals = cli.invoke(
        app, ["import", "intervals", str(TEST_DATA / "intervals.csv"), "-f", "csv"]
    )
    assert intervals.exit_code == 0, intervals.output
    assert _count(session, AgentStateEvent) == 12
    assert _count(session, IntervalReport) == 4
    assert _count(session, ImportBatch) == 2


def test_privacy_erase_prints_the_count(cli: CliRunner, session: Session) -> None:
    make_org(session, queues=("Sales", "Support"))
    session.commit()
    result = cli.invoke(
        app,
        [
            "import",
            "contacts",
            str(TEST_DATA / "contacts_generic.csv"),
            "-f",
            "csv",
            "--mapping",
            str(TEST_DATA / "contacts_generic.mapping.toml"),
        ],
    )
    assert result.exit_code == 0, result.output
    erased = cli.invoke(app, ["privacy", "erase", "--customer", "441234"])
    assert erased.exit_code == 0, erased.output
    assert (
        erased.stdout.strip()
        == "erased the customer link of 2 contacts (their statistics are kept)"
    )
    twice = cli.invoke(app, ["privacy", "erase", "--customer", "441234", "--json"])
    assert json.loads(twice.stdout) == {"contacts_affected": 0}
    assert _count(session, Contact) == 6


def test_unmigrated_database_is_named_and_exits_6(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.sqlite"
    monkeypatch.setenv("CCOPS_DATABASE_URL", f"sqlite:///{empty}")
    monkeypatch.setenv("CCOPS_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app, ["import", "contacts", str(TEST_DATA / "contacts_dst_london.csv"), "-f", "csv"]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 6
    message = _flat(result.stderr)
    assert message.startswith("error: the database is not migrated: run `ccops db upgrade`")
    assert "empty.sqlite" in message
