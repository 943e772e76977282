"""The KPI registry on Spark (local mode) gives the numbers of the database and of DuckDB on the
same contacts, read from one Parquet file or from a directory partitioned by site and date."""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.enums import Outcome
from ccops.errors import Invalid, NotFound
from ccops.metrics import service as kpi
from ccops.settings import Settings
from tests.factories import make_org
from tests.factories.metrics import add_contact
from tests.plugins.ci import unavailable

FIRST, LAST = date(2024, 3, 29), date(2024, 4, 1)  # London's spring-forward day inside


@pytest.fixture(scope="module")
def spark_ready() -> None:
    """PySpark (the `spark` extra, which `make test` installs) and a Java runtime."""
    if importlib.util.find_spec("pyspark") is None:
        unavailable("PySpark is not installed: pip install -e '.[spark]'", what="the Spark engine")
    if shutil.which("java") is None:
        unavailable("no Java runtime: apt-get install default-jre-headless", what="Spark")


@pytest.fixture
def source(settings: Settings) -> Iterator[kpi.KpiSource]:
    with kpi.source_for_database(settings.resolved_database_url()) as src:
        yield src


def _seed(session: Session) -> int:
    """Contacts on two queues over four days (a DST change among them), every outcome, some
    callers twice within a week (for the repeat rate), drawn with a fixed seed."""
    make_org(session, queues=("Sales", "Support"))
    rng = random.Random(7)
    start = datetime(2024, 3, 29, 6, 0, tzinfo=UTC)
    outcomes = [Outcome.answered] * 6 + [Outcome.abandoned] * 2 + [Outcome.timed_out]
    n = 0
    for day in range(4):
        for i in range(120):
            arrival = start + timedelta(days=day, seconds=rng.randrange(0, 14 * 3600))
            outcome = rng.choice(outcomes)
            answered = outcome is Outcome.answered
            add_contact(
                session,
                ext=f"c{day}-{i}",
                queue=rng.choice(("Sales", "Support")),
                arrival=arrival,
                outcome=outcome,
                wait_s=rng.choice((0, 3, 12, 19, 20, 21, 45, 90, 240)),
                talk_s=rng.randrange(30, 600) if answered else 0,
                hold_s=rng.randrange(0, 60) if answered else 0,
                wrap_s=rng.randrange(0, 90) if answered else 0,
                customer=f"cust-{rng.randrange(0, 150)}",
            )
            n += 1
    session.commit()
    return n


def _partition(file: Path, to: Path) -> None:
    """Write the export again as a Hive-style directory: site=Main/date=YYYY-MM-DD/*.parquet."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    table = pq.read_table(file)
    days = pc.cast(
        pc.divide(table["arrival_local_min"], pa.scalar(1440, pa.int64())), pa.int32()
    ).cast(pa.date32())
    table = table.append_column("site", pa.array(["Main"] * table.num_rows))
    table = table.append_column("date", pc.cast(days, pa.string()))
    ds.write_dataset(
        table,
        to,
        format="parquet",
        partitioning=ds.partitioning(
            pa.schema([("site", pa.string()), ("date", pa.string())]), flavor="hive"
        ),
    )


def _same(a: list[Any], b: list[Any]) -> None:
    """Equal row by row; floats equal to 1e-9 relative (engines sum in different orders)."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        dx, dy = x.model_dump(), y.model_dump()
        assert dx.keys() == dy.keys()
        for key in dx:
            if isinstance(dx[key], float) and isinstance(dy[key], float):
                assert dx[key] == pytest.approx(dy[key], rel=1e-9), key
            else:
                assert dx[key] == dy[key], key


@pytest.mark.usefixtures("spark_ready")
def test_spark_gives_the_numbers_of_the_database_and_duckdb(
    session: Session, source: kpi.KpiSource, tmp_path: Path, cli: CliRunner
) -> None:
    rows = _seed(session)
    file = tmp_path / "contacts.parquet"
    assert kpi.export_contacts_parquet(source=source, path=file, first=FIRST, last=LAST) == rows
    folder = tmp_path / "partitioned"
    _partition(file, folder)
    assert len(list(folder.rglob("*.parquet"))) == 4  # one file per site and local day

    def kpis(src: kpi.KpiSource) -> tuple[list[Any], list[Any], list[Any]]:
        return (
            kpi.queue_interval_kpis(source=src, first=FIRST, last=LAST, interval_min=15),
            kpi.queue_interval_kpis(source=src, first=FIRST, last=LAST, interval_min=60),
            kpi.repeat_contact_rates(source=src, first=FIRST, last=LAST, window_days=7),
        )

    expected = kpis(source)
    assert sum(r.offered for r in expected[0]) == rows
    assert {r.queue for r in expected[0]} == {"Sales", "Support"}
    assert any(r.repeated for r in expected[2])
    for path in (file, folder):
        for engine in ("duckdb", "spark"):
            with kpi.source_for_parquet(path, engine) as src:
                assert src.kind == engine
                got = kpis(src)
                kpi.check_names(src, queues=["Sales"])
                with pytest.raises(NotFound, match="queue 'Nope'"):
                    kpi.check_names(src, queues=["Nope"])
            for mine, theirs in zip(got, expected, strict=True):
                _same(mine, theirs)
    # the command line: `ccops kpi --engine spark --parquet DIR` prints the same rows
    printed = cli.invoke(
        app,
        [
            "kpi",
            "--engine",
            "spark",
            "--parquet",
            str(folder),
            "--interval",
            "60",
            "--from",
            FIRST.isoformat(),
            "--to",
            LAST.isoformat(),
            "--json",
        ],
    )
    assert printed.exit_code == 0, printed.output
    shown = json.loads(printed.stdout)
    assert [(r["queue"], r["interval_start"], r["offered"], r["answered"]) for r in shown] == [
        (r.queue, r.model_dump(mode="json")["interval_start"], r.offered, r.answered)
        for r in expected[1]
    ]
    refused = cli.invoke(
        app, ["kpi", "--engine", "spark", "--from", "2024-03-29", "--to", "2024-03-29", "--json"]
    )
    assert refused.exit_code == 2
    assert "give --parquet PATH" in json.loads(refused.stdout)["message"]


def test_a_bad_engine_or_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="engine must be one of duckdb, spark, not 'hive'"):
        kpi.source_for_parquet(tmp_path, "hive")
    with pytest.raises(NotFound, match="holds no .parquet file"):
        kpi.source_for_parquet(tmp_path, "spark")
    with pytest.raises(NotFound, match="no such Parquet file"):
        kpi.source_for_parquet(tmp_path / "nope.parquet", "duckdb")
