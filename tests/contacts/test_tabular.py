"""CSV and Parquet importers with mapping files: contacts, agent states, interval reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts import imports as contacts_imports
from ccops.contacts.models import AgentStateEvent, Contact, IntervalReport
from ccops.contacts.schemas import ImportReport
from ccops.errors import Invalid
from ccops.org.models import Person, Queue
from ccops.settings import Settings
from tests.plugins.data import TEST_DATA

GENERIC = TEST_DATA / "contacts_generic.csv"
GENERIC_MAPPING = TEST_DATA / "contacts_generic.mapping.toml"
DST = TEST_DATA / "contacts_dst_london.csv"
HEADER = "external_id,queue,arrival,answered_at,ended_at,outcome,wait_s,talk_s,agent,customer_key"


def _z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _local_min(wall: str) -> int:
    return int((datetime.fromisoformat(wall) - datetime(1970, 1, 1)).total_seconds() // 60)


def _contacts(session: Session, settings: Settings, path: Path, **options: Any) -> ImportReport:
    options.setdefault("format", "csv")
    return contacts_imports.import_contacts(
        session=session, settings=settings, path=path, **options
    )


def _stored(session: Session) -> dict[str, tuple[object, ...]]:
    rows = session.execute(
        select(Contact, Queue.name, Person.login)
        .join(Queue, Contact.queue_id == Queue.id)
        .outerjoin(Person, Contact.person_id == Person.id)
    )
    return {
        c.external_id: (
            queue,
            c.arrival_at,
            c.answered_at,
            c.ended_at,
            c.outcome.value,
            c.wait_s,
            c.talk_s,
            c.hold_s,
            c.wrap_s,
            login,
            c.customer_hash,
        )
        for c, queue, login in rows
    }


def test_mapped_csv_is_stored_field_by_field(main_org: Session, settings: Settings) -> None:
    report = _contacts(main_org, settings, GENERIC, mapping=GENERIC_MAPPING)
    assert (report.source, report.rows_read, report.inserted, report.warnings) == (
        "acme-acd",
        6,
        6,
        0,
    )
    stored = _stored(main_org)
    same_customer = stored["C1"][10]
    assert same_customer is not None and stored["C3"][10] == same_customer
    assert stored["C2"][10] not in (None, same_customer)
    assert {k: v[:10] for k, v in stored.items()} == {
        "C1": (
            "Sales",
            _z("2024-01-15 09:00:00"),
            _z("2024-01-15 09:00:20"),
            _z("2024-01-15 09:05:20"),
            "answered",
            20.0,
            270.0,
            30.0,
            60.0,
            "alice",
        ),
        "C2": (
            "Sales",
            _z("2024-01-15 09:02:00"),
            None,
            _z("2024-01-15 09:02:04"),
            "abandoned",
            4.0,
            0.0,
            0.0,
            0.0,
            None,
        ),
        "C3": (
            "Sales",
            _z("2024-01-15 09:05:00"),
            _z("2024-01-15 09:05:40"),
            _z("2024-01-15 09:08:40"),
            "answered",
            40.0,
            180.0,
            0.0,
            30.0,
            "bob",
        ),
        "C4": (
            "Sales",
            _z("2024-01-15 09:10:00"),
            _z("2024-01-15 09:10:05"),
            _z("2024-01-15 09:12:05"),
            "transferred",
            5.0,
            120.0,
            0.0,
            0.0,
            "alice",
        ),
        "C5": (
            "Support",
            _z("2024-01-15 09:14:00"),
            None,
            _z("2024-01-15 09:15:00"),
            "timed_out",
            60.0,
            0.0,
            0.0,
            0.0,
            None,
        ),
        "C6": (
            "Sales",
            _z("2024-01-15 09:20:00"),
            None,
            _z("2024-01-15 09:20:30"),
            "abandoned",
            30.0,
            0.0,
            0.0,
            0.0,
            None,
        ),
    }
    assert stored["C4"][10] is None and stored["C5"][10] is None


def test_parquet_with_typed_columns_is_stored_field_by_field(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    utc = pa.timestamp("s", tz="UTC")
    table = pa.table(
        {
            "id": pa.array(["p1", "p2"]),
            "queue": pa.array(["Sales", "Support"]),
            "arrival": pa.array(
                [datetime(2024, 1, 15, 9, 0, tzinfo=UTC), datetime(2024, 1, 15, 9, 1, tzinfo=UTC)],
                utc,
            ),
            "answered_at": pa.array([datetime(2024, 1, 15, 9, 0, 25, tzinfo=UTC), None], utc),
            "outcome": pa.array(["answered", "abandoned"]),
            "wait_s": pa.array([25.0, 7.5]),
            "talk_s": pa.array([200, 0], pa.int64()),
            "agent": pa.array(["bob", None]),
            "customer_key": pa.array([4401, None], pa.int64()),
        }
    )
    path = tmp_path / "calls.parquet"
    pq.write_table(table, path)
    mapping = tmp_path / "calls.toml"
    mapping.write_text('[columns]\nexternal_id = "id"\n', encoding="utf-8")
    report = _contacts(main_org, settings, path, format="parquet", mapping=mapping)
    assert (report.source, report.inserted) == ("parquet", 2)
    stored = _stored(main_org)
    assert stored["p1"][:10] == (
        "Sales",
        _z("2024-01-15 09:00:00"),
        _z("2024-01-15 09:00:25"),
        _z("2024-01-15 09:03:45"),
        "answered",
        25.0,
        200.0,
        0.0,
        0.0,
        "bob",
    )
    assert stored["p2"][:10] == (
        "Support",
        _z("2024-01-15 09:01:00"),
        None,
        _z("2024-01-15 09:01:07.500000"),
        "abandoned",
        7.5,
        0.0,
        0.0,
        0.0,
        None,
    )
    assert stored["p1"][10] is not None and stored["p2"][10] is None


def test_dst_day_keeps_both_half_past_one(main_org: Session, settings: Settings) -> None:
    """Europe/London, 2024-10-27 (25 hours): 01:30 happens at 00:30 UTC and again at 01:30 UTC."""
    _contacts(main_org, settings, DST)
    rows = {
        c.external_id: (c.arrival_at, c.arrival_local_min, c.utc_offset_min, c.arrival_epoch_s)
        for c in main_org.scalars(select(Contact))
    }
    assert rows == {
        "d1": (_z("2024-10-26 23:45"), _local_min("2024-10-27 00:45"), 60, 1729986300),
        "d2": (_z("2024-10-27 00:30"), _local_min("2024-10-27 01:30"), 60, 1729989000),
        "d3": (_z("2024-10-27 01:30"), _local_min("2024-10-27 01:30"), 0, 1729992600),
        "d4": (_z("2024-10-27 01:45"), _local_min("2024-10-27 01:45"), 0, 1729993500),
        "d5": (_z("2024-10-27 02:10"), _local_min("2024-10-27 02:10"), 0, 1729995000),
    }
    assert _stored(main_org)["d3"][4:10] == ("answered", 30.0, 240.0, 0.0, 0.0, "bob")


def test_ambiguous_wall_time_takes_the_first_and_warns(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "naive.csv"
    path.write_text(
        f"{HEADER}\nn1,Sales,2024-10-27 01:30:00,,,abandoned,10,0,,\n", encoding="utf-8"
    )
    report = _contacts(main_org, settings, path)
    assert report.warnings_by_kind == {"ambiguous_local_time": 1}
    assert report.warning_examples[0].row == 2 and report.warning_examples[0].field == "arrival"
    (contact,) = main_org.scalars(select(Contact))
    assert (contact.arrival_at, contact.utc_offset_min) == (_z("2024-10-27 00:30"), 60)


def test_skipped_wall_time_is_a_row_error(
    main_org: Session, settings: Settings, counts: Callable[[], dict[str, int]], tmp_path: Path
) -> None:
    before = counts()
    path = tmp_path / "spring.csv"
    path.write_text(
        f"{HEADER}\ns1,Sales,2024-03-31 01:30:00,,,abandoned,10,0,,\n", encoding="utf-8"
    )
    with pytest.raises(Invalid) as caught:
        _contacts(main_org, settings, path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.field) == ("spring.csv", 2, "arrival")
    assert "2024-03-31 01:30:00 does not exist in Europe/London" in problem.message
    assert counts() == before


def test_mapping_timezone_overrides_the_site(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "tokyo.csv"
    path.write_text(f"{HEADER}\nt1,Sales,2024-01-15 18:00:00,,,abandoned,10,0,,\n", "utf-8")
    mapping = tmp_path / "tokyo.toml"
    mapping.write_text('[options]\ntimezone = "Asia/Tokyo"\n', encoding="utf-8")
    _contacts(main_org, settings, path, mapping=mapping)
    (contact,) = main_org.scalars(select(Contact))
    assert (contact.arrival_at, contact.utc_offset_min) == (_z("2024-01-15 09:00"), 0)


def test_agent_states_csv_is_stored_field_by_field(main_org: Session, settings: Settings) -> None:
    report = contacts_imports.import_agent_states(
        session=main_org, settings=settings, path=TEST_DATA / "agent_states.csv", format="csv"
    )
    assert (report.kind, report.inserted) == ("agent_states", 7)
    rows = main_org.execute(
        select(AgentStateEvent, Person.login)
        .join(Person, AgentStateEvent.person_id == Person.id)
        .order_by(AgentStateEvent.id)
    )
    stored = [
        (login, a.state.value, a.reason_code, a.start_at, a.end_at, a.external_id)
        for a, login in rows
    ]
    day = "2024-01-15 "
    assert stored == [
        ("alice", "available", None, _z(day + "09:00"), _z(day + "09:30"), "alice:1705309200"),
        ("alice", "on_contact", None, _z(day + "09:30"), _z(day + "09:40"), "alice:1705311000"),
        ("alice", "wrap_up", None, _z(day + "09:40"), _z(day + "09:42"), "alice:1705311600"),
        ("alice", "break", "coffee", _z(day + "09:42"), _z(day + "09:57"), "alice:1705311720"),
        ("bob", "available", None, _z(day + "09:00"), _z(day + "10:00"), "bob:1705309200"),
        ("bob", "lunch", None, _z(day + "12:00"), _z(day + "12:30"), "bob:1705320000"),
        ("bob", "offline", None, _z(day + "17:00"), None, "bob:1705338000"),
    ]


def test_interval_report_is_stored_and_idempotent(main_org: Session, settings: Settings) -> None:
    path = TEST_DATA / "intervals.csv"
    report = contacts_imports.import_intervals(
        session=main_org, settings=settings, path=path, format="csv"
    )
    assert (report.kind, report.inserted) == ("intervals", 4)
    rows = main_org.execute(
        select(IntervalReport, Queue.name)
        .join(Queue, IntervalReport.queue_id == Queue.id)
        .order_by(IntervalReport.id)
    )
    assert [
        (
            q,
            r.interval_start,
            r.interval_min,
            r.offered,
            r.answered,
            r.abandoned,
            r.short_abandoned,
            r.answered_within_target,
            r.handle_s,
            r.wait_s,
            r.interval_local_min,
        )
        for r, q in rows
    ] == [
        ("Sales", _z("2024-01-15 09:00"), 15, 20, 18, 2, 1, 15, 5400.0, 180.0, 28421820),
        ("Sales", _z("2024-01-15 09:15"), 15, 25, 22, 3, 1, 17, 6600.0, 300.0, 28421835),
        ("Sales", _z("2024-01-15 09:30"), 15, 30, 26, 4, 2, 18, 7800.0, 420.0, 28421850),
        ("Support", _z("2024-01-15 09:00"), 15, 10, 9, 1, 0, 9, 2700.0, 45.0, 28421820),
    ]
    again = contacts_imports.import_intervals(
        session=main_org, settings=settings, path=path, format="csv"
    )
    assert (again.inserted, again.unchanged) == (0, 4)


def test_interval_off_the_site_grid_is_refused(
    main_org: Session, settings: Settings, counts: Callable[[], dict[str, int]], tmp_path: Path
) -> None:
    before = counts()
    path = tmp_path / "iv.csv"
    path.write_text(
        "queue,interval_start,offered,answered,abandoned,aht_s\n"
        "Sales,2024-01-15 09:00,10,9,1,300\n"
        "Sales,2024-01-15 09:40,10,9,1,300\n"
        "Sales,2024-01-15 09:00,10,9,1,300\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "iv.toml"
    mapping.write_text("[options]\ninterval_min = 30\n", encoding="utf-8")
    with pytest.raises(Invalid) as caught:
        contacts_imports.import_intervals(
            session=main_org, settings=settings, path=path, format="csv", mapping=mapping
        )
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (3, "interval_start"),
        (4, "interval"),
    ]
    assert "does not start a 30-minute interval" in caught.value.problems[0].message
    assert "(also on row 2)" in caught.value.problems[1].message
    assert counts() == before


def _write(tmp_path: Path, name: str, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = "g1,Sales,2024-01-15T09:00:00+00:00,2024-01-15T09:00:10+00:00,,answered,10,100,alice,k1"


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("b1,Sales,2024-01-15T09:00:00+00:00,,,abandoned,-5,0,,", "wait_s", "negative duration -5"),
        ("b1,Sales,2024-01-15T09:00:00+00:00,,,abandoned,5,-1,,", "talk_s", "negative duration -1"),
        ("b1,Sales,yesterday,,,abandoned,5,0,,", "arrival", "'yesterday' is not a timestamp"),
        ("b1,Sales,2024-01-15T09:00:00+00:00,,,lost,5,0,,", "outcome", "unknown outcome 'lost'"),
        (
            "b1,Sales,2024-01-15T09:00:00+00:00,,,answered,5,,,",
            "talk_s",
            "needs talk_s or ended_at",
        ),
    ],
)
def test_bad_rows_are_located_and_nothing_is_stored(
    main_org: Session,
    settings: Settings,
    counts: Callable[[], dict[str, int]],
    tmp_path: Path,
    row: str,
    field: str,
    message: str,
) -> None:
    before = counts()
    path = _write(tmp_path, "bad.csv", GOOD, row)
    with pytest.raises(Invalid) as caught:
        _contacts(main_org, settings, path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.field) == ("bad.csv", 3, field)
    assert message in problem.message
    assert counts() == before


CONTRADICTORY = [
    (
        "t1,Sales,2024-01-15T09:00:00+00:00,2024-01-15T09:00:10+00:00,"
        "2024-01-15T08:59:00+00:00,answered,,,alice,",
        "end_before_start",
        "answered",
        None,
    ),
    (
        "t2,Sales,2024-01-15T09:00:00+00:00,2024-01-15T08:59:50+00:00,,answered,,60,alice,",
        "answer_before_arrival",
        "answered",
        None,
    ),
    (
        "t3,Sales,2024-01-15T09:00:00+00:00,,2024-01-15T09:05:00+00:00,answered,,60,alice,",
        "no_answer_time",
        "answered",
        _z("2024-01-15 09:05:00"),
    ),
    (
        "t5,Sales,2024-01-15T09:00:00+00:00,,2024-01-15T08:58:00+00:00,abandoned,,0,,",
        "end_before_start",
        "abandoned",
        None,
    ),
]
"""Rows whose outcome is known but whose times disagree (issue #15, point 5): id, reason, outcome,
stored end. A negative duration is not a contradiction of timestamps but an impossible value: it
is still refused."""


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_known_outcome_with_contradictory_times_is_kept_with_its_timing_unknown(
    main_org: Session, settings: Settings, tmp_path: Path, fmt: str
) -> None:
    rows = [GOOD, *(r for r, *_ in CONTRADICTORY)]
    path = _write(tmp_path, "odd.csv", *rows)
    if fmt == "parquet":
        import pyarrow.csv as pacsv

        strings = pacsv.ConvertOptions(column_types=dict.fromkeys(HEADER.split(","), pa.string()))
        table = pacsv.read_csv(path, convert_options=strings)
        path = tmp_path / "odd.parquet"
        pq.write_table(table, path)
    report = _contacts(main_org, settings, path, format=fmt)
    assert (report.inserted, report.rejected) == (5, 0)
    assert report.timing_untrusted == {
        "answer_before_arrival": 1,
        "end_before_start": 2,
        "no_answer_time": 1,
    }
    assert report.warnings_by_kind["timing_untrusted"] == 4
    main_org.commit()
    stored = {c.external_id: c for c in main_org.scalars(select(Contact))}
    assert stored["g1"].timing_untrusted is None and stored["g1"].wait_s == 10.0
    for text, reason, outcome, ended in CONTRADICTORY:
        contact = stored[text.split(",")[0]]
        assert (contact.outcome.value, contact.timing_untrusted) == (outcome, reason)
        assert (contact.wait_s, contact.answered_at, contact.ended_at) == (None, None, ended)
    # the same file again changes nothing
    again = _contacts(main_org, settings, path, format=fmt)
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 5, 0)


def test_every_bad_row_is_reported(
    main_org: Session, settings: Settings, counts: Callable[[], dict[str, int]], tmp_path: Path
) -> None:
    before = counts()
    bad = "b{},Sales,2024-01-15T09:00:00+00:00,,,abandoned,-5,0,,"
    path = _write(tmp_path, "many.csv", GOOD, *(bad.format(i) for i in range(1200)))
    with pytest.raises(Invalid, match=r"many.csv: 1200 bad rows \(1200 problems\)") as caught:
        _contacts(main_org, settings, path)
    assert len(caught.value.problems) == 1000
    assert caught.value.problems[-1].row == 1002
    assert counts() == before


def test_duplicate_ids_name_both_rows(
    main_org: Session, settings: Settings, counts: Callable[[], dict[str, int]], tmp_path: Path
) -> None:
    before = counts()
    path = _write(tmp_path, "dup.csv", GOOD, GOOD.replace("g1", "g2"), GOOD)
    with pytest.raises(Invalid) as caught:
        _contacts(main_org, settings, path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.field) == (4, "external_id")
    assert problem.message == "duplicate external_id g1 (also on row 2)"
    assert counts() == before


def test_missing_columns_are_listed_with_the_file(
    main_org: Session, settings: Settings, counts: Callable[[], dict[str, int]], tmp_path: Path
) -> None:
    before = counts()
    path = _write(tmp_path, "cols.csv", "x,Sales", header="external_id,queue")
    with pytest.raises(Invalid) as caught:
        _contacts(main_org, settings, path)
    assert caught.value.message == (
        "cols.csv: row 1: missing columns: arrival; outcome; answered_at or wait_s; "
        "ended_at or talk_s"
    )
    assert {p.field for p in caught.value.problems} == {
        "arrival",
        "outcome",
        "answered_at",
        "ended_at",
    }
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\narrival = "Start"\n', encoding="utf-8")
    with pytest.raises(Invalid, match=r"missing columns: arrival \(column 'Start'\)"):
        _contacts(main_org, settings, path, mapping=mapping)
    assert counts() == before


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[options]\ntimezone = "Mars/Base"\n',
            "m.toml: field options.timezone: Value error, unknown time zone 'Mars/Base'",
        ),
        ('[columns]\ncaller = "ANI"\n', "m.toml: [columns] names unknown fields caller"),
        ('[outcomes]\nlost = ["L"]\n', "m.toml: field outcomes.lost.[key]: Input should be"),
        ("[columns\n", "m.toml: not a TOML mapping file"),
    ],
)
def test_bad_mapping_names_file_and_key(
    main_org: Session,
    settings: Settings,
    counts: Callable[[], dict[str, int]],
    tmp_path: Path,
    toml: str,
    message: str,
) -> None:
    before = counts()
    mapping = tmp_path / "m.toml"
    mapping.write_text(toml, encoding="utf-8")
    with pytest.raises(Invalid) as caught:
        _contacts(main_org, settings, _write(tmp_path, "ok.csv", GOOD), mapping=mapping)
    assert caught.value.message.startswith(message)
    assert caught.value.problems[0].file == "m.toml"
    assert counts() == before


def test_truncated_csv_names_the_cut_row(
    main_org: Session, settings: Settings, counts: Callable[[], dict[str, int]], tmp_path: Path
) -> None:
    before = counts()
    path = tmp_path / "cut.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n{GOOD[:30]}", encoding="utf-8")
    with pytest.raises(Invalid) as caught:
        _contacts(main_org, settings, path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row) == ("cut.csv", 3)
    assert problem.message == "expected 10 fields, found 3 (the file looks truncated)"
    assert counts() == before


def test_binary_file_is_refused(
    main_org: Session, settings: Settings, counts: Callable[[], dict[str, int]], tmp_path: Path
) -> None:
    before = counts()
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(Invalid, match=r"photo.csv: row 3: the file is binary") as caught:
        _contacts(main_org, settings, path)
    assert caught.value.problems[0].row == 3
    assert counts() == before


def test_truncated_parquet_is_refused(
    main_org: Session, settings: Settings, counts: Callable[[], dict[str, int]], tmp_path: Path
) -> None:
    before = counts()
    path = tmp_path / "calls.parquet"
    pq.write_table(pa.table({"external_id": ["a"] * 1000, "queue": ["Sales"] * 1000}), path)
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(Invalid, match=r"calls.parquet: not a readable Parquet file"):
        _contacts(main_org, settings, path, format="parquet")
    assert counts() == before
