"""A quick `ccops`: the root command imports no solver, data-frame or domain CLI module; a
sub-command's module is imported only when that command runs or its help is asked for."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from ccops import cli

HEAVY = ("ortools", "highspy", "scipy", "statsforecast", "ibis", "pandas")
SRC = str(Path(cli.__file__).resolve().parents[1])


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, check=True, timeout=120
    )


def _imported(stderr: str) -> set[str]:
    """The modules named by `python -X importtime`."""
    return {
        line.rsplit("|", 1)[-1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_importing_the_cli_imports_nothing_heavy() -> None:
    modules = _imported(_python("-X", "importtime", "-c", "import ccops.cli").stderr)
    assert "ccops.cli" in modules
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not heavy


def test_the_root_help_lists_every_command_without_importing_one() -> None:
    code = (
        "import sys\n"
        "from ccops.cli import main\n"
        "sys.argv = ['ccops', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))\n"
    )
    out = _python("-c", code).stdout
    help_text, _, modules = out.rpartition("MODULES ")
    loaded = set(modules.split())
    targets = {target.partition(":")[0] for _name, target, _help in cli.COMMANDS}
    assert not (targets - {"ccops.cli"}) & loaded
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
    for name, _target, help_line in cli.COMMANDS:
        assert re.search(rf"│ {re.escape(name)} +{re.escape(help_line[:40])}", help_text), name


def test_building_the_root_group_imports_no_domain_cli() -> None:
    code = (
        "import sys, typer.main\n"
        "from ccops import cli\n"
        "group = typer.main.get_command(cli.app)\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    loaded = set(_python("-c", code).stdout.split())
    cli_modules = {m for m in loaded if m.endswith(".cli") or m.endswith("_cli")}
    assert cli_modules == {"ccops.cli"}


@pytest.mark.parametrize(("name", "target", "help_line"), cli.COMMANDS)
def test_the_table_says_what_each_command_says(name: str, target: str, help_line: str) -> None:
    command = cli.load_command(name)
    assert command.name == name
    assert (command.help or "").split("\n\n")[0].replace("\n", " ").strip() == help_line


def test_a_sub_command_loads_when_it_runs() -> None:
    group = typer.main.get_command(cli.app)
    assert isinstance(group, cli.LazyGroup)
    result = CliRunner().invoke(cli.app, ["jobs", "--help"])
    assert result.exit_code == 0 and "work" in result.output and "show" in result.output
    assert CliRunner().invoke(cli.app, ["no-such-command"]).exit_code == 2
