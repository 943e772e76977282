"""Asterisk queue_log across files and names (issue #15): same-second events in any order count
once, a log split mid-call imported as two files counts as one file, calls still open are kept
as pending (answered ones counted at once), and aliases make one agent of several interfaces."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops import flows
from ccops.contacts import continuity
from ccops.contacts import imports as contacts_imports
from ccops.contacts.importers.asterisk import read_queue_log
from ccops.contacts.importers.base import AgentStateRow, ContactRow, Tally
from ccops.contacts.importers.technion import read_technion
from ccops.contacts.models import AgentAlias, AgentStateEvent, Contact, PendingCall
from ccops.enums import AgentState
from ccops.errors import Conflict, Invalid, NotFound
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.settings import Settings
from ccops.wfm.intraday.intake.follow import FollowState
from tests.plugins.data import TECHNION, TEST_DATA, require_shared

SAMPLE = TEST_DATA / "asterisk_queue_log.txt"
T0 = 1705309200  # 2024-01-15 09:00:00 UTC


def _stored(session: Session, source: str) -> dict[str, tuple[object, ...]]:
    rows = session.execute(
        select(Contact, Person.login)
        .outerjoin(Person, Contact.person_id == Person.id)
        .where(Contact.source == source)
    )
    return {
        c.external_id: (
            c.queue_id,
            c.arrival_at,
            c.answered_at,
            c.ended_at,
            c.outcome.value,
            c.wait_s,
            c.talk_s,
            login,
            c.customer_hash,
        )
        for c, login in rows
    }


def _import(session: Session, settings: Settings, path: Path, source: str, **kw: object) -> object:
    return contacts_imports.import_contacts(
        session=session,
        settings=settings,
        path=path,
        format="asterisk-queue-log",
        source=source,
        **kw,  # type: ignore[arg-type]
    )


# --- 1. same-second order --------------------------------------------------------------------

# Calls whose whole life falls in few seconds, so many events share one: (callid, queue, events)
SECONDS_LOG = [
    (T0, "c1", "Sales", "ENTERQUEUE", "NONE", "|555|1"),
    (T0, "c1", "Sales", "CONNECT", "alice", "|0|c1.2|1"),
    (T0, "c2", "Sales", "ENTERQUEUE", "NONE", "|556|1"),
    (T0, "c2", "Sales", "ABANDON", "NONE", "|1|1|0"),
    (T0 + 1, "c3", "Support", "ENTERQUEUE", "NONE", "|557|1"),
    (T0 + 1, "c3", "Support", "CONNECT", "bob", "|0|c3.2|1"),
    (T0 + 1, "c4", "Sales", "ENTERQUEUE", "NONE", "|558|1"),
    (T0 + 1, "c4", "Sales", "EXITWITHTIMEOUT", "NONE", "|1|1|0"),
    (T0 + 1, "NONE", "NONE", "PAUSE", "carol", "|Lunch"),
    (T0 + 2, "c1", "Sales", "COMPLETECALLER", "alice", "|0|2|1"),
    (T0 + 2, "c3", "Support", "COMPLETEAGENT", "bob", "|0|1|1"),
    (T0 + 2, "c5", "Sales", "ENTERQUEUE", "NONE", "|559|1"),
    (T0 + 2, "c5", "Sales", "CONNECT", "carol", "|0|c5.2|1"),
    (T0 + 2, "c5", "Sales", "TRANSFER", "carol", "|200|default|0|0|1"),
]


def _line(event: tuple[int, str, str, str, str, str]) -> str:
    epoch, callid, queue, name, agent, data = event
    return f"{epoch}|{callid}|{queue}|{agent}|{name}{data}"


def _contacts_of(path: Path) -> dict[str, tuple[object, ...]]:
    tally = Tally(path.name)
    rows = list(read_queue_log(path, label=path.name, tally=tally))
    assert not tally.skipped and not tally.rejected
    return {
        r.external_id: (r.outcome.value, r.arrival_at, r.answered_at, r.ended_at, r.agent)
        for r in rows
        if isinstance(r, ContactRow)
    }


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_shuffled_same_second_events_give_the_same_calls(tmp_path: Path, seed: int) -> None:
    ordered = tmp_path / "ordered"
    ordered.write_text("\n".join(_line(e) for e in SECONDS_LOG) + "\n", encoding="utf-8")
    rng = random.Random(seed)
    shuffled: list[tuple[int, str, str, str, str, str]] = []
    for second in sorted({e[0] for e in SECONDS_LOG}):
        group = [e for e in SECONDS_LOG if e[0] == second]
        rng.shuffle(group)
        shuffled += group
    path = tmp_path / f"shuffled-{seed}"
    path.write_text("\n".join(_line(e) for e in shuffled) + "\n", encoding="utf-8")
    expected = _contacts_of(ordered)
    assert {k: v[0] for k, v in expected.items()} == {
        "c1:Sales:1": "answered",
        "c2:Sales:1": "abandoned",
        "c3:Support:1": "answered",
        "c4:Sales:1": "timed_out",
        "c5:Sales:1": "transferred",
    }
    assert _contacts_of(path) == expected


# --- 2. calls across files -------------------------------------------------------------------


def test_a_log_split_anywhere_counts_as_one_file(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    _import(main_org, settings, SAMPLE, "whole")
    whole = _stored(main_org, "whole")
    assert len(whole) == 8  # the call still waiting at the end is pending, not stored
    for cut in range(1, len(lines)):
        first, second = tmp_path / f"log.{cut}.1", tmp_path / f"log.{cut}.2"
        first.write_text("".join(lines[:cut]), encoding="utf-8")
        second.write_text("".join(lines[cut:]), encoding="utf-8")
        source = f"split-{cut}"
        _import(main_org, settings, first, source)
        report = contacts_imports.import_contacts(
            session=main_org,
            settings=settings,
            path=second,
            format="asterisk-queue-log",
            source=source,
        )
        assert report.skipped == {}, cut
        assert report.conflicts == 0, cut
        assert _stored(main_org, source) == whole, cut
        assert [
            p.external_id for p in continuity.list_pending(session=main_org, source=source)
        ] == [f"{T0 + 950}.10:Sales:1"]


def test_an_answered_open_call_counts_at_once_and_is_completed_by_the_next_file(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    first, second = tmp_path / "queue_log.1", tmp_path / "queue_log"
    first.write_text(
        f"{T0}|c1|Sales|NONE|ENTERQUEUE||07700900001|1\n"
        f"{T0 + 12}|c1|Sales|alice|CONNECT|12|c1.2|3\n"
        f"{T0 + 20}|c2|Sales|NONE|ENTERQUEUE||07700900002|1\n",
        encoding="utf-8",
    )
    second.write_text(
        f"{T0 + 50}|c2|Sales|NONE|ABANDON|1|1|30\n"
        f"{T0 + 192}|c1|Sales|alice|COMPLETECALLER|12|180|1\n",
        encoding="utf-8",
    )
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=first, format="asterisk-queue-log"
    )
    assert (report.inserted, report.pending_calls, report.skipped) == (1, 2, {})
    assert report.notes == {"pending_answered": 1, "pending_waiting": 1}
    at = datetime.fromtimestamp
    c1 = _stored(main_org, "asterisk")["c1:Sales:1"]
    assert c1[2:8] == (at(T0 + 12, UTC), None, "answered", 12.0, 0.0, "alice")
    pending = continuity.list_pending(session=main_org)
    assert [(p.external_id, p.answered, p.agent, p.file, p.line) for p in pending] == [
        ("c1:Sales:1", True, "alice", "queue_log.1", 1),
        ("c2:Sales:1", False, None, "queue_log.1", 3),
    ]
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=second, format="asterisk-queue-log"
    )
    assert (report.inserted, report.updated, report.pending_calls) == (1, 1, 0)
    assert report.notes == {"pending_completed": 2}
    stored = _stored(main_org, "asterisk")
    assert stored["c1:Sales:1"][3:7] == (at(T0 + 192, UTC), "answered", 12.0, 180.0)
    assert stored["c2:Sales:1"][4:6] == ("abandoned", 30.0)  # ENTERQUEUE at T0+20 in the first file
    assert continuity.list_pending(session=main_org) == []
    # the first file imported again changes nothing and leaves nothing pending
    again = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=first, format="asterisk-queue-log"
    )
    assert (again.inserted, again.updated, again.conflicts, again.pending_calls) == (0, 0, 0, 0)
    assert _stored(main_org, "asterisk") == stored


def test_a_refused_import_keeps_the_pending_calls(
    main_org: Session, settings: Settings, tmp_path: Path, counts: Callable[[], dict[str, int]]
) -> None:
    first, bad = tmp_path / "queue_log.1", tmp_path / "queue_log"
    first.write_text(f"{T0}|c1|Sales|NONE|ENTERQUEUE||555|1\n", encoding="utf-8")
    bad.write_text(f"{T0 + 5}|c1|Sales|NONE|ABANDON|1|1|-5\n", encoding="utf-8")
    _import(main_org, settings, first, "asterisk")
    before = counts()
    with pytest.raises(Invalid) as refused:
        _import(main_org, settings, bad, "asterisk")
    problem = refused.value.problems[0]
    assert (problem.row, problem.field) == (1, "waittime")
    assert counts() == before
    assert [p.external_id for p in continuity.list_pending(session=main_org)] == ["c1:Sales:1"]


def test_the_live_feed_completes_a_call_across_a_rotation(
    main_org: Session, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    t = int(now.timestamp()) - 600
    path = tmp_path / "queue_log"
    path.write_text(
        f"{t}|c1|Sales|NONE|ENTERQUEUE||555|1\n"
        f"{t + 10}|c1|Sales|alice|CONNECT|10|c1.2|1\n"
        f"{t + 20}|c2|Sales|NONE|ENTERQUEUE||556|1\n",
        encoding="utf-8",
    )
    state = FollowState()
    out = flows.follow_file_once(
        session=main_org,
        path=path,
        fmt="asterisk-queue-log",
        secret_key="k",
        sent=state.sent,
        state=state,
    )
    assert out is not None and (out.accepted, out.rejected) == (3, 0)  # with alice's span
    c1 = main_org.scalars(select(Contact).where(Contact.external_id == "c1:Sales:1")).one()
    # counted as offered and answered with its wait; the intake's records always have an end,
    # so until the call ends it is the answer (talk 0)
    assert (c1.outcome.value, c1.wait_s, c1.talk_s) == ("answered", 10.0, 0.0)
    rotated = tmp_path / "queue_log.1"
    path.rename(rotated)
    path.write_text(
        f"{t + 70}|c1|Sales|alice|COMPLETEAGENT|10|60|1\n{t + 80}|c2|Sales|NONE|ABANDON|1|1|60\n",
        encoding="utf-8",
    )
    out = flows.follow_file_once(
        session=main_org,
        path=path,
        fmt="asterisk-queue-log",
        secret_key="k",
        sent=state.sent,
        state=state,
    )
    assert out is not None and out.rejected == 0
    main_org.expire_all()
    rows = {
        c.external_id: (c.outcome.value, c.wait_s, c.talk_s)
        for c in main_org.scalars(select(Contact))
    }
    assert rows == {"c1:Sales:1": ("answered", 10.0, 60.0), "c2:Sales:1": ("abandoned", 60.0, 0.0)}


def test_the_technion_fortnight_split_in_two_loses_no_call(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    source = require_shared(TECHNION)
    lines = _technion_as_queue_log(source)
    org_service.create_site(session=session, data=org_schemas.SiteIn(name="Bank", timezone="UTC"))
    whole = tmp_path / "queue_log"
    whole.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cut = len(lines) * 37 // 100
    (tmp_path / "queue_log.1").write_text("\n".join(lines[:cut]) + "\n", encoding="utf-8")
    (tmp_path / "queue_log.2").write_text("\n".join(lines[cut:]) + "\n", encoding="utf-8")
    options: dict[str, object] = {"site": "Bank", "create_missing": True}
    _import(session, settings, whole, "whole", **options)
    first = contacts_imports.import_contacts(
        session=session,
        settings=settings,
        path=tmp_path / "queue_log.1",
        format="asterisk-queue-log",
        source="split",
        site="Bank",
        create_missing=True,
    )
    assert first.pending_calls > 0
    _import(session, settings, tmp_path / "queue_log.2", "split", **options)

    def totals(name: str) -> Counter[str]:
        found: Counter[str] = Counter()
        for outcome, wait, talk in session.execute(
            select(Contact.outcome, Contact.wait_s, Contact.talk_s).where(Contact.source == name)
        ):
            found["offered"] += 1
            found[outcome.value] += 1
            found["wait_s"] += int(wait or 0)
            found["talk_s"] += int(talk)
        return found

    assert totals("whole")["offered"] == 16203
    assert totals("split") == totals("whole")
    assert continuity.list_pending(session=session, source="split") == []


def _technion_as_queue_log(source: Path) -> list[str]:
    """The fortnight's calls as queue_log events ordered by whole second only (one call's
    same-second events in emission order, as a realtime table would give them)."""
    events: list[tuple[int, str]] = []
    tally = Tally(source.name)
    for row in read_technion(source, label=source.name, zone_for=lambda _: UTC_ZONE, tally=tally):
        if not isinstance(row, ContactRow) or row.ended_at is None or row.timing_untrusted:
            continue  # a call with untrusted timing has no queue_log events to give
        call = row.external_id.replace(":", "-")
        a, e = int(row.arrival_at.timestamp()), int(row.ended_at.timestamp())
        events.append((a, f"{a}|{call}|{row.queue}|NONE|ENTERQUEUE||{row.customer_key or ''}|1"))
        if row.answered_at is not None:
            c = int(row.answered_at.timestamp())
            agent = row.agent or "NO_SERVER"
            events.append((c, f"{c}|{call}|{row.queue}|{agent}|CONNECT|{c - a}|x|1"))
            events.append((e, f"{e}|{call}|{row.queue}|{agent}|COMPLETECALLER|{c - a}|{e - c}|1"))
        else:
            events.append((e, f"{e}|{call}|{row.queue}|NONE|ABANDON|1|1|{e - a}"))
    events.sort(key=lambda item: item[0])
    return [text for _, text in events]


UTC_ZONE = ZoneInfo("UTC")


# --- 3. agent identity -----------------------------------------------------------------------

# dana is Local/1127@callback-agent on ADDMEMBER/REMOVEMEMBER and Agent/1127 on CONNECT
TWO_NAMES = (
    f"{T0}|NONE|Sales|Local/1127@callback-agent|ADDMEMBER|\n"
    f"{T0 + 60}|c1|Sales|NONE|ENTERQUEUE||555|1\n"
    f"{T0 + 70}|c1|Sales|Agent/1127|CONNECT|10|c1.2|1\n"
    f"{T0 + 370}|c1|Sales|Agent/1127|COMPLETECALLER|10|300|1\n"
    f"{T0 + 3600}|NONE|Sales|Local/1127@callback-agent|REMOVEMEMBER|\n"
)


def _dana(session: Session) -> None:
    org_service.create_person(
        session=session,
        data=org_schemas.PersonIn(name="Dana", login="dana", site="Main"),
        scope=org_service.EVERYTHING,
    )


def _spans(session: Session) -> list[tuple[str, str, int, int | None]]:
    """(login, state, start, end) in seconds from T0; an open span ends None."""
    rows = session.execute(
        select(Person.login, AgentStateEvent)
        .join(Person, Person.id == AgentStateEvent.person_id)
        .order_by(AgentStateEvent.start_epoch_s)
    )
    return [
        (
            login,
            s.state.value,
            s.start_epoch_s - T0,
            None if s.end_epoch_s is None else s.end_epoch_s - T0,
        )
        for login, s in rows
    ]


def test_an_agent_map_makes_one_person_of_two_interfaces(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    _dana(main_org)
    log = tmp_path / "queue_log"
    log.write_text(TWO_NAMES, encoding="utf-8")
    agent_map = tmp_path / "agents.csv"
    agent_map.write_text(
        "alias,login\nLocal/1127@callback-agent,dana\nagent/1127,dana\n", encoding="utf-8"
    )
    report = contacts_imports.import_contacts(
        session=main_org,
        settings=settings,
        path=log,
        format="asterisk-queue-log",
        with_agent_states=True,
        agent_map=agent_map,
    )
    assert (report.inserted, report.aliases_stored) == (1, 2)
    assert _stored(main_org, "asterisk")["c1:Sales:1"][7] == "dana"
    spans = _spans(main_org)
    assert spans == [
        ("dana", "available", 0, 70),
        ("dana", "on_contact", 70, 370),
        ("dana", "available", 370, 3600),
        ("dana", "offline", 3600, None),
    ]
    logged_in = sum((end or start) - start for _, state, start, end in spans if state != "offline")
    assert logged_in == 3600  # one hour, not two people's hour and a call
    # stored: the next import needs no map
    assert continuity.alias_names(main_org) == {
        "local/1127@callback-agent": "dana",
        "agent/1127": "dana",
    }
    states = contacts_imports.import_agent_states(
        session=main_org, settings=settings, path=log, format="asterisk-queue-log", source="again"
    )
    assert (states.inserted, states.rejected) == (4, 0)


def test_without_aliases_the_two_interfaces_are_unknown_agents(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    _dana(main_org)
    log = tmp_path / "queue_log"
    log.write_text(TWO_NAMES, encoding="utf-8")
    with pytest.raises(NotFound) as refused:
        contacts_imports.import_contacts(
            session=main_org,
            settings=settings,
            path=log,
            format="asterisk-queue-log",
            with_agent_states=True,
        )
    assert {(p.message, p.row) for p in refused.value.problems if p.field == "agent"} == {
        ("unknown agent 'Agent/1127'", 3),
        ("unknown agent 'Local/1127@callback-agent'", 1),
    }


def test_a_bad_agent_map_is_refused_row_by_row_and_nothing_is_stored(
    main_org: Session, settings: Settings, tmp_path: Path, counts: Callable[[], dict[str, int]]
) -> None:
    _dana(main_org)
    log = tmp_path / "queue_log"
    log.write_text(TWO_NAMES, encoding="utf-8")
    agent_map = tmp_path / "agents.csv"
    before = counts()

    def refused(text: str, error: type[Exception]) -> list[tuple[str | None, int | None]]:
        agent_map.write_text(text, encoding="utf-8")
        with pytest.raises(error) as caught:
            contacts_imports.import_contacts(
                session=main_org,
                settings=settings,
                path=log,
                format="asterisk-queue-log",
                agent_map=agent_map,
            )
        problems = caught.value.problems  # type: ignore[attr-defined]
        assert all(p.file == "agents.csv" for p in problems)
        return [(p.field, p.row) for p in problems]

    assert refused("name,who\nx,dana\n", Invalid) == [(None, 1)]
    assert refused("alias,login\nAgent/1127,\n,dana\nA,dana\na,bob\n", Invalid) == [
        ("login", 2),
        ("alias", 3),
        ("alias", 5),
    ]
    assert refused("alias,login\nAgent/1127,nobody\n", NotFound) == [("login", 2)]
    main_org.add(AgentAlias(alias="agent/1127", person_id=_person_id(main_org, "bob")))
    main_org.flush()
    assert refused("alias,login\nAgent/1127,dana\n", Invalid) == [("alias", 2)]
    assert counts()["contact"] == before["contact"]
    assert main_org.scalars(select(AgentAlias.alias)).all() == ["agent/1127"]
    assert main_org.scalars(select(PendingCall)).first() is None


def _person_id(session: Session, login: str) -> int:
    return session.scalars(select(Person.id).where(Person.login == login)).one()


def test_the_reader_maps_aliases_case_insensitively(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    log.write_text(TWO_NAMES, encoding="utf-8")
    rows = list(
        read_queue_log(
            log,
            label="queue_log",
            tally=Tally("queue_log"),
            aliases={"LOCAL/1127@CALLBACK-AGENT": "dana", "Agent/1127": "dana"},
        )
    )
    people = {r.person for r in rows if isinstance(r, AgentStateRow)}
    agents = {r.agent for r in rows if isinstance(r, ContactRow)}
    assert (people, agents) == ({"dana"}, {"dana"})
    assert {r.state for r in rows if isinstance(r, AgentStateRow)} == {
        AgentState.available,
        AgentState.on_contact,
        AgentState.offline,
    }


# --- 4. queues belong to sites ---------------------------------------------------------------


def test_calls_are_never_attached_to_another_sites_queue(
    main_org: Session, settings: Settings, counts: Callable[[], dict[str, int]]
) -> None:
    org_service.create_site(
        session=main_org, data=org_schemas.SiteIn(name="Berlin", timezone="Europe/Berlin")
    )
    before = counts()
    with pytest.raises(Conflict) as refused:
        contacts_imports.import_contacts(
            session=main_org,
            settings=settings,
            path=SAMPLE,
            format="asterisk-queue-log",
            site="Berlin",
            create_missing=True,
        )
    assert [(p.message, p.field, p.row, p.file) for p in refused.value.problems] == [
        ("queue 'Sales' belongs to site 'Main', not 'Berlin'", "queue", 6, SAMPLE.name),
        ("queue 'Support' belongs to site 'Main', not 'Berlin'", "queue", 18, SAMPLE.name),
    ]
    assert counts() == before
    # the site's own queues are used as before
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=SAMPLE, format="asterisk-queue-log", site="Main"
    )
    assert report.inserted == 8


def test_erasing_a_leaver_removes_their_aliases(main_org: Session) -> None:
    from datetime import date, timedelta

    from ccops.audit.leavers import erase_leaver

    _dana(main_org)
    dana = main_org.scalars(select(Person).where(Person.login == "dana")).one()
    dana.termination_date = date.today() - timedelta(days=1)
    main_org.add(AgentAlias(alias="agent/1127", person_id=dana.id))
    main_org.add(AgentAlias(alias="pjsip/2001", person_id=_person_id(main_org, "bob")))
    main_org.flush()
    erase_leaver(session=main_org, login="dana")
    assert continuity.alias_names(main_org) == {"pjsip/2001": "bob"}
