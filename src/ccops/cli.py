"""The root `ccops` command; each domain adds its sub-commands here."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ccops.cli_support import console, handle_errors
from ccops.contacts import cli as contacts_cli
from ccops.demo_cli import demo_app
from ccops.jobs.cli import jobs_app
from ccops.metrics import cli as metrics_cli
from ccops.org import cli as org_cli
from ccops.performance import cli as performance_cli
from ccops.quality import cli as quality_cli
from ccops.settings import get_settings
from ccops.wfm.capacity import cli as capacity_cli
from ccops.wfm.forecasts import cli as forecast_cli
from ccops.wfm.intraday import cli as intraday_cli
from ccops.wfm.schedules import cli as schedule_cli
from ccops.wfm.staffing import cli as staffing_cli

app = typer.Typer(
    help="ccops: contact-centre operations.", no_args_is_help=True, pretty_exceptions_enable=False
)
db = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db, name="db")
app.add_typer(org_cli.sites, name="sites")
app.add_typer(org_cli.channels, name="channels")
app.add_typer(org_cli.queues, name="queues")
app.add_typer(org_cli.teams, name="teams")
app.add_typer(org_cli.people, name="people")
app.add_typer(org_cli.users, name="users")
app.add_typer(contacts_cli.import_app, name="import")
app.add_typer(contacts_cli.privacy_app, name="privacy")
app.add_typer(metrics_cli.kpi_app, name="kpi")
app.add_typer(metrics_cli.export_app, name="export")
app.add_typer(demo_app, name="demo")
app.add_typer(performance_cli.performance_app, name="performance")
app.command("staffing")(staffing_cli.staffing)
app.command("simulate")(staffing_cli.simulate)
app.add_typer(forecast_cli.forecast_app, name="forecast")
app.add_typer(capacity_cli.capacity_app, name="capacity")
app.add_typer(jobs_app, name="jobs")
app.add_typer(schedule_cli.schedule_app, name="schedule")
app.add_typer(quality_cli.quality_app, name="quality")
app.add_typer(intraday_cli.events_app, name="events")
app.add_typer(intraday_cli.intraday_app, name="intraday")
app.add_typer(intraday_cli.exceptions_app, name="exceptions")


@db.command("upgrade")
@handle_errors
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Migrate the database to the newest schema (or to REVISION)."""
    from ccops.migrate import upgrade

    url = get_settings().resolved_database_url()
    upgrade(url, revision)
    console.print(f"database at {revision}: {url.split('@')[-1]}")


@db.command("downgrade")
@handle_errors
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision")]) -> None:
    """Migrate the database down to REVISION (``base`` removes every table)."""
    from ccops.migrate import downgrade

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
