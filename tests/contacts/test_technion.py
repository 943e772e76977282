"""The Technion call-log importer: a hand-checked sample, its faults, and the real two weeks."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.contacts import imports as contacts_imports
from ccops.contacts.importers.base import hash_customer_key
from ccops.contacts.models import Contact, ImportBatch
from ccops.contacts.schemas import ImportReport
from ccops.db import make_engine, make_session_factory
from ccops.enums import Outcome
from ccops.errors import Invalid
from ccops.org.models import Person, Queue
from ccops.settings import Settings
from tests.factories.contacts import make_bank
from tests.plugins.data import TECHNION, TEST_DATA, require_shared

SAMPLE = TEST_DATA / "technion_sample.tsv"


def _z(hms: str, day: int = 1) -> datetime:
    h, m, s = (int(p) for p in hms.split(":"))
    return datetime(1999, 2, day, h, m, s, tzinfo=UTC)


# external id: queue, arrival, answered, ended (UTC = Jerusalem winter time - 2 h), outcome,
# wait, talk, agent, customer known
EXPECTED = {
    "AA0101:10001": ("PS", "07:00:06", "07:00:36", "07:03:36", "answered", 30, 180, "ALICE", True),
    "AA0101:10002": ("PS", "07:05:10", "07:05:10", "07:07:10", "answered", 0, 120, "BOB", False),
    "AA0101:10003": ("PS", "07:10:05", None, "07:10:50", "abandoned", 45, 0, None, True),
    "AA0102:10001": ("NW", "07:30:05", "07:30:15", "07:35:15", "answered", 10, 300, "BOB", True),
    "AA0102:10002": ("NW", "21:58:10", "21:59:40", "22:04:40", "answered", 90, 300, "ALICE", False),
    "AA0102:10003": ("NW", "22:00:02", None, "22:00:32", "abandoned", 30, 0, None, False),
    "AA0103:10001": ("PS", "08:00:06", "08:01:06", "08:02:06", "answered", 60, 60, "ALICE", True),
    "AA0103:10002": ("PS", "08:04:30", "08:05:00", "08:06:00", "answered", 30, 60, "BOB", False),
    "AA0103:10003": ("PE", "09:00:06", "09:00:16", "09:01:16", "answered", 10, 60, None, False),
    "AA0103:10004": ("PS", "09:10:05", "09:10:25", "09:12:25", "answered", 20, 120, "ALICE", False),
    "AA0101:10006": ("PS", "10:00:05", None, "10:00:08", "abandoned", 3, 0, None, False),
}


def _import(session: Session, settings: Settings, path: Path, **options: Any) -> ImportReport:
    return contacts_imports.import_contacts(
        session=session, settings=settings, path=path, format="technion", site="Bank", **options
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
            login,
            c.customer_hash is not None,
        )
        for c, queue, login in rows
    }


def test_sample_contacts_are_stored_field_by_field(bank: Session, settings: Settings) -> None:
    report = contacts_imports.import_contacts(
        session=bank, settings=settings, path=SAMPLE, format="technion", site="Bank"
    )
    assert (report.rows_read, report.inserted, report.rejected) == (13, 11, 0)
    assert report.skipped == {"phantom": 1, "vru_only": 1}
    assert report.warnings_by_kind == {
        "customer_id_not_integer": 1,
        "ser_start_skew": 3,
        "ser_time_recomputed": 1,
        "vru_entry_after_exit": 1,
    }
    assert report.notes == {"crossed_midnight": 2}
    stored = _stored(bank)
    expected = {
        ext: (
            q,
            _z(arr),
            _z(ans) if ans else None,
            _z(end),
            outcome,
            float(wait),
            float(talk),
            agent,
            known,
        )
        for ext, (q, arr, ans, end, outcome, wait, talk, agent, known) in EXPECTED.items()
    }
    assert stored == expected


def test_sample_local_time_columns_use_the_site_zone(bank: Session, settings: Settings) -> None:
    _import(bank, settings, SAMPLE)
    after_midnight = bank.scalars(
        select(Contact).where(Contact.external_id == "AA0102:10003")
    ).one()
    # 1999-02-02 00:00:02 in Jerusalem (UTC+2): local minute of 00:00 on 2 February.
    local_midnight = int((datetime(1999, 2, 2) - datetime(1970, 1, 1)).total_seconds() // 60)
    assert after_midnight.arrival_local_min == local_midnight
    assert after_midnight.utc_offset_min == 120
    assert after_midnight.arrival_epoch_s == int(_z("22:00:02").timestamp())


def test_same_customer_gets_the_same_keyed_hash(bank: Session, settings: Settings) -> None:
    _import(bank, settings, SAMPLE)
    hashes = dict(bank.execute(select(Contact.external_id, Contact.customer_hash)).all())
    expected = hash_customer_key("12345678", settings.resolved_secret_key())
    assert hashes["AA0101:10001"] == hashes["AA0102:10001"] == expected
    assert "12345678" not in expected


def test_second_import_of_the_sample_changes_nothing(bank: Session, settings: Settings) -> None:
    _import(bank, settings, SAMPLE)
    before = _stored(bank)
    again = _import(bank, settings, SAMPLE)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 11)
    assert _stored(bank) == before


def test_create_missing_needs_site_and_creates_queues_and_agents(
    session: Session, settings: Settings
) -> None:
    with pytest.raises(Invalid, match="--create-missing needs --site"):
        contacts_imports.import_contacts(
            session=session, settings=settings, path=SAMPLE, format="technion", create_missing=True
        )
    from ccops.org import schemas as org_schemas
    from ccops.org import service as org_service

    org_service.create_site(
        session=session, data=org_schemas.SiteIn(name="Bank", timezone="Asia/Jerusalem")
    )
    report = _import(session, settings, SAMPLE, create_missing=True)
    assert sorted(report.created_queues) == ["NW", "PE", "PS"]
    assert sorted(report.created_people) == ["ALICE", "BOB"]
    assert len(_stored(session)) == 11


def _bad_copy(tmp_path: Path, replace: dict[str, str], name: str = "bad.tsv") -> Path:
    text = SAMPLE.read_bytes().decode("utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize(
    ("old", "new", "row", "field", "message"),
    [
        (
            "20\tAGENT\t11:10:24",
            "20\tSERVED\t11:10:24",
            13,
            "outcome",
            "unknown outcome 'SERVED'",
        ),
        ("\tNW\t990201\t9:30:00", "\tNW\t990231\t9:30:00", 7, "date", "day is out of range"),
        ("\t9:00:35\t9:03:35\t180", "\t9:00:35\t9:03:3x\t180", 2, "ser_exit", "is not a time"),
    ],
)
def test_bad_rows_are_located_and_nothing_is_stored(
    bank: Session,
    settings: Settings,
    counts: Callable[[], dict[str, int]],
    tmp_path: Path,
    old: str,
    new: str,
    row: int,
    field: str,
    message: str,
) -> None:
    before = counts()
    path = _bad_copy(tmp_path, {old: new})
    with pytest.raises(Invalid) as caught:
        _import(bank, settings, path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.field) == ("bad.tsv", row, field)
    assert message in problem.message
    assert str(problem).startswith(f"bad.tsv, row {row}, field {field}: ")
    assert counts() == before


def test_truncated_file_names_the_cut_row(
    bank: Session, settings: Settings, counts: Callable[[], dict[str, int]], tmp_path: Path
) -> None:
    before = counts()
    data = SAMPLE.read_bytes()
    path = tmp_path / "cut.tsv"
    path.write_bytes(data[: data.rindex(b"12:00:08")])
    with pytest.raises(Invalid) as caught:
        _import(bank, settings, path)
    (problem,) = caught.value.problems
    assert problem.row == 14
    assert (
        "expected 17 tab-separated fields, found 11 (the file looks truncated)" in problem.message
    )
    assert counts() == before


def test_missing_columns_are_listed_with_the_file(
    bank: Session, settings: Settings, counts: Callable[[], dict[str, int]], tmp_path: Path
) -> None:
    before = counts()
    path = tmp_path / "cols.tsv"
    path.write_text("vru+line\tcall_id\ttype\r\nAA0101\t1\tPS\r\n", encoding="utf-8", newline="")
    with pytest.raises(Invalid, match=r"cols.tsv: row 1: missing columns customer_id, date") as e:
        _import(bank, settings, path)
    assert {p.field for p in e.value.problems} >= {"q_time", "ser_start", "server"}
    assert counts() == before


def test_skip_invalid_imports_good_rows_and_writes_rejects(
    bank: Session, settings: Settings, tmp_path: Path
) -> None:
    path = _bad_copy(tmp_path, {"20\tAGENT\t11:10:24": "20\tSERVED\t11:10:24"})
    report = _import(bank, settings, path, skip_invalid=True, report_dir=tmp_path / "out")
    assert (report.inserted, report.rejected) == (10, 1)
    assert report.rejects_path and report.report_path
    rejects = Path(report.rejects_path).read_text(encoding="utf-8").splitlines()
    assert rejects[0] == "line,field,message,raw"
    assert rejects[1].startswith("13,outcome,\"unknown outcome 'SERVED' (AGENT, HANG or PHANTOM)\"")
    assert "AA0103\t10004" in rejects[1]
    assert Path(report.report_path).parent == tmp_path / "out"
    assert Path(report.report_path).name.startswith("bad.")
    assert Path(report.report_path).exists()


@pytest.mark.parametrize(
    ("old", "new", "external_id", "reason", "ended"),
    [
        (
            "0\tAGENT\t9:05:10\t9:07:10",
            "0\tAGENT\t9:04:30\t9:07:10",
            "AA0101:10002",
            "answer_before_arrival",
            "07:07:10",
        ),
        (
            "AGENT\t11:10:24\t11:12:24\t120\tALICE",
            "AGENT\t0:00:00\t0:00:00\t0\tALICE",
            "AA0103:10004",
            "no_answer_time",
            None,
        ),
        (
            "20\tAGENT\t11:10:24\t11:12:24",
            "20\tAGENT\t11:09:24\t11:12:24",
            "AA0103:10004",
            "answer_before_queue_exit",
            "09:12:24",
        ),
        (
            "9:10:05\t9:10:50\t45\tHANG",
            "9:10:05\t9:08:50\t45\tHANG",
            "AA0101:10003",
            "queue_times_backwards",
            None,
        ),
    ],
)
def test_a_known_outcome_with_contradictory_times_is_kept_with_its_timing_unknown(
    bank: Session,
    settings: Settings,
    tmp_path: Path,
    old: str,
    new: str,
    external_id: str,
    reason: str,
    ended: str | None,
) -> None:
    """Issue #15, point 5: the row is one contact of a known outcome; its wait is not known."""
    path = _bad_copy(tmp_path, {old: new})
    report = _import(bank, settings, path)
    bank.commit()
    assert (report.inserted, report.rejected) == (11, 0)
    assert report.timing_untrusted == {reason: 1}
    assert report.warnings_by_kind.get("timing_untrusted") == 1
    batch = bank.get(ImportBatch, report.batch_id)
    assert batch is not None and f'"timing_untrusted": {{"{reason}": 1}}' in batch.summary_json
    contact = bank.scalars(select(Contact).where(Contact.external_id == external_id)).one()
    expected = EXPECTED[external_id]
    assert contact.outcome.value == expected[4]
    assert (contact.timing_untrusted, contact.wait_s, contact.answered_at) == (reason, None, None)
    assert contact.ended_at == (None if ended is None else _z(ended))
    others = bank.scalars(select(Contact).where(Contact.external_id != external_id)).all()
    assert len(others) == 10 and all(c.timing_untrusted is None for c in others)
    assert all(c.wait_s is not None for c in others)
    # imported again: nothing changes
    again = _import(bank, settings, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 11)


@pytest.fixture
def sqlite_session(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[Session, Settings]]:
    """A session on a private migrated SQLite file (the real-file test runs on SQLite only)."""
    path = tmp_path / "real.sqlite"
    shutil.copy(sqlite_template, path)
    settings = Settings(
        database_url=f"sqlite:///{path}", data_dir=tmp_path / "var", secret_key="test-secret"
    )
    engine = make_engine(settings.resolved_database_url())
    session = make_session_factory(engine)()
    make_bank(session)
    session.commit()
    try:
        yield session, settings
    finally:
        session.close()
        engine.dispose()


@pytest.mark.slow
def test_real_two_weeks_import_with_measured_counts_and_idempotence(
    sqlite_session: tuple[Session, Settings],
) -> None:
    technion = require_shared(TECHNION)
    session, settings = sqlite_session
    # every row has a known outcome: nothing is refused, even without --skip-invalid
    report = _import(session, settings, technion, create_missing=True)
    session.commit()
    assert report.rows_read == 17456
    assert report.inserted == 16290
    assert report.rejected == 0 and report.problems == []
    assert report.skipped == {"phantom": 143, "vru_only": 1023}
    assert report.warnings_by_kind == {
        "customer_id_not_integer": 13,  # 12 before: one is among the rows refused then
        "hang_with_service_times": 50,
        "ser_start_skew": 11136,
        "timing_untrusted": 87,
        "vru_entry_after_exit": 16,
    }
    assert report.notes == {"crossed_midnight": 14}
    # the 87 rows refused before issue #15 point 5, kept with their timing unknown
    assert report.timing_untrusted == {
        "answer_before_arrival": 4,
        "answer_before_queue_exit": 58,
        "no_answer_time": 25,
    }
    untrusted = dict(
        session.execute(
            select(Contact.timing_untrusted, func.count())
            .where(Contact.wait_s.is_(None))
            .group_by(Contact.timing_untrusted)
        ).all()
    )
    assert untrusted == report.timing_untrusted
    outcomes = dict(
        session.execute(select(Contact.outcome, func.count()).group_by(Contact.outcome)).all()
    )
    assert outcomes == {Outcome.answered: 14405, Outcome.abandoned: 1885}

    again = _import(session, settings, technion, skip_invalid=True)
    session.commit()
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 16290)
    assert session.scalar(select(func.count()).select_from(Contact)) == 16290
