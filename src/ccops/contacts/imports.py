"""Import contacts, agent states and interval reports from files.

An import is one transaction (a SAVEPOINT inside the caller's): a file with bad rows is refused
whole with every bad row named, unless ``skip_invalid``, in which case the good rows are written
and the bad ones go to a rejects file beside the report. Records are idempotent on
(source, external id): equal content is left alone, different content is a conflict (refused, or
written with ``update``). Files stream through in chunks; memory holds one chunk, the ids seen
in the file and the state of calls still in progress (Asterisk).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ccops.contacts import bulk, continuity, schemas
from ccops.contacts import importing as contacts_importing
from ccops.contacts.importers.amazon_connect import read_contact_records
from ccops.contacts.importers.asterisk import PendingCall, read_queue_log
from ccops.contacts.importers.base import (
    AgentStateRow,
    ContactRow,
    IntervalRow,
    ParsedRow,
    RejectedRow,
    Tally,
    content_hash,
    rejects_sink,
    time_fields,
)
from ccops.contacts.importers.genesys_cloud import read_conversations
from ccops.contacts.importers.tabular import (
    read_agent_states_table,
    read_contacts_table,
    read_intervals_table,
)
from ccops.contacts.importers.technion import read_technion
from ccops.contacts.importers.twilio_taskrouter import read_task_events
from ccops.contacts.models import AgentStateEvent, Contact, IntervalReport
from ccops.errors import Invalid, Problem
from ccops.settings import Settings


def _run_contacts(
    rows: Iterable[ParsedRow],
    *,
    org: contacts_importing.Org,
    contacts: contacts_importing.Job,
    states: contacts_importing.Job | None,
    secret_key: str,
) -> None:
    for row in rows:
        if isinstance(row, ContactRow):
            if not contacts.first_time(row.external_id, row.line, row.raw, "external_id"):
                continue
            record = contacts_importing.contact_record(row, org, contacts, secret_key)
            if record is not None:
                contacts.add(row.external_id, record, row.line, row.raw)
        elif isinstance(row, AgentStateRow):
            if states is None:
                continue
            if not states.first_time(row.external_id, row.line, row.raw, "external_id"):
                continue
            record = contacts_importing.agent_state_record(row, org, states)
            if record is not None:
                states.add(row.external_id, record, row.line, row.raw)
        elif isinstance(row, RejectedRow):
            contacts.reject(row)


def import_contacts(
    *,
    session: Session,
    settings: Settings,
    path: Path,
    format: str,
    mapping: Path | None = None,
    site: str | None = None,
    source: str | None = None,
    skip_invalid: bool = False,
    update: bool = False,
    create_missing: bool = False,
    report_dir: Path | None = None,
    with_agent_states: bool = False,
    allowed_site_ids: frozenset[int] | None = None,
    agent_map: Path | None = None,
) -> schemas.ImportReport:
    """Import a file of contacts (one of ``FORMATS["contacts"]``).

    Args:
        session: the caller's transaction; the import runs in a SAVEPOINT of it.
        settings: gives the secret key of customer hashes and the default report folder.
        path: the file.
        format: one of `FORMATS["contacts"]`.
        mapping: TOML column mapping (csv and parquet only).
        site: site whose wall clock times without an offset are in (else each queue's site);
            also where ``create_missing`` creates queues and agents.
        source: the records' source name (default per format, or the mapping's).
        skip_invalid: import the good rows and write the bad ones to a rejects file.
        update: replace stored records whose content differs, instead of refusing them.
        create_missing: create unknown queues and agents instead of refusing them.
        report_dir: where the report and rejects file go (default ``data_dir/imports``).
        with_agent_states: also import the agent states of an Asterisk queue_log.
        allowed_site_ids: the caller's scope; queues, agents and sites elsewhere are refused
            (None: every site).
        agent_map: CSV ``alias,login`` of the other names the log uses for agents (stored as
            aliases, used by this and every later import; asterisk-queue-log only).

    Returns:
        What was inserted, updated, left unchanged, rejected, skipped and warned about.

    An Asterisk queue_log continues the previous file of its source: calls that file left open
    (``pending_call``) are completed by this one, and the calls this one leaves open replace
    them (those answered are stored already, as answered contacts with no end yet).

    Raises:
        Invalid: unknown format, unreadable file, missing columns, or bad rows (each located).
        Conflict: stored records with the same ids but other content (without ``update``).
        NotFound: unknown site, queues or agents (without ``create_missing``).
        Forbidden: the file or the site is outside ``allowed_site_ids``.
    """
    common = contacts_importing.prepare(
        session=session,
        path=path,
        fmt=format,
        kind="contacts",
        mapping=mapping,
        site=site,
        source=source,
        allowed_site_ids=allowed_site_ids,
    )
    if common.fmt == "technion" and create_missing and common.site is None:
        raise Invalid(
            "technion: --create-missing needs --site (the log's times are the site's wall clock, "
            "e.g. a site in Asia/Jerusalem)",
            [Problem("required with --create-missing for technion", field="site")],
        )
    if with_agent_states and common.fmt != "asterisk-queue-log":
        raise Invalid(
            "--with-agent-states applies to asterisk-queue-log files",
            [Problem("not used by this format", field="with_agent_states")],
        )
    map_rows = _agent_map_rows(agent_map, common.fmt)
    report_path, rejects_path = contacts_importing.report_paths(
        settings, report_dir, common.label, "contacts"
    )
    secret_key = settings.resolved_secret_key()
    tally = Tally(common.label)
    states_tally = Tally(common.label)
    with ExitStack() as stack:
        sink = stack.enter_context(rejects_sink(rejects_path, skip_invalid))
        stack.enter_context(session.begin_nested())
        org = contacts_importing.Org(
            session,
            settings,
            common.site,
            create_missing,
            common.label,
            tally=tally,
            allowed_site_ids=allowed_site_ids,
        )
        contacts = common.job(
            session,
            "contacts",
            Contact,
            contacts_importing.lookup_by_external_id(Contact, common.source),
            tally,
            skip_invalid=skip_invalid,
            update=update,
            sink=sink,
        )
        states: contacts_importing.Job | None = None
        if with_agent_states:
            states_report, states_rejects = contacts_importing.report_paths(
                settings, report_dir, common.label, "agent_states"
            )
            states_sink = stack.enter_context(rejects_sink(states_rejects, skip_invalid))
            states = common.job(
                session,
                "agent_states",
                AgentStateEvent,
                contacts_importing.lookup_by_external_id(AgentStateEvent, common.source),
                states_tally,
                skip_invalid=skip_invalid,
                update=update,
                sink=states_sink,
            )
        aliases_stored = _store_map(session, map_rows, agent_map, allowed_site_ids)
        still_open: list[PendingCall] = []
        rows: Iterable[ParsedRow]
        if common.fmt == "technion":
            rows = read_technion(path, label=common.label, zone_for=org.zone_for_queue, tally=tally)
        elif common.fmt == "amazon-connect-ctr":
            rows = read_contact_records(path, label=common.label, tally=tally)
        elif common.fmt == "genesys-cloud-conversations":
            rows = read_conversations(path, label=common.label, tally=tally)
        elif common.fmt == "twilio-taskrouter-events":
            rows = read_task_events(path, label=common.label, tally=tally)
        elif common.fmt == "asterisk-queue-log":
            pending = continuity.load_pending(session, common.source)
            contacts.writer.replaceable = {p.external_id for p in pending if p.answered}
            rows = _marking_provisional(
                read_queue_log(
                    path,
                    label=common.label,
                    tally=tally,
                    pending=pending,
                    still_open=still_open,
                    aliases=continuity.alias_names(session),
                ),
                contacts.writer.provisional,
            )
        elif bulk.applies(common.fmt, common.mapping):
            bulk.import_csv(
                path,
                label=common.label,
                mapping=common.mapping,
                org=org,
                job=contacts,
                tally=tally,
                secret_key=secret_key,
            )
            rows = ()
        else:
            rows = read_contacts_table(
                path,
                common.fmt,
                label=common.label,
                mapping=common.mapping,
                zone_for=org.zone_for_queue,
                tally=tally,
            )
        _run_contacts(rows, org=org, contacts=contacts, states=states, secret_key=secret_key)
        if states is not None:
            states.writer.flush()
        contacts.writer.flush()
        org.refuse_unknown(tally)
        contacts.finish()
        if states is not None:
            states.finish()
        report = contacts.report(rows_read=tally.rows_read, org=org, started=common.started)
        if common.fmt == "asterisk-queue-log":
            kept = continuity.save_pending(
                session=session,
                source=common.source,
                still_open=still_open,
                file_name=common.label,
                batch_id=contacts.batch.id,
            )
            report = report.model_copy(update={"pending_calls": kept})
        report = report.model_copy(update={"aliases_stored": aliases_stored})
        if states is not None:
            nested = states.report(rows_read=tally.rows_read, org=org, started=common.started)
            nested = contacts_importing.write_report(nested, states_report)
            report = report.model_copy(update={"agent_states": nested})
    return contacts_importing.write_report(report, report_path)


def import_agent_states(
    *,
    session: Session,
    settings: Settings,
    path: Path,
    format: str,
    mapping: Path | None = None,
    site: str | None = None,
    source: str | None = None,
    skip_invalid: bool = False,
    update: bool = False,
    create_missing: bool = False,
    report_dir: Path | None = None,
    allowed_site_ids: frozenset[int] | None = None,
    agent_map: Path | None = None,
) -> schemas.ImportReport:
    """Import agent-state spans (csv or parquet with a mapping, or an Asterisk queue_log).

    Tabular files have the fields person (login), state, reason_code, start, end and optionally
    external_id (default ``person:start_epoch``). Arguments and errors as `import_contacts`.
    """
    common = contacts_importing.prepare(
        session=session,
        path=path,
        fmt=format,
        kind="agent_states",
        mapping=mapping,
        site=site,
        source=source,
        allowed_site_ids=allowed_site_ids,
    )
    report_path, rejects_path = contacts_importing.report_paths(
        settings, report_dir, common.label, "agent_states"
    )
    map_rows = _agent_map_rows(agent_map, common.fmt)
    tally = Tally(common.label)
    with rejects_sink(rejects_path, skip_invalid) as sink, session.begin_nested():
        aliases_stored = _store_map(session, map_rows, agent_map, allowed_site_ids)
        org = contacts_importing.Org(
            session,
            settings,
            common.site,
            create_missing,
            common.label,
            tally=tally,
            allowed_site_ids=allowed_site_ids,
        )
        job = common.job(
            session,
            "agent_states",
            AgentStateEvent,
            contacts_importing.lookup_by_external_id(AgentStateEvent, common.source),
            tally,
            skip_invalid=skip_invalid,
            update=update,
            sink=sink,
        )
        rows: Iterable[ParsedRow]
        if common.fmt == "asterisk-queue-log":
            rows = read_queue_log(
                path, label=common.label, tally=tally, aliases=continuity.alias_names(session)
            )
        else:
            rows = read_agent_states_table(
                path,
                common.fmt,
                label=common.label,
                mapping=common.mapping,
                zone_for=org.zone_for_person,
                tally=tally,
            )
        for row in rows:
            if isinstance(row, AgentStateRow):
                if not job.first_time(row.external_id, row.line, row.raw, "external_id"):
                    continue
                record = contacts_importing.agent_state_record(row, org, job)
                if record is not None:
                    job.add(row.external_id, record, row.line, row.raw)
            elif isinstance(row, RejectedRow):
                if row.applies_to == "contacts":
                    tally.notes["call_rows_not_used"] += 1
                else:
                    job.reject(row)
        job.writer.flush()
        org.refuse_unknown(tally)
        job.finish()
        report = job.report(rows_read=tally.rows_read, org=org, started=common.started)
        report = report.model_copy(update={"aliases_stored": aliases_stored})
    return contacts_importing.write_report(report, report_path)


def _agent_map_rows(agent_map: Path | None, fmt: str) -> list[tuple[int, str, str]]:
    """Read an agent map (refused for formats whose agents are not interface names)."""
    if agent_map is None:
        return []
    if fmt != "asterisk-queue-log":
        raise Invalid(
            "--agent-map applies to asterisk-queue-log files",
            [Problem("not used by this format", field="agent_map")],
        )
    return continuity.read_agent_map(agent_map)


def _store_map(
    session: Session,
    rows: list[tuple[int, str, str]],
    agent_map: Path | None,
    allowed_site_ids: frozenset[int] | None,
) -> int:
    if agent_map is None:
        return 0
    return continuity.store_aliases(
        session=session, rows=rows, label=agent_map.name, allowed_site_ids=allowed_site_ids
    )


def _marking_provisional(rows: Iterable[ParsedRow], provisional: set[Any]) -> Iterable[ParsedRow]:
    """Pass the rows on, noting the ids of provisional contacts (answered, not ended yet): a
    contact already stored under such an id (completed by a later file) is left alone."""
    for row in rows:
        if isinstance(row, ContactRow) and row.ended_at is None:
            provisional.add(row.external_id)
        yield row


def import_intervals(
    *,
    session: Session,
    settings: Settings,
    path: Path,
    format: str,
    mapping: Path | None = None,
    site: str | None = None,
    source: str | None = None,
    skip_invalid: bool = False,
    update: bool = False,
    create_missing: bool = False,
    report_dir: Path | None = None,
    allowed_site_ids: frozenset[int] | None = None,
) -> schemas.ImportReport:
    """Import an ACD interval report: offered, answered, abandoned, handle time per queue interval.

    Fields: queue, interval_start, interval_min (15, 30 or 60; or ``[options] interval_min``),
    offered, answered, abandoned, and optionally short_abandoned, answered_within_target,
    handle_s (total) or aht_s, wait_s (total) or asa_s. Rows are idempotent on
    (source, queue, interval_start). Arguments and errors as `import_contacts`.
    """
    common = contacts_importing.prepare(
        session=session,
        path=path,
        fmt=format,
        kind="intervals",
        mapping=mapping,
        site=site,
        source=source,
        allowed_site_ids=allowed_site_ids,
    )
    report_path, rejects_path = contacts_importing.report_paths(
        settings, report_dir, common.label, "intervals"
    )
    tally = Tally(common.label)
    with rejects_sink(rejects_path, skip_invalid) as sink, session.begin_nested():
        org = contacts_importing.Org(
            session,
            settings,
            common.site,
            create_missing,
            common.label,
            tally=tally,
            allowed_site_ids=allowed_site_ids,
        )
        job = common.job(
            session,
            "intervals",
            IntervalReport,
            contacts_importing.lookup_intervals(common.source),
            tally,
            skip_invalid=skip_invalid,
            update=update,
            sink=sink,
        )
        rows = read_intervals_table(
            path,
            common.fmt,
            label=common.label,
            mapping=common.mapping,
            zone_for=org.zone_for_queue,
            tally=tally,
        )
        for row in rows:
            if isinstance(row, RejectedRow):
                job.reject(row)
                continue
            record = _interval_record(row, org, job)
            if record is None:
                continue
            key = (
                record["queue_id"],
                time_fields(row.interval_start, contacts_importing.UTC_ZONE).epoch_s,
            )
            if job.first_time(key, row.line, row.raw, "interval"):
                job.add(key, record, row.line, row.raw)
        job.writer.flush()
        org.refuse_unknown(tally)
        job.finish()
        report = job.report(rows_read=tally.rows_read, org=org, started=common.started)
    return contacts_importing.write_report(report, report_path)


def _interval_record(
    row: IntervalRow, org: contacts_importing.Org, job: contacts_importing.Job
) -> dict[str, Any] | None:
    queue = org.queue(row.queue, row.line)
    if queue is None:
        return None
    times = time_fields(row.interval_start, org.zone_of_site(queue.site_id))
    if times.local_min % row.interval_min:
        job.reject(
            RejectedRow(
                row.line,
                [
                    job.tally.problem(
                        f"{row.interval_start.isoformat()} does not start a "
                        f"{row.interval_min}-minute interval of the site's clock",
                        row=row.line,
                        field="interval_start",
                    )
                ],
                row.raw,
            )
        )
        return None
    record: dict[str, Any] = {
        "source": job.source,
        "queue_id": queue.id,
        "interval_start": row.interval_start,
        "interval_local_min": times.local_min,
        "utc_offset_min": times.utc_offset_min,
        "interval_min": row.interval_min,
        "offered": row.offered,
        "answered": row.answered,
        "abandoned": row.abandoned,
        "short_abandoned": row.short_abandoned,
        "answered_within_target": row.answered_within_target,
        "handle_s": row.handle_s,
        "wait_s": row.wait_s,
    }
    record["content_hash"] = content_hash(
        (
            queue.id,
            row.interval_start,
            row.interval_min,
            row.offered,
            row.answered,
            row.abandoned,
            row.short_abandoned,
            row.answered_within_target,
            row.handle_s,
            row.wait_s,
        )
    )
    return record
