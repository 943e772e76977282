"""Compute KPIs with Ibis on the database in use (SQLite, PostgreSQL), or over Parquet with DuckDB
(one machine) or Spark (local mode, or a cluster by its master URL): the same registry expressions
on every engine."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import ibis
import ibis.expr.types as ir
from sqlalchemy.engine import make_url

from ccops.enums import ServiceLevelVariant
from ccops.errors import Invalid, NotFound, Problem
from ccops.metrics import cache, rules, schemas
from ccops.metrics import expressions as ex

EPOCH = date(1970, 1, 1)
ALLOWED_INTERVALS = (15, 30, 60)
T = TypeVar("T")


class KpiSource:
    """An Ibis connection and how to read the contact, state and interval-report frames from it.

    A source on a database (``url`` set) opens its Ibis connection only when a query is not
    answered from the process's KPI cache, and keys that cache by the database's data version.
    """

    def __init__(
        self,
        con: Any = None,
        kind: str = "",
        parquet: Path | None = None,
        *,
        url: str | None = None,
        connect: Callable[[], Any] | None = None,
    ) -> None:
        self._con = con
        self._connect = connect
        self.kind = kind
        self.parquet = parquet
        self.url = url

    @property
    def con(self) -> Any:
        """The Ibis backend connection (opened on first use)."""
        if self._con is None and self._connect is not None:
            self._con = self._connect()
        return self._con

    def __enter__(self) -> KpiSource:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the backend's connection (if one was opened)."""
        if self._con is not None:
            self._con.disconnect()
            self._con = None

    def cached(
        self, key: tuple[Hashable, ...], compute: Callable[[KpiSource], Sequence[T]]
    ) -> list[T]:
        """Return ``compute(self)``, from the process's cache when the data has not changed since.

        The data version is read before any data (so a result is never filed under a newer
        version than its data) on every call (a source may outlive a write); Parquet and
        in-memory sources are never cached. A page may get the previous result while a source
        of its own recomputes it in the background (see ``ccops.metrics.cache``).
        """
        if self.url is None:
            return list(compute(self))
        url = self.url
        version = cache.data_version(url)
        if version is None:
            return list(compute(self))

        def refresh() -> tuple[cache.DataVersion | None, Sequence[T]]:
            with source_for_database(url) as own:
                now = cache.data_version(url)
                return now, compute(own)

        return cache.shared((url, *key), version, lambda: compute(self), refresh)

    def contact_frame(self) -> ir.Table:
        """One row per contact with its queue's settings denormalised onto it."""
        if self.parquet is not None:
            return parquet_frame(self.con, self.kind, self.parquet).select(
                *ex.CONTACT_FRAME_COLUMNS
            )
        c = self.con.table("contact")
        q = self.con.table("queue")
        j = c.join(q, c.queue_id == q.id)
        return j.select(
            queue=q.name,
            target_s=q.target_s,
            short_abandon_s=q.short_abandon_s,
            service_level_variant=q.service_level_variant,
            arrival_epoch_s=c.arrival_epoch_s,
            arrival_local_min=c.arrival_local_min,
            utc_offset_min=c.utc_offset_min,
            outcome=c.outcome,
            wait_s=c.wait_s,
            talk_s=c.talk_s,
            hold_s=c.hold_s,
            wrap_s=c.wrap_s,
            customer_hash=c.customer_hash,
        )

    def state_frame(self) -> ir.Table:
        """One row per agent-state span with the person's login."""
        if self.parquet is not None:
            raise Invalid("agent KPIs read the database; a contact Parquet export has no states")
        s = self.con.table("agent_state_event")
        p = self.con.table("person")
        j = s.join(p, s.person_id == p.id)
        return j.select(
            person=p.login,
            state=s.state,
            start_epoch_s=s.start_epoch_s,
            end_epoch_s=s.end_epoch_s,
            utc_offset_min=s.utc_offset_min,
        )

    def report_frame(self) -> ir.Table:
        """One row per imported ACD interval report with its queue's settings."""
        r = self.con.table("interval_report")
        q = self.con.table("queue")
        j = r.join(q, r.queue_id == q.id)
        return j.select(
            queue=q.name,
            service_level_variant=q.service_level_variant,
            target_s=q.target_s,
            interval_local_min=r.interval_local_min,
            utc_offset_min=r.utc_offset_min,
            offered=r.offered,
            answered=r.answered,
            abandoned=r.abandoned,
            short_abandoned=r.short_abandoned,
            answered_within_target=r.answered_within_target,
            handle_s=r.handle_s,
            wait_s=r.wait_s,
        )


def source_for_database(url: str) -> KpiSource:
    """Open an Ibis connection on the same database SQLAlchemy uses."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ":memory:"
        return KpiSource(
            kind="sqlite",
            url=None if path == ":memory:" else url,
            connect=lambda: ibis.sqlite.connect(path),
        )
    if parsed.get_backend_name() == "postgresql":
        return KpiSource(
            kind="postgres",
            url=url,
            connect=lambda: ibis.postgres.connect(
                host=parsed.host or "localhost",
                port=parsed.port or 5432,
                user=parsed.username,
                password=parsed.password,
                database=parsed.database,
            ),
        )
    raise Invalid(f"KPIs are computed on SQLite or PostgreSQL, not {parsed.get_backend_name()}")


PARQUET_ENGINES = ("duckdb", "spark")


def source_for_parquet(
    path: Path, engine: str = "duckdb", spark_master: str | None = None
) -> KpiSource:
    """Open an engine over a contact Parquet export: a file, or a directory of files partitioned
    Hive-style (``site=Shanghai/date=2026-11-23/part-0.parquet``).

    DuckDB runs in memory with no extension downloads; Spark in local mode on this machine's
    cores, or on the cluster at ``spark_master`` (``spark://host:7077``), opened on first use.
    """
    if engine not in PARQUET_ENGINES:
        raise Invalid(
            f"engine must be one of {', '.join(PARQUET_ENGINES)}, not {engine!r}",
            [Problem("unknown engine", field="engine")],
        )
    if not path.exists():
        raise NotFound(f"{path}: no such Parquet file", [Problem("missing", file=str(path))])
    if path.is_dir() and not any(path.rglob("*.parquet")):
        raise NotFound(
            f"{path}: the directory holds no .parquet file", [Problem("empty", file=str(path))]
        )
    if engine == "spark":
        from ccops.metrics import spark

        return KpiSource(kind="spark", parquet=path, connect=lambda: spark.connect(spark_master))
    return KpiSource(ibis.duckdb.connect(), "duckdb", parquet=path)


def parquet_frame(con: Any, kind: str, path: Path) -> ir.Table:
    """The contacts of a Parquet file or partitioned directory, read by ``con``'s engine."""
    if not path.is_dir():
        return con.read_parquet(str(path))
    if kind == "spark":
        # Spark discovers Hive-style partitions of a directory itself
        return con.read_parquet(str(path))
    table: ir.Table = con.read_parquet(
        str(path / "**" / "*.parquet"), hive_partitioning=True, union_by_name=True
    )
    return table


def _days(first: date, last: date) -> tuple[int, int]:
    if last < first:
        raise Invalid(
            f"--to {last} is before --from {first}", [Problem("before --from", field="to")]
        )
    return (first - EPOCH).days, (last - EPOCH).days


def _check_interval(interval_min: int) -> None:
    if interval_min not in ALLOWED_INTERVALS:
        raise Invalid(
            f"interval must be 15, 30 or 60 minutes, not {interval_min}",
            [Problem("not 15, 30 or 60", field="interval")],
        )


def local_instant(local_min: int, offset_min: int) -> datetime:
    """Return the aware datetime of a local wall-clock minute count at a UTC offset."""
    naive = datetime(1970, 1, 1) + timedelta(minutes=int(local_min))
    return naive.replace(tzinfo=timezone(timedelta(minutes=int(offset_min))))


def _rows(expr: ir.Table, con: Any) -> list[dict[str, Any]]:
    table = con.to_pyarrow(expr)
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _filter_queues(frame: ir.Table, queues: Sequence[str] | None) -> ir.Table:
    return frame.filter(frame.queue.isin(list(queues))) if queues else frame


def check_names(
    source: KpiSource,
    *,
    queues: Sequence[str] | None = None,
    people: Sequence[str] | None = None,
) -> None:
    """Refuse queue names and person logins the source does not know, naming each one.

    A filter that matches nothing would print an empty table, which reads as a quiet period:
    a typo must fail instead. A contact Parquet export knows the queues in the file.

    Raises:
        NotFound: with one problem (field ``queue`` or ``person``) per unknown name.
    """
    problems: list[Problem] = []
    if queues:
        if source.parquet is not None:
            known = source.contact_frame().select("queue").distinct()
        else:
            known = source.con.table("queue").select(queue="name")
        have = {r["queue"] for r in _rows(known.filter(known.queue.isin(list(queues))), source.con)}
        problems += [
            Problem(f"unknown queue {n!r}", field="queue")
            for n in dict.fromkeys(queues)
            if n not in have
        ]
    if people:
        logins = source.con.table("person").select(person="login")
        have = {
            r["person"] for r in _rows(logins.filter(logins.person.isin(list(people))), source.con)
        }
        problems += [
            Problem(f"unknown person {n!r}", field="person")
            for n in dict.fromkeys(people)
            if n not in have
        ]
    if problems:
        names = ", ".join(p.message.removeprefix("unknown ") for p in problems)
        raise NotFound(f"{names} {'does' if len(problems) == 1 else 'do'} not exist", problems)


def queue_interval_kpis(
    *,
    source: KpiSource,
    first: date,
    last: date,
    interval_min: int = 15,
    queues: Sequence[str] | None = None,
) -> list[schemas.QueueIntervalKpi]:
    """Compute every queue KPI per queue and local interval over local dates [first, last].

    Queues with contact records use them; a queue with none in the period falls back to its
    imported ACD interval reports (the ``data_source`` field says which).
    """
    _check_interval(interval_min)
    _days(first, last)
    return source.cached(
        ("queue_interval_kpis", first, last, interval_min, _key_names(queues)),
        lambda src: _queue_interval_kpis(src, first, last, interval_min, queues),
    )


def _key_names(names: Sequence[str] | None) -> tuple[str, ...] | None:
    """The cache-key form of a name filter (order and repeats do not change the result)."""
    return tuple(sorted(set(names))) if names else None


def _queue_interval_kpis(
    source: KpiSource,
    first: date,
    last: date,
    interval_min: int,
    queues: Sequence[str] | None,
) -> list[schemas.QueueIntervalKpi]:
    day0, day1 = _days(first, last)
    frame = _filter_queues(ex.local_day_range(source.contact_frame(), day0, day1), queues)
    rows = [(r, "contacts") for r in _rows(ex.interval_kpis(frame, interval_min), source.con)]
    if source.parquet is None:
        have = {r["queue"] for r, _ in rows}
        reports = source.report_frame()
        reports = _filter_queues(
            reports.filter(
                (reports.interval_local_min >= day0 * 1440)
                & (reports.interval_local_min < (day1 + 1) * 1440)
            ),
            queues,
        )
        rows += [
            (r, "interval_reports")
            for r in _rows(ex.report_interval_kpis(reports, interval_min), source.con)
            if r["queue"] not in have
        ]
    out = [_queue_kpi(r, interval_min, data_source) for r, data_source in rows]
    out.sort(key=lambda k: (k.queue, k.interval_start.astimezone(UTC)))
    return out


def _queue_kpi(r: dict[str, Any], interval_min: int, data_source: str) -> schemas.QueueIntervalKpi:
    start = local_instant(r["interval_local_min"], r["utc_offset_min"])
    within = r["answered_within_target"]
    return schemas.QueueIntervalKpi(
        queue=r["queue"],
        interval_start=start,
        interval_end=start + timedelta(minutes=interval_min),
        interval_min=interval_min,
        offered=int(r["offered"]),
        answered=int(r["answered"]),
        abandoned=int(r["abandoned"]),
        short_abandoned=int(r["short_abandoned"]),
        answered_within_target=None if within is None else int(within),
        service_level=_num(r["service_level"]),
        service_level_variant=ServiceLevelVariant(r["service_level_variant"]),
        target_s=float(r["target_s"]),
        asa_s=_num(r["asa_s"]),
        aht_s=_num(r["aht_s"]),
        abandon_rate=_num(r["abandon_rate"]),
        max_wait_s=_num(r["max_wait_s"]),
        data_source=data_source,
        timing_untrusted=int(r["offered"]) - int(r["timed"]),
        answered_timing_untrusted=int(r["answered"]) - int(r["answered_timed"]),
    )


def agent_interval_kpis(
    *,
    source: KpiSource,
    first: date,
    last: date,
    interval_min: int = 15,
    people: Sequence[str] | None = None,
) -> list[schemas.AgentIntervalKpi]:
    """Compute occupancy and utilisation per person and local interval over [first, last]."""
    _check_interval(interval_min)
    _days(first, last)
    return source.cached(
        ("agent_interval_kpis", first, last, interval_min, _key_names(people)),
        lambda src: _agent_interval_kpis(src, first, last, interval_min, people),
    )


def _agent_interval_kpis(
    source: KpiSource,
    first: date,
    last: date,
    interval_min: int,
    people: Sequence[str] | None,
) -> list[schemas.AgentIntervalKpi]:
    day0, day1 = _days(first, last)
    frame = source.state_frame()
    local_start = frame.start_epoch_s + frame.utc_offset_min * 60
    frame = frame.filter(
        (local_start < (day1 + 1) * 86400)
        & (frame.end_epoch_s + frame.utc_offset_min * 60 > day0 * 86400)
    )
    if people:
        frame = frame.filter(frame.person.isin(list(people)))
    size = interval_min * 60
    span = frame.mutate(n=(frame.end_epoch_s - frame.start_epoch_s) // size + 1).n.max()
    max_span = source.con.execute(span)
    if max_span is None or (isinstance(max_span, float) and math.isnan(max_span)):
        return []
    rows = _rows(ex.agent_interval_kpis(frame, interval_min, int(max_span)), source.con)
    out = []
    for r in rows:
        start = local_instant(r["interval_local_min"], r["utc_offset_min"])
        if not day0 * 1440 <= r["interval_local_min"] < (day1 + 1) * 1440:
            continue
        out.append(
            schemas.AgentIntervalKpi(
                person=r["person"],
                interval_start=start,
                interval_min=interval_min,
                handling_s=float(r["handling_s"]),
                available_s=float(r["available_s"]),
                logged_in_s=float(r["logged_in_s"]),
                occupancy=_num(r["occupancy"]),
                utilisation=_num(r["utilisation"]),
            )
        )
    out.sort(key=lambda k: (k.person, k.interval_start.astimezone(UTC)))
    return out


def repeat_contact_rates(
    *,
    source: KpiSource,
    first: date,
    last: date,
    window_days: int = 7,
    queues: Sequence[str] | None = None,
) -> list[schemas.RepeatContactDay]:
    """Compute the repeat-contact rate per queue and local day, with its sample size."""
    if not 1 <= window_days <= 90:
        raise Invalid("the repeat window must be 1 to 90 days", [Problem("out of range", "days")])
    _days(first, last)
    return source.cached(
        ("repeat_contact_rates", first, last, window_days, _key_names(queues)),
        lambda src: _repeat_contact_rates(src, first, last, window_days, queues),
    )


def _repeat_contact_rates(
    source: KpiSource,
    first: date,
    last: date,
    window_days: int,
    queues: Sequence[str] | None,
) -> list[schemas.RepeatContactDay]:
    day0, day1 = _days(first, last)
    frame = _filter_queues(source.contact_frame(), queues)
    rows = _rows(ex.repeat_contacts(frame, window_days, day0, day1), source.con)
    out = [
        schemas.RepeatContactDay(
            queue=r["queue"],
            date=EPOCH + timedelta(days=int(r["local_day"])),
            window_days=window_days,
            contacts_with_key=int(r["contacts_with_key"]),
            repeated=int(r["repeated"]),
            repeat_contact_rate=_num(r["repeat_contact_rate"]),
        )
        for r in rows
    ]
    out.sort(key=lambda k: (k.queue, k.date))
    return out


def export_contacts_parquet(*, source: KpiSource, path: Path, first: date, last: date) -> int:
    """Write the contact frame of [first, last] to Parquet for DuckDB or Spark; return rows."""
    day0, day1 = _days(first, last)
    frame = ex.local_day_range(source.contact_frame(), day0, day1)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = source.con.to_pyarrow(frame)
    import pyarrow.parquet as pq

    pq.write_table(table, path)
    return int(table.num_rows)


def summarise_queue_kpis(
    rows: Sequence[schemas.QueueIntervalKpi], *, first: date, last: date
) -> list[schemas.QueuePeriodKpi]:
    """Sum interval KPIs into one row per queue over [first, last], by the registry's formulas.

    Counts are added; ratios are recomputed from the summed counts (never averaged), and ASA
    and AHT are weighted by answered contacts with trusted timing, so the result equals the KPI
    of the whole period.
    """
    by_queue: dict[str, list[schemas.QueueIntervalKpi]] = {}
    for row in rows:
        by_queue.setdefault(row.queue, []).append(row)
    out = []
    for queue, items in sorted(by_queue.items()):
        offered = sum(r.offered for r in items)
        answered = sum(r.answered for r in items)
        abandoned = sum(r.abandoned for r in items)
        short = sum(r.short_abandoned for r in items)
        within_known = all(r.answered_within_target is not None for r in items)
        within = sum(r.answered_within_target or 0 for r in items) if within_known else None
        untimed = sum(r.timing_untrusted for r in items)
        answered_untimed = sum(r.answered_timing_untrusted for r in items)
        timed_answered = answered - answered_untimed
        wait_total = sum(
            (r.asa_s or 0.0) * (r.answered - r.answered_timing_untrusted) for r in items
        )
        handle_total = sum(
            (r.aht_s or 0.0) * (r.answered - r.answered_timing_untrusted) for r in items
        )
        waits = [r.max_wait_s for r in items if r.max_wait_s is not None]
        variant = items[0].service_level_variant
        out.append(
            schemas.QueuePeriodKpi(
                queue=queue,
                first=first,
                last=last,
                offered=offered,
                answered=answered,
                abandoned=abandoned,
                short_abandoned=short,
                answered_within_target=within,
                service_level=rules.service_level(
                    variant,
                    within=within,
                    offered=offered,
                    answered=answered,
                    short=short,
                    untimed=untimed,
                    answered_untimed=answered_untimed,
                ),
                service_level_variant=variant,
                target_s=items[0].target_s,
                asa_s=wait_total / timed_answered if timed_answered else None,
                aht_s=handle_total / timed_answered if timed_answered else None,
                abandon_rate=rules.abandon_rate(abandoned=abandoned, short=short, offered=offered),
                max_wait_s=max(waits) if waits else None,
                data_source=", ".join(sorted({r.data_source for r in items})),
                timing_untrusted=untimed,
                answered_timing_untrusted=answered_untimed,
            )
        )
    return out


def queue_period_kpis(
    *, source: KpiSource, first: date, last: date, queues: Sequence[str] | None = None
) -> list[schemas.QueuePeriodKpi]:
    """Compute each queue's KPIs over the local dates [first, last] as one row per queue."""

    def compute(src: KpiSource) -> list[schemas.QueuePeriodKpi]:
        rows = queue_interval_kpis(
            source=src, first=first, last=last, interval_min=60, queues=queues
        )
        return summarise_queue_kpis(rows, first=first, last=last)

    _days(first, last)
    return source.cached(("queue_period_kpis", first, last, _key_names(queues)), compute)


def summarise_agent_kpis(rows: Sequence[schemas.AgentIntervalKpi]) -> schemas.AgentPeriodKpi:
    """Sum agent intervals into one period: occupancy and utilisation from the summed seconds."""
    handling = sum(r.handling_s for r in rows)
    available = sum(r.available_s for r in rows)
    logged_in = sum(r.logged_in_s for r in rows)
    ready = handling + available
    return schemas.AgentPeriodKpi(
        people=len({r.person for r in rows}),
        handling_s=handling,
        available_s=available,
        logged_in_s=logged_in,
        occupancy=handling / ready if ready > 0 else None,
        utilisation=handling / logged_in if logged_in > 0 else None,
    )
