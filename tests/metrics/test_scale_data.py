"""The scale benchmark's generated contacts (``benchmarks/bench_scale.py``) are what its figures
claim: the asked row count, the contact-frame schema ``ccops kpi --parquet`` reads, partitions
that match each contact's local date, opening hours and UTC offsets, and the same rows from the
same seed."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from types import ModuleType

import duckdb
import pyarrow.dataset as ds
import pytest

from ccops.metrics import expressions as ex
from ccops.metrics import service as kpi
from tests.plugins.data import ROOT

ROWS = 10_000


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "benchmarks/bench_scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generate(bench: ModuleType, out: Path, seed: int = 1) -> None:
    con = duckdb.connect()
    bench.generate(con, ROWS, out, seed)
    con.close()


def test_generated_contacts_have_the_count_schema_and_shape(
    bench: ModuleType, tmp_path: Path
) -> None:
    out = tmp_path / "contacts"
    _generate(bench, out)
    files = sorted(out.rglob("*.parquet"))
    assert {p.parent.parent.name for p in files} <= {f"site={s}" for s in bench.SITES}
    # the partition columns live in the path, the contact frame in the file
    assert set(ds.dataset(files[0]).schema.names) == set(ex.CONTACT_FRAME_COLUMNS)
    con = duckdb.connect()
    con.execute(f"CREATE VIEW c AS SELECT * FROM read_parquet('{out}/**/*.parquet')")
    assert con.execute("SELECT count(*) FROM c").fetchone() == (ROWS,)
    wrong = con.execute(
        """SELECT
            count(*) FILTER (WHERE strftime(DATE '1970-01-01' + (arrival_local_min // 1440)::INT,
                '%Y-%m-%d') <> date::VARCHAR),
            count(*) FILTER (WHERE arrival_local_min % 1440 NOT BETWEEN 480 AND 1319),
            count(*) FILTER (WHERE arrival_epoch_s // 60 <> arrival_local_min - utc_offset_min),
            count(*) FILTER (WHERE utc_offset_min <> CASE WHEN site <> 'London' THEN 480
                WHEN date::DATE >= DATE '2026-03-29' THEN 60 ELSE 0 END),
            count(*) FILTER (WHERE outcome NOT IN ('answered', 'transferred')
                AND talk_s + hold_s + wrap_s <> 0)
        FROM c"""
    ).fetchone()
    assert wrong == (0, 0, 0, 0, 0)
    first, last = con.execute("SELECT min(date)::DATE, max(date)::DATE FROM c").fetchone()  # type: ignore[misc]
    assert bench.FIRST <= first and last <= bench.LAST == date(2026, 4, 5)
    with kpi.source_for_parquet(out) as source:
        rows = kpi.queue_interval_kpis(source=source, first=bench.FIRST, last=bench.LAST)
    assert sum(r.offered for r in rows) == ROWS
    assert {r.queue for r in rows} == {q[0] for q in bench.QUEUES}


def test_the_same_seed_gives_the_same_contacts(bench: ModuleType, tmp_path: Path) -> None:
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        _generate(bench, tmp_path / name, seed)
    con = duckdb.connect()

    def rows(name: str) -> list[tuple[object, ...]]:
        return con.execute(
            f"SELECT * FROM read_parquet('{tmp_path / name}/**/*.parquet') ORDER BY ALL"
        ).fetchall()

    assert rows("a") == rows("b")
    assert rows("a") != rows("c")
