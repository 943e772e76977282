"""Every `ccops` command the README shows runs as written: the set-up block on a new database,
the rest on the demo centre (relative days count from the day after the demo's last day).

A command is left out only for a reason this table gives: it reads a file the reader brings,
or it takes minutes and the same command is tested where its domain is.
"""

from __future__ import annotations

import re
import shlex
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccops import cli_support
from ccops.cli import app
from ccops.settings import get_settings
from tests.plugins.demo import DEMO_END

README = Path(__file__).resolve().parents[1] / "README.md"
NOT_RUN = {
    "ccops import ": "reads the reader's own call-centre files (tested in tests/contacts)",
    "ccops exceptions plan ": "reads the reader's plan file (tested in tests/wfm/intraday)",
    "ccops events send ": "reads the reader's events file (tested in tests/wfm/intraday)",
    "ccops schedule build ": "takes minutes on the demo (tested in tests/wfm/schedules)",
    "ccops schedule show 1": "shows the schedule the build above makes",
    "ccops schedule publish 1": "publishes the schedule the build above makes",
    "ccops users token revoke 3": "revokes a token id the reader reads off the list",
}


def _blocks() -> list[list[str]]:
    """The `ccops` command lines of each ```sh block of the README, comments removed."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    lines = [
        [line.strip() for line in block.splitlines() if line.strip().startswith("ccops ")]
        for block in blocks
    ]
    return [block for block in lines if block]


def _run(runner: CliRunner, line: str) -> None:
    args = shlex.split(line, comments=True)[1:]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, f"{line}\n{result.output}"


def test_the_readme_shows_the_commands_this_test_runs() -> None:
    blocks = _blocks()
    assert blocks[0][0].startswith("ccops sites create")  # the set-up block comes first
    assert sum(len(b) for b in blocks) >= 35


def test_the_set_up_block_runs_on_a_new_database(cli: CliRunner) -> None:
    for line in _blocks()[0]:
        _run(cli, line)


@pytest.mark.slow
def test_every_other_readme_command_runs_on_the_demo(
    demo_template: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Once, on SQLite (the README's database): the commands are the same on PostgreSQL, and
    # their domains' tests run there.
    copy = tmp_path / "demo.sqlite"
    shutil.copy(demo_template, copy)
    monkeypatch.setenv("CCOPS_DATABASE_URL", f"sqlite:///{copy}")
    monkeypatch.setenv("CCOPS_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CCOPS_SECRET_KEY", "demo-secret")
    get_settings.cache_clear()
    monkeypatch.chdir(tmp_path)  # the export writes contacts.parquet here
    day_after = date.fromisoformat(DEMO_END) + timedelta(days=1)
    monkeypatch.setattr(cli_support, "_today", lambda: day_after)
    runner = CliRunner()
    ran = 0
    for block in _blocks()[1:]:
        for line in block:
            if any(line.startswith(prefix) for prefix in NOT_RUN):
                continue
            _run(runner, line)
            ran += 1
    assert ran >= 23
    get_settings.cache_clear()
