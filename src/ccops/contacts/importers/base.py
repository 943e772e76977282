"""What every importer shares: parsed-row shapes, time helpers, the problem tally, the writer.

Parsers turn a file into a stream of rows (`ContactRow`, `AgentStateRow`, `IntervalRow`) or
`RejectedRow` (a row with located problems). They never touch the database; the service resolves
names to ids and hands ready records to a `ChunkedWriter`, which writes a few thousand at a time
inside the caller's transaction, so memory does not grow with the size of the file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import IO, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from ccops.enums import AgentState, Outcome
from ccops.errors import Invalid, Problem, no_such_file
from ccops.exports import SafeCsvWriter

SKEW_LIMIT_S = 15
"""Largest disagreement (seconds) between a source's clocks that is clamped with a warning."""

CHUNK_ROWS = 5000
"""Records written (and looked up) per database round trip."""

PROBLEM_CAP = 1000
"""Problems kept in a report; the total is always counted."""

WARNING_EXAMPLE_CAP = 20
"""Located examples kept per warning kind."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NAIVE_EPOCH = datetime(1970, 1, 1)

Key = TypeVar("Key", bound=Hashable)


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change (it never happened there)."""


@dataclass(frozen=True, slots=True)
class ContactContext:
    """What a contact was about and what came of it, as the source system recorded it.

    Every field is optional: ``reason_code`` (the reason or disposition code), ``topic``, the
    standard answer used (``kb_article_id`` and ``kb_article_version``), ``transferred`` and
    ``escalated`` flags, a ``recording_ref`` or ``transcript_ref`` (a reference, never the
    content), and the customer's post-contact ``csat`` (1-5) and ``nps`` (0-10).
    """

    reason_code: str | None = None
    topic: str | None = None
    kb_article_id: int | None = None
    kb_article_version: int | None = None
    transferred: bool | None = None
    escalated: bool | None = None
    recording_ref: str | None = None
    transcript_ref: str | None = None
    csat: int | None = None
    nps: int | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in CONTEXT_FIELDS)

    def record(self) -> dict[str, Any]:
        """The contact table's context columns (all of them, so that every record of a batch
        has the same keys)."""
        return {name: getattr(self, name) for name in CONTEXT_FIELDS}

    def hash_values(self) -> tuple[object, ...]:
        """Appended to a contact's content hash only when some context is given, so that the
        hash of a contact without context stays what it was before context existed."""
        if self.is_empty():
            return ()
        return ("context", *(getattr(self, name) for name in CONTEXT_FIELDS))


CONTEXT_FIELDS = (
    "reason_code",
    "topic",
    "kb_article_id",
    "kb_article_version",
    "transferred",
    "escalated",
    "recording_ref",
    "transcript_ref",
    "csat",
    "nps",
)
"""The optional business-context fields of a contact, in files, events and the table."""

NO_CONTEXT = ContactContext()


@dataclass(slots=True)
class ContactRow:
    """One contact as read from a file: names unresolved, times aware UTC."""

    line: int
    external_id: str
    queue: str
    arrival_at: datetime
    outcome: Outcome
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    wait_s: float | None = 0.0
    """None: unknown (``timing_untrusted`` says why)."""
    talk_s: float = 0.0
    hold_s: float = 0.0
    wrap_s: float = 0.0
    agent: str | None = None
    customer_key: str | None = None
    channel: str | None = None
    context: ContactContext = NO_CONTEXT
    raw: object = ""
    timing_untrusted: str | None = None
    """Why the row's timing is not trusted (a key of ``TIMING_REASONS``); None: it is."""


@dataclass(slots=True)
class AgentStateRow:
    """One span of an agent's state as read from a file (``end_at`` None: still open)."""

    line: int
    external_id: str
    person: str
    state: AgentState
    start_at: datetime
    end_at: datetime | None = None
    reason_code: str | None = None
    raw: object = ""


@dataclass(slots=True)
class IntervalRow:
    """One queue-interval row of an ACD interval report."""

    line: int
    queue: str
    interval_start: datetime
    interval_min: int
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int | None = None
    answered_within_target: int | None = None
    handle_s: float | None = None
    wait_s: float | None = None
    raw: object = ""


@dataclass(slots=True)
class RejectedRow:
    """A row that cannot be imported, with every problem found in it."""

    line: int
    problems: list[Problem]
    raw: object = ""
    applies_to: str = "all"
    """``all``, or the only kind of record the row would have made (``contacts``, ...)."""


ParsedRow = ContactRow | AgentStateRow | IntervalRow | RejectedRow


@dataclass(frozen=True, slots=True)
class TimeFields:
    """The integer time columns stored beside an aware timestamp (see contacts.models)."""

    epoch_s: int
    local_min: int
    utc_offset_min: int


def time_fields(at: datetime, zone: ZoneInfo) -> TimeFields:
    """Return epoch seconds (UTC), local wall-clock minutes since 1970 and the UTC offset.

    Args:
        at: an aware timestamp.
        zone: the site's time zone.

    Returns:
        ``epoch_s`` = floor of seconds since 1970-01-01 UTC; ``local_min`` = floor of minutes
        since 1970-01-01 00:00 of the site's wall clock at ``at``; ``utc_offset_min`` = the offset
        in force at ``at`` in minutes (e.g. +120 for Asia/Jerusalem in winter).
    """
    if at.tzinfo is None:
        raise ValueError("time_fields needs an aware timestamp")
    epoch_s = (at - EPOCH) // timedelta(seconds=1)
    offset = at.astimezone(zone).utcoffset() or timedelta(0)
    offset_s = int(offset.total_seconds())
    return TimeFields(epoch_s, (epoch_s + offset_s) // 60, offset_s // 60)


def localize(naive: datetime, zone: ZoneInfo) -> tuple[datetime, bool]:
    """Interpret a wall-clock time in ``zone`` and return it in UTC.

    Returns:
        The UTC timestamp and whether the wall time was ambiguous (a fall-back hour that happened
        twice; the first occurrence, fold=0, is taken).

    Raises:
        NonexistentLocalTime: the wall time fell in a spring-forward gap.
    """
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC), False
    as_utc = first.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != naive:
        raise NonexistentLocalTime(
            f"{naive.isoformat(sep=' ')} does not exist in {zone.key} (clocks went forward)"
        )
    return as_utc, True


def to_utc(value: datetime, zone: ZoneInfo) -> tuple[datetime, bool]:
    """Return ``value`` in UTC: aware values are converted, naive ones localised in ``zone``."""
    if value.tzinfo is not None:
        return value.astimezone(UTC), False
    return localize(value, zone)


def content_hash(values: Iterable[object]) -> str:
    """Return the first 32 hex digits of sha256 over normalised values (idempotency check)."""
    parts: list[str] = []
    for value in values:
        if value is None:
            parts.append("")
        elif isinstance(value, float):
            parts.append(f"{value:.3f}")
        elif isinstance(value, datetime):
            utc = value if value.tzinfo is UTC else value.astimezone(UTC)
            parts.append(utc.isoformat())
        else:
            parts.append(str(value))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def normalise_customer_key(value: object) -> str | None:
    """Return the customer key, or None when it is empty or zero (unknown customer)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or text.strip("0") == "":
        return None
    return text


def hash_customer_key(key: str, secret_key: str) -> str:
    """Return HMAC-SHA256(secret, key) in hex: a stable pseudonym that cannot be reversed."""
    return hmac.digest(secret_key.encode("utf-8"), key.encode("utf-8"), "sha256").hex()


def raw_text(raw: object) -> str:
    """Return the text of a source row for a rejects file."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list | tuple):
        return ",".join("" if v is None else str(v) for v in raw)
    if isinstance(raw, dict):
        return json.dumps(raw, default=str, ensure_ascii=False)
    return "" if raw is None else str(raw)


TIMING_REASONS = {
    "no_answer_time": "answered, but the source gives no answer time",
    "answer_before_arrival": "the answer time is before the arrival",
    "answer_before_queue_exit": "service starts before the call left the queue (beyond clock skew)",
    "end_before_start": "the end is before the answer (or the arrival)",
    "queue_times_backwards": "the queue's own times go backwards (beyond clock skew)",
}
"""Why a contact whose outcome is known may have its timing stored as unknown (issue #15, 5).

Such a contact is kept and counted as offered, answered or abandoned; its wait (and the answer or
end time found wrong) is stored as null, and wait-based KPIs (ASA, service level, short
abandons, longest wait) leave it out. A row whose *outcome* is unknown, or with an impossible
value (a negative duration, a time that is not a time), is still refused."""


def distrust_timing(row: ContactRow, reason: str) -> None:
    """Keep ``row`` with its timing unknown: no wait and no answer time, no end time before the
    arrival (the outcome, queue, agent, talk and context stay)."""
    row.timing_untrusted = reason
    row.wait_s = None
    row.answered_at = None
    if reason == "end_before_start" or (row.ended_at is not None and row.ended_at < row.arrival_at):
        row.ended_at = None


def untrusted_timing_of(row: ContactRow) -> str | None:
    """The reason to distrust a row's timing, when its outcome is known but its times disagree
    (None: the timing is consistent, or already marked)."""
    if row.timing_untrusted is not None:
        return None
    answered = row.outcome in (Outcome.answered, Outcome.transferred)
    if answered and row.answered_at is None:
        return "no_answer_time"
    if row.answered_at is not None and row.answered_at < row.arrival_at:
        return "answer_before_arrival"
    if row.ended_at is not None and row.ended_at < (row.answered_at or row.arrival_at):
        return "end_before_start"
    return None


def check_contact(row: ContactRow, file: str) -> list[Problem]:
    """Return what is inconsistent in a parsed contact (order of times, signs, outcome).

    A contact whose outcome is known but whose times disagree is not a problem: it is kept with
    its timing unknown (``untrusted_timing_of``, ``distrust_timing``) before this check."""
    problems: list[Problem] = []

    def bad(message: str, fld: str) -> None:
        problems.append(Problem(message, field=fld, row=row.line, file=file))

    answered = row.outcome in (Outcome.answered, Outcome.transferred)
    if answered and row.answered_at is None and row.timing_untrusted is None:
        bad(f"outcome {row.outcome.value} needs an answer time", "answered_at")
    if not answered and row.answered_at is not None:
        bad(f"outcome {row.outcome.value} cannot have an answer time", "answered_at")
    if row.answered_at is not None and row.answered_at < row.arrival_at:
        gap = (row.arrival_at - row.answered_at).total_seconds()
        bad(f"answer is {gap:g} s before arrival", "answered_at")
    if row.ended_at is not None:
        start = row.answered_at or row.arrival_at
        if row.ended_at < start:
            gap = (start - row.ended_at).total_seconds()
            what = "answer" if row.answered_at else "arrival"
            bad(f"timestamps go backwards: end is {gap:g} s before {what}", "ended_at")
    for name in ("wait_s", "talk_s", "hold_s", "wrap_s"):
        value = getattr(row, name)
        if value is None and name == "wait_s" and row.timing_untrusted is not None:
            continue
        if value is None or not math.isfinite(value):
            bad(f"{name} is not a number", name)
        elif value < 0:
            bad(f"negative duration {value:g}", name)
    if not row.external_id:
        bad("empty external id", "external_id")
    if not row.queue:
        bad("empty queue", "queue")
    return problems


class Tally:
    """Counts and located problems of one import: rejected rows, warnings by kind, skips."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.problem_total = 0
        self.rejected = 0
        self.warnings: Counter[str] = Counter()
        self.warning_examples: list[Problem] = []
        self._examples_by_kind: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.notes: Counter[str] = Counter()
        self.timing_untrusted: Counter[str] = Counter()
        """Contacts kept with their timing unknown, by reason (``TIMING_REASONS``)."""
        self.rows_read = 0
        self._sink: RejectsSink | None = None

    def attach_sink(self, sink: RejectsSink) -> None:
        """Write every rejected row to ``sink`` from now on."""
        self._sink = sink

    def problem(self, message: str, *, row: int | None = None, field: str | None = None) -> Problem:
        """Return a problem located in this file."""
        return Problem(message, field=field, row=row, file=self.file)

    def warn(self, kind: str, message: str, *, row: int | None, field: str | None = None) -> None:
        """Count a warning of ``kind`` and keep a few located examples."""
        self.warnings[kind] += 1
        if self._examples_by_kind[kind] < WARNING_EXAMPLE_CAP:
            self._examples_by_kind[kind] += 1
            self.warning_examples.append(self.problem(f"{kind}: {message}", row=row, field=field))

    def reject(self, rejected: RejectedRow) -> None:
        """Count a rejected row, keep its problems (capped) and send it to the rejects file."""
        self.rejected += 1
        for item in rejected.problems:
            self.problem_total += 1
            if len(self.problems) < PROBLEM_CAP:
                self.problems.append(item)
        if self._sink is not None:
            self._sink.write(rejected)

    @property
    def warning_total(self) -> int:
        """Return the number of warnings of every kind."""
        return sum(self.warnings.values())


class RejectsSink:
    """A CSV of rejected rows (line, field, message, raw), opened on the first rejection; its
    cells are formula-safe (a rejected row is exactly where hostile text turns up)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None
        self._writer: SafeCsvWriter | None = None

    def write(self, rejected: RejectedRow) -> None:
        """Append one line per problem of ``rejected``."""
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = SafeCsvWriter(self._handle)
            self._writer.writerow(["line", "field", "message", "raw"])
        text = raw_text(rejected.raw)
        for item in rejected.problems:
            self._writer.writerow([rejected.line, item.field or "", item.message, text])

    @property
    def used(self) -> bool:
        """Return whether anything was written."""
        return self._writer is not None

    def close(self, *, discard: bool = False) -> None:
        """Close the file; ``discard`` deletes it (the import was refused)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if discard and self.path.exists():
            self.path.unlink()


@contextmanager
def rejects_sink(path: Path, enabled: bool) -> Iterator[RejectsSink | None]:
    """Yield a rejects file (None unless skipping invalid rows); deleted if the import fails."""
    sink = RejectsSink(path) if enabled else None
    try:
        yield sink
    except BaseException:
        if sink is not None:
            sink.close(discard=True)
        raise
    if sink is not None:
        sink.close()


@dataclass
class _Pending(Generic[Key]):
    key: Key
    record: dict[str, Any]
    line: int
    raw: object


@dataclass
class Block:
    """Records converted in bulk (`columnar`): their keys, rows, raw text, content hashes and
    an Arrow table of the stored columns, in row order."""

    keys: list[Any]
    lines: list[int]
    raws: list[object]
    hashes: list[str]
    table: Any
    """A ``pyarrow.Table`` of the stored columns (times naive UTC)."""

    def __len__(self) -> int:
        return len(self.keys)

    def slice(self, start: int, stop: int) -> Block:
        return Block(
            self.keys[start:stop],
            self.lines[start:stop],
            self.raws[start:stop],
            self.hashes[start:stop],
            self.table.slice(start, stop - start),
        )

    def record(self, i: int) -> dict[str, Any]:
        """Row ``i`` as a record of Python values (times aware UTC), as a parser builds it."""
        row = self.table.slice(i, 1).to_pylist()[0]
        for name, value in row.items():
            if isinstance(value, datetime):
                row[name] = value.replace(tzinfo=UTC)
        return dict(row)


class _Queue(Generic[Key]):
    """The records waiting to be written, one by one or in blocks; ``len`` counts rows."""

    def __init__(self) -> None:
        self.items: list[_Pending[Key] | Block] = []
        self.rows = 0

    def append(self, item: _Pending[Key] | Block) -> None:
        self.items.append(item)
        self.rows += 1 if isinstance(item, _Pending) else len(item)

    def __len__(self) -> int:
        return self.rows

    def __bool__(self) -> bool:
        return self.rows > 0


@dataclass
class WriteCounts:
    """What a writer did."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0


Lookup = Callable[[Session, list[Key]], dict[Key, tuple[int, str]]]
ConflictHandler = Callable[[int, Key, object], None]


def _copy_value(value: object) -> object:
    """A value as COPY needs it: enums by value, aware datetimes as naive UTC (as UTCDateTime)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` in the session's transaction: COPY on PostgreSQL, executemany elsewhere.

    COPY is several times faster than batched INSERTs on PostgreSQL; it bypasses SQLAlchemy's
    type processing, so values are converted as the column types would (``_copy_value``).
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        # Core executemany: batched INSERTs without the ORM's per-row bookkeeping.
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    raw = connection.connection.driver_connection
    assert raw is not None, "a live DBAPI connection is checked out by session.connection()"
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_copy_value(row.get(c)) for c in columns])


@dataclass
class ChunkedWriter(Generic[Key]):
    """Write records in chunks: insert new keys, skip equal ones, update or report changed ones.

    ``lookup`` returns ``{key: (id, content_hash)}`` for the keys already stored; a stored key
    whose hash differs is a conflict, reported to ``on_conflict`` unless ``update`` is set.
    Once ``writing`` is turned off (the import will be refused) it keeps looking up, so every
    conflict is still reported, but writes nothing more.
    """

    session: Session
    model: type[Any]
    lookup: Lookup[Key]
    on_conflict: ConflictHandler[Key]
    update: bool = False
    chunk_rows: int = CHUNK_ROWS
    writing: bool = True
    counts: WriteCounts = field(default_factory=WriteCounts)
    replaceable: set[Any] = field(default_factory=set)
    """Keys whose stored row is provisional (a call answered but not ended): always updated."""
    provisional: set[Any] = field(default_factory=set)
    """Keys of provisional records: a row already stored under the key is left as it is."""
    sticky: frozenset[str] = frozenset()
    """Columns an update leaves as stored when the new record has none (a contact's context)."""
    _pending: _Queue[Key] = field(default_factory=_Queue)

    def add(self, key: Key, record: dict[str, Any], *, line: int, raw: object) -> None:
        """Queue one record (it must carry ``content_hash``); write when the chunk is full."""
        self._pending.append(_Pending(key, record, line, raw))
        if len(self._pending) >= self.chunk_rows:
            self.flush()

    def add_block(self, block: Block) -> None:
        """Queue records converted in bulk, writing at the same chunk boundaries as `add`."""
        start = 0
        while start < len(block):
            room = self.chunk_rows - len(self._pending)
            stop = min(len(block), start + max(room, 1))
            self._pending.append(block.slice(start, stop))
            start = stop
            if len(self._pending) >= self.chunk_rows:
                self.flush()

    def flush(self) -> None:
        """Write the queued records."""
        if not self._pending:
            return
        queued, self._pending = self._pending, _Queue()
        if not any(isinstance(item, Block) for item in queued.items):
            self._write([p for p in queued.items if isinstance(p, _Pending)])
            return
        self._write_blocks(queued.items)

    def _write(self, pending: list[_Pending[Key]]) -> None:
        existing = self.lookup(self.session, [p.key for p in pending])
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for item in pending:
            found = existing.get(item.key)
            if found is None:
                inserts.append(item.record)
            elif found[1] == item.record["content_hash"] or item.key in self.provisional:
                self.counts.unchanged += 1
            elif self.update or item.key in self.replaceable:
                updates.append({**item.record, "id": found[0]})
            else:
                self.counts.conflicts += 1
                self.on_conflict(item.line, item.key, item.raw)
        if not self.writing:
            return
        table: Table = self.model.__table__
        if inserts:
            insert_rows(self.session, table, inserts)
            self.counts.inserted += len(inserts)
        self._update(updates)

    def _write_blocks(self, items: list[_Pending[Key] | Block]) -> None:
        """As `_write`, for a chunk with blocks: rows classified in order, inserted in bulk."""
        import pyarrow as pa

        keys: list[Any] = []
        for item in items:
            keys.extend(item.keys if isinstance(item, Block) else [item.key])
        existing = self.lookup(self.session, keys)
        pieces: list[Any] = []
        keep: list[bool] = []
        updates: list[dict[str, Any]] = []
        schema = next(item.table.schema for item in items if isinstance(item, Block))
        records: list[dict[str, Any]] = []  # consecutive records, converted together
        for item in items:
            if isinstance(item, _Pending):
                records.append(item.record)
            elif records:
                pieces.append(_records_table(records, schema))
                records = []
            if isinstance(item, Block):
                pieces.append(item.table)
                if not existing:
                    keep.extend([True] * len(item))
                    continue
                for i, key in enumerate(item.keys):
                    keep.append(
                        self._classify(key, item.hashes[i], item.lines[i], item.raws[i], existing)
                    )
                    if keep[-1] is False and self._wants_update(key, item.hashes[i], existing):
                        updates.append({**item.record(i), "id": existing[key][0]})
            else:
                keep.append(
                    self._classify(
                        item.key, item.record["content_hash"], item.line, item.raw, existing
                    )
                )
                if keep[-1] is False and self._wants_update(
                    item.key, item.record["content_hash"], existing
                ):
                    updates.append({**item.record, "id": existing[item.key][0]})
        if records:
            pieces.append(_records_table(records, schema))
        if not self.writing:
            return
        inserts = pa.concat_tables(pieces).filter(pa.array(keep, pa.bool_()))
        if inserts.num_rows:
            insert_table(self.session, self.model.__table__, inserts)
            self.counts.inserted += inserts.num_rows
        self._update(updates)

    def _wants_update(self, key: Key, digest: str, existing: dict[Key, tuple[int, str]]) -> bool:
        found = existing.get(key)
        return (
            found is not None
            and found[1] != digest
            and key not in self.provisional
            and (self.update or key in self.replaceable)
        )

    def _classify(
        self,
        key: Key,
        digest: str,
        line: int,
        raw: object,
        existing: dict[Key, tuple[int, str]],
    ) -> bool:
        """Count one record as `_write` does; return whether it is to be inserted."""
        found = existing.get(key)
        if found is None:
            return True
        if found[1] == digest or key in self.provisional:
            self.counts.unchanged += 1
        elif self.update or key in self.replaceable:
            pass
        else:
            self.counts.conflicts += 1
            self.on_conflict(line, key, raw)
        return False

    def _update(self, updates: list[dict[str, Any]]) -> None:
        if not updates:
            return
        table: Table = self.model.__table__
        # A row without context leaves the stored context (set by an agent on the contact
        # page, or by an earlier import) as it is: rows are grouped by the columns they set.
        statement = update(table).where(table.c.id == bindparam("_row_id"))
        groups: dict[frozenset[str], list[dict[str, Any]]] = {}
        for u in updates:
            row = {"_row_id": u.pop("id"), **keep_stored(u, self.sticky)}
            groups.setdefault(frozenset(row), []).append(row)
        for rows in groups.values():
            self.session.execute(statement, rows)
        self.counts.updated += len(updates)


def _records_table(records: list[dict[str, Any]], schema: Any) -> Any:
    """Records of Python values as an Arrow table of ``schema`` (times as naive UTC)."""
    import pyarrow as pa

    columns = {
        name: pa.array([_copy_value(r.get(name)) for r in records], schema.field(name).type)
        for name in schema.names
    }
    return pa.table(columns, schema=schema)


def insert_table(session: Session, table: Table, rows: Any) -> None:
    """Insert an Arrow table of stored values: COPY (CSV) on PostgreSQL, executemany elsewhere.

    Times are naive UTC as `UTCDateTime` stores them; on SQLite they are written as the text
    SQLAlchemy writes (``YYYY-MM-DD HH:MM:SS.ffffff``).
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    connection = session.connection()
    raw = connection.connection.driver_connection
    assert raw is not None, "a live DBAPI connection is checked out by session.connection()"
    names = ", ".join(f'"{c}"' for c in rows.column_names)
    if connection.dialect.name == "postgresql":
        buffer = pa.BufferOutputStream()
        pacsv.write_csv(
            rows,
            buffer,
            pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
        )
        with (
            raw.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN WITH (FORMAT csv)') as copy,
        ):
            copy.write(buffer.getvalue().to_pybytes())
        return
    columns = []
    for column in rows.columns:
        if pa.types.is_timestamp(column.type):
            column = pc.strftime(column, "%Y-%m-%d %H:%M:%S")
        columns.append(column.to_pylist())
    marks = ", ".join("?" * len(columns))
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    cursor = raw.cursor()
    try:
        cursor.executemany(statement, list(zip(*columns, strict=True)))
    finally:
        cursor.close()


def keep_stored(record: dict[str, Any], sticky: Iterable[str]) -> dict[str, Any]:
    """The record without its empty ``sticky`` fields, so that an update keeps the stored ones."""
    names = frozenset(sticky)
    return {k: v for k, v in record.items() if not (v is None and k in names)}


def parse_date_yymmdd(text: str) -> date:
    """Parse ``yymmdd`` (years 70–99 are 19xx, 00–69 are 20xx)."""
    if len(text) != 6 or not text.isdigit():
        raise ValueError(f"date {text!r} is not yymmdd")
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:])
    return date(1900 + yy if yy >= 70 else 2000 + yy, mm, dd)


def first_binary_line(path: Path) -> int | None:
    """Return the line of the first NUL byte in the start of ``path`` (None: looks like text)."""
    with path.open("rb") as handle:
        head = handle.read(65536)
    at = head.find(b"\x00")
    return None if at < 0 else head.count(b"\n", 0, at) + 1


def file_sha256(path: Path) -> str:
    """Return the sha256 of the file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def require_text_file(path: Path, label: str) -> None:
    """Refuse a missing, empty or binary file with a message naming it."""
    if not path.is_file():
        raise no_such_file(path)
    if path.stat().st_size == 0:
        raise Invalid(f"{label}: the file is empty", [Problem("the file is empty", file=label)])
    line = first_binary_line(path)
    if line is not None:
        raise Invalid(
            f"{label}: row {line}: the file is binary, not a text export (wrong format or corrupt)",
            [Problem("binary content (NUL bytes)", file=label, row=line)],
        )
