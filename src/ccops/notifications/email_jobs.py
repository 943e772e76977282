"""Notification emails sent by jobs: kind ``notifications.email`` (the queued emails, retried
with back-off by a later job) and ``notifications.email_digest`` (queue a day's digests)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from ccops.db import make_session_factory, transaction, utcnow
from ccops.jobs import registry
from ccops.jobs import service as jobs_service
from ccops.notifications import email
from ccops.settings import get_settings


@registry.register(email.JOB_KIND)
def run_email_delivery(
    session: Session, params: dict[str, Any], progress: registry.Progress
) -> dict[str, Any]:
    """Send the job's due emails, each attempt in transactions of its own; queue a later job
    for those to retry."""
    settings = get_settings()
    message_ids = [int(i) for i in params["message_ids"]]
    bind = session.get_bind()
    factory = make_session_factory(bind.engine if isinstance(bind, Connection) else bind)
    outcomes = {"sent": 0, "failed": 0, "retrying": 0}
    for message_id in message_ids:
        with transaction(factory) as s:
            msg = email.start_attempt(session=s, message_id=message_id, now=utcnow())
        if msg is None:
            continue
        error = email.send(msg, settings)
        with transaction(factory) as s:
            outcome = email.end_attempt(
                session=s, message_id=message_id, error=error, now=utcnow(), settings=settings
            )
        outcomes[outcome] += 1
    retry_at = email.next_retry(session=session, message_ids=message_ids)
    if retry_at is not None:
        job = jobs_service.submit(
            session=session,
            kind=email.JOB_KIND,
            params={"message_ids": message_ids},
            created_by="ccops",
            run_after=retry_at,
        )
        return {**outcomes, "retry_job": job.id}
    return outcomes


@registry.register(email.DIGEST_KIND)
def run_digest(
    session: Session, params: dict[str, Any], progress: registry.Progress
) -> dict[str, Any]:
    """Queue the digests of ``params['day']`` (default: yesterday, UTC) and a job to send them."""
    day = date.fromisoformat(params["day"]) if params.get("day") else utcnow().date() - timedelta(1)
    queued = email.queue_digests(session=session, day=day)
    if queued:
        jobs_service.submit(
            session=session, kind=email.JOB_KIND, params={"message_ids": queued}, created_by="ccops"
        )
    return {"day": day.isoformat(), "digests": len(queued)}
