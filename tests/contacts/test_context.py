"""A contact's business context (reason, topic, answer used, flags, survey) in files, events, the
API and erasure: validated where it comes in, kept when an update brings none."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts import imports as contacts_imports
from ccops.contacts import privacy as contacts_privacy
from ccops.contacts.importers.amazon_connect import contact_from_record
from ccops.contacts.importers.base import Tally, content_hash
from ccops.contacts.models import Contact
from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.errors import Invalid
from ccops.knowledge.models import KbArticle, KbVersion
from ccops.settings import Settings
from tests.factories import make_org
from tests.factories.cases import add_contact
from tests.factories.web import World

HEADER = (
    "external_id,queue,arrival,outcome,wait_s,talk_s,agent,customer_key,"
    "reason_code,topic,kb_article_id,kb_article_version,transferred,escalated,"
    "recording_ref,transcript_ref,csat,nps"
)


def _import(session: Session, settings: Settings, path: Path, *, update: bool = False) -> object:
    return contacts_imports.import_contacts(
        session=session, settings=settings, path=path, format="csv", update=update
    )


def _contact(session: Session, ext: str) -> Contact:
    return session.scalars(select(Contact).where(Contact.external_id == ext)).one()


def test_csv_context_is_stored_and_its_hash_leaves_old_contacts_alone(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        f"{HEADER}\n"
        "k1,Sales,2024-01-15T09:00:00+00:00,answered,10,200,alice,555,"
        "BILL-02,billing,7,3,yes,no,rec/k1.wav,,4,9\n"
        "k2,Sales,2024-01-15T09:01:00+00:00,abandoned,30,0,,,,,,,,,,,,\n",
        encoding="utf-8",
    )
    report = _import(main_org, settings, path)
    assert report.inserted == 2  # type: ignore[attr-defined]
    k1, k2 = _contact(main_org, "k1"), _contact(main_org, "k2")
    assert (
        k1.reason_code,
        k1.topic,
        k1.kb_article_id,
        k1.kb_article_version,
        k1.transferred,
        k1.escalated,
        k1.recording_ref,
        k1.transcript_ref,
        k1.csat,
        k1.nps,
    ) == ("BILL-02", "billing", 7, 3, True, False, "rec/k1.wav", None, 4, 9)
    assert (k2.topic, k2.transferred, k2.csat) == (None, None, None)
    # A contact without context hashes as it did before context existed.
    assert k2.content_hash == content_hash(
        (
            k2.queue_id,
            k2.channel_id,
            None,
            k2.arrival_at,
            None,
            k2.ended_at,
            "abandoned",
            30.0,
            0.0,
            0.0,
            0.0,
        )
    )


@pytest.mark.parametrize(
    ("cells", "field", "message"),
    [
        (",,,,,,,,6,", "csat", "6 is not a whole number from 1 to 5"),
        (",,,,,,,,,11", "nps", "11 is not a whole number from 0 to 10"),
        (",,,,maybe,,,,,", "transferred", "'maybe' is not yes or no"),
        (",,,2,,,,,,", "kb_article_version", "an article version needs kb_article_id"),
        (",,0,,,,,,,", "kb_article_id", "0 is not a whole number"),
        ("," + "t" * 101 + ",,,,,,,,", "topic", "longer than 100 characters (101)"),
    ],
)
def test_bad_context_names_row_and_field_and_stores_nothing(
    main_org: Session,
    settings: Settings,
    tmp_path: Path,
    counts: Callable[[], dict[str, int]],
    cells: str,
    field: str,
    message: str,
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        f"{HEADER}\nb1,Sales,2024-01-15T09:00:00+00:00,answered,10,200,alice,,{cells}\n",
        encoding="utf-8",
    )
    before = counts()
    with pytest.raises(Invalid) as caught:
        _import(main_org, settings, path)
    problem = caught.value.problems[0]
    assert (problem.row, problem.field) == (2, field)
    assert message in problem.message
    assert counts() == before


def test_an_update_without_context_keeps_the_stored_context(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    first = tmp_path / "calls.csv"
    first.write_text(
        f"{HEADER}\nu1,Sales,2024-01-15T09:00:00+00:00,answered,10,200,alice,,"
        "R1,billing,,,,,,,5,\n",
        encoding="utf-8",
    )
    _import(main_org, settings, first)
    plain = tmp_path / "plain.csv"
    plain.write_text(
        "external_id,queue,arrival,outcome,wait_s,talk_s,agent\n"
        "u1,Sales,2024-01-15T09:00:00+00:00,answered,10,260,alice\n",
        encoding="utf-8",
    )
    report = _import(main_org, settings, plain, update=True)
    assert report.updated == 1  # type: ignore[attr-defined]
    u1 = _contact(main_org, "u1")
    main_org.refresh(u1)
    assert (u1.talk_s, u1.reason_code, u1.topic, u1.csat) == (260.0, "R1", "billing", 5)


def test_events_carry_context(admin_client: TestClient, session: Session) -> None:
    make_org(session, timezone="UTC")
    session.commit()
    event = {
        "id": "e1",
        "type": "contact",
        "queue": "Sales",
        "arrival": "2026-11-23T09:01:00+00:00",
        "outcome": "answered",
        "wait_s": 12,
        "talk_s": 240,
        "topic": "refund",
        "escalated": True,
        "transcript_ref": "s3://t/e1.json",
        "nps": 3,
    }
    bad = {**event, "id": "e2", "external_id": "e2", "csat": 0}
    body = "\n".join(json.dumps(e) for e in (event, bad))
    out = admin_client.post("/api/v1/events", content=body).json()
    assert [r["status"] for r in out["results"]] == ["accepted", "rejected"]
    assert "csat" in out["results"][1]["detail"]
    session.expire_all()
    stored = _contact(session, "e1")
    assert (stored.topic, stored.escalated, stored.transcript_ref, stored.nps) == (
        "refund",
        True,
        "s3://t/e1.json",
        3,
    )


def test_amazon_connect_recording_and_transfer() -> None:
    record: dict[str, object] = {
        "ContactId": "c1",
        "Queue": {"Name": "Sales", "EnqueueTimestamp": "2024-01-15T09:01:00Z"},
        "Agent": {
            "Username": "alice",
            "ConnectedToAgentTimestamp": "2024-01-15T09:01:20Z",
            "AgentInteractionDuration": 100,
        },
        "Recording": {"Location": "connect-bucket/2024/01/15/c1.wav", "Type": "AUDIO"},
        "TransferCompletedTimestamp": "2024-01-15T09:03:00Z",
    }
    row = contact_from_record(record, 1, Tally("ctr.json"))
    assert row is not None
    assert (row.context.recording_ref, row.context.transferred) == (
        "connect-bucket/2024/01/15/c1.wav",
        True,
    )
    del record["Recording"], record["TransferCompletedTimestamp"]
    record["Recordings"] = [{"Location": "b/c1-2.wav"}]
    again = contact_from_record(record, 1, Tally("ctr.json"))
    assert again is not None
    assert (again.context.recording_ref, again.context.transferred) == ("b/c1-2.wav", None)


def test_erasure_removes_recording_and_transcript_references(
    main_org: Session, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        f"{HEADER}\nz1,Sales,2024-01-15T09:00:00+00:00,answered,10,200,alice,777,"
        ",billing,,,,,rec/z1.wav,txt/z1.json,2,\n",
        encoding="utf-8",
    )
    _import(main_org, settings, path)
    affected = contacts_privacy.erase_customer(
        session=main_org, customer_key="777", secret_key=settings.resolved_secret_key()
    )
    assert affected == 1
    z1 = _contact(main_org, "z1")
    main_org.refresh(z1)
    assert (z1.customer_hash, z1.recording_ref, z1.transcript_ref) == (None, None, None)
    assert (z1.topic, z1.csat) == ("billing", 2)  # statistics are kept


AT = datetime(2026, 11, 16, 10, tzinfo=UTC)


def _seed(world: World) -> dict[str, int]:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        ids = {login: add_contact(s, login, AT) for login in ("alice", "carol")}
        article = KbArticle(topic="billing", owner="lead", created_by="lead", published_version=2)
        s.add(article)
        s.flush()
        for n in (1, 2):
            s.add(
                KbVersion(
                    article_id=article.id,
                    version=n,
                    title=f"Refunds v{n}",
                    body="b",
                    search_text="b",
                    status="published" if n == 2 else "superseded",
                    created_by="lead",
                )
            )
        ids["article"] = article.id
        s.commit()
    engine.dispose()
    return ids


def test_api_records_context_in_scope_only(world: World) -> None:
    ids = _seed(world)
    agent = world.client(Role.agent)
    url = f"/api/v1/contacts/{ids['alice']}/context"
    done = agent.patch(url, json={"kb_article_id": ids["article"], "reason_code": "R7"})
    assert done.status_code == 200, done.text
    body = done.json()
    # The version published now, and the answer's topic.
    assert (body["kb_article_version"], body["topic"], body["reason_code"]) == (2, "billing", "R7")
    older = agent.patch(url, json={"kb_article_id": ids["article"], "kb_article_version": 1})
    assert older.json()["kb_article_version"] == 1 and older.json()["reason_code"] == "R7"
    cleared = agent.patch(url, json={"reason_code": None})
    assert cleared.json()["reason_code"] is None and cleared.json()["topic"] == "billing"

    refusals = [
        (f"/api/v1/contacts/{ids['carol']}/context", {"topic": "x"}, 404),
        (url, {"kb_article_id": ids["article"], "kb_article_version": 9}, 422),
        (url, {"kb_article_id": ids["article"] + 100}, 422),
        (url, {"csat": 6}, 422),
        (url, {"colour": "red"}, 422),
        (f"/api/v1/contacts/{ids['carol'] + 1000}/context", {"topic": "x"}, 404),
    ]
    for target, payload, status in refusals:
        answer = agent.patch(target, json=payload)
        assert answer.status_code == status, (payload, answer.text)
    assert world.client(Role.executive).patch(url, json={"topic": "x"}).status_code == 403
    listed = world.client(Role.admin).get("/api/v1/contacts", params={"queue": "Sales"}).json()
    mine = next(c for c in listed if c["id"] == ids["alice"])
    assert (mine["topic"], mine["kb_article_version"]) == ("billing", 1)
