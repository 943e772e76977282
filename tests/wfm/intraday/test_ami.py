"""The live Asterisk AMI feed against a protocol-level fake AMI server (tests/wfm/intraday/
fake_ami.py): calls and agent states stored through the intake, replays stored once, a dropped
connection resumed (and its gap filled from the queue_log), a refused login."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops import flows
from ccops.cli import app
from ccops.contacts import continuity
from ccops.contacts.importers.asterisk import PendingCall
from ccops.contacts.importers.asterisk_ami import AmiMapper
from ccops.contacts.importers.base import AgentStateRow, ContactRow
from ccops.contacts.models import AgentStateEvent, Contact
from ccops.errors import NotAuthenticated
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday.intake.ami import (
    PENDING_SOURCE,
    AmiConfig,
    AmiFeed,
    FeedStats,
    Unreachable,
)
from ccops.wfm.intraday.models import IntradayInterval, LiveContact
from tests.factories import make_org
from tests.wfm.intraday.fake_ami import DROP, SILENT, FakeAmi, Script, in_thread

R = TypeVar("R")

T0 = int(time.time()) - 3600


def _off_loop(call: Callable[..., R], *args: Any) -> R:
    """Call ``call`` in a thread of its own. A browser test earlier in the same test worker
    leaves Playwright's event loop running on the main thread, where ``asyncio.run`` (the feed's
    and the command's) refuses to start; a real ``ccops events ami`` has no such loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call, *args).result()


def _run(coroutine: Coroutine[Any, Any, R]) -> R:
    """Run a coroutine on a fresh event loop, off the main thread (see ``_off_loop``)."""
    return _off_loop(asyncio.run, coroutine)


Event = dict[str, str]


def _ev(name: str, t: int, **fields: str) -> Event:
    return {"Event": name, "Privilege": "agent,all", "Timestamp": f"{t}.004213", **fields}


def join(uid: str, t: int, caller: str = "+44 20 7946 0018", queue: str = "Sales") -> Event:
    return _ev(
        "QueueCallerJoin",
        t,
        Channel=f"PJSIP/trunk-{uid}",
        CallerIDNum=caller,
        Queue=queue,
        Position="1",
        Count="1",
        Uniqueid=uid,
    )


def connect(uid: str, t: int, hold: int, agent: str = "alice") -> dict[str, str]:
    return _ev(
        "AgentConnect",
        t,
        Uniqueid=uid,
        Queue="Sales",
        MemberName=agent,
        Interface=f"PJSIP/{agent}",
        HoldTime=str(hold),
        RingTime="3",
    )


def complete(uid: str, t: int, hold: int, talk: int, agent: str = "alice") -> dict[str, str]:
    return _ev(
        "AgentComplete",
        t,
        Uniqueid=uid,
        Queue="Sales",
        MemberName=agent,
        Interface=f"PJSIP/{agent}",
        HoldTime=str(hold),
        TalkTime=str(talk),
        Reason="caller",
    )


def abandon(uid: str, t: int, hold: int) -> dict[str, str]:
    return _ev(
        "QueueCallerAbandon",
        t,
        Uniqueid=uid,
        Queue="Sales",
        Position="1",
        OriginalPosition="1",
        HoldTime=str(hold),
    )


def leave(uid: str, t: int) -> dict[str, str]:
    return _ev("QueueCallerLeave", t, Uniqueid=uid, Queue="Sales", Position="1", Count="0")


def member(name: str, t: int, agent: str, **fields: str) -> dict[str, str]:
    return _ev(name, t, Queue="Sales", MemberName=agent, Interface=f"PJSIP/{agent}", **fields)


def _sink(session: Session, site_id: int | None = None) -> Any:
    def sink(
        events: list[dict[str, Any]], open_calls: list[PendingCall]
    ) -> schemas.IntakeOut | None:
        return flows.ingest_ami_batch(
            session=session,
            events=events,
            open_calls=open_calls,
            source=PENDING_SOURCE,
            origin="AMI fake",
            secret_key="k",
            site_id=site_id,
        )

    return sink


def run_feed(
    session: Session,
    scripts: list[Script],
    *,
    secret: str = "s3cret",
    queue_log: Path | None = None,
    mapper: AmiMapper | None = None,
    until_idle: float = 0.4,
    ping_s: float = 20.0,
    statuses: list[list[dict[str, str]]] | None = None,
    clock: Callable[[FakeAmi], float] | None = None,
    site_id: int | None = None,
) -> tuple[FeedStats, AmiFeed, FakeAmi]:
    """Run a feed against a fake server playing ``scripts`` (and answering QueueStatus with
    ``statuses``) until idle; the sink stores in the test's session (on the loop's thread).
    ``clock``: the feed's wall clock, given the fake server (default the real clock)."""
    ami = FakeAmi(scripts, statuses=statuses or [])

    async def main() -> tuple[FeedStats, AmiFeed]:
        port = await ami.start()
        feed = AmiFeed(
            AmiConfig(
                "127.0.0.1",
                port,
                "ccops",
                secret,
                connect_timeout_s=min(2.0, ping_s),
                backoff_initial_s=0.05,
                backoff_max_s=0.2,
                max_failures=5,
                ping_s=ping_s,
            ),
            mapper=mapper or AmiMapper(leave_grace_s=0.2),
            sink=_sink(session, site_id),
            queue_log=queue_log,
            offload=False,
            clock=(lambda: clock(ami)) if clock is not None else time.time,
        )
        try:
            return await feed.run(until_idle_s=until_idle, duration_s=10), feed
        finally:
            await ami.stop()

    stats, feed = _run(main())
    return stats, feed, ami


def contacts(session: Session) -> dict[str, tuple[str, float | None, float, str | None]]:
    session.expire_all()
    logins: dict[int, str] = {}
    for pid, login in session.execute(select(Person.id, Person.login)):
        logins[pid] = login
    return {
        c.external_id: (
            c.outcome.value,
            c.wait_s,
            c.talk_s,
            logins.get(c.person_id) if c.person_id else None,
        )
        for c in session.scalars(select(Contact))
    }


def spans(session: Session) -> list[tuple[str, int, int | None]]:
    rows = session.scalars(select(AgentStateEvent).order_by(AgentStateEvent.start_epoch_s))
    return [
        (s.state.value, s.start_epoch_s - T0, None if s.end_epoch_s is None else s.end_epoch_s - T0)
        for s in rows
    ]


def test_a_call_life_cycle_is_one_answered_contact_with_its_wait_and_talk(
    session: Session,
) -> None:
    make_org(session, timezone="UTC")
    script: Script = [
        member("QueueMemberStatus", T0 - 60, "alice", Status="1", Paused="0"),
        join("1733.41", T0),
        leave("1733.41", T0 + 12),
        connect("1733.41", T0 + 12, 12),
        complete("1733.41", T0 + 107, 12, 95),
    ]
    stats, feed, ami = run_feed(session, [script])
    assert (ami.connections, stats.connections, stats.rejected) == (1, 1, 0)
    assert contacts(session) == {"1733.41:Sales:1": ("answered", 12.0, 95.0, "alice")}
    stored = session.scalars(select(Contact)).one()
    assert stored.ended_at is not None and stored.customer_hash  # caller kept as a keyed hash
    assert session.scalar(select(func.count()).select_from(LiveContact)) == 0
    assert spans(session) == [
        ("available", -60, 12),
        ("on_contact", 12, 107),
        ("available", 107, None),
    ]
    assert feed.mapper.open_calls() == []
    assert continuity.list_pending(session=session, source=PENDING_SOURCE) == []


def test_an_abandon_a_timeout_and_a_pause(session: Session) -> None:
    make_org(session, timezone="UTC")
    script: Script = [
        member("QueueMemberStatus", T0 - 60, "bob", Status="1", Paused="0"),
        join("9.1", T0),
        abandon("9.1", T0 + 30, 30),
        leave("9.1", T0 + 30),
        join("9.2", T0 + 40),
        leave("9.2", T0 + 100),  # timed out: no answer follows within the grace
        member("QueueMemberPause", T0 + 200, "bob", Paused="1", PausedReason="lunch"),
        member("QueueMemberPause", T0 + 260, "bob", Paused="0", PausedReason=""),
        member("QueueMemberStatus", T0 + 300, "bob", Status="5", Paused="0"),
    ]
    stats, _, _ = run_feed(session, [script], until_idle=0.6)
    assert stats.rejected == 0
    assert contacts(session) == {
        "9.1:Sales:1": ("abandoned", 30.0, 0.0, None),
        "9.2:Sales:1": ("other", 60.0, 0.0, None),
    }
    rows = session.scalars(select(AgentStateEvent).order_by(AgentStateEvent.start_epoch_s))
    assert [(s.state.value, s.reason_code, s.start_epoch_s - T0) for s in rows] == [
        ("available", None, -60),
        ("not_ready", "lunch", 200),
        ("available", None, 260),
        ("offline", None, 300),
    ]


def test_the_same_events_twice_are_stored_once(session: Session) -> None:
    make_org(session, timezone="UTC")
    call: Script = [
        join("77.5", T0),
        connect("77.5", T0 + 8, 8),
        complete("77.5", T0 + 68, 8, 60),
    ]
    stats, feed, _ = run_feed(session, [[*call, *call]])
    assert feed.mapper.notes["replayed_event"] == 3
    assert contacts(session) == {"77.5:Sales:1": ("answered", 8.0, 60.0, "alice")}
    before = session.scalar(select(func.count()).select_from(AgentStateEvent))
    # a restarted client (a new mapper) given the same events again: the intake's event ids
    # say they were received already
    again, _, _ = run_feed(session, [call])
    assert (again.accepted, again.rejected) == (0, 0) and again.duplicate == again.sent > 0
    assert contacts(session) == {"77.5:Sales:1": ("answered", 8.0, 60.0, "alice")}
    assert session.scalar(select(func.count()).select_from(AgentStateEvent)) == before


def test_a_dropped_connection_is_resumed_and_the_call_completed(session: Session) -> None:
    make_org(session, timezone="UTC")
    first: Script = [join("5.5", T0), connect("5.5", T0 + 20, 20), DROP]
    second: Script = [complete("5.5", T0 + 140, 20, 120)]
    stats, feed, ami = run_feed(session, [first, second])
    assert (ami.connections, stats.connections) == (2, 2)
    assert contacts(session) == {"5.5:Sales:1": ("answered", 20.0, 120.0, "alice")}
    assert feed.mapper.open_calls() == []


def test_a_server_that_stops_answering_is_left_and_connected_again(session: Session) -> None:
    make_org(session, timezone="UTC")
    first: Script = [join("5.6", T0), connect("5.6", T0 + 20, 20), SILENT]
    second: Script = [complete("5.6", T0 + 80, 20, 60)]
    stats, _, ami = run_feed(session, [first, second], ping_s=0.2, until_idle=1.0)
    assert (stats.silent, stats.connections, ami.connections) == (1, 2, 2)
    assert contacts(session) == {"5.6:Sales:1": ("answered", 20.0, 60.0, "alice")}


def test_calls_open_when_the_feed_stops_are_kept_pending_and_completed_next_run(
    session: Session,
) -> None:
    make_org(session, timezone="UTC")
    run_feed(session, [[join("8.1", T0), connect("8.1", T0 + 5, 5), join("8.2", T0 + 9)]])
    # counted at once: the answered call with its wait, the waiting one as an arrival
    assert contacts(session) == {"8.1:Sales:1": ("answered", 5.0, 0.0, "alice")}
    assert session.scalar(select(func.count()).select_from(LiveContact)) == 1
    pending = continuity.list_pending(session=session, source=PENDING_SOURCE)
    assert [(p.external_id, p.answered, p.agent) for p in pending] == [
        ("8.1:Sales:1", True, "alice"),
        ("8.2:Sales:1", False, None),
    ]
    carried, _ = flows.ami_start(session=session, source=PENDING_SOURCE)
    run_feed(
        session,
        [[complete("8.1", T0 + 65, 5, 60), abandon("8.2", T0 + 19, 10)]],
        mapper=AmiMapper(pending=carried),
    )
    assert contacts(session) == {
        "8.1:Sales:1": ("answered", 5.0, 60.0, "alice"),
        "8.2:Sales:1": ("abandoned", 10.0, 0.0, None),
    }
    assert session.scalar(select(func.count()).select_from(LiveContact)) == 0
    assert continuity.list_pending(session=session, source=PENDING_SOURCE) == []


def test_an_interrupted_feed_keeps_its_open_calls(session: Session) -> None:
    """Ctrl-C cancels the run: what was received is stored and the open calls are kept."""
    make_org(session, timezone="UTC")
    ami = FakeAmi([[join("8.8", T0), connect("8.8", T0 + 7, 7)]])

    async def main() -> None:
        port = await ami.start()
        feed = AmiFeed(
            AmiConfig("127.0.0.1", port, "ccops", "s3cret"),
            mapper=AmiMapper(),
            sink=_sink(session),
            offload=False,
        )
        task = asyncio.ensure_future(feed.run())
        while feed.stats.accepted < 3 and not task.done():  # arrival, contact, alice's span
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await ami.stop()

    _run(main())
    assert contacts(session) == {"8.8:Sales:1": ("answered", 7.0, 0.0, "alice")}
    pending = continuity.list_pending(session=session, source=PENDING_SOURCE)
    assert [(p.external_id, p.answered, p.agent) for p in pending] == [
        ("8.8:Sales:1", True, "alice")
    ]


def test_a_gap_is_filled_from_the_queue_log(session: Session, tmp_path: Path) -> None:
    make_org(session, timezone="UTC")
    queue_log = tmp_path / "queue_log"
    # what Asterisk logged, the gap (T0+30 .. T0+190) included
    queue_log.write_text(
        f"{T0}|1.1|Sales|NONE|ENTERQUEUE||5551|1\n"
        f"{T0 + 2}|1.2|Sales|NONE|ENTERQUEUE||5552|2\n"
        f"{T0 + 12}|1.1|Sales|alice|CONNECT|12|1.9|3\n"
        f"{T0 + 40}|1.3|Sales|NONE|ENTERQUEUE||5553|1\n"
        f"{T0 + 60}|1.2|Sales|bob|CONNECT|58|1.8|2\n"
        f"{T0 + 70}|1.3|Sales|NONE|ABANDON|1|1|30\n"
        f"{T0 + 107}|1.1|Sales|alice|COMPLETEAGENT|12|95|1\n",
        encoding="utf-8",
    )
    first: Script = [
        join("1.1", T0),
        join("1.2", T0 + 2),
        connect("1.1", T0 + 12, 12),
        DROP,
    ]
    # after the reconnection: the call answered in the gap ends, a new one comes and goes
    second: Script = [
        complete("1.2", T0 + 160, 58, 100, agent="bob"),
        join("1.4", T0 + 200),
        abandon("1.4", T0 + 205, 5),
    ]
    stats, feed, _ = run_feed(session, [first, second], queue_log=queue_log)
    assert (stats.connections, stats.backfills, stats.rejected) == (2, 1, 0)
    assert contacts(session) == {
        "1.1:Sales:1": ("answered", 12.0, 95.0, "alice"),  # completed by the queue_log
        "1.2:Sales:1": ("answered", 58.0, 100.0, "bob"),  # answered in the gap
        "1.3:Sales:1": ("abandoned", 30.0, 0.0, None),  # came and went in the gap
        "1.4:Sales:1": ("abandoned", 5.0, 0.0, None),
    }
    assert feed.mapper.open_calls() == []
    assert session.scalar(select(func.count()).select_from(LiveContact)) == 0


def test_a_bad_login_is_a_clear_error_and_stores_nothing(session: Session) -> None:
    make_org(session, timezone="UTC")
    with pytest.raises(NotAuthenticated, match="Authentication failed") as refused:
        run_feed(session, [[join("4.4", T0)]], secret="wrong")
    assert "'ccops'" in str(refused.value) and refused.value.problems[0].field == "username"
    assert session.scalar(select(func.count()).select_from(Contact)) == 0
    assert session.scalar(select(func.count()).select_from(LiveContact)) == 0


def test_the_command_runs_the_feed_and_prints_its_totals(
    cli: CliRunner, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_org(session, timezone="UTC")
    session.commit()
    monkeypatch.setenv("TEST_AMI_SECRET", "s3cret")
    ami = FakeAmi([[join("3.1", T0), connect("3.1", T0 + 4, 4), complete("3.1", T0 + 34, 4, 30)]])
    with in_thread(ami) as port:
        args = ["events", "ami", "--host", "127.0.0.1", "--port", str(port)]
        args += ["--username", "ccops", "--secret-env", "TEST_AMI_SECRET"]
        result = _off_loop(
            cli.invoke, app, [*args, "--site", "Main", "--until-idle", "0.5", "--json"]
        )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    # FullyBooted and the call's three events
    assert (summary["connections"], summary["ami_events"], summary["rejected"]) == (1, 4, 0)
    assert summary["open_calls"] == 0
    assert contacts(session) == {"3.1:Sales:1": ("answered", 4.0, 30.0, "alice")}
    monkeypatch.setenv("TEST_AMI_SECRET", "wrong")
    with in_thread(FakeAmi([])) as port:
        args[5] = str(port)
        refused = _off_loop(cli.invoke, app, [*args, "--json"])
    assert refused.exit_code == 7, refused.output
    assert "Authentication failed" in refused.output
    monkeypatch.delenv("TEST_AMI_SECRET")
    missing = _off_loop(cli.invoke, app, [*args, "--json"])
    assert missing.exit_code == 2
    assert "TEST_AMI_SECRET" in missing.output


def test_arrival_times_come_from_the_timestamp_header() -> None:
    mapper = AmiMapper()
    [waiting] = mapper.feed(join("2.2", T0, caller="anonymous"), received=T0 + 500)
    assert isinstance(waiting, PendingCall)
    assert (waiting.external_id, waiting.arrival, waiting.customer) == ("2.2:Sales:1", T0, None)
    no_stamp = {k: v for k, v in join("2.3", T0).items() if k != "Timestamp"}
    [other] = mapper.feed(no_stamp, received=T0 + 500.7)
    assert isinstance(other, PendingCall) and other.arrival == T0 + 500
    assert datetime.fromtimestamp(other.arrival, UTC).microsecond == 0


def test_an_unreachable_server_is_tried_again_with_growing_bounded_delays() -> None:
    async def main() -> AmiFeed:
        # a port nothing listens on: take one, then close it
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = int(server.sockets[0].getsockname()[1])
        server.close()
        await server.wait_closed()
        feed = AmiFeed(
            AmiConfig(
                "127.0.0.1",
                port,
                "ccops",
                "s3cret",
                backoff_initial_s=0.02,
                backoff_max_s=0.05,
                max_failures=5,
            ),
            mapper=AmiMapper(),
            sink=lambda events, open_calls: None,
            offload=False,
        )
        with pytest.raises(Unreachable, match="unreachable after 5 attempt") as gave_up:
            await feed.run(duration_s=5)
        assert gave_up.value.problems[0].field == "host"
        return feed

    feed = _run(main())
    assert feed.stats.failures == 5 and feed.stats.connections == 0
    assert feed.stats.delays == [0.02, 0.04, 0.05, 0.05]  # doubling, never above the bound


def test_mid_call_events_are_rebuilt_from_their_durations_and_transfers_kept() -> None:
    mapper = AmiMapper(aliases={"PJSIP/1127": "dana"})
    # the client connected while the call was being answered: the join was never seen
    answered = mapper.feed(
        {**connect("6.1", T0 + 30, 25), "MemberName": "", "Interface": "PJSIP/1127"},
        received=T0 + 30,
    )
    [contact] = [c for c in answered if isinstance(c, ContactRow)]
    assert (contact.arrival_at.timestamp(), contact.wait_s, contact.agent) == (T0 + 5, 25.0, "dana")
    ended = mapper.feed(
        {**complete("6.1", T0 + 90, 25, 60), "Reason": "transfer"}, received=T0 + 90
    )
    [done] = [c for c in ended if isinstance(c, ContactRow)]
    assert (done.outcome.value, done.wait_s, done.talk_s) == ("transferred", 25.0, 60.0)
    # an AgentComplete alone (joined and answered before the connection) is rebuilt whole
    [alone, *_] = mapper.feed(complete("6.2", T0 + 300, 10, 100), received=T0 + 300)
    assert isinstance(alone, ContactRow)
    assert (alone.arrival_at.timestamp(), alone.answered_at, alone.talk_s) == (
        T0 + 190,
        datetime.fromtimestamp(T0 + 200, UTC),
        100.0,
    )
    assert mapper.open_calls() == [] and mapper.notes["rebuilt_from_durations"] == 2
    # events of other kinds, and call events without a queue, change nothing
    assert mapper.feed({"Event": "Newchannel", "Uniqueid": "7"}, received=T0) == []
    assert mapper.feed({"Event": "QueueCallerJoin", "Uniqueid": "7"}, received=T0) == []


# --- the state at connection time (QueueStatus) -------------------------------------------


def queue_params(queue: str = "Sales", calls: int = 0) -> dict[str, str]:
    return {
        "Event": "QueueParams",
        "Queue": queue,
        "Max": "0",
        "Strategy": "ringall",
        "Calls": str(calls),
        "Holdtime": "0",
        "TalkTime": "0",
        "Completed": "0",
        "Abandoned": "0",
        "ServiceLevel": "20",
        "ServicelevelPerf": "0.0",
        "Weight": "0",
    }


def queue_member(
    name: str,
    *,
    queue: str = "Sales",
    paused: str = "0",
    reason: str = "",
    status: str = "1",
    in_call: str = "0",
    location: str | None = None,
) -> dict[str, str]:
    return {
        "Event": "QueueMember",
        "Queue": queue,
        "Name": name,
        "Location": location or f"PJSIP/{name}",
        "StateInterface": location or f"PJSIP/{name}",
        "Membership": "dynamic",
        "Penalty": "0",
        "CallsTaken": "3",
        "LastCall": str(T0 - 500),
        "LastPause": str(T0 - 300) if paused == "1" else "0",
        "LoginTime": str(T0 - 7200),
        "InCall": in_call,
        "Status": status,
        "Paused": paused,
        "PausedReason": reason,
        "Wrapuptime": "0",
    }


def queue_entry(uid: str, wait: int, queue: str = "Sales", caller: str = "5551") -> dict[str, str]:
    return {
        "Event": "QueueEntry",
        "Queue": queue,
        "Position": "1",
        "Channel": f"PJSIP/trunk-{uid}",
        "Uniqueid": uid,
        "CallerIDNum": caller,
        "CallerIDName": "unknown",
        "ConnectedLineNum": "unknown",
        "ConnectedLineName": "unknown",
        "Wait": str(wait),
        "Priority": "0",
    }


def offered(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.sum(IntradayInterval.offered))) or 0)


def at_connection(ami: FakeAmi) -> float:
    """The feed's clock: T0 + 100 s at the first connection, + 200 s at the second ..."""
    return float(T0 + 100 * max(1, ami.status_asked))


def test_queue_status_at_connection_gives_agents_and_waiting_callers(session: Session) -> None:
    """alice was paused and bob on a call before the feed connected; a caller had waited 15 s.
    Their states hold from the connection (T0+100), the caller is answered at T0+110 after 25 s
    and counts once; bob's call, answered before the connection, is rebuilt when it ends."""
    make_org(session, timezone="UTC")
    status = [
        queue_params(calls=1),
        queue_member("alice", paused="1", reason="lunch"),
        queue_member("bob", status="2", in_call="1"),
        queue_entry("20.1", wait=15, caller="+44 20 7946 0018"),
    ]
    script: Script = [
        member("QueueMemberPause", T0 + 105, "alice", Paused="0", PausedReason=""),
        leave("20.1", T0 + 110),
        connect("20.1", T0 + 110, 25),
        complete("19.9", T0 + 130, 40, 200, agent="bob"),
        complete("20.1", T0 + 170, 25, 60),
    ]
    stats, feed, ami = run_feed(session, [script], statuses=[status], clock=at_connection)
    assert (ami.status_asked, stats.statuses, stats.status_missed, stats.rejected) == (1, 1, 0, 0)
    assert contacts(session) == {
        "20.1:Sales:1": ("answered", 25.0, 60.0, "alice"),  # arrival T0+85 = T0+100 - Wait
        "19.9:Sales:1": ("answered", 40.0, 200.0, "bob"),
    }
    waited = session.scalars(select(Contact).where(Contact.external_id == "20.1:Sales:1")).one()
    assert waited.arrival_epoch_s == T0 + 85 and waited.customer_hash
    assert offered(session) == 2
    assert session.scalar(select(func.count()).select_from(LiveContact)) == 0
    rows = session.execute(
        select(Person.login, AgentStateEvent)
        .join(Person, Person.id == AgentStateEvent.person_id)
        .order_by(Person.login, AgentStateEvent.start_epoch_s)
    )
    assert [
        (
            login,
            s.state.value,
            s.reason_code,
            s.start_epoch_s - T0,
            None if s.end_epoch_s is None else s.end_epoch_s - T0,
        )
        for login, s in rows
    ] == [
        ("alice", "not_ready", "lunch", 100, 105),
        ("alice", "available", None, 105, 110),
        ("alice", "on_contact", None, 110, 170),
        ("alice", "available", None, 170, None),
        ("bob", "on_contact", None, 100, 130),
        ("bob", "available", None, 130, None),
    ]
    assert feed.mapper.open_calls() == []
    assert feed.mapper.notes["waiting_at_connection"] == 1


def test_queue_status_after_a_reconnection_updates_agents_and_counts_callers_once(
    session: Session,
) -> None:
    """A caller who joined before the drop is listed waiting after it: not offered again, and
    answered with the wait from the join; alice paused during the gap shows paused from the
    reconnection (T0+200); bob, no longer a member of Sales, is offline."""
    make_org(session, timezone="UTC")
    first: Script = [join("30.1", T0 + 110), DROP]
    second: Script = [
        member("QueueMemberPause", T0 + 230, "alice", Paused="0", PausedReason=""),
        leave("30.1", T0 + 240),
        connect("30.1", T0 + 240, 130),
        complete("30.1", T0 + 300, 130, 60),
    ]
    statuses = [
        [queue_params(), queue_member("alice"), queue_member("bob")],
        [
            queue_params(calls=1),
            queue_member("alice", paused="1", reason="training"),
            queue_entry("30.1", wait=90),
        ],
    ]
    stats, feed, ami = run_feed(
        session, [first, second], statuses=statuses, clock=at_connection, until_idle=0.6
    )
    assert (ami.status_asked, stats.connections, stats.statuses, stats.rejected) == (2, 2, 2, 0)
    assert contacts(session) == {"30.1:Sales:1": ("answered", 130.0, 60.0, "alice")}
    assert offered(session) == 1
    rows = session.execute(
        select(Person.login, AgentStateEvent)
        .join(Person, Person.id == AgentStateEvent.person_id)
        .order_by(Person.login, AgentStateEvent.start_epoch_s)
    )
    assert [(login, s.state.value, s.reason_code, s.start_epoch_s - T0) for login, s in rows] == [
        ("alice", "available", None, 100),
        ("alice", "not_ready", "training", 200),
        ("alice", "available", None, 230),
        ("alice", "on_contact", None, 240),
        ("alice", "available", None, 300),
        ("bob", "available", None, 100),
        ("bob", "offline", None, 200),
    ]
    assert feed.mapper.notes["waiting_at_connection"] == 0  # known already: not a new arrival


def test_queue_status_mapping_of_a_gap() -> None:
    """The mapper alone: a caller waiting before a gap and not listed after it left the queue
    (ended ``other`` after the grace, at the status's time); a member named by its interface
    goes through the aliases; Calls in QueueParams that disagree with the rows are noted."""
    mapper = AmiMapper(aliases={"Local/1127@agents": "dana"}, leave_grace_s=5)
    [waiting] = mapper.feed(join("40.1", T0), received=T0)
    assert isinstance(waiting, PendingCall)
    changes = mapper.snapshot(
        [
            {"Response": "Success", "EventList": "start", "Message": "Queue status will follow"},
            queue_params(calls=2),
            queue_member("", location="Local/1127@agents", in_call="1", status="2"),
            queue_entry("40.2", wait=30, caller="anonymous"),
            {"Event": "QueueStatusComplete", "EventList": "Complete", "ListItems": "3"},
        ],
        received=T0 + 60,
    )
    arrivals = [c for c in changes if isinstance(c, PendingCall)]
    assert [(c.external_id, c.arrival, c.customer) for c in arrivals] == [
        ("40.2:Sales:1", T0 + 30, None)
    ]
    spans = [(c.person, c.state.value) for c in changes if isinstance(c, AgentStateRow)]
    assert spans == [("dana", "on_contact")]
    assert mapper.notes["queue_params_calls_differ"] == 1
    assert mapper.flush(T0 + 62) == []  # within the grace an answer may still come
    [ended] = mapper.flush(T0 + 65)
    assert isinstance(ended, ContactRow)
    assert (ended.external_id, ended.outcome.value, ended.wait_s) == ("40.1:Sales:1", "other", 60.0)
    assert [c.external_id for c in mapper.open_calls()] == ["40.2:Sales:1"]
    # dana's call, unknown to the feed, ends: she is available again
    done = mapper.feed(
        {**complete("39.9", T0 + 90, 10, 80), "MemberName": "", "Interface": "Local/1127@agents"},
        received=T0 + 90,
    )
    states = [(c.person, c.state.value) for c in done if isinstance(c, AgentStateRow)]
    assert states[-1] == ("dana", "available")


def test_a_feed_of_a_site_refuses_the_queues_of_another_site(session: Session) -> None:
    """``--site Main``: a call on Berlin's Support queue is refused naming both sites, a call on
    a queue Main does not have names the queue and the site; Sales takes its call."""
    make_org(session, timezone="UTC")
    org_service.create_site(
        session=session, data=org_schemas.SiteIn(name="Berlin", timezone="Europe/Berlin")
    )
    org_service.create_queue(
        session=session, data=org_schemas.QueueIn(name="Support", channel="voice", site="Berlin")
    )
    main = flows.feed_site_id(session=session, name="Main")
    script: Script = [
        join("50.1", T0),
        join("50.2", T0 + 1, queue="Support"),
        join("50.3", T0 + 2, queue="Billing"),
        abandon("50.1", T0 + 20, 20),
    ]
    stats, _, _ = run_feed(session, [script], site_id=main)
    assert (stats.accepted, stats.rejected) == (2, 2)  # 50.1's arrival and its end
    assert [r.split(": ", 1)[1] for r in stats.rejects] == [
        "queue 'Support' is not a queue of site 'Main' (it belongs to site 'Berlin'); a site's "
        "calls are never attached to another site's queue",
        "unknown queue 'Billing' at site 'Main'",
    ]
    assert contacts(session) == {"50.1:Sales:1": ("abandoned", 20.0, 0.0, None)}


def test_the_feeds_of_two_sites_keep_their_own_open_calls(
    cli: CliRunner, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two PBXs, two sites: each feed's calls open when it stops are kept under its own source
    (``asterisk-ami@SITE``), so one feed stopping never drops the other's."""
    make_org(session, timezone="UTC")
    org_service.create_site(
        session=session, data=org_schemas.SiteIn(name="Berlin", timezone="Europe/Berlin")
    )
    org_service.create_queue(
        session=session, data=org_schemas.QueueIn(name="Support", channel="voice", site="Berlin")
    )
    session.commit()
    monkeypatch.setenv("TEST_AMI_SECRET", "s3cret")
    for site, uid, queue in (("Main", "61.1", "Sales"), ("Berlin", "62.1", "Support")):
        with in_thread(FakeAmi([[join(uid, T0, queue=queue)]])) as port:
            args = ["events", "ami", "--host", "127.0.0.1", "--port", str(port)]
            args += ["--username", "ccops", "--secret-env", "TEST_AMI_SECRET", "--site", site]
            result = _off_loop(cli.invoke, app, [*args, "--until-idle", "0.5", "--json"])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        assert (summary["accepted"], summary["rejected"], summary["open_calls"]) == (1, 0, 1)
    session.expire_all()
    kept = {
        source: [p.external_id for p in continuity.list_pending(session=session, source=source)]
        for source in ("asterisk-ami@Main", "asterisk-ami@Berlin", PENDING_SOURCE)
    }
    assert kept == {
        "asterisk-ami@Main": ["61.1:Sales:1"],
        "asterisk-ami@Berlin": ["62.1:Support:1"],
        PENDING_SOURCE: [],
    }
    assert session.scalar(select(func.count()).select_from(LiveContact)) == 2
