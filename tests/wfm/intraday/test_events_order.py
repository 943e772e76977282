"""Event intake under disorder and concurrency: shuffled events never roll a contact back (an
event older than the newest seen is answered stale), and overlapping batches sent at the same
time by several clients get an answer per event, never a server error."""

from __future__ import annotations

import json
import random
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ccops import flows
from ccops.contacts.models import Contact
from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.wfm.intraday.intake import store
from ccops.wfm.intraday.models import IntakeEvent, IntradayInterval
from tests.factories import make_org
from tests.factories.web import World, served

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _event(
    eid: str, call: str, arrival: datetime, at: datetime, **fields: object
) -> dict[str, object]:
    body: dict[str, object] = {
        "id": eid,
        "type": "contact",
        "queue": "Sales",
        "external_id": call,
        "arrival": arrival.isoformat(),
        "event_at": at.isoformat(),
    }
    body.update(fields)
    return body


def _history(n: int, start: datetime) -> list[dict[str, object]]:
    """Per contact: arrival, a first answer, the final record, the final record sent again later
    (a no-op that is newer), and an event between the two that must never win."""
    events: list[dict[str, object]] = []
    for i in range(n):
        call = f"call-{i}"
        arrival = start + timedelta(seconds=37 * i)
        answered = {"outcome": "answered", "wait_s": 10, "agent": "alice"}
        events += [
            _event(f"{call}-a", call, arrival, arrival),
            _event(
                f"{call}-b", call, arrival, arrival + timedelta(minutes=2), talk_s=60, **answered
            ),
            _event(
                f"{call}-c",
                call,
                arrival,
                arrival + timedelta(minutes=5),
                talk_s=120,
                wrap_s=30,
                **answered,
            ),
            _event(
                f"{call}-d",
                call,
                arrival,
                arrival + timedelta(minutes=7),
                talk_s=120,
                wrap_s=30,
                **answered,
            ),
            _event(
                f"{call}-e", call, arrival, arrival + timedelta(minutes=6), talk_s=90, **answered
            ),
        ]
    return events


def _final_state(session: Session) -> tuple[dict[str, tuple[float, float]], float, int]:
    contacts = {
        c.external_id: (c.talk_s, c.wrap_s)
        for c in session.scalars(select(Contact).where(Contact.source == "events"))
    }
    handle = session.scalar(select(func.sum(IntradayInterval.handle_sum_s))) or 0.0
    offered = session.scalar(select(func.sum(IntradayInterval.offered))) or 0
    return contacts, float(handle), int(offered)


def test_shuffled_events_of_200_contacts_roll_none_back(session: Session) -> None:
    make_org(session, timezone="UTC")
    events = _history(200, T0)
    random.Random(21).shuffle(events)
    answers: dict[str, str] = {}
    for first in range(0, len(events), 25):
        out = flows.ingest_events(
            session=session,
            events=[json.dumps(e) for e in events[first : first + 25]],
            secret_key="k",
            now=NOW,
        )
        assert out.rejected == 0, [r for r in out.results if r.status == "rejected"]
        assert out.stale == sum(r.status == "stale" for r in out.results)
        answers.update({str(r.id): r.status for r in out.results})
    contacts, handle, offered = _final_state(session)
    rolled_back = sorted(k for k, v in contacts.items() if v != (120, 30))
    assert len(contacts) == 200 and rolled_back == []
    assert (handle, offered) == (200 * 150.0, 200)
    # Whenever the newer no-op (d) came before the in-between event (e), e was stale.
    order = {str(e["id"]): n for n, e in enumerate(events)}
    for i in range(200):
        if order[f"call-{i}-d"] < order[f"call-{i}-e"]:
            assert answers[f"call-{i}-e"] == "stale"
    assert sum(s == "stale" for s in answers.values()) > 50
    assert session.scalar(select(func.count()).select_from(IntakeEvent)) == 1000


def test_a_late_event_after_a_newer_repeat_of_the_stored_content_is_stale(
    session: Session,
) -> None:
    make_org(session, timezone="UTC")
    arrival = T0
    answered = {"outcome": "answered", "wait_s": 10, "agent": "alice"}
    final = _event("f", "x", arrival, arrival + timedelta(minutes=5), talk_s=120, **answered)
    again = {**final, "id": "g", "event_at": (arrival + timedelta(minutes=9)).isoformat()}
    between = _event("h", "x", arrival, arrival + timedelta(minutes=7), talk_s=30, **answered)
    for batch in ([final], [again], [between]):
        out = flows.ingest_events(
            session=session, events=[json.dumps(e) for e in batch], secret_key="k", now=NOW
        )
    assert (out.stale, out.accepted, out.results[0].status) == (1, 0, "stale")
    assert "older than the newest event seen for contact x" in out.results[0].detail
    assert session.scalars(select(Contact.talk_s)).all() == [120]


def test_a_conflicting_write_is_retried_in_a_savepoint(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first try meets a unique-key conflict: it is undone and the batch is written once."""
    make_org(session, timezone="UTC")
    real = store._store_batch
    calls: list[int] = []

    def flaky(**kw: object) -> store.StoredBatch:
        calls.append(1)
        out = real(**kw)  # type: ignore[arg-type]
        if len(calls) == 1:
            raise IntegrityError("insert", {}, Exception("duplicate key"))
        return out

    monkeypatch.setattr(store, "_store_batch", flaky)
    events = [json.dumps(e) for e in _history(3, T0)]
    out = flows.ingest_events(session=session, events=events, secret_key="k", now=NOW)
    assert len(calls) == 2 and out.received == 15 and out.rejected == 0
    assert session.scalar(select(func.count()).select_from(IntakeEvent)) == 15
    contacts, handle, offered = _final_state(session)
    assert set(contacts.values()) == {(120, 30)} and (handle, offered) == (450.0, 3)


def test_an_event_that_keeps_conflicting_is_refused_alone(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch keeps failing: it is written event by event and only the bad one is refused."""
    make_org(session, timezone="UTC")
    real = store._store_batch

    def poisoned(**kw: object) -> store.StoredBatch:
        items = kw["items"]
        assert isinstance(items, list)
        if any('"call-1-c"' in str(item) for item in items):
            raise IntegrityError("insert", {}, Exception("duplicate key"))
        return real(**kw)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "_store_batch", poisoned)
    events = [json.dumps(e) for e in _history(2, T0)]
    out = flows.ingest_events(session=session, events=events, secret_key="k", now=NOW)
    assert out.received == 10 and out.rejected == 1
    refused = next(r for r in out.results if r.status == "rejected")
    assert refused.line == 8 and "send it again" in refused.detail
    assert [r.line for r in out.results] == list(range(1, 11))


def test_four_clients_sending_overlapping_batches_get_an_answer_per_event(world: World) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    events = [json.dumps(e) for e in _history(40, start)]  # 200 events on 40 contacts
    token = world.tokens[Role.admin]
    answers: dict[str, list[str]] = {str(json.loads(e)["id"]): [] for e in events}
    statuses: list[int] = []
    problems: list[str] = []
    lock = threading.Lock()

    def client(k: int, url: str) -> None:
        mine = events[k * 50 :] + events[: k * 50]
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as http:
            for first in range(0, len(mine), 40):
                batch = mine[first : first + 40]
                response = http.post(
                    "/api/v1/events",
                    content="\n".join(batch).encode(),
                    headers={"Content-Type": "application/x-ndjson"},
                )
                with lock:
                    statuses.append(response.status_code)
                    if response.status_code != 200:
                        problems.append(response.text[:300])
                        continue
                    body = response.json()
                    if len(body["results"]) != len(batch):
                        problems.append(f"{len(body['results'])} answers for {len(batch)}")
                    for r in body["results"]:
                        answers[r["id"]].append(r["status"])

    with served(world.settings) as url:
        threads = [threading.Thread(target=client, args=(k, url)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    assert problems == [] and statuses == [200] * 20
    # Every event was answered four times: once taken (accepted or stale), three times a duplicate.
    for eid, got in answers.items():
        assert len(got) == 4 and got.count("duplicate") == 3, (eid, got)
        assert got.count("rejected") == 0, (eid, got)
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        contacts, handle, offered = _final_state(s)
        logged = s.scalar(select(func.count()).select_from(IntakeEvent))
    engine.dispose()
    assert logged == 200 and len(contacts) == 40
    assert set(contacts.values()) == {(120, 30)}
    assert (handle, offered) == (40 * 150.0, 40)


def test_an_event_with_an_unknown_field_is_refused_alone(session: Session) -> None:
    make_org(session, timezone="UTC")
    good = _event("ok", "y", T0, T0, outcome="abandoned", wait_s=3)
    typo = {**_event("typo", "z", T0, T0, outcome="abandoned", wait_s=3), "wiat_s": 3}
    state = {
        "id": "s",
        "type": "agent_state",
        "person": "alice",
        "state": "available",
        "start": T0.isoformat(),
        "colour": "red",
        "mood": "fine",
    }
    out = flows.ingest_events(
        session=session,
        events=[json.dumps(e) for e in (good, typo, state)],
        secret_key="k",
        now=NOW,
    )
    assert [r.status for r in out.results] == ["accepted", "rejected", "rejected"]
    assert out.results[1].field == "wiat_s"
    assert out.results[1].detail.startswith("unknown field 'wiat_s': an event of type contact")
    assert out.results[2].detail.startswith("unknown fields 'colour', 'mood'")
    assert session.scalars(select(Contact.external_id)).all() == ["y"]


def test_a_batch_over_the_event_cap_is_refused_whole(world: World) -> None:
    settings = world.settings.model_copy(update={"events_max_per_request": 5})
    client = World(settings, world.tokens).client(Role.admin)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    lines = [json.dumps(e) for e in _history(2, start)]
    response = client.post("/api/v1/events", content="\n".join(lines).encode())
    assert response.status_code == 422
    assert response.json()["message"] == (
        "a batch holds at most 5 events; this one has 10: split it"
    )
    five = client.post("/api/v1/events", content="\n".join(lines[:5]).encode()).json()
    assert (five["received"], five["accepted"], five["stale"], five["rejected"]) == (5, 4, 1, 0)
