"""Contacts of a CSV file imported a batch at a time (`importers.columnar`), with every rule
of the per-row import: rows are handled in file order, and each row the batch reader does not
take (bad, warned about, duplicate, naming a queue or agent not yet resolved) goes through the
per-row reader and `imports._run_contacts`' steps, so problems, row numbers, rejects, created
names and conflicts are what they would be row by row.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ccops.contacts import importing as contacts_importing
from ccops.contacts.importers import columnar
from ccops.contacts.importers.base import CONTEXT_FIELDS, Block, ContactRow, RejectedRow, Tally
from ccops.contacts.importers.tabular import (
    contact_columns,
    contact_parser,
    open_csv_fields,
    outcome_map,
)
from ccops.contacts.schemas import Mapping


def applies(fmt: str, mapping: Mapping) -> bool:
    """Whether a contact file is read in batches: CSV with ISO timestamps."""
    return fmt == "csv" and mapping.options.timestamp_format is None


def import_csv(
    path: Path,
    *,
    label: str,
    mapping: Mapping,
    org: contacts_importing.Org,
    job: contacts_importing.Job,
    tally: Tally,
    secret_key: str,
    batch_rows: int | None = None,
) -> None:
    """Read, check and queue for writing every contact of a CSV file (see the module)."""
    header, rows = open_csv_fields(
        path, label=label, delimiter=mapping.options.delimiter, tally=tally
    )
    columns = contact_columns(header, mapping, label)
    last = {name: i for i, name in enumerate(header)}  # as dict(zip(header, fields))
    index = {field: last[column] for field, column in columns.items()}
    parse = contact_parser(columns, mapping, label, org.zone_for_queue, tally)
    outcomes = outcome_map(mapping)
    override = mapping.options.timezone
    in_bulk = not any(name in columns for name in CONTEXT_FIELDS)

    def queue(name: str) -> columnar.QueueRef | None:
        found = org.known_queue(name)
        if found is None:
            return None
        queue_id, channel_id, parse_zone, site_zone = found
        return columnar.QueueRef(queue_id, channel_id, override or parse_zone.key, site_zone.key)

    names = columnar.Names(queue=queue, person=org.known_person, channel=org.known_channel)
    for batch in columnar.csv_batches(rows, batch_rows or columnar.BATCH_ROWS):
        converted = None
        if in_bulk and batch.lines:
            converted = columnar.convert(
                batch,
                index=index,
                outcomes=outcomes,
                names=names,
                seen=job.seen,
                secret_key=secret_key,
                source=job.source,
                batch_id=job.batch.id,
            )
        _handle(batch, converted, header, parse, org, job, secret_key)


def _handle(
    batch: columnar.CsvBatch,
    converted: columnar.Converted | None,
    header: list[str],
    parse: Callable[[int, dict[str, Any], object], ContactRow | RejectedRow],
    org: contacts_importing.Org,
    job: contacts_importing.Job,
    secret_key: str,
) -> None:
    """Hand on the rows of one batch in file order: runs of converted rows as blocks, the
    others one by one."""
    taken = 0  # rows of `converted` handed on so far
    run: list[int] = []  # a run of consecutive rows taken in bulk

    def flush_run() -> None:
        nonlocal taken, run
        if not run or converted is None:
            return
        stop = taken + len(run)
        lines = [batch.lines[i] for i in run]
        keys = converted.external_ids[taken:stop]
        job.seen.update(zip(keys, lines, strict=True))
        job.writer.add_block(
            Block(
                keys,
                lines,
                [batch.texts[i] for i in run],
                converted.hashes[taken:stop],
                converted.table.slice(taken, len(run)),
            )
        )
        taken = stop
        run = []

    for entry in batch.entries:
        if isinstance(entry, RejectedRow):
            flush_run()
            job.reject(entry)
            continue
        if converted is not None and converted.fast[entry]:
            run.append(entry)
            continue
        flush_run()
        record: dict[str, Any] = dict(zip(header, batch.fields[entry], strict=True))
        row = parse(batch.lines[entry], record, batch.texts[entry])
        if isinstance(row, RejectedRow):
            job.reject(row)
            continue
        _one(row, org, job, secret_key)
    flush_run()


def _one(
    row: ContactRow, org: contacts_importing.Org, job: contacts_importing.Job, secret_key: str
) -> None:
    """One contact, as `imports._run_contacts` handles it."""
    if not job.first_time(row.external_id, row.line, row.raw, "external_id"):
        return
    record = contacts_importing.contact_record(row, org, job, secret_key)
    if record is not None:
        job.add(row.external_id, record, row.line, row.raw)
