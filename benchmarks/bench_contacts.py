"""Import throughput and KPI time for N contacts on SQLite, PostgreSQL and DuckDB over Parquet.

Run: ``python benchmarks/bench_contacts.py [--contacts 1000000]``. All three engines are measured
in the same run on the same generated CSV; PostgreSQL is the local server
(``CCOPS_BENCH_POSTGRES_URL``, default the ``test`` database's server), in a scratch database.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from ccops.contacts import imports as contacts_imports
from ccops.db import make_engine, make_session_factory, transaction
from ccops.enums import ChannelKind
from ccops.metrics import service as kpi
from ccops.migrate import upgrade
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.settings import Settings

PG_ADMIN = os.environ.get(
    "CCOPS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
QUEUES = ("Billing", "Tech", "Sales", "Claims", "Cards")
START = np.datetime64("2026-01-05T00:00:00")


def make_csv(path: Path, n: int, seed: int = 1) -> tuple[date, date]:
    """Write ``n`` contacts over ~90 days in our own column names; return the date span."""
    rng = np.random.default_rng(seed)
    arrival_s = np.sort(rng.uniform(0, 90 * 86400, n)).astype(np.int64)
    outcome = rng.choice(["answered", "abandoned", "transferred"], n, p=[0.86, 0.1, 0.04])
    wait = np.round(rng.exponential(25.0, n), 1)
    answered = outcome != "abandoned"
    talk = np.where(answered, np.round(rng.lognormal(5.4, 0.6, n), 1), 0.0)
    wrap = np.where(answered, np.round(rng.gamma(2.0, 12.0, n), 1), 0.0)
    arrival = (START + arrival_s.astype("timedelta64[s]")).astype(str)
    table = pa.table(
        {
            "external_id": np.char.add("c", np.arange(n).astype(str)),
            "queue": rng.choice(QUEUES, n),
            "arrival": np.char.add(arrival, "+08:00"),
            "outcome": outcome,
            "wait_s": wait,
            "talk_s": talk,
            "hold_s": np.zeros(n),
            "wrap_s": wrap,
            "agent": np.where(answered, np.char.add("a", rng.integers(0, 300, n).astype(str)), ""),
            "customer_key": rng.integers(1, n // 4 + 2, n).astype(str),
        }
    )
    pacsv.write_csv(table, path)
    return date(2026, 1, 5), date(2026, 4, 4)


def _org(factory: Any) -> None:
    with transaction(factory) as s:
        org_service.create_site(
            session=s, data=org_schemas.SiteIn(name="Bench", timezone="Asia/Shanghai")
        )
        org_service.create_channel(
            session=s, data=org_schemas.ChannelIn(name="voice", kind=ChannelKind.voice)
        )
        for q in QUEUES:
            org_service.create_queue(
                session=s, data=org_schemas.QueueIn(name=q, channel="voice", site="Bench")
            )


def _bench_database(
    url: str, csv_path: Path, n: int, span: tuple[date, date], work: Path
) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    _org(factory)
    settings = Settings(database_url=url, data_dir=work / "var", secret_key="bench")
    t0 = time.perf_counter()
    with transaction(factory) as s:
        report = contacts_imports.import_contacts(
            session=s,
            settings=settings,
            path=csv_path,
            format="csv",
            site="Bench",
            create_missing=True,
        )
    import_s = time.perf_counter() - t0
    assert report.inserted == n, report
    with kpi.source_for_database(url) as source:
        t0 = time.perf_counter()
        rows = kpi.queue_interval_kpis(source=source, first=span[0], last=span[1])
        kpi_s = time.perf_counter() - t0
        parquet = work / "contacts.parquet"
        if not parquet.exists():
            kpi.export_contacts_parquet(source=source, path=parquet, first=span[0], last=span[1])
    engine.dispose()
    return {
        "import_s": import_s,
        "kpi_s": kpi_s,
        "intervals": len(rows),
        "offered": sum(r.offered for r in rows),
    }


def run(contacts: int = 1_000_000) -> list[dict[str, Any]]:
    """Measure every engine on one generated file; return one row per engine."""
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "contacts.csv"
        span = make_csv(csv_path, contacts)
        sqlite = _bench_database(
            f"sqlite:///{work / 'bench.sqlite'}", csv_path, contacts, span, work
        )
        results.append({"engine": "SQLite", **sqlite})
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql("DROP DATABASE IF EXISTS ccops_bench WITH (FORCE)")
                conn.exec_driver_sql("CREATE DATABASE ccops_bench")
            pg_url = PG_ADMIN.rsplit("/", 1)[0] + "/ccops_bench"
            results.append(
                {"engine": "PostgreSQL", **_bench_database(pg_url, csv_path, contacts, span, work)}
            )
            with admin.connect() as conn:
                conn.exec_driver_sql("DROP DATABASE IF EXISTS ccops_bench WITH (FORCE)")
        except sa.exc.OperationalError as exc:
            results.append({"engine": "PostgreSQL", "error": str(exc.orig).splitlines()[0]})
        finally:
            admin.dispose()
        with kpi.source_for_parquet(work / "contacts.parquet") as duck:
            t0 = time.perf_counter()
            rows = kpi.queue_interval_kpis(source=duck, first=span[0], last=span[1])
            duck_s = time.perf_counter() - t0
        results.append(
            {
                "engine": "DuckDB (Parquet)",
                "import_s": None,
                "kpi_s": duck_s,
                "intervals": len(rows),
                "offered": sum(r.offered for r in rows),
            }
        )
    return results


def print_table(rows: list[dict[str, Any]], contacts: int) -> None:
    """Print the results with rows/s and ratios to SQLite."""
    base = next((r["kpi_s"] for r in rows if r["engine"] == "SQLite"), None)
    print(f"\nContacts: {contacts:,} — import (one transaction, CSV) and 15-min interval KPIs")
    print(
        f"{'engine':<18}{'import s':>10}{'rows/s':>12}{'KPI s':>9}"
        f"{'KPI vs SQLite':>15}{'intervals':>11}"
    )
    for r in rows:
        if "error" in r:
            print(f"{r['engine']:<18} not measured: {r['error']}")
            continue
        imp = "—" if r["import_s"] is None else f"{r['import_s']:.1f}"
        rate = "—" if r["import_s"] is None else f"{contacts / r['import_s']:,.0f}"
        ratio = f"{base / r['kpi_s']:.2f}×" if base else "—"
        print(
            f"{r['engine']:<18}{imp:>10}{rate:>12}{r['kpi_s']:>9.2f}{ratio:>15}{r['intervals']:>11,}"
        )
    offered = {r.get("offered") for r in rows if "error" not in r}
    print(f"same KPIs on every engine: {'yes' if len(offered) == 1 else 'NO: ' + str(offered)}")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    args = parser.parse_args()
    print_table(run(args.contacts), args.contacts)


if __name__ == "__main__":
    main()
