"""The root `ccops` command: a table of every sub-command, each imported only when it is used."""

from __future__ import annotations

import importlib
import os
from typing import Annotated

import typer
import typer.core
import typer.main
from typer import _click as click  # Typer 0.29 carries its own Click: its commands are these

from ccops.cli_support import console, handle_errors

COMMANDS: tuple[tuple[str, str, str], ...] = (
    (
        "staffing",
        "ccops.wfm.staffing.cli:staffing",
        "Agents needed for one interval (Erlang C, or Erlang A with --patience-s).",
    ),
    (
        "simulate",
        "ccops.wfm.staffing.cli:simulate",
        "Simulate a scenario file and print KPIs with confidence intervals.",
    ),
    (
        "serve",
        "ccops.cli:serve",
        "Serve the web application and JSON API (with a background-job runner thread).",
    ),
    ("db", "ccops.cli:db", "Database schema."),
    ("sites", "ccops.org.cli:sites", "Sites and their time zones."),
    ("channels", "ccops.org.cli:channels", "Channels: voice, chat, email, messaging."),
    ("queues", "ccops.org.cli:queues", "Queues (skills) with service-level targets."),
    ("teams", "ccops.org.cli:teams", "Teams and their leaders."),
    ("people", "ccops.org.cli:people", "People: agents, team leaders, analysts, planners."),
    ("users", "ccops.org.cli:users", "Sign-ins, roles and scopes."),
    (
        "import",
        "ccops.contacts.cli:import_app",
        "Import contact records, agent states and interval reports.",
    ),
    (
        "privacy",
        "ccops.contacts.cli:privacy_app",
        "Privacy requests about customers, and erasure of leavers.",
    ),
    ("audit", "ccops.audit.cli:audit_app", "The audit trail of changes (read-only)."),
    ("retention", "ccops.audit.cli:retention_app", "Retention: delete data older than kept."),
    ("kpi", "ccops.metrics.cli:kpi_app", "Queue, agent and repeat-contact KPIs."),
    ("export", "ccops.metrics.cli:export_app", "Export data for analytic engines."),
    ("demo", "ccops.demo_cli:demo_app", "The demo contact centre."),
    (
        "value",
        "ccops.value.cli:value_app",
        "What service is worth in money: assumptions, summary, what-if and ROI.",
    ),
    (
        "performance",
        "ccops.performance.cli:performance_app",
        "Performance management: scorecards, funnel plots, coaching, reviews, attrition.",
    ),
    (
        "forecast",
        "ccops.wfm.forecasts.cli:forecast_app",
        "Interval forecasts, backtests, adjustments, accuracy and staffing requirements.",
    ),
    ("capacity", "ccops.wfm.capacity.cli:capacity_app", "Capacity (hiring) plans."),
    (
        "bid",
        "ccops.wfm.bidding.cli:bid_app",
        "Shift bidding: open a bid on lines, rank, award by a published rule.",
    ),
    (
        "timeoff",
        "ccops.wfm.allowances.cli:timeoff_app",
        "Time-off allowances: balances, the vacation planner, leave policies.",
    ),
    ("jobs", "ccops.jobs.cli:jobs_app", "Background jobs: the worker, and what it did."),
    ("overtime", "ccops.wfm.overtime.cli:overtime_app", "Overtime and VTO offers."),
    ("swaps", "ccops.wfm.swapboard.cli:swaps_app", "The open swap board: post, take, withdraw."),
    (
        "frontline",
        "ccops.wfm.frontline.cli:frontline_app",
        "Executives' front-line shifts and the contacts handled on them.",
    ),
    (
        "schedule",
        "ccops.wfm.schedules.cli:schedule_app",
        "Schedules: build, show, publish, edit.",
    ),
    (
        "quality",
        "ccops.quality.cli:quality_app",
        "Quality management: forms, evaluations, calibration, disputes.",
    ),
    ("cases", "ccops.cases.cli:cases_app", "Cases: escalations, complaints, feedback, surveys."),
    ("calendars", "ccops.cases.cli:calendars_app", "Business calendars for case clocks."),
    (
        "kb",
        "ccops.knowledge.cli:kb_app",
        "Knowledge base: standard answers in versions, search, known issues.",
    ),
    (
        "changes",
        "ccops.knowledge.cli:changes_app",
        "Process changes and who has acknowledged them.",
    ),
    (
        "improvements",
        "ccops.knowledge.cli:improvements_app",
        "Improvement cycles (PDCA): problem, root causes, actions, check, standard.",
    ),
    (
        "training",
        "ccops.knowledge.cli:training_app",
        "New-hire training: modules in versions, checklists, completions.",
    ),
    (
        "surveys",
        "ccops.voice.cli:surveys_app",
        "Anonymous staff surveys: rounds, reminders, results with small groups suppressed.",
    ),
    (
        "suggestions",
        "ccops.voice.cli:suggestions_app",
        "The suggestion box: submit, assess, reward, monthly counts.",
    ),
    (
        "huddles",
        "ccops.voice.cli:huddles_app",
        "Huddles and meetings: agendas, notes, actions, the rhythm per team.",
    ),
    ("events", "ccops.wfm.intraday.cli:events_app", "Live contact and agent-state events."),
    (
        "intraday",
        "ccops.wfm.intraday.cli:intraday_app",
        "The intraday view and its explanations.",
    ),
    ("exceptions", "ccops.wfm.intraday.cli:exceptions_app", "Exception plans and exceptions."),
)
"""Every sub-command of `ccops`, in the order `ccops --help` lists them: its name, where it
lives (``module:attribute``, a Typer sub-app or a command function) and its one-line help (the
sub-app's help, or the first paragraph of the function's docstring). A sub-command's module is
imported only when that command runs or its own help is asked for, so `ccops --help` stays
quick: domain CLI modules import their services inside the command functions."""

_TARGETS = {name: target for name, target, _help in COMMANDS}
_HELP = {name: help_ for name, _target, help_ in COMMANDS}


def load_command(name: str) -> click.Command:
    """Import the sub-command ``name`` and build its Click command (or group)."""
    module_name, _, attribute = _TARGETS[name].partition(":")
    target = getattr(importlib.import_module(module_name), attribute)
    if isinstance(target, typer.Typer):
        command: click.Command = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(typer.core.TyperGroup):
    """The root group: lists the table's commands and imports one only when it is used.

    While the root's own help is written, each command is a stand-in that carries only its name
    and one-line help from ``COMMANDS``."""

    _listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, _target, _help in COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _TARGETS:
            return None
        if self._listing:
            return typer.core.TyperCommand(cmd_name, help=_HELP[cmd_name])
        if cmd_name not in self.commands:
            self.commands[cmd_name] = load_command(cmd_name)
        return self.commands[cmd_name]

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    cls=LazyGroup,
    help="ccops: contact-centre operations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db, name="db")


@db.command("upgrade")
@handle_errors
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Migrate the database to the newest schema (or to REVISION)."""
    from ccops.migrate import upgrade
    from ccops.settings import get_settings

    url = get_settings().resolved_database_url()
    upgrade(url, revision)
    console.print(f"database at {revision}: {url.split('@')[-1]}")


@db.command("downgrade")
@handle_errors
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision")]) -> None:
    """Migrate the database down to REVISION (``base`` removes every table)."""
    from ccops.migrate import downgrade
    from ccops.settings import get_settings

    downgrade(get_settings().resolved_database_url(), revision)
    console.print(f"database at {revision}")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    jobs: Annotated[
        bool,
        typer.Option(help="Run background jobs in the app (--no-jobs: a `ccops jobs work`)"),
    ] = True,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (about one per CPU core)")
    ] = 1,
) -> None:
    """Serve the web application and JSON API (with a background-job runner thread)."""
    import uvicorn

    from ccops.settings import get_settings

    settings = get_settings()
    mode = settings.jobs_in_app
    if jobs and mode == "off":
        mode = "thread"
    elif not jobs:
        mode = "off"
    if workers > 1:
        # Each worker process builds its own app (and engine pool) from the environment, with a
        # job-runner thread of its own (claiming a job is atomic, so runners never share one).
        # A worker importing ccops on a busy machine, or busy serving, may take longer than
        # uvicorn's 5 s to answer its supervisor's ping, and would be killed and restarted.
        os.environ["CCOPS_JOBS_IN_APP"] = mode
        uvicorn.run(
            "ccops.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            timeout_worker_healthcheck=60,
        )
        return
    from ccops.web.app import create_app

    uvicorn.run(create_app(settings.model_copy(update={"jobs_in_app": mode})), host=host, port=port)


def main() -> None:
    """Entry point of the `ccops` script."""
    app()
