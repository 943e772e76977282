"""CSV and Parquet files of any call log, agent-state log or interval report, with a mapping.

A mapping file (TOML) names, under ``[columns]``, the file's column for each of our fields;
fields it does not name are looked up under their own name. ``[outcomes]`` and ``[states]`` map
our values to lists of the file's values; ``[options]`` sets the timestamp format, a time zone
override, the source name, the CSV delimiter and a fixed interval length. Example::

    [columns]
    external_id = "CallID"
    queue = "Split"
    arrival = "Start"
    [outcomes]
    answered = ["ANS", "HANDLED"]
    abandoned = ["ABN"]
    [options]
    timestamp_format = "%d/%m/%Y %H:%M:%S"

CSV is read with the standard library's reader so that every row keeps its line number;
Parquet by record batches. Timestamps with an offset are taken as written; without one they are
the wall clock of the mapping's zone, else the site's (``--site``, else the queue's or person's).
"""

from __future__ import annotations

import csv
import math
import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from ccops.contacts.importers.base import (
    CONTEXT_FIELDS,
    NO_CONTEXT,
    TIMING_REASONS,
    AgentStateRow,
    ContactContext,
    ContactRow,
    IntervalRow,
    NonexistentLocalTime,
    RejectedRow,
    Tally,
    check_contact,
    distrust_timing,
    normalise_customer_key,
    time_fields,
    to_utc,
    untrusted_timing_of,
)
from ccops.contacts.schemas import Mapping
from ccops.enums import AgentState, Outcome
from ccops.errors import Invalid, Problem

CONTACT_FIELDS = (
    "external_id",
    "queue",
    "arrival",
    "answered_at",
    "ended_at",
    "outcome",
    "wait_s",
    "talk_s",
    "hold_s",
    "wrap_s",
    "agent",
    "customer_key",
    "channel",
    *CONTEXT_FIELDS,
)
AGENT_STATE_FIELDS = ("external_id", "person", "state", "reason_code", "start", "end")
INTERVAL_FIELDS = (
    "queue",
    "interval_start",
    "interval_min",
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "answered_within_target",
    "handle_s",
    "aht_s",
    "wait_s",
    "asa_s",
)
FIELDS = {
    "contacts": CONTACT_FIELDS,
    "agent_states": AGENT_STATE_FIELDS,
    "intervals": INTERVAL_FIELDS,
}
ANSWERED = (Outcome.answered, Outcome.transferred)
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "f"})
LABEL_LIMIT = 100
"""Longest reason code or topic (the column's width)."""
REF_LIMIT = 500
"""Longest recording or transcript reference."""
TOLERANCE_S = 1.0
"""Disagreement between a duration and its timestamps that passes without a warning."""

csv.field_size_limit(min(sys.maxsize, 1 << 24))


class _RowError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def load_mapping(path: Path | None, *, kind: str, label: str | None = None) -> Mapping:
    """Read and check a mapping file (None: the file's columns are named as ours).

    Raises:
        Invalid: unreadable TOML, unknown keys, unknown time zone, or fields that do not exist
            for ``kind``; each problem names the mapping file and the key.
    """
    if path is None:
        return Mapping()
    name = label or path.name
    if not path.is_file():
        raise Invalid(f"{name}: no such mapping file", [Problem("no such file", file=name)])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise Invalid(
            f"{name}: not a TOML mapping file: {exc}", [Problem(str(exc), file=name)]
        ) from None
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(e["msg"], field=".".join(str(p) for p in e["loc"]) or None, file=name)
            for e in exc.errors()
        ]
        described = "; ".join(f"field {p.field}: {p.message}" for p in problems)
        raise Invalid(f"{name}: {described}", problems) from None
    known = FIELDS[kind]
    unknown = sorted(set(mapping.columns) - set(known))
    if unknown:
        raise Invalid(
            f"{name}: [columns] names unknown fields {', '.join(unknown)} "
            f"(the fields of {kind.replace('_', ' ')}: {', '.join(known)})",
            [Problem("unknown field", field=f"columns.{u}", file=name) for u in unknown],
        )
    return mapping


@dataclass
class _Table:
    columns: list[str]
    rows: Iterator[tuple[int, dict[str, Any], object]]


def _open_csv(path: Path, *, label: str, delimiter: str, tally: Tally) -> _Table:
    header, rows = open_csv_fields(path, label=label, delimiter=delimiter, tally=tally)

    def records() -> Iterator[tuple[int, dict[str, Any], object]]:
        for start, fields, raw in rows:
            if fields is None:
                yield start, {}, raw
            else:
                yield start, dict(zip(header, fields, strict=True)), raw

    return _Table(header, records())


def open_csv_fields(
    path: Path, *, label: str, delimiter: str, tally: Tally
) -> tuple[list[str], Iterator[tuple[int, list[str] | None, object]]]:
    """The header of a CSV file and its rows as ``(line, fields, text)``, or
    ``(line, None, RejectedRow)`` for a row that cannot be read; blank lines are skipped and
    every row read is counted in ``tally``.

    Raises:
        Invalid: the file has no header or an unreadable first row.
    """
    with path.open("rb") as tail:
        tail.seek(0, 2)
        size = tail.tell()
        tail.seek(max(0, size - 1))
        ends_with_newline = tail.read(1) in (b"\n", b"\r")
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as first:
        try:
            header = next(csv.reader(first, delimiter=delimiter))
        except StopIteration:
            raise Invalid(
                f"{label}: the file is empty", [Problem("no header", file=label, row=1)]
            ) from None
        except csv.Error as exc:
            raise Invalid(
                f"{label}: row 1: {exc}", [Problem(str(exc), file=label, row=1)]
            ) from None
    header = [h.strip() for h in header]
    width = len(header)

    def records(reader: Any) -> Iterator[tuple[int, list[str] | csv.Error]]:
        next(reader)  # the header
        previous_end = reader.line_num
        while True:
            start = previous_end + 1
            try:
                fields: list[str] | csv.Error = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                fields = exc
            previous_end = reader.line_num
            yield start, fields

    def rows() -> Iterator[tuple[int, list[str] | None, object]]:
        with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
            pending = records(csv.reader(handle, delimiter=delimiter))
            current = next(pending, None)
            while current is not None:
                start, fields = current
                current = next(pending, None)
                if isinstance(fields, csv.Error):
                    tally.rows_read += 1
                    yield (
                        start,
                        None,
                        RejectedRow(start, [tally.problem(str(fields), row=start)], ""),
                    )
                    continue
                if not fields or (len(fields) == 1 and not fields[0].strip() and width > 1):
                    tally.skipped["blank_line"] += 1
                    continue
                tally.rows_read += 1
                text = delimiter.join(fields)
                if len(fields) != width or "\x00" in text or _has_surrogates(text):
                    if "\x00" in text:
                        why = "binary content"
                    elif _has_surrogates(text):
                        why = "not UTF-8 text"
                    else:
                        why = f"expected {width} fields, found {len(fields)}"
                        if current is None and not ends_with_newline:
                            why += " (the file looks truncated)"
                    yield start, None, RejectedRow(start, [tally.problem(why, row=start)], text)
                    continue
                yield start, fields, text

    return header, rows()


_SURROGATE = re.compile("[\udc80-\udcff]")


def _has_surrogates(text: str) -> bool:
    """Return whether undecodable bytes were read (kept as surrogates by the reader)."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def _open_parquet(path: Path, *, label: str, columns: list[str], tally: Tally) -> _Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(path) as parquet:
            names = list(parquet.schema_arrow.names)
    except (pa.ArrowException, OSError) as exc:
        raise Invalid(
            f"{label}: not a readable Parquet file ({exc})",
            [Problem(f"not a readable Parquet file: {exc}", file=label)],
        ) from None

    def rows() -> Iterator[tuple[int, dict[str, Any], object]]:
        wanted = [c for c in columns if c in names]
        number = 0
        try:
            with pq.ParquetFile(path) as parquet:
                for batch in parquet.iter_batches(batch_size=8192, columns=wanted):
                    for record in batch.to_pylist():
                        number += 1
                        tally.rows_read += 1
                        yield number, record, record
        except (pa.ArrowException, OSError) as exc:
            number += 1
            problem = tally.problem(f"unreadable data (truncated file?): {exc}", row=number)
            yield number, {}, RejectedRow(number, [problem], "")

    return _Table(names, rows())


def _open(
    path: Path, fmt: str, *, label: str, mapping: Mapping, columns: list[str], tally: Tally
) -> _Table:
    if fmt == "parquet":
        return _open_parquet(path, label=label, columns=columns, tally=tally)
    return _open_csv(path, label=label, delimiter=mapping.options.delimiter, tally=tally)


def _resolve_columns(
    table: _Table,
    mapping: Mapping,
    *,
    kind: str,
    label: str,
    required: list[tuple[str, ...]],
) -> dict[str, str]:
    """Return our field → the file's column for every field present; refuse missing ones."""
    present = set(table.columns)
    resolved: dict[str, str] = {}
    for name in FIELDS[kind]:
        column = mapping.columns.get(name, name)
        if column in present:
            resolved[name] = column
    missing: list[str] = []
    for alternatives in required:
        if not any(a in resolved for a in alternatives):
            described = " or ".join(
                f"{a} (column {mapping.columns[a]!r})" if a in mapping.columns else a
                for a in alternatives
            )
            missing.append(described)
    if missing:
        raise Invalid(
            f"{label}: row 1: missing columns: {'; '.join(missing)}",
            [
                Problem(f"missing column {m}", field=m.split(" ")[0], row=1, file=label)
                for m in missing
            ],
        )
    return resolved


def _value_map(
    mapping: dict[Any, list[str]], enum: type[Outcome] | type[AgentState]
) -> dict[str, Any]:
    lookup: dict[str, Any] = {m.value.lower(): m for m in enum}
    for ours, theirs in mapping.items():
        for value in theirs:
            lookup[str(value).strip().lower()] = ours
    return lookup


class _Reader:
    """Typed access to one row's values, with its time rules."""

    def __init__(self, columns: dict[str, str], mapping: Mapping) -> None:
        self.columns = columns
        self.format = mapping.options.timestamp_format
        self.zone_override = (
            ZoneInfo(mapping.options.timezone) if mapping.options.timezone else None
        )

    def text(self, record: dict[str, Any], name: str) -> str:
        column = self.columns.get(name)
        if column is None:
            return ""
        value = record.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def number(self, record: dict[str, Any], name: str) -> float | None:
        column = self.columns.get(name)
        value = None if column is None else record.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            raise _RowError(name, f"{value!r} is not a number")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise _RowError(name, f"{value!r} is not a number") from None
        if not math.isfinite(number):
            raise _RowError(name, f"{value!r} is not a finite number")
        return number

    def count(self, record: dict[str, Any], name: str) -> int | None:
        number = self.number(record, name)
        if number is None:
            return None
        if not number.is_integer():
            raise _RowError(name, f"{number:g} is not a whole number")
        if number < 0:
            raise _RowError(name, f"negative count {number:g}")
        return int(number)

    def flag(self, record: dict[str, Any], name: str) -> bool | None:
        column = self.columns.get(name)
        value = None if column is None else record.get(column)
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if not text:
            return None
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise _RowError(name, f"{value!r} is not yes or no (write true/false, yes/no or 1/0)")

    def score(self, record: dict[str, Any], name: str, low: int, high: int) -> int | None:
        number = self.number(record, name)
        if number is None:
            return None
        if not number.is_integer() or not low <= number <= high:
            raise _RowError(name, f"{number:g} is not a whole number from {low} to {high}")
        return int(number)

    def label(self, record: dict[str, Any], name: str, limit: int) -> str | None:
        text = self.text(record, name)
        if len(text) > limit:
            raise _RowError(name, f"longer than {limit} characters ({len(text)})")
        return text or None

    def duration(self, record: dict[str, Any], name: str) -> float | None:
        number = self.number(record, name)
        if number is not None and number < 0:
            raise _RowError(name, f"negative duration {number:g}")
        return number

    def time(
        self, record: dict[str, Any], name: str, zone: ZoneInfo, tally: Tally, line: int
    ) -> datetime | None:
        column = self.columns.get(name)
        value = None if column is None else record.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        parsed = self._parse_time(value, name)
        try:
            at, ambiguous = to_utc(parsed, self.zone_override or zone)
        except NonexistentLocalTime as exc:
            raise _RowError(name, str(exc)) from None
        if ambiguous:
            tally.warn(
                "ambiguous_local_time",
                f"{parsed.isoformat(sep=' ')} happened twice in "
                f"{(self.zone_override or zone).key}; the first is taken (write the offset)",
                row=line,
                field=name,
            )
        return at

    def _parse_time(self, value: object, name: str) -> datetime:
        if isinstance(value, datetime):
            return value
        if self.format == "epoch" or (
            isinstance(value, int | float) and not isinstance(value, bool)
        ):
            try:
                return datetime.fromtimestamp(float(str(value)), UTC)
            except (ValueError, OverflowError, OSError):
                raise _RowError(name, f"{value!r} is not a Unix time") from None
        text = str(value).strip()
        try:
            if self.format:
                return datetime.strptime(text, self.format)
            return datetime.fromisoformat(
                text.replace("Z", "+00:00") if text.endswith("Z") else text
            )
        except ValueError:
            expected = self.format or "ISO 8601, e.g. 2024-10-27T01:30:00+01:00"
            raise _RowError(name, f"{text!r} is not a timestamp ({expected})") from None


def read_contacts_table(
    path: Path,
    fmt: str,
    *,
    label: str,
    mapping: Mapping,
    zone_for: Callable[[str], ZoneInfo],
    tally: Tally,
) -> Iterator[ContactRow | RejectedRow]:
    """Yield the contacts of a CSV or Parquet call log.

    Raises:
        Invalid: the file cannot be read or lacks required columns (named with the file).
    """
    wanted = [mapping.columns.get(f, f) for f in CONTACT_FIELDS]
    table = _open(path, fmt, label=label, mapping=mapping, columns=wanted, tally=tally)
    columns = _resolve_columns(
        table, mapping, kind="contacts", label=label, required=CONTACT_REQUIRED
    )
    return _contacts(table, columns, mapping, label, zone_for, tally)


def _contacts(
    table: _Table,
    columns: dict[str, str],
    mapping: Mapping,
    label: str,
    zone_for: Callable[[str], ZoneInfo],
    tally: Tally,
) -> Iterator[ContactRow | RejectedRow]:
    parse = contact_parser(columns, mapping, label, zone_for, tally)
    for line, record, raw in table.rows:
        if isinstance(raw, RejectedRow):
            yield raw
            continue
        yield parse(line, record, raw)


CONTACT_REQUIRED: list[tuple[str, ...]] = [
    ("external_id",),
    ("queue",),
    ("arrival",),
    ("outcome",),
    ("answered_at", "wait_s"),
    ("ended_at", "talk_s"),
]


def contact_columns(header: list[str], mapping: Mapping, label: str) -> dict[str, str]:
    """Our contact field → the file's column, for a file with ``header``; refuse missing ones."""
    return _resolve_columns(
        _Table(header, iter(())), mapping, kind="contacts", label=label, required=CONTACT_REQUIRED
    )


def contact_parser(
    columns: dict[str, str],
    mapping: Mapping,
    label: str,
    zone_for: Callable[[str], ZoneInfo],
    tally: Tally,
) -> Callable[[int, dict[str, Any], object], ContactRow | RejectedRow]:
    """One contact row's reading: the record (file column → value) to a row or its problems."""
    reader = _Reader(columns, mapping)
    outcomes = _value_map(dict(mapping.outcomes), Outcome)

    def parse(line: int, record: dict[str, Any], raw: object) -> ContactRow | RejectedRow:
        try:
            row = _contact(reader, record, line, raw, outcomes, zone_for, tally)
        except _RowError as exc:
            return RejectedRow(line, [tally.problem(exc.message, row=line, field=exc.field)], raw)
        return _checked(row, label, raw, tally)

    return parse


def _checked(row: ContactRow, label: str, raw: object, tally: Tally) -> ContactRow | RejectedRow:
    """The row, its timing distrusted when its outcome is known but its times disagree (issue
    #15, point 5: kept and counted, wait unknown, a warning), or its remaining problems."""
    reason = untrusted_timing_of(row)
    if reason is not None:
        distrust_timing(row, reason)
        tally.warn(
            "timing_untrusted",
            f"{TIMING_REASONS[reason]}: kept as {row.outcome.value}, its wait unknown",
            row=row.line,
            field="answered_at",
        )
    problems = check_contact(row, label)
    return RejectedRow(row.line, problems, raw) if problems else row


def outcome_map(mapping: Mapping) -> dict[str, Outcome]:
    """The file's outcome words (lower-case) → our outcomes, ours included."""
    return _value_map(dict(mapping.outcomes), Outcome)


def _seconds_between(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()


def _contact(
    reader: _Reader,
    record: dict[str, Any],
    line: int,
    raw: object,
    outcomes: dict[str, Outcome],
    zone_for: Callable[[str], ZoneInfo],
    tally: Tally,
) -> ContactRow:
    external_id = reader.text(record, "external_id")
    if not external_id:
        raise _RowError("external_id", "empty external id")
    queue = reader.text(record, "queue")
    if not queue:
        raise _RowError("queue", "empty queue")
    outcome_text = reader.text(record, "outcome")
    outcome = outcomes.get(outcome_text.lower())
    if outcome is None:
        raise _RowError(
            "outcome", f"unknown outcome {outcome_text!r} (map it under [outcomes] in the mapping)"
        )
    zone = zone_for(queue)
    arrival = reader.time(record, "arrival", zone, tally, line)
    if arrival is None:
        raise _RowError("arrival", "empty arrival time")
    answered = reader.time(record, "answered_at", zone, tally, line)
    ended = reader.time(record, "ended_at", zone, tally, line)
    wait = reader.duration(record, "wait_s")
    talk = reader.duration(record, "talk_s")
    hold = reader.duration(record, "hold_s") or 0.0
    wrap = reader.duration(record, "wrap_s") or 0.0

    if outcome in ANSWERED:
        if answered is None and wait is None:
            # answered (the outcome is known) at an unknown time: kept, timing untrusted
            if talk is None:
                raise _RowError(
                    "talk_s",
                    f"outcome {outcome.value} without answered_at or wait_s needs talk_s",
                )
        elif answered is None:
            answered = arrival + timedelta(seconds=wait or 0.0)
        elif answered >= arrival:
            from_times = _seconds_between(answered, arrival)
            if wait is not None and abs(wait - from_times) > TOLERANCE_S:
                tally.warn(
                    "wait_recomputed",
                    f"wait_s {wait:g} disagrees with answered_at - arrival ({from_times:g} s)",
                    row=line,
                    field="wait_s",
                )
            wait = from_times
        if talk is None:
            if ended is None:
                raise _RowError("talk_s", f"outcome {outcome.value} needs talk_s or ended_at")
            assert answered is not None  # without one, talk_s was required above
            talk = max(0.0, _seconds_between(ended, answered) - hold)
        if answered is None or (ended is None and answered < arrival):
            pass  # the answer time is unknown (or wrong): so is the end, unless given
        elif ended is None:
            ended = answered + timedelta(seconds=talk + hold)
        elif ended >= answered:
            from_times = _seconds_between(ended, answered) - hold
            if abs(talk - from_times) > TOLERANCE_S:
                tally.warn(
                    "talk_recomputed",
                    f"talk_s {talk:g} disagrees with ended_at - answered_at - hold_s "
                    f"({from_times:g} s)",
                    row=line,
                    field="talk_s",
                )
                talk = max(0.0, from_times)
    else:
        if wait is None:
            if ended is None:
                raise _RowError("wait_s", f"outcome {outcome.value} needs wait_s or ended_at")
            wait = _seconds_between(ended, arrival)
        elif ended is None:
            ended = arrival + timedelta(seconds=wait)
        elif ended >= arrival:
            from_times = _seconds_between(ended, arrival)
            if abs(wait - from_times) > TOLERANCE_S:
                tally.warn(
                    "wait_recomputed",
                    f"wait_s {wait:g} disagrees with ended_at - arrival ({from_times:g} s)",
                    row=line,
                    field="wait_s",
                )
            wait = from_times
        talk = 0.0
        hold = 0.0
    agent = reader.text(record, "agent") or None
    return ContactRow(
        line=line,
        external_id=external_id,
        queue=queue,
        arrival_at=arrival,
        outcome=outcome,
        answered_at=answered,
        ended_at=ended,
        wait_s=wait if wait is not None or outcome in ANSWERED else 0.0,
        talk_s=talk if talk is not None else 0.0,
        hold_s=hold,
        wrap_s=wrap,
        agent=agent,
        customer_key=normalise_customer_key(reader.text(record, "customer_key")),
        channel=reader.text(record, "channel") or None,
        context=_context(reader, record),
        raw=raw,
    )


def _context(reader: _Reader, record: dict[str, Any]) -> ContactContext:
    """The contact's optional business context (reason, topic, answer used, flags, survey)."""
    if not any(name in reader.columns for name in CONTEXT_FIELDS):
        return NO_CONTEXT
    article = reader.score(record, "kb_article_id", 1, 2**62)
    version = reader.score(record, "kb_article_version", 1, 2**31 - 1)
    if version is not None and article is None:
        raise _RowError("kb_article_version", "an article version needs kb_article_id")
    return ContactContext(
        reason_code=reader.label(record, "reason_code", LABEL_LIMIT),
        topic=reader.label(record, "topic", LABEL_LIMIT),
        kb_article_id=article,
        kb_article_version=version,
        transferred=reader.flag(record, "transferred"),
        escalated=reader.flag(record, "escalated"),
        recording_ref=reader.label(record, "recording_ref", REF_LIMIT),
        transcript_ref=reader.label(record, "transcript_ref", REF_LIMIT),
        csat=reader.score(record, "csat", 1, 5),
        nps=reader.score(record, "nps", 0, 10),
    )


def read_agent_states_table(
    path: Path,
    fmt: str,
    *,
    label: str,
    mapping: Mapping,
    zone_for: Callable[[str], ZoneInfo],
    tally: Tally,
) -> Iterator[AgentStateRow | RejectedRow]:
    """Yield the agent-state spans of a CSV or Parquet state log (person login, state, start…)."""
    wanted = [mapping.columns.get(f, f) for f in AGENT_STATE_FIELDS]
    table = _open(path, fmt, label=label, mapping=mapping, columns=wanted, tally=tally)
    columns = _resolve_columns(
        table,
        mapping,
        kind="agent_states",
        label=label,
        required=[("person",), ("state",), ("start",)],
    )
    return _agent_states(table, columns, mapping, zone_for, tally)


def _agent_states(
    table: _Table,
    columns: dict[str, str],
    mapping: Mapping,
    zone_for: Callable[[str], ZoneInfo],
    tally: Tally,
) -> Iterator[AgentStateRow | RejectedRow]:
    reader = _Reader(columns, mapping)
    states = _value_map(dict(mapping.states), AgentState)
    for line, record, raw in table.rows:
        if isinstance(raw, RejectedRow):
            yield raw
            continue
        try:
            person = reader.text(record, "person")
            if not person:
                raise _RowError("person", "empty person login")
            state_text = reader.text(record, "state")
            state = states.get(state_text.lower())
            if state is None:
                raise _RowError(
                    "state", f"unknown state {state_text!r} (map it under [states] in the mapping)"
                )
            zone = zone_for(person)
            start = reader.time(record, "start", zone, tally, line)
            if start is None:
                raise _RowError("start", "empty start time")
            end = reader.time(record, "end", zone, tally, line)
            if end is not None and end < start:
                gap = _seconds_between(start, end)
                raise _RowError("end", f"timestamps go backwards: end is {gap:g} s before start")
            external_id = reader.text(record, "external_id") or (
                f"{person}:{time_fields(start, zone).epoch_s}"
            )
        except _RowError as exc:
            yield RejectedRow(line, [tally.problem(exc.message, row=line, field=exc.field)], raw)
            continue
        yield AgentStateRow(
            line=line,
            external_id=external_id,
            person=person,
            state=state,
            start_at=start,
            end_at=end,
            reason_code=reader.text(record, "reason_code") or None,
            raw=raw,
        )


def read_intervals_table(
    path: Path,
    fmt: str,
    *,
    label: str,
    mapping: Mapping,
    zone_for: Callable[[str], ZoneInfo],
    tally: Tally,
) -> Iterator[IntervalRow | RejectedRow]:
    """Yield the rows of an ACD interval report (offered, answered, abandoned per queue)."""
    wanted = [mapping.columns.get(f, f) for f in INTERVAL_FIELDS]
    table = _open(path, fmt, label=label, mapping=mapping, columns=wanted, tally=tally)
    required: list[tuple[str, ...]] = [
        ("queue",),
        ("interval_start",),
        ("offered",),
        ("answered",),
        ("abandoned",),
    ]
    if mapping.options.interval_min is None:
        required.append(("interval_min",))
    columns = _resolve_columns(table, mapping, kind="intervals", label=label, required=required)
    return _intervals(table, columns, mapping, zone_for, tally)


def _intervals(
    table: _Table,
    columns: dict[str, str],
    mapping: Mapping,
    zone_for: Callable[[str], ZoneInfo],
    tally: Tally,
) -> Iterator[IntervalRow | RejectedRow]:
    reader = _Reader(columns, mapping)
    for line, record, raw in table.rows:
        if isinstance(raw, RejectedRow):
            yield raw
            continue
        try:
            row = _interval(reader, record, line, raw, mapping, zone_for, tally)
        except _RowError as exc:
            yield RejectedRow(line, [tally.problem(exc.message, row=line, field=exc.field)], raw)
            continue
        yield row


def _interval(
    reader: _Reader,
    record: dict[str, Any],
    line: int,
    raw: object,
    mapping: Mapping,
    zone_for: Callable[[str], ZoneInfo],
    tally: Tally,
) -> IntervalRow:
    queue = reader.text(record, "queue")
    if not queue:
        raise _RowError("queue", "empty queue")
    zone = zone_for(queue)
    start = reader.time(record, "interval_start", zone, tally, line)
    if start is None:
        raise _RowError("interval_start", "empty interval start")
    length = reader.count(record, "interval_min") if "interval_min" in reader.columns else None
    length = length if length is not None else mapping.options.interval_min
    if length not in (15, 30, 60):
        raise _RowError("interval_min", f"interval length {length} is not 15, 30 or 60 minutes")
    if start.second or start.microsecond:
        raise _RowError("interval_start", f"{start.isoformat()} is not on a whole minute")
    counts: dict[str, int | None] = {}
    for name in ("offered", "answered", "abandoned", "short_abandoned", "answered_within_target"):
        counts[name] = reader.count(record, name)
        if counts[name] is None and name in ("offered", "answered", "abandoned"):
            raise _RowError(name, "empty count")
    offered, answered, abandoned = (
        counts["offered"] or 0,
        counts["answered"] or 0,
        counts["abandoned"] or 0,
    )
    if answered + abandoned > offered:
        tally.warn(
            "counts_exceed_offered",
            f"answered {answered} + abandoned {abandoned} exceed offered {offered} "
            "(contacts carried over from an earlier interval?)",
            row=line,
            field="offered",
        )
    short = counts["short_abandoned"]
    if short is not None and short > abandoned:
        raise _RowError("short_abandoned", f"short_abandoned {short} exceeds abandoned {abandoned}")
    within = counts["answered_within_target"]
    if within is not None and within > answered:
        raise _RowError(
            "answered_within_target", f"answered_within_target {within} exceeds answered {answered}"
        )
    handle = reader.duration(record, "handle_s")
    if handle is None:
        aht = reader.duration(record, "aht_s")
        handle = None if aht is None else aht * answered
    wait = reader.duration(record, "wait_s")
    if wait is None:
        asa = reader.duration(record, "asa_s")
        wait = None if asa is None else asa * answered
    return IntervalRow(
        line=line,
        queue=queue,
        interval_start=start,
        interval_min=length,
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        short_abandoned=short,
        answered_within_target=within,
        handle_s=handle,
        wait_s=wait,
        raw=raw,
    )


def parse_contact_record(
    record: dict[str, Any],
    *,
    line: int,
    label: str,
    zone_for: Callable[[str], ZoneInfo],
    tally: Tally,
) -> ContactRow | RejectedRow:
    """Validate one contact given as a mapping of our field names (an event), like a file row."""
    reader = _Reader({name: name for name in CONTACT_FIELDS if name in record}, Mapping())
    try:
        row = _contact(reader, record, line, record, _value_map({}, Outcome), zone_for, tally)
    except _RowError as exc:
        return RejectedRow(line, [tally.problem(exc.message, row=line, field=exc.field)], record)
    return _checked(row, label, record, tally)


def parse_agent_state_record(
    record: dict[str, Any],
    *,
    line: int,
    zone_for: Callable[[str], ZoneInfo],
    tally: Tally,
) -> AgentStateRow | RejectedRow:
    """Validate one agent-state span given as a mapping of our field names, like a file row."""
    present = [name for name in AGENT_STATE_FIELDS if name in record]
    table = _Table(present, iter([(line, record, record)]))
    columns = {name: name for name in present}
    for row in _agent_states(table, columns, Mapping(), zone_for, tally):
        return row
    raise AssertionError("one record in, one row out")  # pragma: no cover
