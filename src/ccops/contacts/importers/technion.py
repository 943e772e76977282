"""The per-call log of the Technion "Anonymous Bank" call-centre data (1999).

Tab-separated, CRLF, one row per call: vru+line, call_id, customer_id, priority, type, date
(yymmdd), vru_entry, vru_exit, vru_time, q_start, q_exit, q_time, outcome, ser_start, ser_exit,
ser_time, server. Times are the site's wall clock without an offset.

Rules (the issue's, plus the judgement calls named here):

* ``type`` is the queue; the external id is ``vru+line:call_id``.
* PHANTOM rows are not contacts; HANG rows without a queue (q_start, q_exit 0:00:00, q_time 0)
  ended in the voice menu and are not offered to a queue. Both are counted as skipped.
* Every other row is a contact arriving at vru_exit. AGENT rows are answered at ser_start and
  talk until ser_exit; HANG rows abandon at q_exit. Wait is the time from arrival to answer (or to
  abandonment), so it always agrees with the stored timestamps.
* A time smaller than the one before it crossed midnight when that makes a step of at most 12 h
  forward; a step back of at most 15 s is clock skew between the voice menu, queue and agent
  systems: the later system's times are shifted onto the earlier one (a warning). A step back of
  more than 15 s (service starting 16-170 s before the call left the queue, say) leaves the
  call's outcome certain but its timing not: the contact is kept and counted, with its wait and
  answer time unknown and the reason in ``timing_untrusted`` (issue #15, point 5).
* vru_entry is not stored; a vru_entry after vru_exit (negative vru_time) is a warning, because
  the arrival (vru_exit) is confirmed by the queue's own clock (q_start).
* q_time and ser_time that disagree with their timestamps are recomputed from the timestamps.
* An AGENT row without service times (ser_start and ser_exit 0:00:00, ser_time 0) was answered
  at an unknown time: kept, timing untrusted (``no_answer_time``).
* customer_id 0 is unknown; a value that is not an integer (a spreadsheet's 6.02701E+11 lost its
  digits) is stored as unknown with a warning. server NO_SERVER: no agent recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ccops.contacts.importers.base import (
    SKEW_LIMIT_S,
    TIMING_REASONS,
    ContactRow,
    NonexistentLocalTime,
    RejectedRow,
    Tally,
    localize,
    normalise_customer_key,
    parse_date_yymmdd,
)
from ccops.enums import Outcome
from ccops.errors import Invalid, Problem

COLUMNS = (
    "vru+line",
    "call_id",
    "customer_id",
    "priority",
    "type",
    "date",
    "vru_entry",
    "vru_exit",
    "vru_time",
    "q_start",
    "q_exit",
    "q_time",
    "outcome",
    "ser_start",
    "ser_exit",
    "ser_time",
    "server",
)
REQUIRED = tuple(c for c in COLUMNS if c != "priority")
ZERO = "0:00:00"
DAY_S = 86400
HALF_DAY_S = 43200


class _RowError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _clock(text: str, field: str) -> int:
    parts = text.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise _RowError(field, f"{text!r} is not a time H:MM:SS")
    h, m, s = (int(p) for p in parts)
    if h > 23 or m > 59 or s > 59:
        raise _RowError(field, f"{text!r} is not a time of day")
    return h * 3600 + m * 60 + s


def _seconds(text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _RowError(field, f"{text!r} is not a whole number of seconds") from None


def _place(prev: int, clock: int) -> tuple[int, str]:
    """Place a time of day after ``prev`` (seconds from the row's midnight).

    Returns the position and how it was reached: ``ok``, ``midnight`` (crossed into the next
    day), ``skew`` (up to 15 s before ``prev``) or ``back`` (further back: an error).
    """
    delta = (clock - prev) % DAY_S
    if delta <= HALF_DAY_S:
        crossed = (prev % DAY_S) + delta >= DAY_S
        return prev + delta, "midnight" if crossed else "ok"
    back = DAY_S - delta
    return prev - back, "skew" if back <= SKEW_LIMIT_S else "back"


def _hms(seconds: int) -> str:
    seconds %= DAY_S
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def read_technion(
    path: Path, *, label: str, zone_for: Callable[[str], ZoneInfo], tally: Tally
) -> Iterator[ContactRow | RejectedRow]:
    """Yield the contacts (or rejected rows) of a Technion call log, streaming by line.

    Args:
        path: the tab-separated file.
        label: the file's name in messages.
        zone_for: the time zone of a queue's site (wall-clock times are interpreted in it).
        tally: receives skips, warnings and notes.

    Raises:
        Invalid: the header lacks required columns.
    """
    with path.open("rb") as handle:
        header_bytes = handle.readline()
        header = header_bytes.decode("utf-8", errors="replace").rstrip("\r\n").split("\t")
        index = {name.strip().lower(): i for i, name in enumerate(header)}
        missing = [c for c in REQUIRED if c not in index]
        if missing:
            raise Invalid(
                f"{label}: row 1: missing columns {', '.join(missing)} (a Technion call log has: "
                f"{', '.join(COLUMNS)})",
                [Problem(f"missing column {c}", field=c, row=1, file=label) for c in missing],
            )
        width = len(header)
        for line_no, raw_bytes in enumerate(handle, start=2):
            ended = raw_bytes.endswith(b"\n")
            try:
                text = raw_bytes.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                tally.rows_read += 1
                yield RejectedRow(
                    line_no,
                    [tally.problem("not text (undecodable bytes)", row=line_no)],
                    raw_bytes.decode("utf-8", errors="replace").rstrip("\r\n"),
                )
                continue
            if not text.strip():
                tally.skipped["blank_line"] += 1
                continue
            tally.rows_read += 1
            fields = text.split("\t")
            if len(fields) != width or "\x00" in text:
                why = (
                    "binary content"
                    if "\x00" in text
                    else (f"expected {width} tab-separated fields, found {len(fields)}")
                )
                if not ended:
                    why += " (the file looks truncated)"
                yield RejectedRow(line_no, [tally.problem(why, row=line_no)], text)
                continue
            try:
                row = _contact(fields, index, line_no, text, zone_for, tally)
            except _RowError as exc:
                yield RejectedRow(
                    line_no, [tally.problem(exc.message, row=line_no, field=exc.field)], text
                )
                continue
            if row is not None:
                yield row


def _contact(
    fields: list[str],
    index: dict[str, int],
    line: int,
    text: str,
    zone_for: Callable[[str], ZoneInfo],
    tally: Tally,
) -> ContactRow | None:
    def get(name: str) -> str:
        return fields[index[name]].strip()

    outcome = get("outcome").upper()
    if outcome == "PHANTOM":
        tally.skipped["phantom"] += 1
        return None
    if outcome not in ("AGENT", "HANG"):
        raise _RowError("outcome", f"unknown outcome {get('outcome')!r} (AGENT, HANG or PHANTOM)")
    q_start_text, q_exit_text = get("q_start"), get("q_exit")
    q_time = _seconds(get("q_time"), "q_time")
    queued = not (q_start_text == ZERO and q_exit_text == ZERO and q_time == 0)
    if outcome == "HANG" and not queued:
        tally.skipped["vru_only"] += 1
        return None

    queue = get("type")
    if not queue:
        raise _RowError("type", "empty service type (the queue)")
    vru_line, call_id = get("vru+line"), get("call_id")
    if not vru_line or not call_id:
        raise _RowError("call_id" if vru_line else "vru+line", "empty call identifier")
    try:
        day = parse_date_yymmdd(get("date"))
    except ValueError as exc:
        raise _RowError("date", str(exc)) from None

    zone = zone_for(queue)
    crossed = False
    entry = _clock(get("vru_entry"), "vru_entry")
    arrival, how = _place(entry, _clock(get("vru_exit"), "vru_exit"))
    crossed |= how == "midnight"
    if how in ("skew", "back"):
        tally.warn(
            "vru_entry_after_exit",
            f"vru_entry {get('vru_entry')} is after vru_exit {get('vru_exit')}; "
            "the arrival is vru_exit",
            row=line,
            field="vru_entry",
        )
    _seconds(get("vru_time"), "vru_time")

    queue_end = arrival
    untrusted: str | None = None
    if queued:
        q_start, how = _place(arrival, _clock(q_start_text, "q_start"))
        crossed |= how == "midnight"
        q_exit, how_exit = _place(q_start, _clock(q_exit_text, "q_exit"))
        crossed |= how_exit == "midnight"
        if how == "back" or how_exit == "back":
            untrusted = "queue_times_backwards"
            q_start, q_exit = max(q_start, arrival), max(q_exit, q_start, arrival)
        if how == "skew":
            tally.warn(
                "q_start_skew",
                f"q_start {q_start_text} is {arrival - q_start} s before vru_exit; clamped",
                row=line,
                field="q_start",
            )
        if how_exit == "skew":
            tally.warn(
                "q_exit_skew",
                f"q_exit {q_exit_text} is {q_start - q_exit} s before q_start; clamped",
                row=line,
                field="q_exit",
            )
            q_exit = q_start
        if untrusted is None and q_exit - q_start != q_time:
            tally.warn(
                "q_time_recomputed",
                f"q_time {q_time} disagrees with q_start..q_exit ({q_exit - q_start} s)",
                row=line,
                field="q_time",
            )
        queue_end = max(q_exit, arrival)

    ser_start_text, ser_exit_text = get("ser_start"), get("ser_exit")
    ser_time = _seconds(get("ser_time"), "ser_time")
    has_service = not (ser_start_text == ZERO and ser_exit_text == ZERO and ser_time == 0)
    answered_at = ended_at = None
    wait: int | None
    talk = 0
    agent: str | None = None
    if outcome == "AGENT":
        server = get("server")
        agent = None if server.upper() in ("NO_SERVER", "") else server
        result_outcome = Outcome.answered
        if not has_service:
            # answered (the outcome is certain), but when is not recorded
            untrusted = "no_answer_time"
            wait = None
        else:
            ser_start, how = _place(queue_end, _clock(ser_start_text, "ser_start"))
            crossed |= how == "midnight"
            reference = "q_exit" if queued else "vru_exit"
            ser_exit, how_exit = _place(ser_start, _clock(ser_exit_text, "ser_exit"))
            crossed |= how_exit == "midnight"
            shift = 0
            if how == "back":
                # service starts too long before the call left the queue (or arrived): the
                # answer time, so the wait, is unknown; the service's own length still holds
                untrusted = "answer_before_queue_exit" if queued else "answer_before_arrival"
            elif how == "skew":
                shift = queue_end - ser_start
                tally.warn(
                    "ser_start_skew",
                    f"ser_start {ser_start_text} is {shift} s before {reference}; service times "
                    "shifted onto the queue's clock",
                    row=line,
                    field="ser_start",
                )
            if how_exit == "back":
                untrusted = untrusted or "end_before_start"
                ser_exit = ser_start
            elif how_exit == "skew":
                tally.warn(
                    "ser_exit_skew",
                    f"ser_exit {ser_exit_text} is {ser_start - ser_exit} s before ser_start; "
                    "clamped",
                    row=line,
                    field="ser_exit",
                )
                ser_exit = ser_start
            talk = ser_exit - ser_start
            if talk != ser_time and how_exit != "back":
                tally.warn(
                    "ser_time_recomputed",
                    f"ser_time {ser_time} disagrees with ser_start..ser_exit ({talk} s)",
                    row=line,
                    field="ser_time",
                )
            if untrusted is None:
                answered = ser_start + shift
                answered_at = _utc(day, answered, zone, "ser_start", line, tally)
                ended_at = _utc(day, ser_exit + shift, zone, "ser_exit", line, tally)
                wait = answered - arrival
            else:
                wait = None
                if ser_exit >= arrival and how_exit != "back":
                    ended_at = _utc(day, ser_exit, zone, "ser_exit", line, tally)
    else:
        if has_service:
            tally.warn(
                "hang_with_service_times",
                f"HANG row with service times {ser_start_text}..{ser_exit_text}; ignored",
                row=line,
                field="ser_start",
            )
        result_outcome = Outcome.abandoned
        if untrusted is None:
            ended_at = _utc(day, queue_end, zone, "q_exit", line, tally)
            wait = queue_end - arrival
        else:
            wait = None

    customer_text = get("customer_id")
    customer = normalise_customer_key(customer_text)
    if customer is not None and not customer.isdigit():
        tally.warn(
            "customer_id_not_integer",
            f"customer_id {customer_text!r} is not an integer (digits lost); stored as unknown",
            row=line,
            field="customer_id",
        )
        customer = None
    if crossed:
        tally.notes["crossed_midnight"] += 1
    if untrusted is not None:
        tally.warn(
            "timing_untrusted",
            f"{TIMING_REASONS[untrusted]}: kept as {result_outcome.value}, its wait unknown "
            f"(vru_exit {get('vru_exit')}, q_start {q_start_text}, q_exit {q_exit_text}, "
            f"ser_start {ser_start_text}, ser_exit {ser_exit_text})",
            row=line,
            field="q_start" if untrusted == "queue_times_backwards" else "ser_start",
        )
    return ContactRow(
        line=line,
        external_id=f"{vru_line}:{call_id}",
        queue=queue,
        arrival_at=_utc(day, arrival, zone, "vru_exit", line, tally),
        outcome=result_outcome,
        answered_at=answered_at,
        ended_at=ended_at,
        wait_s=None if wait is None else float(wait),
        talk_s=float(talk),
        agent=agent,
        customer_key=customer,
        raw=text,
        timing_untrusted=untrusted,
    )


def _utc(day: date, seconds: int, zone: ZoneInfo, field: str, line: int, tally: Tally) -> datetime:
    naive = datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)
    try:
        at, ambiguous = localize(naive, zone)
    except NonexistentLocalTime as exc:
        raise _RowError(field, str(exc)) from None
    if ambiguous:
        tally.warn(
            "ambiguous_local_time",
            f"{_hms(seconds)} happened twice in {zone.key}; the first is taken",
            row=line,
            field=field,
        )
    return at
