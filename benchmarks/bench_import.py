"""Contact import against a plain bulk load of the same rows into the same table, side by side.

Run: ``python benchmarks/bench_import.py [--contacts 1000000] [--engines sqlite,postgresql]``.
One generated CSV of contacts (our column names, times with an offset, 5 queues, 300 agents,
a customer key on every row) is imported with ``import_contacts`` in one transaction: parse,
checks, name lookups, idempotence, customer hashes, the content hash and the write. The plain
load then writes exactly the rows the import stored into the same, empty table (every index
and trigger in place) with nothing else: Python ``csv`` + ``executemany`` on SQLite, ``COPY``
on PostgreSQL, from a file of the stored values. Goal (issue #22): the import takes at most 3×
the plain load, and reads at least 100,000 rows/s on SQLite. PostgreSQL is the local server
(``CCOPS_BENCH_POSTGRES_URL``, default the ``test`` database's server), in a scratch database.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench_contacts import QUEUES, make_csv
from ccops.contacts import imports as contacts_imports
from ccops.db import make_engine, make_session_factory, transaction
from ccops.enums import ChannelKind
from ccops.migrate import upgrade
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.settings import Settings

PG_ADMIN = os.environ.get(
    "CCOPS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SCRATCH = "ccops_bench_import"
AGENTS = 300
GOAL_RATIO = 3.0
GOAL_SQLITE_ROWS_S = 100_000


def _org(url: str) -> None:
    """The site, channel, queues and agents the generated file names (agents a0…a299)."""
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as s:
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
        for i in range(AGENTS):
            org_service.create_person(
                session=s, data=org_schemas.PersonIn(name=f"a{i}", login=f"a{i}", site="Bench")
            )
    engine.dispose()


def _import(url: str, csv_path: Path, work: Path) -> tuple[float, int]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    settings = Settings(database_url=url, data_dir=work / "var", secret_key="bench")
    started = time.perf_counter()
    with transaction(factory) as s:
        report = contacts_imports.import_contacts(
            session=s, settings=settings, path=csv_path, format="csv", site="Bench"
        )
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds, report.inserted


def _stored_columns(con: Any) -> list[str]:
    return [r[1] for r in con.execute("PRAGMA table_info(contact)") if r[1] != "id"]


def _sqlite(csv_path: Path, n: int, work: Path) -> dict[str, Any]:
    blank = work / "blank.sqlite"
    _org(f"sqlite:///{blank}")
    target = work / "import.sqlite"
    shutil.copy(blank, target)
    import_s, inserted = _import(f"sqlite:///{target}", csv_path, work)
    # the stored rows, as stored, into a file; then into a copy of the empty database
    stored = work / "stored.csv"
    con = sqlite3.connect(target)
    columns = _stored_columns(con)
    batch = con.execute("SELECT * FROM import_batch").fetchall()
    with stored.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        cursor = con.execute(f"SELECT {', '.join(columns)} FROM contact ORDER BY id")
        while rows := cursor.fetchmany(50_000):
            writer.writerows(rows)
    con.close()
    plain = work / "plain.sqlite"
    shutil.copy(blank, plain)
    con = sqlite3.connect(plain)
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.executemany(f"INSERT INTO import_batch VALUES ({', '.join('?' * len(batch[0]))})", batch)
    con.commit()
    empty = {c: i for i, c in enumerate(columns)}
    nullable = [empty[c] for c in columns if c not in ("source", "external_id", "outcome")]
    started = time.perf_counter()
    with stored.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)

        def values() -> Any:
            for row in reader:
                for i in nullable:
                    if row[i] == "":
                        row[i] = None  # type: ignore[call-overload]
                yield row

        con.executemany(
            f"INSERT INTO contact ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            values(),
        )
    con.commit()
    plain_s = time.perf_counter() - started
    loaded = con.execute("SELECT count(*) FROM contact").fetchone()[0]
    con.close()
    assert inserted == loaded == n, (inserted, loaded, n)
    return {"engine": "SQLite", "import_s": import_s, "plain_s": plain_s}


def _postgres(csv_path: Path, n: int, work: Path) -> dict[str, Any]:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {SCRATCH}")
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + SCRATCH
        _org(url)
        import_s, inserted = _import(url, csv_path, work)
        engine = make_engine(url)
        stored = work / "stored.pg.csv"
        with engine.connect() as conn:
            columns = [
                c
                for c in conn.exec_driver_sql(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'contact' ORDER BY ordinal_position"
                ).scalars()
                if c != "id"
            ]
            names = ", ".join(columns)
            raw = conn.connection.driver_connection
            assert raw is not None
            with (
                stored.open("wb") as handle,
                raw.cursor() as cursor,
                cursor.copy(
                    f"COPY (SELECT {names} FROM contact ORDER BY id) TO STDOUT WITH (FORMAT csv)"
                ) as copy,
            ):
                for block in copy:
                    handle.write(block)
            conn.exec_driver_sql("TRUNCATE contact CASCADE")  # nothing refers to them yet
            conn.commit()
            started = time.perf_counter()
            with (
                stored.open("rb") as handle,
                raw.cursor() as cursor,
                cursor.copy(f"COPY contact ({names}) FROM STDIN WITH (FORMAT csv)") as copy,
            ):
                while block := handle.read(1 << 20):
                    copy.write(block)
            conn.commit()
            plain_s = time.perf_counter() - started
            loaded = conn.exec_driver_sql("SELECT count(*) FROM contact").scalar()
        engine.dispose()
        assert inserted == loaded == n, (inserted, loaded, n)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        return {"engine": "PostgreSQL", "import_s": import_s, "plain_s": plain_s}
    except sa.exc.OperationalError as exc:
        return {"engine": "PostgreSQL", "error": str(exc.orig).splitlines()[0]}
    finally:
        admin.dispose()


def run(contacts: int = 1_000_000, engines: tuple[str, ...] = ("sqlite", "postgresql")) -> Any:
    """Measure the import and the plain load on each engine; one row per engine."""
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "contacts.csv"
        make_csv(csv_path, contacts)
        if "sqlite" in engines:
            results.append(_sqlite(csv_path, contacts, work))
        if "postgresql" in engines:
            results.append(_postgres(csv_path, contacts, work))
    return results


def print_table(rows: list[dict[str, Any]], contacts: int) -> None:
    """Print rows, seconds, rows/s and the ratio to the plain load, with the goals."""
    print(f"\nContact CSV import vs a plain bulk load of the same rows ({contacts:,} rows)")
    print(
        f"{'engine':<12}{'rows':>11}{'import s':>10}{'rows/s':>10}"
        f"{'plain s':>9}{'plain rows/s':>14}{'ratio':>7}  goal"
    )
    for r in rows:
        if "error" in r:
            print(f"{r['engine']:<12} not measured: {r['error']}")
            continue
        rate = contacts / r["import_s"]
        ratio = r["import_s"] / r["plain_s"]
        goal = ratio <= GOAL_RATIO and (r["engine"] != "SQLite" or rate >= GOAL_SQLITE_ROWS_S)
        wanted = f"≤{GOAL_RATIO:g}×" + (
            f", ≥{GOAL_SQLITE_ROWS_S:,} rows/s" if r["engine"] == "SQLite" else ""
        )
        print(
            f"{r['engine']:<12}{contacts:>11,}{r['import_s']:>10.1f}{rate:>10,.0f}"
            f"{r['plain_s']:>9.1f}{contacts / r['plain_s']:>14,.0f}{ratio:>6.2f}×"
            f"  {wanted}: {'met' if goal else 'NOT met'}"
        )


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000, help="rows in the file")
    parser.add_argument(
        "--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    args = parser.parse_args()
    engines = tuple(e.strip() for e in args.engines.split(",") if e.strip())
    print_table(run(args.contacts, engines), args.contacts)


if __name__ == "__main__":
    main()
