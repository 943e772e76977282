"""The retention purge as a background job (kind ``retention.purge``), for schedulers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ccops.audit import retention
from ccops.jobs import registry
from ccops.jobs import service as jobs_service
from ccops.jobs.schemas import JobOut
from ccops.settings import get_settings

RETENTION_PURGE = "retention.purge"


@registry.register(RETENTION_PURGE)
def run_retention_purge(
    session: Session, params: dict[str, Any], progress: registry.Progress
) -> dict[str, Any]:
    """Purge with the retention settings of the process that runs the job; return the counts."""
    dry_run = bool(params.get("dry_run", False))
    progress(0.0, "dry run" if dry_run else "purging")
    out = retention.purge(session=session, settings=get_settings(), dry_run=dry_run)
    return {"dry_run": dry_run, "rows": {k.kind: k.rows for k in out.kinds}}


def submit_purge(*, session: Session, dry_run: bool, created_by: str) -> JobOut:
    """Queue a retention purge for the job runner."""
    return jobs_service.submit(
        session=session,
        kind=RETENTION_PURGE,
        params={"dry_run": dry_run},
        created_by=created_by,
    )
