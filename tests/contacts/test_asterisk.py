"""The Asterisk queue_log importer: calls and agent states of a hand-checked sample."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts import imports as contacts_imports
from ccops.contacts.importers.asterisk import read_queue_log
from ccops.contacts.importers.base import ContactRow, Tally
from ccops.contacts.models import AgentStateEvent, Contact
from ccops.errors import Invalid
from ccops.org.models import Person, Queue
from ccops.settings import Settings
from tests.plugins.data import TEST_DATA

SAMPLE = TEST_DATA / "asterisk_queue_log.txt"
T0 = 1705309200  # 2024-01-15 09:00:00 UTC (London is on GMT in January)


def _z(hms: str) -> datetime:
    h, m, s = (int(p) for p in hms.split(":"))
    return datetime(2024, 1, 15, h, m, s, tzinfo=UTC)


# external id: queue, arrival, answered, ended, outcome, wait, talk, agent, customer known
EXPECTED = {
    f"{T0 + 60}.1:Sales:1": (
        "Sales",
        "09:01:00",
        "09:01:12",
        "09:04:12",
        "answered",
        12,
        180,
        "alice",
        True,
    ),
    f"{T0 + 120}.3:Sales:1": ("Sales", "09:02:00", None, "09:02:03", "abandoned", 3, 0, None, True),
    f"{T0 + 180}.4:Sales:1": (
        "Sales",
        "09:03:00",
        None,
        "09:03:40",
        "abandoned",
        40,
        0,
        None,
        True,
    ),
    f"{T0 + 310}.5:Sales:1": (
        "Sales",
        "09:05:10",
        "09:05:25",
        "09:06:25",
        "transferred",
        15,
        60,
        "alice",
        True,
    ),
    f"{T0 + 400}.6:Sales:1": (
        "Sales",
        "09:06:40",
        None,
        "09:07:40",
        "timed_out",
        60,
        0,
        None,
        False,
    ),
    f"{T0 + 510}.7:Support:1": (
        "Support",
        "09:08:30",
        None,
        "09:08:40",
        "exited_key",
        10,
        0,
        None,
        True,
    ),
    f"{T0 + 530}.8:Sales:1": (
        "Sales",
        "09:08:50",
        "09:09:00",
        "09:14:00",
        "answered",
        10,
        300,
        "bob",
        True,
    ),
    f"{T0 + 600}.9:Support:1": (
        "Support",
        "09:10:00",
        None,
        "09:10:05",
        "exited_empty",
        5,
        0,
        None,
        True,
    ),
}

# person, state, reason, start, end (None: still open at the end of the file)
EXPECTED_STATES = [
    ("alice", "available", None, "09:00:00", "09:01:12"),
    ("alice", "on_contact", None, "09:01:12", "09:04:12"),
    ("alice", "available", None, "09:04:12", "09:05:25"),
    ("alice", "on_contact", None, "09:05:25", "09:06:25"),
    ("alice", "available", None, "09:06:25", "09:15:00"),
    ("alice", "offline", None, "09:15:00", None),
    ("bob", "available", None, "09:00:00", "09:05:00"),
    ("bob", "not_ready", "Lunch", "09:05:00", "09:08:20"),
    ("bob", "available", None, "09:08:20", "09:09:00"),
    ("bob", "on_contact", None, "09:09:00", "09:14:00"),
    ("bob", "available", None, "09:14:00", "09:15:00"),
    ("bob", "offline", None, "09:15:00", None),
]


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


def _states(session: Session) -> list[tuple[object, ...]]:
    rows = session.execute(
        select(AgentStateEvent, Person.login)
        .join(Person, AgentStateEvent.person_id == Person.id)
        .order_by(Person.login, AgentStateEvent.start_at)
    )
    return [
        (login, a.state.value, a.reason_code, a.start_at, a.end_at, a.end_epoch_s)
        for a, login in rows
    ]


def _expected_states() -> list[tuple[object, ...]]:
    return [
        (
            p,
            s,
            r,
            _z(a),
            _z(b) if b else None,
            int(_z(b).timestamp()) if b else None,
        )
        for p, s, r, a, b in EXPECTED_STATES
    ]


def test_calls_are_stored_field_by_field(main_org: Session, settings: Settings) -> None:
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=SAMPLE, format="asterisk-queue-log"
    )
    assert (report.rows_read, report.inserted, report.rejected, report.warnings) == (28, 8, 0, 0)
    assert report.source == "asterisk"
    assert report.skipped == {}
    # the call still waiting at the end is kept for the next file of the source
    assert report.notes == {"ring_no_answer": 1, "pending_waiting": 1}
    assert report.pending_calls == 1
    expected = {
        ext: (q, _z(a), _z(b) if b else None, _z(e), o, float(w), float(t), agent, known)
        for ext, (q, a, b, e, o, w, t, agent, known) in EXPECTED.items()
    }
    assert _stored(main_org) == expected
    assert main_org.scalars(select(AgentStateEvent)).first() is None


def test_agent_events_become_state_spans(main_org: Session, settings: Settings) -> None:
    report = contacts_imports.import_agent_states(
        session=main_org, settings=settings, path=SAMPLE, format="asterisk-queue-log"
    )
    assert (report.kind, report.inserted, report.rejected) == ("agent_states", 12, 0)
    assert _states(main_org) == _expected_states()
    offsets = {a.utc_offset_min for a in main_org.scalars(select(AgentStateEvent))}
    assert offsets == {0}


def test_contacts_with_agent_states_in_one_pass(main_org: Session, settings: Settings) -> None:
    report = contacts_imports.import_contacts(
        session=main_org,
        settings=settings,
        path=SAMPLE,
        format="asterisk-queue-log",
        with_agent_states=True,
    )
    assert report.inserted == 8
    assert report.agent_states is not None and report.agent_states.inserted == 12
    assert report.agent_states.batch_id != report.batch_id
    assert _states(main_org) == _expected_states()
    again = contacts_imports.import_contacts(
        session=main_org,
        settings=settings,
        path=SAMPLE,
        format="asterisk-queue-log",
        with_agent_states=True,
    )
    assert (again.inserted, again.unchanged) == (0, 8)
    assert again.agent_states is not None
    assert (again.agent_states.inserted, again.agent_states.unchanged) == (0, 12)


def test_a_call_entering_a_queue_twice_makes_two_contacts(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "twice.log"
    path.write_text(
        f"{T0}|c1|Sales|NONE|ENTERQUEUE||555|1\n"
        f"{T0 + 5}|c1|Sales|NONE|EXITWITHKEY|1|1|1|5\n"
        f"{T0 + 6}|c1|Sales|NONE|ENTERQUEUE||555|1\n"
        f"{T0 + 6}|c1|Support|NONE|ENTERQUEUE||555|1\n"
        f"{T0 + 9}|c1|Sales|NONE|ABANDON|1|1|3\n"
        f"{T0 + 10}|c1|Support|bob|CONNECT|4|x|1\n"
        f"{T0 + 70}|c1|Support|bob|COMPLETEAGENT|4|60|1\n",
        encoding="utf-8",
    )
    contacts_imports.import_contacts(
        session=main_org, settings=settings, path=path, format="asterisk-queue-log"
    )
    stored = _stored(main_org)
    assert {k: v[4] for k, v in stored.items()} == {
        "c1:Sales:1": "exited_key",
        "c1:Sales:2": "abandoned",
        "c1:Support:1": "answered",
    }
    assert stored["c1:Support:1"][5:8] == (4.0, 60.0, "bob")


@pytest.mark.parametrize(
    ("lines", "row", "field", "message"),
    [
        (
            [
                f"{T0}|c1|Sales|NONE|ENTERQUEUE||555|1",
                f"{T0 + 9}|c1|Sales|alice|TRANSFER|200|x|9|0|1",
            ],
            2,
            "event",
            "TRANSFER of call c1 that was never connected",
        ),
        (
            [
                f"{T0}|c1|Sales|NONE|ENTERQUEUE||555|1",
                f"{T0 - 20}|c1|Sales|alice|CONNECT|0|x|1",
                f"{T0 + 60}|c1|Sales|alice|COMPLETEAGENT|0|80|1",
            ],
            2,
            "epoch",
            "answer before arrival: CONNECT at 1705309180 is 20 s before",
        ),
        (
            [
                f"{T0}|c1|Sales|NONE|ENTERQUEUE||555|1",
                f"{T0 + 5}|c1|Sales|alice|CONNECT|5|x|1",
                f"{T0 + 60}|c1|Sales|alice|COMPLETECALLER|5|-55|1",
            ],
            3,
            "calltime",
            "negative duration -55",
        ),
        (
            [f"{T0}|c1|Sales|NONE|ENTERQUEUE||555|1", f"{T0 + 5}|c1|Sales|NONE|ENTERQUEUE||555|1"],
            2,
            "event",
            "ENTERQUEUE for call c1 already waiting in queue Sales (since line 1)",
        ),
        (
            ["yesterday|c1|Sales|NONE|ENTERQUEUE||555|1"],
            1,
            "epoch",
            "'yesterday' is not a Unix time",
        ),
        ([f"{T0}|c1|Sales"], 1, None, "found 3 fields (the file looks truncated)"),
    ],
)
def test_bad_events_are_located_and_nothing_is_stored(
    main_org: Session,
    settings: Settings,
    counts: Callable[[], dict[str, int]],
    tmp_path: Path,
    lines: list[str],
    row: int,
    field: str | None,
    message: str,
) -> None:
    before = counts()
    path = tmp_path / "queue_log"
    path.write_text("\n".join(lines) + ("" if message.endswith("truncated)") else "\n"))
    with pytest.raises(Invalid) as caught:
        contacts_imports.import_contacts(
            session=main_org, settings=settings, path=path, format="asterisk-queue-log"
        )
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.field) == ("queue_log", row, field)
    assert message in problem.message
    assert counts() == before


def test_agent_state_import_ignores_call_faults(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    path.write_text(
        f"{T0}|NONE|Sales|alice|ADDMEMBER|\n"
        f"{T0 + 1}|c1|Sales|NONE|ENTERQUEUE||555|1\n"
        f"{T0 + 9}|c1|Sales|alice|TRANSFER|200|x|9|0|1\n"
        f"{T0 + 60}|NONE|NONE|alice|PAUSE|Training\n",
        encoding="utf-8",
    )
    report = contacts_imports.import_agent_states(
        session=main_org, settings=settings, path=path, format="asterisk-queue-log"
    )
    assert report.notes == {"call_rows_not_used": 1}
    assert [s[1:5] for s in _states(main_org)] == [
        ("available", None, datetime.fromtimestamp(T0, UTC), datetime.fromtimestamp(T0 + 60, UTC)),
        ("not_ready", "Training", datetime.fromtimestamp(T0 + 60, UTC), None),
    ]


# One second (T0 + 5) of a realtime queue_log: call c1 is answered at once and hangs up at once
# (wait 0, talk 0), while call c0 ends and bob pauses in the same second. Only c1's own lines
# are shuffled; the other lines must keep their file order around them.
C1_SAME_SECOND = [
    f"{T0 + 5}|c1|Sales|NONE|ENTERQUEUE||07700900009|1",
    f"{T0 + 5}|c1|Sales|alice|CONNECT|0|c1.2|1",
    f"{T0 + 5}|c1|Sales|alice|COMPLETECALLER|0|0|1",
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_a_calls_same_second_events_count_once_in_any_order(
    main_org: Session, settings: Settings, tmp_path: Path, order: tuple[int, ...]
) -> None:
    shuffled = [C1_SAME_SECOND[i] for i in order]
    path = tmp_path / "queue_log"
    path.write_text(
        "\n".join(
            [
                f"{T0}|NONE|Sales|alice|ADDMEMBER|",
                f"{T0}|NONE|Sales|bob|ADDMEMBER|",
                f"{T0 + 1}|c0|Sales|NONE|ENTERQUEUE||07700900008|1",
                f"{T0 + 2}|c0|Sales|bob|CONNECT|1|c0.2|1",
                shuffled[0],
                f"{T0 + 5}|c0|Sales|bob|COMPLETEAGENT|1|3|1",
                shuffled[1],
                f"{T0 + 5}|NONE|NONE|bob|PAUSE|Coffee",
                shuffled[2],
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=path, format="asterisk-queue-log"
    )
    assert (report.inserted, report.rejected, report.skipped) == (2, 0, {})
    at = datetime.fromtimestamp(T0 + 5, UTC)
    stored = _stored(main_org)
    assert stored["c1:Sales:1"] == ("Sales", at, at, at, "answered", 0.0, 0.0, "alice", True)
    assert stored["c0:Sales:1"][4:8] == ("answered", 1.0, 3.0, "bob")


def test_an_abandon_written_before_its_enterqueue_is_one_abandoned_contact(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    path.write_text(
        f"{T0 + 7}|c2|Sales|NONE|ABANDON|1|1|0\n"
        f"{T0 + 7}|c2|Sales|NONE|ENTERQUEUE||07700900010|1\n"
        f"{T0 + 9}|c3|Support|NONE|ENTERQUEUE||07700900011|1\n"
        f"{T0 + 30}|c3|Support|NONE|ABANDON|1|1|21\n",
        encoding="utf-8",
    )
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=path, format="asterisk-queue-log"
    )
    assert (report.inserted, report.rejected, report.skipped) == (2, 0, {})
    at = datetime.fromtimestamp(T0 + 7, UTC)
    stored = _stored(main_org)
    assert stored["c2:Sales:1"] == ("Sales", at, None, at, "abandoned", 0.0, 0.0, None, True)
    assert stored["c3:Support:1"][4:6] == ("abandoned", 21.0)


@pytest.mark.parametrize("exit_first", [True, False])
def test_leaving_and_entering_a_queue_in_one_second_keeps_both_entries(
    main_org: Session, settings: Settings, tmp_path: Path, exit_first: bool
) -> None:
    """A plain sort by rank would put the second ENTERQUEUE before the first entry's end."""
    exit_line = f"{T0 + 5}|c1|Sales|NONE|EXITWITHKEY|1|1|1|5"
    enter_line = f"{T0 + 5}|c1|Sales|NONE|ENTERQUEUE||555|1"
    second = [exit_line, enter_line] if exit_first else [enter_line, exit_line]
    path = tmp_path / "queue_log"
    path.write_text(
        "\n".join(
            [
                f"{T0}|c1|Sales|NONE|ENTERQUEUE||555|1",
                *second,
                f"{T0 + 9}|c1|Sales|NONE|ABANDON|1|1|4",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=path, format="asterisk-queue-log"
    )
    assert (report.inserted, report.rejected, report.skipped) == (2, 0, {})
    stored = _stored(main_org)
    assert {k: (v[4], v[5]) for k, v in stored.items()} == {
        "c1:Sales:1": ("exited_key", 5.0),
        "c1:Sales:2": ("abandoned", 4.0),
    }


def test_the_reader_holds_one_second_at_a_time(tmp_path: Path) -> None:
    """The first contact comes out before the lines of later seconds are read."""
    path = tmp_path / "queue_log"
    path.write_text(
        f"{T0}|c1|Sales|NONE|ABANDON|1|1|0\n"
        f"{T0}|c1|Sales|NONE|ENTERQUEUE||555|1\n"
        f"{T0 + 1}|c2|Sales|NONE|ENTERQUEUE||556|1\n"
        f"{T0 + 2}|c2|Sales|NONE|ABANDON|1|1|1\n",
        encoding="utf-8",
    )
    tally = Tally("queue_log")
    rows = read_queue_log(path, label="queue_log", tally=tally)
    first = next(rows)
    assert isinstance(first, ContactRow)
    assert (first.external_id, first.outcome.value, first.wait_s) == (
        "c1:Sales:1",
        "abandoned",
        0.0,
    )
    assert tally.rows_read == 3  # the two lines of T0 and the one that closed their second
    assert [r.external_id for r in rows if isinstance(r, ContactRow)] == ["c2:Sales:1"]
    assert (tally.rows_read, dict(tally.skipped)) == (4, {})
