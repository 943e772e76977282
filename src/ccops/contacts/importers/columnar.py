"""Contacts of a CSV file read a batch at a time and converted column by column with Arrow.

The per-row reader of `tabular` stays the reference: a row is taken here only when it is
plainly well-formed (ISO timestamps, plain decimal durations, names already known, no warning
to give, no duplicate id) and then gets exactly the record the per-row reader would build.
Every other row is marked for that reader, which names its problems as it always has.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ccops.contacts.importers.base import RejectedRow, hash_customer_key, normalise_customer_key
from ccops.enums import Outcome

BATCH_ROWS = 20_000
"""Rows read, checked and converted together (memory holds one batch)."""

US = 1_000_000
TOLERANCE_S = 1.0
"""As `tabular.TOLERANCE_S`: a larger disagreement between a duration and times is a warning."""

# Python's str.strip() whitespace, for RE2 (whose \s is ASCII only)
_SPACE = (
    r"[\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)
_PADDED = f"^{_SPACE}|{_SPACE}$"
_NUMBER = r"^(\d{1,9}(\.\d*)?|\.\d+)$"
_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]([01]\d|2[0-3]):\d{2})?$"
_OFFSET = r"(Z|[+-]\d{2}:\d{2})$"
LOW_US = -2208988800 * US  # 1900-01-01
HIGH_US = 253370764800 * US  # 9999-01-01

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

CONTACT_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("external_id", pa.string()),
        ("queue_id", pa.int64()),
        ("channel_id", pa.int64()),
        ("person_id", pa.int64()),
        ("arrival_at", pa.timestamp("us")),
        ("answered_at", pa.timestamp("us")),
        ("ended_at", pa.timestamp("us")),
        ("outcome", pa.string()),
        ("wait_s", pa.float64()),
        ("talk_s", pa.float64()),
        ("hold_s", pa.float64()),
        ("wrap_s", pa.float64()),
        ("customer_hash", pa.string()),
        ("arrival_epoch_s", pa.int64()),
        ("arrival_local_min", pa.int64()),
        ("utc_offset_min", pa.int64()),
        ("reason_code", pa.string()),
        ("topic", pa.string()),
        ("kb_article_id", pa.int64()),
        ("kb_article_version", pa.int64()),
        ("transferred", pa.bool_()),
        ("escalated", pa.bool_()),
        ("recording_ref", pa.string()),
        ("transcript_ref", pa.string()),
        ("csat", pa.int64()),
        ("nps", pa.int64()),
        ("timing_untrusted", pa.string()),
        ("content_hash", pa.string()),
        ("batch_id", pa.int64()),
    ]
)
"""The contact table's columns as written in bulk (times naive UTC, as stored)."""


@dataclass
class CsvBatch:
    """Consecutive rows of a CSV file: ``entries`` in file order, each an index into
    ``lines``/``fields``/``texts`` (a row read) or a row that could not be read."""

    entries: list[int | RejectedRow]
    lines: list[int]
    fields: list[list[str]]
    texts: list[str]


def csv_batches(
    rows: Iterator[tuple[int, list[str] | None, object]], size: int = BATCH_ROWS
) -> Iterator[CsvBatch]:
    """Group the rows of `tabular.open_csv_fields` into batches of at most ``size`` entries
    (the first ones smaller)."""
    batch = CsvBatch([], [], [], [])
    limit = max(1, size // 16)  # small first batches: the names they resolve free later ones
    for line, fields, raw in rows:
        if fields is None:
            assert isinstance(raw, RejectedRow)
            batch.entries.append(raw)
        else:
            batch.entries.append(len(batch.lines))
            batch.lines.append(line)
            batch.fields.append(fields)
            batch.texts.append(str(raw))
        if len(batch.entries) >= limit:
            yield batch
            batch = CsvBatch([], [], [], [])
            limit = min(size, limit * 2)
    if batch.entries:
        yield batch


@dataclass(frozen=True)
class QueueRef:
    """A queue already resolved by this import: ids, the zone its times are read in (the
    mapping's, --site's or its site's) and the zone of its stored local times (its site's)."""

    queue_id: int
    channel_id: int
    parse_zone: str
    site_zone: str


@dataclass(frozen=True)
class Names:
    """Lookups of names this import has resolved already (None: not yet, or not at all)."""

    queue: Callable[[str], QueueRef | None]
    person: Callable[[str], int | None]
    channel: Callable[[str], int | None]


@dataclass
class Converted:
    """The rows of a batch taken here (``fast``) and their records, in row order."""

    fast: Bools
    external_ids: list[str]
    hashes: list[str]
    table: pa.Table


def _column(fields: list[list[str]], index: int | None, n: int) -> pa.Array:
    if index is None:
        return pa.nulls(n, pa.string())
    return pa.array([f[index] for f in fields], pa.string())


def _by_unique(
    values: pa.Array, func: Callable[[str], Any]
) -> tuple[list[Any], npt.NDArray[np.int32]]:
    """``func`` of each distinct value, and each row's index into those results."""
    encoded = pc.dictionary_encode(values)
    results = [func(v) for v in encoded.dictionary.to_pylist()]
    return results, encoded.indices.to_numpy(zero_copy_only=False)


def _valid(array: pa.Array) -> Bools:
    return np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def _numbers(values: pa.Array) -> tuple[Floats, Bools, Bools]:
    """Durations: values, present, and fine (empty or a plain non-negative decimal)."""
    empty = pc.fill_null(pc.equal(values, ""), True)
    plain = pc.fill_null(pc.match_substring_regex(values, _NUMBER), False)
    ok = np.asarray(pc.or_(empty, plain).to_numpy(zero_copy_only=False), dtype=bool)
    present = np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
    cleaned = pc.if_else(plain, values, pa.scalar(None, pa.string()))
    numbers = pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False)
    numbers = np.where(present, numbers, 0.0)
    ok &= np.isfinite(numbers)
    return numbers.astype(np.float64), present, ok


def _times(values: pa.Array, zones: list[str], zone_of_row: Ints) -> tuple[Ints, Bools, Bools]:
    """Timestamps: UTC microseconds, present, and fine (empty, or an ISO time that is neither
    skipped nor repeated by a clock change in the row's zone)."""
    n = len(values)
    empty = np.asarray(pc.fill_null(pc.equal(values, ""), True).to_numpy(False), dtype=bool)
    iso = np.asarray(
        pc.fill_null(pc.match_substring_regex(values, _TIME), False).to_numpy(False), dtype=bool
    )
    offset = iso & np.asarray(
        pc.fill_null(pc.match_substring_regex(values, _OFFSET), False).to_numpy(False),
        dtype=bool,
    )
    naive = iso & ~offset
    out = np.zeros(n, dtype=np.int64)
    ok = empty | iso
    try:
        if offset.any():
            text = pc.replace_substring_regex(pc.filter(values, offset), "Z$", "+00:00")
            parsed = pc.cast(text, pa.timestamp("us", "UTC"))
            out[offset] = parsed.cast(pa.int64()).to_numpy(False)
        if naive.any():
            wall = pc.cast(pc.filter(values, naive), pa.timestamp("us"))
            rows = np.flatnonzero(naive)
            for z, zone in enumerate(zones):
                inside = zone_of_row[rows] == z
                if not inside.any():
                    continue
                local = pc.filter(wall, inside)
                first = pc.assume_timezone(
                    local, zone, ambiguous="earliest", nonexistent="earliest"
                )
                last = pc.assume_timezone(local, zone, ambiguous="latest", nonexistent="latest")
                a = first.cast(pa.int64()).to_numpy(False)
                b = last.cast(pa.int64()).to_numpy(False)
                out[rows[inside]] = a
                ok[rows[inside]] &= a == b
    except pa.ArrowInvalid:
        # a value shaped like a time that is not one (30 February): read row by row
        return out, ~empty, empty
    present = iso & ok
    ok &= empty | ((out >= LOW_US) & (out < HIGH_US))
    return out, present, ok


def _delta_us(seconds: Floats) -> tuple[Ints, Bools]:
    """``timedelta(seconds=x)`` in microseconds as Python rounds it; False where a half
    microsecond leaves the rounding to chance."""
    whole = np.trunc(seconds)
    micro = (seconds - whole) * 1e6
    fraction = micro - np.floor(micro)
    safe = np.abs(fraction - 0.5) > 1e-6
    return (whole.astype(np.int64) * US + np.round(micro).astype(np.int64)), safe


def _seconds(later: Ints, earlier: Ints) -> Floats:
    return (later - earlier).astype(np.float64) / 1e6


def _iso(us: Ints, present: Bools) -> pa.Array:
    """``datetime.isoformat()`` of aware UTC times ('' where absent)."""
    whole = pa.array(np.floor_divide(us, US) * US, pa.timestamp("us")).cast(
        pa.timestamp("s"), safe=False
    )
    text = pc.strftime(whole, "%Y-%m-%dT%H:%M:%S")
    micro = np.mod(us, US)
    fraction = pc.utf8_lpad(pa.array(micro).cast(pa.string()), 6, "0")
    with_fraction = pc.binary_join_element_wise(text, ".", fraction, "")
    text = pc.if_else(pa.array(micro != 0), with_fraction, text)
    text = pc.binary_join_element_wise(text, "+00:00", "")
    return pc.if_else(pa.array(present), text, "")


def _fixed3(values: Floats) -> tuple[pa.Array, Bools]:
    """``f"{x:.3f}"`` of non-negative values below 10⁶; False where rounding is too close."""
    scaled = values * 1000.0
    fraction = scaled - np.floor(scaled)
    safe = (np.abs(fraction - 0.5) > 1e-6) & (values < 1e6) & (values >= 0)
    k = np.round(scaled).astype(np.int64)
    whole = pa.array(k // 1000).cast(pa.string())
    part = pc.utf8_lpad(pa.array(k % 1000).cast(pa.string()), 3, "0")
    return pc.binary_join_element_wise(whole, part, "."), safe


def _ints(values: Ints, present: Bools) -> pa.Array:
    return pa.array(values, pa.int64(), mask=~present)


def convert(
    batch: CsvBatch,
    *,
    index: dict[str, int],
    outcomes: dict[str, Outcome],
    names: Names,
    seen: dict[str, int],
    secret_key: str,
    source: str,
    batch_id: int,
) -> Converted:
    """Check and convert the rows of ``batch``; ``index`` maps our fields to column numbers."""
    n = len(batch.lines)
    fields = batch.fields

    def col(name: str) -> pa.Array:
        return _column(fields, index.get(name), n)

    fast = np.ones(n, dtype=bool)
    # the external id: not empty, not padded, new to the file and to this batch
    ids = col("external_id")
    id_list: list[str] = ids.to_pylist()
    padded = pc.fill_null(pc.match_substring_regex(ids, _PADDED), True)
    fast &= ~np.asarray(padded.to_numpy(False), dtype=bool)
    fast &= np.asarray(pc.not_equal(ids, "").to_numpy(False), dtype=bool)
    earlier: set[str] = set()
    repeated = np.zeros(n, dtype=bool)
    for i, ext in enumerate(id_list):
        if ext in earlier or ext in seen:
            repeated[i] = True
        earlier.add(ext)
    fast &= ~repeated

    # names and outcomes, each distinct value once
    def outcome_of(text: str) -> tuple[str, bool] | None:
        found = outcomes.get(text.strip().lower())
        if found is None:
            return None
        return found.value, found in (Outcome.answered, Outcome.transferred)

    outcome_values, outcome_rows = _by_unique(col("outcome"), outcome_of)
    outcome_ok = np.array([v is not None for v in outcome_values], dtype=bool)
    fast &= outcome_ok[outcome_rows] if outcome_values else False
    outcome_text = [v[0] if v else "" for v in outcome_values]
    answered_kind = np.array([bool(v and v[1]) for v in outcome_values], dtype=bool)
    is_answered = answered_kind[outcome_rows] if outcome_values else np.zeros(n, bool)

    queue_values, queue_rows = _by_unique(col("queue"), lambda q: names.queue(q.strip()))
    queue_ok = np.array([q is not None for q in queue_values], dtype=bool)
    fast &= queue_ok[queue_rows] if queue_values else False
    zones = sorted(
        {q.parse_zone for q in queue_values if q} | {q.site_zone for q in queue_values if q}
    )
    zone_number = {z: i for i, z in enumerate(zones)}
    refs = queue_values or [None]

    def pick(attr: str, default: int) -> Ints:
        table = np.array([getattr(q, attr) if q else default for q in refs], dtype=np.int64)
        return table[queue_rows] if queue_values else np.full(n, default, np.int64)

    queue_id = pick("queue_id", 0)
    channel_id = pick("channel_id", 0)
    parse_zone = (
        np.array([zone_number[q.parse_zone] if q else 0 for q in refs], dtype=np.int64)[queue_rows]
        if queue_values
        else np.zeros(n, np.int64)
    )
    site_zone = (
        np.array([zone_number[q.site_zone] if q else 0 for q in refs], dtype=np.int64)[queue_rows]
        if queue_values
        else np.zeros(n, np.int64)
    )

    person_id = np.zeros(n, dtype=np.int64)
    has_person = np.zeros(n, dtype=bool)
    if "agent" in index:

        def person_of(login: str) -> tuple[bool, int | None]:
            text = login.strip()
            if not text:
                return True, None
            found = names.person(text)
            return found is not None, found

        people, person_rows = _by_unique(col("agent"), person_of)
        fast &= np.array([p[0] for p in people], dtype=bool)[person_rows]
        has_person = np.array([p[1] is not None for p in people], dtype=bool)[person_rows]
        person_id = np.array([p[1] or 0 for p in people], dtype=np.int64)[person_rows]
    if "channel" in index:

        def channel_of(name: str) -> tuple[bool, int | None]:
            text = name.strip()
            if not text:
                return True, None
            found = names.channel(text)
            return found is not None, found

        channels, channel_rows = _by_unique(col("channel"), channel_of)
        fast &= np.array([c[0] for c in channels], dtype=bool)[channel_rows]
        given = np.array([c[1] is not None for c in channels], dtype=bool)[channel_rows]
        chosen = np.array([c[1] or 0 for c in channels], dtype=np.int64)[channel_rows]
        channel_id = np.where(given, chosen, channel_id)

    customer_hash: pa.Array = pa.nulls(n, pa.string())
    if "customer_key" in index:

        def customer_of(key: str) -> str | None:
            text = normalise_customer_key(key.strip())
            return hash_customer_key(text, secret_key) if text else None

        hashed, customer_rows = _by_unique(col("customer_key"), customer_of)
        customer_hash = pa.array(hashed, pa.string()).take(pa.array(customer_rows))

    # durations and times
    wait, has_wait, ok = _numbers(col("wait_s"))
    fast &= ok
    talk, has_talk, ok = _numbers(col("talk_s"))
    fast &= ok
    hold, _, ok = _numbers(col("hold_s"))
    fast &= ok
    wrap, _, ok = _numbers(col("wrap_s"))
    fast &= ok
    arrival, has_arrival, ok = _times(col("arrival"), zones or ["UTC"], parse_zone)
    fast &= ok & has_arrival
    answered, has_answered, ok = _times(col("answered_at"), zones or ["UTC"], parse_zone)
    fast &= ok
    ended, has_ended, ok = _times(col("ended_at"), zones or ["UTC"], parse_zone)
    fast &= ok

    # the per-row reader's derivations (tabular._contact), answered and not
    a = is_answered
    wait_delta, safe = _delta_us(wait)
    fast &= ~(a & ~has_answered) | safe
    fast &= ~(a & ~has_answered & ~has_wait)
    answer_at = np.where(has_answered, answered, arrival + wait_delta)
    fast &= ~(a & has_answered & (answered < arrival))
    from_times = _seconds(answer_at, arrival)
    fast &= ~(a & has_answered & has_wait & (np.abs(wait - from_times) > TOLERANCE_S))
    wait_a = np.where(has_answered, from_times, wait)
    talk_from_end = np.maximum(0.0, _seconds(ended, answer_at) - hold)
    fast &= ~(a & ~has_talk & ~has_ended)
    talk_a = np.where(has_talk, talk, talk_from_end)
    end_delta, safe = _delta_us(talk_a + hold)
    fast &= ~(a & ~has_ended) | safe
    end_a = np.where(has_ended, ended, answer_at + end_delta)
    fast &= ~(a & has_ended & (ended < answer_at))
    gap = _seconds(ended, answer_at) - hold
    fast &= ~(a & has_ended & (np.abs(talk_a - gap) > TOLERANCE_S))

    b = ~a
    fast &= ~(b & has_answered)
    fast &= ~(b & ~has_wait & ~has_ended)
    fast &= ~(b & has_ended & (ended < arrival))
    end_b = np.where(has_ended, ended, arrival + wait_delta)
    fast &= ~(b & ~has_ended) | safe_wait(wait)
    since = _seconds(ended, arrival)
    fast &= ~(b & has_ended & has_wait & (np.abs(wait - since) > TOLERANCE_S))
    wait_b = np.where(has_ended, since, wait)

    wait_final = np.where(a, wait_a, wait_b) + 0.0
    talk_final = np.where(a, talk_a, 0.0) + 0.0
    hold_final = np.where(a, hold, 0.0) + 0.0
    wrap_final = wrap + 0.0
    answer_final = answer_at
    has_answer_final = a
    end_final = np.where(a, end_a, end_b)

    # the stored integer times (base.time_fields) in the queue's site zone
    epoch_s = np.floor_divide(arrival, US)
    offset_s = np.zeros(n, dtype=np.int64)
    utc = pa.array(arrival, pa.timestamp("us", "UTC"))
    for z, zone in enumerate(zones):
        inside = site_zone == z
        if not inside.any():
            continue
        local = pc.local_timestamp(pc.filter(utc, pa.array(inside)).cast(pa.timestamp("us", zone)))
        offset_s[inside] = np.floor_divide(
            local.cast(pa.int64()).to_numpy(False) - arrival[inside], US
        )

    # the content hash (importing.contact_record), as text joined by unit separators
    parts: list[pa.Array] = [
        pa.array(queue_id).cast(pa.string()),
        pa.array(channel_id).cast(pa.string()),
        pc.if_else(pa.array(has_person), pa.array(person_id).cast(pa.string()), ""),
        _iso(arrival, np.ones(n, dtype=bool)),
        _iso(answer_final, has_answer_final),
        _iso(end_final, np.ones(n, dtype=bool)),
        pa.array(outcome_text, pa.string()).take(pa.array(outcome_rows))
        if outcome_values
        else pa.array([""] * n),
    ]
    for values in (wait_final, talk_final, hold_final, wrap_final):
        text, safe = _fixed3(values)
        fast &= safe
        parts.append(text)
    joined = pc.binary_join_element_wise(*parts, "\x1f")
    take = np.flatnonzero(fast)
    chosen_text = pc.take(joined, pa.array(take)).to_pylist()
    hashes = [hashlib.sha256(t.encode("utf-8")).hexdigest()[:32] for t in chosen_text]

    def sel(array: pa.Array) -> pa.Array:
        return pc.take(array, pa.array(take))

    m = len(take)
    nothing = pa.nulls(m)
    table = pa.table(
        {
            "source": pa.array([source] * m, pa.string()),
            "external_id": sel(ids),
            "queue_id": pa.array(queue_id[take], pa.int64()),
            "channel_id": pa.array(channel_id[take], pa.int64()),
            "person_id": _ints(person_id[take], has_person[take]),
            "arrival_at": pa.array(arrival[take], pa.timestamp("us")),
            "answered_at": pa.array(
                answer_final[take], pa.timestamp("us"), mask=~has_answer_final[take]
            ),
            "ended_at": pa.array(end_final[take], pa.timestamp("us")),
            "outcome": sel(parts[6]),
            "wait_s": pa.array(wait_final[take]),
            "talk_s": pa.array(talk_final[take]),
            "hold_s": pa.array(hold_final[take]),
            "wrap_s": pa.array(wrap_final[take]),
            "customer_hash": sel(customer_hash),
            "arrival_epoch_s": pa.array(epoch_s[take]),
            "arrival_local_min": pa.array(np.floor_divide(epoch_s[take] + offset_s[take], 60)),
            "utc_offset_min": pa.array(np.floor_divide(offset_s[take], 60)),
            **{
                name: nothing.cast(CONTACT_SCHEMA.field(name).type)
                for name in (
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
                    "timing_untrusted",
                )
            },
            "content_hash": pa.array(hashes, pa.string()),
            "batch_id": pa.array([batch_id] * m, pa.int64()),
        },
        schema=CONTACT_SCHEMA,
    )
    return Converted(fast, [id_list[i] for i in take], hashes, table)


def safe_wait(wait: Floats) -> Bools:
    """Where ``arrival + timedelta(seconds=wait)`` rounds without a tie."""
    return _delta_us(wait)[1]
