"""The batched CSV import (Arrow columns) stores exactly what the per-row import stores and
refuses with exactly its problems, row numbers included, on a file whose bad rows, warnings,
duplicates and first-seen names fall across batch boundaries."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts import bulk
from ccops.contacts import imports as contacts_imports
from ccops.contacts.importers import columnar
from ccops.contacts.models import Contact
from ccops.errors import CcopsError
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Queue
from ccops.settings import Settings

HEADER = (
    "external_id,queue,arrival,answered_at,ended_at,outcome,wait_s,talk_s,hold_s,wrap_s,"
    "agent,customer_key,channel"
)
LONDON = ZoneInfo("Europe/London")
AGENTS = ("alice", "bob", "carol", "dave", "erin")
BAD = [
    # (arrival, answered, ended, outcome, wait, talk, hold, wrap, agent): each bad in its way
    ("2024-01-15T09:00:00+00:00", "", "", "abandoned", "-5", "0", "", "", ""),
    (
        "2024-01-15T09:00:00+00:00",
        "2024-01-15T08:59:50+00:00",
        "",
        "answered",
        "",
        "60",
        "",
        "",
        "bob",
    ),
    ("yesterday", "", "", "abandoned", "5", "0", "", "", ""),
    ("2024-01-15T09:00:00+00:00", "", "", "lost", "5", "0", "", "", ""),
    ("2024-01-15T09:00:00+00:00", "", "", "answered", "5", "", "", "", "alice"),
    ("2024-03-31 01:30:00", "", "", "abandoned", "5", "0", "", "", ""),  # skipped hour
    ("2024-02-30T09:00:00", "", "", "abandoned", "5", "0", "", "", ""),
    ("2024-01-15T09:00:00+00:00", "", "2024-01-15T08:00:00+00:00", "abandoned", "", "", "", "", ""),
    ("2024-01-15T09:00:00+00:00", "", "", "abandoned", "1e999", "0", "", "", ""),
]
WARNED = [
    # ambiguous wall time; wait disagreeing with the answer time; talk with the end
    ("2024-10-27 01:30:00", "", "", "abandoned", "10", "0", "", "", ""),
    ("2024-01-15T09:00:00Z", "2024-01-15T09:00:30Z", "", "answered", "5", "100", "", "", "bob"),
    (
        "2024-01-15T09:00:00Z",
        "2024-01-15T09:00:10Z",
        "2024-01-15T09:10:10Z",
        "answered",
        "",
        "100",
        "",
        "",
        "carol",
    ),
]


def _good(i: int, rng: random.Random) -> tuple[str, ...]:
    start = datetime(2024, 1, 15, 8, tzinfo=UTC) + timedelta(seconds=rng.uniform(0, 86400 * 300))
    style = i % 5
    if style == 0:
        arrival = start.isoformat()
    elif style == 1:
        arrival = start.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S")  # naive: wall clock
    elif style == 2:
        arrival = start.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    elif style == 3:
        arrival = start.strftime("%Y-%m-%dT%H:%M")
    else:
        arrival = start.astimezone(UTC).isoformat().replace("+00:00", "-05:30")
    wait = round(rng.expovariate(1 / 25), rng.choice((0, 1, 3)))
    if rng.random() < 0.15:
        return (arrival, "", "", rng.choice(("abandoned", "timed_out")), str(wait), "", "", "", "")
    talk = round(rng.uniform(30, 600), 1)
    hold = rng.choice(("", "0", "12.5"))
    wrap = rng.choice(("", "15", "7.25"))
    agent = rng.choice((*AGENTS, "")) if i > 40 else rng.choice(AGENTS[:2])
    outcome = rng.choice(("answered", "answered", "transferred", "ANSWERED"))
    if rng.random() < 0.3 and style == 0:
        answered = (start + timedelta(seconds=wait)).isoformat()
        ended = (start + timedelta(seconds=wait + talk)).isoformat()
        return (arrival, answered, ended, outcome, "", "", "", wrap, agent)
    return (arrival, "", "", outcome, str(wait), str(talk), hold, wrap, agent)


def _write_file(path: Path, rows: int = 700, seed: int = 7) -> None:
    """Good rows with bad, warned, duplicate and unreadable rows spread through the file."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER + "\n")
        writer = csv.writer(handle, lineterminator="\n")
        for i in range(rows):
            ext = f"c{i}"
            queue = "Sales" if i % 3 else "Support"
            customer = rng.choice(("", "0", "000", f"k{i % 40}", f" k{i % 40} "))
            channel = "voice" if i % 11 == 0 else ""
            values: tuple[str, ...]
            if i % 37 == 5:
                values = BAD[(i // 37) % len(BAD)]
            elif i % 53 == 7:
                values = WARNED[(i // 53) % len(WARNED)]
            else:
                values = _good(i, rng)
            if i % 61 == 30:
                ext = f"c{i - 3}"  # a duplicate id
            if i % 89 == 44:
                ext = f" c{i}"  # padded: read as c{i}
            arrival, answered, ended, outcome, wait, talk, hold, wrap, agent = values
            writer.writerow(
                [ext, queue, arrival, answered, ended, outcome, wait, talk, hold, wrap, agent]
                + [customer, channel]
            )
            if i % 97 == 50:
                handle.write("\n")  # a blank line
            if i % 131 == 70:
                handle.write('q1,"Sales\nsplit",2024-01-15T09:00:00Z\n')  # a cut, multi-line row
            if i % 149 == 100:
                writer.writerow([f"x{i}", "Sales", "2024-01-15T09:00:00Z", "", "", "answered"])


def _stored(session: Session) -> list[tuple[object, ...]]:
    """Every stored contact in the order written, without its own and its batch's ids; the
    queue by name (a queue created by a run that is undone leaves a gap in PostgreSQL's ids,
    so the next run's copy has another id and another content hash)."""
    columns = [
        c
        for c in Contact.__table__.columns
        if c.name not in ("id", "batch_id", "queue_id", "content_hash")
    ]
    rows = session.execute(
        select(*columns, Queue.name, Contact.content_hash, Queue.id)
        .join(Queue, Contact.queue_id == Queue.id)
        .order_by(Contact.id)
    )
    created = {"Claims"}
    return [tuple(r[:-2]) + (None if r[-3] in created else r[-2],) for r in rows]


def _both(
    session: Session, monkeypatch: pytest.MonkeyPatch, run: Callable[[], Any]
) -> tuple[tuple[Any, list[tuple[object, ...]]], tuple[Any, list[tuple[object, ...]]]]:
    """``run`` batched (in batches of 20 to 50 rows) and row by row, each undone afterwards:
    what it returned or raised, and the contacts it left."""
    outcomes = []
    for batched in (True, False):
        with monkeypatch.context() as patch:
            patch.setattr(columnar, "BATCH_ROWS", 50)
            if not batched:
                patch.setattr(bulk, "applies", lambda fmt, mapping: False)
            savepoint = session.begin_nested()
            try:
                result: Any = run()
            except CcopsError as exc:
                result = (type(exc).__name__, exc.message, [vars(p) for p in exc.problems])
            outcomes.append((_comparable(result), _stored(session)))
            savepoint.rollback()
    return outcomes[0], outcomes[1]


def _comparable(result: Any) -> Any:
    if isinstance(result, tuple):
        return result
    return result.model_dump(
        exclude={"batch_id", "seconds", "report_path", "rejects_path", "sha256"}
    )


@pytest.fixture
def org(session: Session) -> Session:
    """Site Main (Europe/London), queues Sales and Support, channel voice, five agents."""
    from tests.factories import make_org

    make_org(session, queues=("Sales", "Support"), agents=AGENTS)
    return session


def test_batched_import_stores_and_reports_what_row_by_row_does(
    org: Session, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mixed.csv"
    _write_file(path)
    rejects: list[list[list[str]]] = []

    def run() -> Any:
        report = contacts_imports.import_contacts(
            session=org, settings=settings, path=path, format="csv", skip_invalid=True
        )
        assert report.rejects_path is not None
        with Path(report.rejects_path).open(encoding="utf-8", newline="") as handle:
            rejects.append(list(csv.reader(handle)))
        return report

    (batched, batched_rows), (by_row, by_row_rows) = _both(org, monkeypatch, run)
    assert batched == by_row
    assert batched_rows == by_row_rows
    assert rejects[0] == rejects[1]
    assert batched["inserted"] == len(batched_rows) > 500
    assert batched["rejected"] > 20 and batched["warnings"] >= 3
    rows = {p["row"] for p in batched["problems"]}
    assert len(rows) > 20 and max(rows) > 600  # bad rows from the first batch to the last


def test_batched_import_took_rows_in_bulk(
    org: Session, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison above is only worth something if most rows went the batched way."""
    path = tmp_path / "mixed.csv"
    _write_file(path)
    taken: list[int] = []
    original = columnar.convert

    def counting(*args: Any, **kwargs: Any) -> columnar.Converted:
        converted = original(*args, **kwargs)
        taken.append(int(converted.fast.sum()))
        return converted

    monkeypatch.setattr(columnar, "BATCH_ROWS", 50)
    monkeypatch.setattr(columnar, "convert", counting)
    report = contacts_imports.import_contacts(
        session=org, settings=settings, path=path, format="csv", skip_invalid=True
    )
    assert sum(taken) > report.inserted * 0.6, (sum(taken), report.inserted)


def test_refusals_name_the_same_rows_batched_and_row_by_row(
    org: Session, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mixed.csv"
    _write_file(path)

    def refused() -> Any:
        return contacts_imports.import_contacts(
            session=org, settings=settings, path=path, format="csv"
        )

    (batched, batched_rows), (by_row, by_row_rows) = _both(org, monkeypatch, refused)
    assert batched[0] == "Invalid" and batched == by_row
    assert batched_rows == by_row_rows == []

    unknown = tmp_path / "unknown.csv"
    text = path.read_text(encoding="utf-8").replace(",erin,", ",zoe,")
    unknown.write_text(text, encoding="utf-8")

    def not_found() -> Any:
        return contacts_imports.import_contacts(
            session=org, settings=settings, path=unknown, format="csv", skip_invalid=True
        )

    (batched, _), (by_row, _) = _both(org, monkeypatch, not_found)
    assert batched[0] == "NotFound" and batched == by_row
    assert batched[2][0]["message"] == "unknown agent 'zoe'"


def test_conflicts_and_update_are_the_same_batched_and_row_by_row(
    org: Session, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = tmp_path / "mixed.csv"
    _write_file(first)
    contacts_imports.import_contacts(
        session=org, settings=settings, path=first, format="csv", skip_invalid=True
    )
    changed = tmp_path / "changed.csv"
    _write_file(changed, rows=800, seed=8)  # same ids, other content, and 100 new rows

    def again(**options: Any) -> Callable[[], Any]:
        return lambda: contacts_imports.import_contacts(
            session=org, settings=settings, path=changed, format="csv", **options
        )

    (batched, batched_rows), (by_row, by_row_rows) = _both(org, monkeypatch, again())
    assert batched[0] in ("Conflict", "Invalid") and batched == by_row
    assert any("already stored with different content" in p["message"] for p in batched[2])
    for options in ({"skip_invalid": True}, {"skip_invalid": True, "update": True}):
        (batched, batched_rows), (by_row, by_row_rows) = _both(org, monkeypatch, again(**options))
        assert batched == by_row
        assert batched_rows == by_row_rows
    assert batched["updated"] > 300 and batched["inserted"] > 50
    same = _both(
        org,
        monkeypatch,
        lambda: contacts_imports.import_contacts(
            session=org, settings=settings, path=first, format="csv", skip_invalid=True
        ),
    )
    assert same[0] == same[1] and same[0][0]["unchanged"] > 500


def test_a_new_queue_mid_file_is_created_where_row_by_row_creates_it(
    org: Session, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mixed.csv"
    _write_file(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[400] = lines[400].replace(",Sales,", ",Claims,").replace(",Support,", ",Claims,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    org_service.create_person(
        session=org, data=org_schemas.PersonIn(name="Zed", login="zed", site="Main")
    )

    def run() -> Any:
        return contacts_imports.import_contacts(
            session=org,
            settings=settings,
            path=path,
            format="csv",
            skip_invalid=True,
            create_missing=True,
        )

    (batched, batched_rows), (by_row, by_row_rows) = _both(org, monkeypatch, run)
    assert batched == by_row and batched_rows == by_row_rows
    assert batched["created_queues"] == ["Claims"]
