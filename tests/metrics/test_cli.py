"""`ccops kpi` prints the documented JSON keys; bad options are one-line errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.enums import Outcome
from tests.factories import make_org
from tests.factories.metrics import add_contact

REQUIRED_KEYS = {
    "queue",
    "interval_start",
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "answered_within_target",
    "service_level",
    "asa_s",
    "aht_s",
    "abandon_rate",
    "max_wait_s",
}


def test_kpi_json_has_documented_keys_and_values(
    cli: CliRunner, session: Session, tmp_path: Path
) -> None:
    make_org(session, timezone="Asia/Shanghai")
    t = datetime(2024, 1, 15, 1, 5, tzinfo=UTC)  # 09:05 in Shanghai
    add_contact(
        session, ext="1", queue="Sales", arrival=t, outcome=Outcome.answered, wait_s=25, talk_s=90
    )
    session.commit()
    result = cli.invoke(app, ["kpi", "--from", "2024-01-15", "--to", "2024-01-15", "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert REQUIRED_KEYS <= row.keys()
    assert row["interval_start"] == "2024-01-15T09:00:00+08:00"
    assert (row["offered"], row["answered_within_target"], row["service_level"]) == (1, 0, 0.0)
    assert row["service_level_variant"] == "exclude_short_abandons"
    parquet = tmp_path / "c.parquet"
    exported = cli.invoke(
        app,
        [
            "export",
            "contacts",
            "--from",
            "2024-01-15",
            "--to",
            "2024-01-15",
            "--to-file",
            str(parquet),
        ],
    )
    assert exported.exit_code == 0 and "wrote 1 contacts" in exported.stdout
    duck = cli.invoke(
        app,
        ["kpi", "--from", "2024-01-15", "--to", "2024-01-15", "--json", "--parquet", str(parquet)],
    )
    assert json.loads(duck.stdout) == [row]


def test_kpi_bad_dates_are_one_line_errors(cli: CliRunner) -> None:
    result = cli.invoke(app, ["kpi", "--from", "2024-13-01", "--to", "2024-01-01"])
    assert result.exit_code == 2
    assert "--from '2024-13-01' is not a date" in result.stderr
    result = cli.invoke(app, ["kpi", "--from", "2024-01-02", "--to", "2024-01-01"])
    assert result.exit_code == 2 and "before --from" in result.stderr


def test_unmigrated_database_is_refused(tmp_path: Path, monkeypatch: object) -> None:
    import pytest

    from ccops.settings import get_settings

    mp = pytest.MonkeyPatch()
    mp.setenv("CCOPS_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["queues", "list"])
    finally:
        mp.undo()
        get_settings.cache_clear()
    assert result.exit_code == 6
    assert "not migrated: run `ccops db upgrade`" in result.stderr
