"""Event intake: idempotent per id, late and out-of-order events, per-event reasons, aggregates
that agree with the metrics registry's KPIs on the same data."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops import flows
from ccops.contacts.models import AgentStateEvent, Contact
from ccops.metrics import service as metrics_service
from ccops.settings import Settings
from ccops.wfm.intraday import schemas as intraday_schemas
from ccops.wfm.intraday import totals
from ccops.wfm.intraday.models import IntakeEvent, IntradayInterval
from tests.factories import make_org

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def contact(
    eid: str, minute: float, outcome: str = "answered", wait: float = 10, **kw: object
) -> str:
    arrival = T0 + timedelta(minutes=minute)
    body: dict[str, object] = {
        "id": eid,
        "type": "contact",
        "queue": "Sales",
        "arrival": arrival.isoformat(),
        "outcome": outcome,
        "wait_s": wait,
    }
    if outcome == "answered":
        body.update(talk_s=120, wrap_s=30, agent="alice")
    body.update(kw)
    return json.dumps(body)


def ingest(session: Session, lines: list[str], **kw: object) -> intraday_schemas.IntakeOut:
    return flows.ingest_events(
        session=session,
        events=lines,
        secret_key="k",
        now=NOW,
        **kw,  # type: ignore[arg-type]
    )


def agg(session: Session) -> dict[datetime, IntradayInterval]:
    return {r.interval_start.astimezone(UTC): r for r in session.scalars(select(IntradayInterval))}


def test_each_event_gets_its_reason_and_good_ones_are_kept(session: Session) -> None:
    make_org(session, timezone="UTC")
    lines = [
        contact("e1", 1),
        "{not json",
        json.dumps({"type": "contact"}),
        json.dumps({"id": "e2", "type": "call"}),
        contact("e3", 2, queue="Nowhere"),
        contact("e4", 3, agent="mallory"),
        contact("e5", 60 * 24),
        contact("e6", 4, outcome="abandoned", wait=3),
        contact("e1", 1),
        contact("e1", 1, wait=99),
        contact("e7", 5, outcome="answered", wait=-4),
    ]
    out = ingest(session, lines)
    by_line = {r.line: r for r in out.results}
    assert [by_line[i].status for i in range(1, 12)] == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
        "duplicate",
        "rejected",
        "rejected",
    ]
    assert "malformed JSON" in by_line[2].detail
    assert by_line[3].field == "id"
    assert by_line[4].field == "type"
    assert by_line[5].detail == "unknown queue 'Nowhere'"
    assert by_line[6].detail == "unknown agent 'mallory'"
    assert "dated in the future" in by_line[7].detail
    assert "repeats line 1" in by_line[9].detail
    assert "line 1 for other content" in by_line[10].detail
    assert "negative" in by_line[11].detail
    assert (out.accepted, out.duplicate, out.rejected) == (2, 1, 8)
    rows = agg(session)
    assert list(rows) == [T0]
    r = rows[T0]
    assert (r.offered, r.answered, r.abandoned, r.short_abandoned) == (2, 1, 1, 1)
    assert r.answered_within_target == 1 and r.handle_sum_s == 150


def test_a_replayed_batch_changes_nothing(session: Session) -> None:
    make_org(session, timezone="UTC")
    lines = [contact(f"e{i}", i) for i in range(20)]
    first = ingest(session, lines)
    again = ingest(session, lines)
    assert first.accepted == 20 and again.duplicate == 20 and again.accepted == 0
    assert "already received" in again.results[0].detail
    assert session.scalar(select(func.count()).select_from(Contact)) == 20
    assert sum(r.offered for r in agg(session).values()) == 20
    assert session.scalar(select(func.count()).select_from(IntakeEvent)) == 20


def test_a_later_event_updates_the_contact_and_a_late_older_one_does_not(session: Session) -> None:
    make_org(session, timezone="UTC")
    ingest(
        session, [contact("a1", 1, wait=10, external_id="call-1", event_at="2026-11-23T09:05:00Z")]
    )
    moved = contact("a2", 16, wait=40, external_id="call-1", event_at="2026-11-23T09:20:00Z")
    out = ingest(session, [moved])
    assert out.results[0].applied and "updated" in out.results[0].detail
    stale = contact(
        "a3", 1, outcome="abandoned", wait=2, external_id="call-1", event_at="2026-11-23T09:10:00Z"
    )
    late = ingest(session, [stale])
    assert late.results[0].status == "stale" and not late.results[0].applied
    assert late.stale == 1 and late.accepted == 0
    assert "not applied" in late.results[0].detail
    rows = agg(session)
    assert rows[T0].offered == 0 and rows[T0].answered == 0
    second = rows[T0 + timedelta(minutes=15)]
    assert (second.offered, second.answered, second.answered_within_target) == (1, 1, 0)
    assert second.answered_wait_sum_s == 40
    assert session.scalar(select(func.count()).select_from(Contact)) == 1


def state(eid: str, person: str, st: str, start_min: float, end_min: float | None) -> str:
    body: dict[str, object] = {
        "id": eid,
        "type": "agent_state",
        "person": person,
        "state": st,
        "start": (T0 + timedelta(minutes=start_min)).isoformat(),
    }
    if end_min is not None:
        body["end"] = (T0 + timedelta(minutes=end_min)).isoformat()
    return json.dumps(body)


def test_state_changes_close_the_open_span_and_fill_staffed_time(session: Session) -> None:
    make_org(session, timezone="UTC")
    out = ingest(
        session,
        [
            state("s1", "alice", "available", 0, None),
            state("s2", "alice", "on_contact", 10, None),
            state("s3", "alice", "break", 20, 35),
        ],
    )
    assert out.accepted == 3
    assert "closed at the new state's start" in out.results[1].detail
    spans = session.scalars(select(AgentStateEvent).order_by(AgentStateEvent.start_epoch_s)).all()
    assert [
        (s.state, s.end_epoch_s - s.start_epoch_s if s.end_epoch_s else None) for s in spans
    ] == [
        ("available", 600),
        ("on_contact", 600),
        ("break", 900),
    ]
    rows = agg(session)
    first = rows[T0]
    assert (first.staffed_s, first.handling_s, first.available_s) == (900.0, 300.0, 600.0)
    second = rows[T0 + timedelta(minutes=15)]
    assert second.staffed_s == 300.0 and second.handling_s == 300.0


def test_aggregates_agree_with_the_metrics_registry(session: Session, settings: Settings) -> None:
    make_org(session, timezone="Europe/London", short_abandon_s=5)
    lines = []
    for i in range(60):
        outcome = ("answered", "abandoned", "answered", "transferred")[i % 4]
        wait = float((i * 7) % 45)
        extra: dict[str, object] = {"agent": "bob"} if outcome == "transferred" else {}
        if outcome == "transferred":
            extra.update(
                talk_s=200,
                hold_s=15,
                wrap_s=5,
                answered_at=(T0 + timedelta(minutes=i * 1.5, seconds=wait)).isoformat(),
            )
        lines.append(contact(f"m{i}", i * 1.5, outcome=outcome, wait=wait, **extra))
    out = ingest(session, lines)
    assert out.accepted == 60, [r for r in out.results if r.status != "accepted"]
    session.commit()
    with metrics_service.source_for_database(settings.resolved_database_url()) as source:
        kpis = metrics_service.queue_interval_kpis(
            source=source, first=date(2026, 11, 23), last=date(2026, 11, 23), interval_min=15
        )
    rows = agg(session)
    assert len(kpis) == len(rows) == 6
    for k in kpis:
        r = rows[k.interval_start.astimezone(UTC)]
        assert (r.offered, r.answered, r.abandoned, r.short_abandoned) == (
            k.offered,
            k.answered,
            k.abandoned,
            k.short_abandoned,
        )
        assert r.answered_within_target == k.answered_within_target
        real = r.offered - r.short_abandoned
        assert r.answered_within_target / real == pytest.approx(k.service_level, abs=1e-12)
        assert r.answered_wait_sum_s / r.answered == pytest.approx(k.asa_s, abs=1e-9)
        assert r.handle_sum_s / r.answered == pytest.approx(k.aht_s, abs=1e-9)
    totals.rebuild_day(session=session, queue_id=1, day=date(2026, 11, 23))
    rebuilt = agg(session)
    assert {k: v.offered for k, v in rebuilt.items()} == {k: v.offered for k, v in rows.items()}


def test_follow_sends_only_new_rows_of_a_growing_file(session: Session, tmp_path: Path) -> None:
    make_org(session, timezone="UTC")
    path = tmp_path / "calls.csv"
    header = "external_id,queue,arrival,outcome,wait_s,talk_s,agent\n"
    path.write_text(header + "c1,Sales,2026-11-23T09:01:00+00:00,answered,5,100,alice\n")
    sent: set[str] = set()
    first = flows.follow_file_once(session=session, path=path, fmt="csv", secret_key="k", sent=sent)
    assert first is not None and first.accepted == 1
    with path.open("a") as f:
        f.write("c2,Sales,2026-11-23T09:02:00+00:00,abandoned,30,,\n")
    second = flows.follow_file_once(
        session=session, path=path, fmt="csv", secret_key="k", sent=sent
    )
    assert second is not None and second.accepted == 1
    assert (
        flows.follow_file_once(session=session, path=path, fmt="csv", secret_key="k", sent=sent)
        is None
    )
    assert agg(session)[T0].offered == 2


def test_an_arrival_counts_as_offered_until_the_contact_ends(session: Session) -> None:
    make_org(session, timezone="UTC")
    arrival = json.dumps(
        {
            "id": "arr-1",
            "type": "contact",
            "queue": "Sales",
            "external_id": "call-9",
            "arrival": (T0 + timedelta(minutes=14)).isoformat(),
        }
    )
    out = ingest(session, [arrival])
    assert out.results[0].applied and "waiting" in out.results[0].detail
    assert agg(session)[T0].offered == 1 and agg(session)[T0].answered == 0
    done = contact("end-1", 14, wait=30, external_id="call-9")
    ingest(session, [done])
    row = agg(session)[T0]
    assert (row.offered, row.answered) == (1, 1)
    late = ingest(session, [arrival.replace("arr-1", "arr-2")])
    assert not late.results[0].applied and "already ended" in late.results[0].detail
    assert agg(session)[T0].offered == 1
    bad = json.dumps(
        {"id": "arr-3", "type": "contact", "queue": "Sales", "talk_s": 3, "arrival": T0.isoformat()}
    )
    assert ingest(session, [bad]).results[0].field == "talk_s"
