"""The job-progress page of every job kind: ``/jobs/{id}``, polled by htmx while the job runs.

Who may see a job, what it is called and where its result lives come from its kind's
:class:`ccops.jobs.registry.JobView`. Opened in the browser it is a page; asked by htmx it is
the progress card alone, and when the job is done the browser is sent on to the result.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ccops.ids import RowId
from ccops.jobs import registry
from ccops.jobs import service as jobs_service
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.render import gettext_for, render

pages = APIRouter(prefix="/jobs", include_in_schema=False)

Anyone = Annotated[Principal, Depends(require(*permissions.SIGNED_IN))]


@pages.get("/{job_id:int}", response_class=HTMLResponse)
def job_progress(
    request: Request, job_id: RowId, session: SessionDep, user: Anyone
) -> HTMLResponse:
    """Show a job's progress (htmx polls it while it runs); when done, link to its result."""
    job = jobs_service.get_visible(
        session=session, job_id=job_id, login=user.login, role=user.role, scope=user.scope
    )
    card = registry.card(job, gettext_for(request, user))
    polled = bool(request.headers.get("hx-request"))
    template = "jobs/progress_card.html" if polled else "jobs/progress.html"
    response = render(request, template, {"card": card}, principal=user)
    if polled and card.result is not None:
        response.headers["HX-Redirect"] = card.result[0]
    return response


routers: tuple[APIRouter, ...] = (pages,)
