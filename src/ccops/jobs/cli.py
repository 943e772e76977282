"""`ccops jobs work` (the worker process), `ccops jobs list` and `ccops jobs show`."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from ccops.cli_support import console, handle_errors, print_json, print_table
from ccops.jobs.schemas import JobOut, JobStatus
from ccops.settings import get_settings

jobs_app = typer.Typer(help="Background jobs: the worker, and what it did.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@jobs_app.command("work")
@handle_errors
def work(
    once: Annotated[bool, typer.Option(help="Run what is queued now, then stop")] = False,
    poll_s: Annotated[float, typer.Option(help="Seconds between looks at the job table")] = 1.0,
    stale_after_s: Annotated[
        float | None,
        typer.Option(
            help="Take a running job whose worker was not heard from for this long, s, as "
            "abandoned: retry it, or fail it after its last attempt (default: the setting)",
            min=1,
        ),
    ] = None,
) -> None:
    """Run queued jobs (forecast and schedule builds) until stopped with Ctrl-C.

    Several workers, on one machine or several, may share one PostgreSQL database: each job runs
    in one of them. Jobs left running by a worker that died are queued again (or failed after
    their last attempt) at start and every minute or so."""
    from ccops.jobs import service as jobs_service
    from ccops.runtime import session_factory

    factory = session_factory()
    settings = get_settings()
    sweeper = jobs_service.Runner(
        lambda: factory,
        stale_after_s=stale_after_s or settings.jobs_stale_after_s,
        sweep_every_s=settings.jobs_sweep_s,
        heartbeat_s=settings.jobs_heartbeat_s,
        max_attempts=settings.jobs_max_attempts,
    )
    console.print("ccops job worker: waiting for jobs (Ctrl-C stops)", highlight=False)
    try:
        while True:
            for swept in sweeper.sweep_if_due():
                said = swept.error if swept.status == JobStatus.failed else swept.message
                console.print(f"job {swept.id} {swept.kind}: {swept.status.value} {said}")
            while ran := jobs_service.run_pending(
                factory, limit=1, heartbeat_s=sweeper.heartbeat_s
            ):
                job = ran[
                    0
                ]  # said as each job ends: a worker may run many before the queue empties
                detail = job.error if job.error else job.result
                console.print(f"job {job.id} {job.kind}: {job.status.value} {detail}")
            if once:
                return
            time.sleep(poll_s)
    except KeyboardInterrupt:
        console.print("stopped")


def _rows(jobs: list[JobOut]) -> list[dict[str, object]]:
    return [
        {
            "id": j.id,
            "kind": j.kind,
            "status": j.status.value,
            "progress": f"{j.progress:.0%}",
            "message": j.error or j.message,
            "by": j.created_by,
            "created": j.created_at.isoformat(timespec="seconds"),
        }
        for j in jobs
    ]


COLUMNS = ["id", "kind", "status", "progress", "message", "by", "created"]


@jobs_app.command("list")
@handle_errors
def list_jobs(as_json: JsonOpt = False) -> None:
    """List the newest 50 jobs."""
    from ccops.jobs import service as jobs_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        jobs = jobs_service.list_own(session=s, login=None)
    if as_json:
        print_json([j.model_dump(mode="json") for j in jobs])
        return
    print_table("Jobs", _rows(jobs), COLUMNS)


@jobs_app.command("show")
@handle_errors
def show_job(
    job_id: Annotated[int, typer.Argument(help="Job id")], as_json: JsonOpt = False
) -> None:
    """Show a job: status, progress, result or error."""
    from ccops.jobs import service as jobs_service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        job = jobs_service.get(session=s, job_id=job_id)
    if as_json:
        print_json(job.model_dump(mode="json"))
        return
    print_table(f"Job {job.id}", _rows([job]), COLUMNS)
    if job.result:
        print_json(job.result)
