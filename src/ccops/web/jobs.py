"""Getting a submitted job going from a request, the way the app is configured to run jobs."""

from __future__ import annotations

from fastapi import BackgroundTasks, Request

from ccops.jobs import service as jobs_service
from ccops.jobs.schemas import JobOut
from ccops.runtime import session_factory
from ccops.settings import Settings


def dispatch(request: Request, background: BackgroundTasks, job: JobOut) -> None:
    """Get ``job`` going after the request: run it, or wake the app's runner to look for it.

    Both happen as background tasks, after the request's transaction committed (the session
    dependency commits when the route returns, before the response is sent), so a runner always
    sees the job; the route itself never commits.
    """
    settings: Settings = request.app.state.settings
    if settings.jobs_in_app == "after_response":
        background.add_task(jobs_service.run_one, session_factory(settings), job.id)
    elif settings.jobs_in_app == "thread":
        runner = getattr(request.app.state, "job_runner", None)
        if runner is not None:
            background.add_task(runner.wake)
