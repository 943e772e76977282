"""Exceptions' webhooks delivered by a job (kind ``intraday.webhooks``), after the intake.

Each attempt is counted in a short transaction of its own, the POST runs with no transaction
open (a receiver that never answers holds no lock and no intake), and the outcome is recorded in
another short transaction. A webhook not delivered waits (back-off doubling from
``webhook_retry_base_s``) and a new job, not claimed before then, tries again, up to
``webhook_max_attempts``.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from ccops.db import make_session_factory, transaction, utcnow
from ccops.jobs import registry
from ccops.jobs import service as jobs_service
from ccops.notifications import webhook_delivery
from ccops.settings import get_settings
from ccops.wfm.intraday import exceptions as exception_service

LEASE_MARGIN_S = 60.0
"""How long past its timeouts an attempt under way keeps its webhook from other jobs."""


@registry.register(exception_service.WEBHOOK_DELIVERY)
def run_webhook_delivery(
    session: Session, params: dict[str, Any], progress: registry.Progress
) -> dict[str, Any]:
    """Attempt the due webhooks of the job's exceptions; queue a later job for those to retry."""
    settings = get_settings()
    policy = webhook_delivery.policy_from(settings)
    lease_s = policy.connect_timeout_s + policy.read_timeout_s + LEASE_MARGIN_S
    exception_ids = [int(i) for i in params["exception_ids"]]
    bind = session.get_bind()
    factory = make_session_factory(bind.engine if isinstance(bind, Connection) else bind)
    outcomes = {"delivered": 0, "failed": 0, "retrying": 0}
    with transaction(factory) as s:
        due = exception_service.due_webhooks(session=s, exception_ids=exception_ids, now=utcnow())
    for notification_id in due:
        with transaction(factory) as s:
            attempt = exception_service.start_attempt(
                session=s, notification_id=notification_id, now=utcnow(), lease_s=lease_s
            )
        if attempt is None:
            continue
        url, body = attempt
        delivered = webhook_delivery.post(url, body, policy=policy, timestamp=int(time.time()))
        with transaction(factory) as s:
            outcome = exception_service.end_attempt(
                session=s,
                notification_id=notification_id,
                delivered=delivered,
                now=utcnow(),
                max_attempts=settings.webhook_max_attempts,
                retry_base_s=settings.webhook_retry_base_s,
            )
        outcomes[outcome] += 1
    retry_at = exception_service.next_retry(session=session, exception_ids=exception_ids)
    if retry_at is not None:
        job = jobs_service.submit(
            session=session,
            kind=exception_service.WEBHOOK_DELIVERY,
            params={"exception_ids": exception_ids},
            created_by="ccops",
            run_after=retry_at,
        )
        return {**outcomes, "retry_job": job.id}
    return outcomes
