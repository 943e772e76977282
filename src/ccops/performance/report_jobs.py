"""Report delivery as a background job (kind ``performance.reports_deliver``), for schedulers.

Light to import: every job runner imports the job kinds, the delivery only when it runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.jobs import registry
from ccops.jobs import service as jobs_service
from ccops.jobs.schemas import JobOut

DELIVER_KIND = "performance.reports_deliver"


@registry.register(
    DELIVER_KIND,
    view=registry.JobView(
        roles=frozenset({Role.manager, Role.admin}),
        title=lambda job, _: _("Reports delivered by email"),
    ),
)
def run_delivery(
    session: Session, params: dict[str, Any], progress: registry.Progress
) -> dict[str, Any]:
    """Deliver the due reports (``params['now']``: an ISO time to deliver as of; default now)."""
    from ccops.performance import delivery as perf_delivery  # heavy: only when a job runs

    now = datetime.fromisoformat(params["now"]) if params.get("now") else None
    progress(0.0, "delivering")
    out = perf_delivery.deliver_due(session=session, now=now)
    return {
        "delivered": len(out),
        "recipients": sum(d.recipients for d in out),
        "emails": sum(d.emails for d in out),
        "follow_ups": sum(1 for d in out if d.follow_up is not None),
    }


def submit_delivery(*, session: Session, created_by: str) -> JobOut:
    """Queue the delivery of the due reports for the job runner."""
    return jobs_service.submit(session=session, kind=DELIVER_KIND, params={}, created_by=created_by)
