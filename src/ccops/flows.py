"""Use cases that span domains, in one place: the edges (HTTP routes, pages, CLI commands) call
these instead of remembering a sequence of domain calls each.

* ``ingest_events``: a batch of live events is stored (contact tables), the intraday interval
  totals updated, then the adherence of the batch's agents checked (alerts for team leaders)
  and the exception plans of the queue-days it touched evaluated (their webhooks queued as a
  job).
* ``follow_file_once``: the new rows of a growing call log go through ``ingest_events``.
* ``ingest_ami_batch``: a batch of the live Asterisk AMI feed goes through ``ingest_events``
  and the calls it has open are kept as pending calls (``ami_start`` reads them back).
* ``import_records`` / ``after_import``: a file import (contacts domain) is followed by the
  rebuild of the intraday totals of every queue-day it wrote, in the same transaction.

The domains below do not know about each other's follow-up steps: ``contacts`` sits below
``wfm`` (wfm reads its models and importers), and within intraday the intake, the totals, the
view, exceptions and adherence import only downwards. This module is the only one that knows
the order. It flushes and never commits: the edge owns the transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ccops.contacts import continuity
from ccops.contacts.importers.asterisk import PendingCall
from ccops.contacts.schemas import ImportReport
from ccops.db import utcnow
from ccops.errors import NotFound, Problem
from ccops.org import service as org_service
from ccops.wfm.intraday import adherence as adherence_service
from ccops.wfm.intraday import exceptions as exception_service
from ccops.wfm.intraday import schemas as intraday_schemas
from ccops.wfm.intraday import totals
from ccops.wfm.intraday.constants import EVENT_SOURCE
from ccops.wfm.intraday.intake import follow as intake_follow
from ccops.wfm.intraday.intake import store as intake_store
from ccops.wfm.intraday.lookups import aware


def ingest_events(
    *,
    session: Session,
    events: Iterable[str | dict[str, Any]],
    secret_key: str,
    now: datetime | None = None,
    allowed_site_ids: frozenset[int] | None = None,
    source: str = EVENT_SOURCE,
    evaluate: bool = True,
    max_events: int = intake_store.MAX_BATCH,
    max_webhooks: int | None = None,
    site_id: int | None = None,
) -> intraday_schemas.IntakeOut:
    """Take a batch of contact and agent-state events; return one result per event.

    Store -> interval totals (``intake.store``) -> adherence alerts of the batch's agents and of
    anyone lingering in an unplanned state -> exception plans of the queue-days touched.

    Args:
        session: the caller's transaction.
        events: JSON lines (str) or decoded objects, in the order they were emitted.
        secret_key: the key of customer-key pseudonyms.
        now: the current time (events after it are refused; exception rules are evaluated at
            it); default the clock. A replay passes the replayed clock.
        allowed_site_ids: the caller's scope (None: every site).
        source: the source name of the records written.
        evaluate: check adherence and evaluate the exception plans of the queues touched.
        max_events: events per batch at most (the web intake passes its setting).
        max_webhooks: webhooks the batch's exceptions may queue (default: the setting); they are
            delivered by a job after the caller's transaction commits, never within it.
        site_id: the site the events come from (a live feed's ``--site``): queues are that
            site's, by (site, name) as in file imports; None: by name alone.

    Returns:
        Counts and per-event results; the ids of exceptions opened.
    """
    started = time.perf_counter()
    now = aware(now) if now is not None else utcnow()
    batch = intake_store.store_events(
        session=session,
        events=events,
        secret_key=secret_key,
        now=now,
        allowed_site_ids=allowed_site_ids,
        source=source,
        max_events=max_events,
        site_id=site_id,
    )
    opened: list[int] = []
    if evaluate:
        adherence_service.alert_after_intake(session=session, people=batch.people, now=now)
        opened = _evaluate_exceptions(session, batch.touched, now)
        exception_service.queue_webhooks(session=session, exception_ids=opened, limit=max_webhooks)
    results = sorted(batch.results, key=lambda r: r.line)
    return intraday_schemas.IntakeOut(
        received=len(results),
        accepted=sum(r.status == "accepted" for r in results),
        duplicate=sum(r.status == "duplicate" for r in results),
        stale=sum(r.status == "stale" for r in results),
        rejected=sum(r.status == "rejected" for r in results),
        results=results,
        exceptions_opened=opened,
        seconds=round(time.perf_counter() - started, 4),
    )


def feed_site_id(
    *, session: Session, name: str, allowed_site_ids: frozenset[int] | None = None
) -> int:
    """The id of the site a live feed belongs to (``--site``, ``?site=``); NotFound when there
    is no such site or it is outside ``allowed_site_ids``."""
    site = org_service.find_site(session=session, name=name)
    if allowed_site_ids is not None and site.id not in allowed_site_ids:
        raise NotFound(f"site {name!r} does not exist", [Problem("unknown", field="site")])
    return site.id


def _evaluate_exceptions(
    session: Session, touched: dict[int, set[date]], now: datetime
) -> list[int]:
    """Evaluate the exception plans of every queue-day a batch touched; return those opened."""
    opened: list[int] = []
    for queue_id, days in sorted(touched.items()):
        for day in sorted(days):
            opened += exception_service.evaluate_queue(
                session=session, queue_id=queue_id, day=day, as_of=now
            )
    return opened


def follow_file_once(
    *,
    session: Session,
    path: Path,
    fmt: str,
    secret_key: str,
    sent: set[str],
    kind: str = "contacts",
    mapping: Path | None = None,
    state: intake_follow.FollowState | None = None,
    site_id: int | None = None,
) -> intraday_schemas.IntakeOut | None:
    """Send the events of ``path`` not sent yet (ids in ``sent``) through ``ingest_events``;
    None when there was none. ``state`` (kept by the caller between looks) carries the calls
    open in a queue_log over its rotation; ``site_id``: the site the file belongs to."""
    events = intake_follow.unsent_events(
        session=session,
        path=path,
        fmt=fmt,
        sent=sent,
        kind=kind,
        mapping=mapping,
        state=state,
        site_id=site_id,
    )
    if not events:
        return None
    out = ingest_events(session=session, events=events, secret_key=secret_key, site_id=site_id)
    sent.update(str(e["id"]) for e in events)
    return out


def after_import(*, session: Session, report: ImportReport) -> list[tuple[str, date]]:
    """What follows a file import of contacts or agent states: the intraday totals of every
    queue-day it wrote are rebuilt in the import's transaction; return the (queue, local day)
    pairs rebuilt. (Exception plans are not evaluated after a file import: they watch the live
    day through the intake.)"""
    return totals.rebuild_after_import(session=session, report=report)


def import_records(
    *, run: Callable[..., ImportReport], session: Session, **options: Any
) -> ImportReport:
    """Run one file import (``run``: a ``contacts`` import use case, called with the session and
    ``options``) and what follows it (``after_import``), in the caller's transaction."""
    report = run(session=session, **options)
    after_import(session=session, report=report)
    return report


def ami_start(*, session: Session, source: str) -> tuple[list[PendingCall], dict[str, str]]:
    """What a live AMI feed starts from: the calls its previous run left open (``source``) and
    the stored agent aliases."""
    return continuity.load_pending(session, source), continuity.alias_names(session)


def ingest_ami_batch(
    *,
    session: Session,
    events: list[dict[str, Any]],
    open_calls: list[PendingCall],
    source: str,
    origin: str,
    secret_key: str,
    allowed_site_ids: frozenset[int] | None = None,
    site_id: int | None = None,
) -> intraday_schemas.IntakeOut | None:
    """Store a batch of the AMI feed through ``ingest_events`` (None when it had no event) and
    keep the calls open now as the pending calls of ``source`` (``origin``: the server, shown
    where pending calls are listed), so a restart or a queue_log import completes them."""
    out = None
    if events:
        out = ingest_events(
            session=session,
            events=events,
            secret_key=secret_key,
            allowed_site_ids=allowed_site_ids,
            site_id=site_id,
        )
    continuity.save_pending(
        session=session, source=source, still_open=open_calls, file_name=origin, batch_id=None
    )
    return out
