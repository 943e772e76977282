"""The KPI rules of ``ccops.metrics.rules`` give the same numbers through every computation built
from them: the Ibis KPIs on SQLite and PostgreSQL, DuckDB over a Parquet export, the performance
SQLAlchemy sums, the intraday totals a rebuild counts in SQL, and the live intake's totals in
Python.

Contacts cover the edges: waits exactly at the short-abandon threshold and at the target (and a
hair either side), every outcome, each service-level variant (one queue per variant), and groups
whose denominators are zero. The rule compilers are also compared row by row on a probe table
with null waits (a contact whose timing is untrusted).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.enums import Outcome, ServiceLevelVariant
from ccops.metrics import cache as kpi_cache
from ccops.metrics import rules
from ccops.metrics import schemas as kpi_schemas
from ccops.metrics import service as kpi
from ccops.org import service as org_service
from ccops.org.models import Queue
from ccops.performance import subjects as perf_subjects
from ccops.performance import sums as perf_sums
from ccops.settings import Settings
from ccops.wfm.intraday import service as intraday_service
from ccops.wfm.intraday import totals as intraday_totals
from ccops.wfm.intraday.models import IntradayInterval
from tests.factories import make_org
from tests.factories.metrics import add_contact

DAY = date(2024, 1, 15)
TARGET_S = 20.0
SHORT_S = 5.0
WAITS = (0.0, 4.999, SHORT_S, 5.001, 19.999, TARGET_S, 20.001, 60.0)
QUEUES = {v: f"Q {v.value}" for v in ServiceLevelVariant}
AB = Outcome.abandoned

SCENARIOS: dict[str, list[tuple[Outcome, float]]] = {
    "edges": [(o, w) for o in Outcome for w in WAITS],
    # exclude_short_abandons and the abandonment rate: 0 / 0
    "only_short_abandons": [(AB, 0.0), (AB, 4.999)],
    # abandons_ignored: 0 / 0; the other variants 0 / n
    "no_answers": [(AB, SHORT_S), (Outcome.timed_out, 10.0), (Outcome.other, 0.0)],
}


@dataclass(frozen=True)
class QueueDay:
    """One queue's day as every computation reports it."""

    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    answered_within_target: int | None
    service_level: float | None
    abandon_rate: float | None


def _expected(contacts: Sequence[tuple[Outcome, float]], variant: ServiceLevelVariant) -> QueueDay:
    """The rules' Python predicates over the contacts, then the rules' ratios over the counts."""
    rows = [
        {"outcome": o, "wait_s": w, "target_s": TARGET_S, "short_abandon_s": SHORT_S}
        for o, w in contacts
    ]

    def count(flag: rules.Flag) -> int:
        holds = rules.predicate(flag)
        return sum(1 for r in rows if holds(r))

    answered, abandoned = count(rules.ANSWERED), count(rules.ABANDONED)
    short, within = count(rules.SHORT_ABANDONED), count(rules.ANSWERED_WITHIN_TARGET)
    return QueueDay(
        len(rows),
        answered,
        abandoned,
        short,
        within,
        rules.service_level(
            variant, within=within, offered=len(rows), answered=answered, short=short
        ),
        rules.abandon_rate(abandoned=abandoned, short=short, offered=len(rows)),
    )


def _seed(session: Session, contacts: Sequence[tuple[Outcome, float]]) -> None:
    make_org(session, queues=tuple(QUEUES.values()), target_s=TARGET_S, short_abandon_s=SHORT_S)
    for variant, name in QUEUES.items():
        queue = session.scalars(sa.select(Queue).where(Queue.name == name)).one()
        queue.service_level_variant = variant
        start = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
        for i, (outcome, wait) in enumerate(contacts):
            add_contact(
                session,
                ext=f"{variant.value}-{i}",
                queue=name,
                arrival=start + timedelta(seconds=10 * i),
                outcome=outcome,
                wait_s=wait,
                talk_s=60.0,
            )
    session.commit()


def _from_kpis(
    rows: Sequence[kpi_schemas.QueueIntervalKpi] | Sequence[kpi_schemas.QueuePeriodKpi],
) -> dict[str, QueueDay]:
    return {
        r.queue: QueueDay(
            r.offered,
            r.answered,
            r.abandoned,
            r.short_abandoned,
            r.answered_within_target,
            r.service_level,
            r.abandon_rate,
        )
        for r in rows
    }


def _intraday(session: Session) -> dict[str, QueueDay]:
    """Rebuild each queue-day's intraday totals (grouped in SQL) and read them back."""
    out = {}
    for variant, name in QUEUES.items():
        intraday_totals.rebuild_queue_day(session=session, queue=name, day=DAY)
        queue = session.scalars(sa.select(Queue).where(Queue.name == name)).one()
        rows = session.scalars(
            sa.select(IntradayInterval).where(IntradayInterval.queue_id == queue.id)
        ).all()
        n = {
            f: int(sum(getattr(r, f) for r in rows))
            for f in ("offered", "answered", "abandoned", "short_abandoned")
        }
        within = int(sum(r.answered_within_target for r in rows))
        out[name] = QueueDay(
            n["offered"],
            n["answered"],
            n["abandoned"],
            n["short_abandoned"],
            within,
            intraday_service.service_level(
                variant, within, n["offered"], n["answered"], n["short_abandoned"]
            ),
            intraday_service.abandon_rate(n["abandoned"], n["short_abandoned"], n["offered"]),
        )
    return out


@pytest.fixture
def clean_cache() -> Iterator[None]:
    """No KPI result of an earlier test (same PostgreSQL URL, same data version) is reused."""
    kpi_cache.clear()
    yield
    kpi_cache.clear()


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_kpi_rules_agree_on_stored_contacts(
    session: Session, settings: Settings, tmp_path: Path, clean_cache: None, scenario: str
) -> None:
    contacts = SCENARIOS[scenario]
    _seed(session, contacts)
    expected = {QUEUES[v]: _expected(contacts, v) for v in ServiceLevelVariant}
    if scenario == "edges":  # the rules pinned by hand: < for short abandons, <= for the target
        assert astuple(expected[QUEUES[rules.DEFAULT_VARIANT]])[:5] == (56, 16, 8, 2, 12)

    # (a) Ibis on the database, per interval and summed over the day in Python
    parquet = tmp_path / "contacts.parquet"
    with kpi.source_for_database(settings.resolved_database_url()) as db:
        intervals = kpi.queue_interval_kpis(source=db, first=DAY, last=DAY, interval_min=60)
        kpi.export_contacts_parquet(source=db, path=parquet, first=DAY, last=DAY)
    assert _from_kpis(intervals) == expected
    assert _from_kpis(kpi.summarise_queue_kpis(intervals, first=DAY, last=DAY)) == expected

    # (b) DuckDB over the Parquet export
    with kpi.source_for_parquet(parquet) as duck:
        from_duck = kpi.queue_interval_kpis(source=duck, first=DAY, last=DAY, interval_min=60)
    assert _from_kpis(from_duck) == expected

    # (c) the performance SQL sums of the centre, every queue by its own variant
    centre = perf_subjects.centre_subject(org_service.EVERYTHING)
    sums = perf_sums.contact_days(session=session, subject=centre, first=DAY, last=DAY).total(
        DAY, DAY
    )
    names = ("offered", "answered", "abandoned", "short_abandoned", "answered_within_target")
    counts = {v: dict(zip(names, astuple(expected[QUEUES[v]]), strict=False)) for v in QUEUES}
    totals = [sum(c[n] for c in counts.values()) for n in names]
    assert (
        sums.contacts,
        sums.answered,
        sums.abandoned,
        sums.short_abandons,
        sums.within_target,
    ) == tuple(totals)
    for c in counts.values():  # every wait of these scenarios is known (trusted timing)
        c[rules.TIMED.name] = c["offered"]
        c[rules.ANSWERED_TIMED.name] = c["answered"]
    denominators = {
        v: rules.count_total(rules.service_level_ratio(v).denominator, c) for v, c in counts.items()
    }
    assert sums.sl_denominator == sum(denominators.values())
    for v, name in QUEUES.items():  # each queue's SL from the ratio of its own sums
        sl = expected[name].service_level
        assert (None if denominators[v] <= 0 else counts[v][names[4]] / denominators[v]) == sl
    service_level = perf_sums.from_sums("service_level", sums)
    abandon_rate = perf_sums.from_sums("abandon_rate", sums)
    assert (service_level.successes, service_level.n) == (totals[4], sums.sl_denominator)
    offered, _answered, abandoned, short = totals[:4]
    assert (abandon_rate.successes, abandon_rate.n) == (abandoned - short, offered - short)

    # (d) the intraday totals a rebuild writes (grouped in SQL)
    assert _intraday(session) == expected

    # (e) the live intake's totals, contact by contact in Python, equal the rebuild's per
    # interval, sums of handle time and waits included
    assert _live_by_interval(session) == _stored_by_interval(session)


_CONTACT_FIELDS = intraday_totals.AGG_FIELDS[:7]


def _stored_by_interval(session: Session) -> dict[tuple[int, int], tuple[float, ...]]:
    rows = session.scalars(sa.select(IntradayInterval)).all()
    return {
        (r.queue_id, int(r.interval_start.replace(tzinfo=UTC).timestamp())): tuple(
            round(float(getattr(r, f)), 6) for f in _CONTACT_FIELDS
        )
        for r in rows
        if r.offered
    }


def _live_by_interval(session: Session) -> dict[tuple[int, int], tuple[float, ...]]:
    deltas = intraday_totals.Deltas()
    queues = {q.id: q for q in session.scalars(sa.select(Queue))}
    keys = intraday_totals.CONTACT_KEYS
    for row in session.execute(sa.select(*[getattr(Contact, k) for k in keys])):
        record = dict(zip(keys, row, strict=True))
        deltas.contact(record, queues[record["queue_id"]], +1)
    return {key: tuple(round(v, 6) for v in values[:7]) for key, values in deltas.values.items()}


# --- null waits: the compilers row by row on a probe table --------------------------------------

PROBE = sa.Table(
    "kpi_rule_probe",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("outcome", sa.String(20)),
    sa.Column("wait_s", sa.Float, nullable=True),
    sa.Column("target_s", sa.Float),
    sa.Column("short_abandon_s", sa.Float),
    sa.Column("service_level_variant", sa.String(40)),
)
CONDITIONS: Mapping[str, rules.Condition] = {
    **{flag.name: flag for flag in rules.CONTACT_FLAGS},
    **{f"counted_{v.value}": c for v, c in rules.SL_COUNTED.items()},
}


def _probe_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for variant in ServiceLevelVariant:
        for outcome in Outcome:
            for wait in (None, *WAITS):
                rows.append(
                    {
                        "id": len(rows),
                        "outcome": outcome.value,
                        "wait_s": wait,
                        "target_s": TARGET_S,
                        "short_abandon_s": SHORT_S,
                        "service_level_variant": variant.value,
                    }
                )
    return rows


def _python_flags(rows: list[dict[str, Any]]) -> list[tuple[int, ...]]:
    compiled = {name: rules.predicate(c) for name, c in CONDITIONS.items()}
    counted = {v: rules.predicate(c) for v, c in rules.SL_COUNTED.items()}
    return [
        (
            *(int(holds(r)) for holds in compiled.values()),
            int(counted[ServiceLevelVariant(r["service_level_variant"])](r)),
        )
        for r in rows
    ]


def _ibis_flags(con: Any, table: Any) -> list[tuple[int, ...]]:
    own_variant = ibis.cases(
        *[
            (table.service_level_variant == v.value, rules.ibis_condition(c, table))
            for v, c in rules.SL_COUNTED.items()
        ],
        else_=False,
    )
    flags = {name: rules.ibis_flag(c, table) for name, c in CONDITIONS.items()}
    expr = table.mutate(**flags, own=ibis.ifelse(own_variant.fill_null(False), 1, 0)).order_by("id")
    out = con.to_pyarrow(expr.select(*flags, "own")).to_pylist()
    return [tuple(int(v) for v in row.values()) for row in out]


def test_kpi_rule_compilers_agree_on_null_waits(
    session: Session, settings: Settings, clean_cache: None
) -> None:
    rows = _probe_rows()
    expected = _python_flags(rows)
    # a null wait (untrusted timing) is neither within target nor a short abandon, and is in no
    # service-level denominator (service level is over contacts with trusted timing)
    null_abandon = next(
        f for r, f in zip(rows, expected, strict=True) if r["wait_s"] is None and r["outcome"] == AB
    )
    assert null_abandon[list(CONDITIONS).index("short_abandoned")] == 0
    assert null_abandon[list(CONDITIONS).index("abandoned")] == 1
    assert null_abandon[list(CONDITIONS).index("timed")] == 0
    for v in ServiceLevelVariant:
        assert null_abandon[list(CONDITIONS).index(f"counted_{v.value}")] == 0

    engine = session.get_bind()
    assert isinstance(engine, sa.Engine)
    with engine.begin() as conn:
        PROBE.drop(conn, checkfirst=True)
        PROBE.create(conn)
        conn.execute(PROBE.insert(), rows)
    try:
        columns = {name: PROBE.c[name] for name in rules.CONTACT_FIELDS}
        sql_flags = [
            sa.case((rules.sql_condition(c, columns), 1), else_=0) for c in CONDITIONS.values()
        ]
        own = rules.sql_sl_counted(columns, PROBE.c.service_level_variant)
        query = sa.select(*sql_flags, sa.case((own, 1), else_=0)).order_by(PROBE.c.id)
        assert [tuple(r) for r in session.execute(query)] == expected
        with kpi.source_for_database(settings.resolved_database_url()) as db:
            assert _ibis_flags(db.con, db.con.table(PROBE.name)) == expected
    finally:
        session.rollback()
        with engine.begin() as conn:
            PROBE.drop(conn, checkfirst=True)
    duck = ibis.duckdb.connect()
    assert _ibis_flags(duck, ibis.memtable(pa.Table.from_pylist(rows))) == expected
