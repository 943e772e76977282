"""Genesys Cloud conversation details (issue #15, connectors): a hand-checked sample in the shape
the analytics conversation-detail query and its jobs return (tests/data/README.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.contacts import imports as contacts_imports
from ccops.contacts.importers.base import Tally
from ccops.contacts.importers.genesys_cloud import contacts_from_conversation, conversations
from ccops.contacts.models import Contact
from ccops.errors import Invalid
from ccops.org.models import Person, Queue
from ccops.settings import Settings
from tests.factories import make_org
from tests.plugins.data import TEST_DATA

SAMPLE = TEST_DATA / "genesys_cloud_conversations.json"
FORMAT = "genesys-cloud-conversations"


def _at(hms: str) -> datetime:
    h, m, s = (int(p) for p in hms.split(":"))
    return datetime(2024, 1, 15, h, m, s, tzinfo=UTC)


def _stored(session: Session) -> dict[str, tuple[Any, ...]]:
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
            c.transferred,
            c.customer_hash is not None,
        )
        for c, queue, login in rows
    }


EXPECTED = {
    "4d1e0a9c-0001-answered": (
        "Sales",
        _at("09:01:00"),
        _at("09:01:20"),
        _at("09:05:00"),
        "answered",
        20.0,  # tAcd 20000 ms
        200.0,  # tTalk
        20.0,  # tHeld
        25.0,  # tAcw
        "alice",
        None,
        True,
    ),
    "4d1e0a9c-0002-abandoned": (
        "Sales",
        _at("09:02:10"),
        None,
        _at("09:02:45"),
        "abandoned",
        35.0,  # tAbandon
        0.0,
        0.0,
        0.0,
        None,
        None,
        True,
    ),
    # transferred from Sales to Support: one contact per queue, no metrics (segments count)
    "4d1e0a9c-0003-transferred": (
        "Sales",
        _at("09:10:05"),
        _at("09:10:15"),
        _at("09:12:15"),
        "answered",
        10.0,
        120.0,
        0.0,
        30.0,
        "alice",
        True,
        True,
    ),
    "4d1e0a9c-0003-transferred:2": (
        "Support",
        _at("09:12:15"),
        _at("09:13:00"),
        _at("09:16:00"),
        "answered",
        45.0,
        180.0,
        0.0,
        30.0,
        "bob",
        None,
        True,
    ),
}


def test_conversations_are_stored_one_contact_per_queue(
    main_org: Session, settings: Settings
) -> None:
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=SAMPLE, format=FORMAT
    )
    assert (report.rows_read, report.inserted, report.rejected) == (5, 4, 0)
    assert (report.source, report.skipped, report.notes) == (
        "genesys-cloud",
        {"not_queued": 1, "in_progress": 1},
        {"caller_hung_up": 1},
    )
    assert _stored(main_org) == EXPECTED
    offered = sorted(v[0] for v in EXPECTED.values())
    assert offered == ["Sales", "Sales", "Sales", "Support"]
    again = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=SAMPLE, format=FORMAT
    )
    assert (again.inserted, again.unchanged) == (0, 4)


def test_the_customer_key_is_the_ani_without_its_scheme() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    first = next(value for _, value in conversations(text))
    rows = contacts_from_conversation(first, 1, Tally("g.json"))
    assert [r.customer_key for r in rows] == ["+447700900001"]


def test_each_conversation_is_located_on_its_own_line() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    found = [(line, value["conversationId"]) for line, value in conversations(text)]
    assert [line for line, _ in found] == [3, 33, 53, 80, 83]
    assert [cid[9:13] for _, cid in found] == ["0001", "0002", "0003", "0004", "0005"]


def test_a_later_copy_of_a_conversation_wins() -> None:
    conversation = {
        "conversationId": "c1",
        "conversationEnd": "2024-01-15T09:02:00Z",
        "participants": [
            {
                "purpose": "acd",
                "participantName": "Sales",
                "sessions": [
                    {
                        "segments": [
                            {
                                "segmentType": "interact",
                                "segmentStart": "2024-01-15T09:00:00Z",
                                "segmentEnd": "2024-01-15T09:00:30Z",
                                "queueId": "q1",
                                "disconnectType": "peer",
                            }
                        ]
                    }
                ],
            }
        ],
    }
    later = json.loads(json.dumps(conversation))
    later["conversationEnd"] = "2024-01-15T09:03:00Z"
    later["participants"][0]["participantName"] = "Support"
    rows = contacts_from_conversation(later, 1, Tally("g.json"))
    assert [(r.queue, r.outcome.value, r.wait_s) for r in rows] == [("Support", "abandoned", 30.0)]


def test_bad_conversations_are_named_by_number_line_and_field(
    main_org: Session, settings: Settings, tmp_path: Path, counts: Callable[[], dict[str, int]]
) -> None:
    acd = (
        '{"purpose": "acd", "participantName": "Sales", "sessions": [{"segments": '
        '[{"segmentType": "interact", "segmentStart": "%s", "segmentEnd": '
        '"2024-01-15T09:00:30Z", "queueId": "q1"}]}]}'
    )
    good = acd % "2024-01-15T09:00:00Z"
    path = tmp_path / "conv.json"
    path.write_text(
        '{"conversationId": "a", "conversationEnd": "2024-01-15T09:01:00Z", '
        f'"participants": [{{"purpose": "customer"}}, {acd % "at nine"}]}}\n'
        '{"conversationId": "b", "conversationEnd": "2024-01-15T09:01:00Z", '
        f'"participants": [{good}]}}\n'
        '{"conversationEnd": "2024-01-15T09:01:00Z"}\n'
        '{"conversationId": "d", "conversationEnd": "2024-01-15T09:01:00Z", '
        '"participants": [{"purpose": "acd", "sessions": [{"metrics": '
        '[{"name": "tAcd", "value": -5}]}]}]}\n',
        encoding="utf-8",
    )
    before = counts()
    with pytest.raises(Invalid) as refused:
        contacts_imports.import_contacts(
            session=main_org, settings=settings, path=path, format=FORMAT
        )
    assert [(p.row, p.field, p.file) for p in refused.value.problems] == [
        (1, "participants[1].sessions[0].segments[0].segmentStart", "conv.json"),
        (3, "conversationId", "conv.json"),
        (4, "participants[0].sessions[0].metrics[0].value", "conv.json"),
    ]
    assert refused.value.problems[0].message.startswith("conversation 1 (line 1): 'at nine'")
    assert counts() == before
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=path, format=FORMAT, skip_invalid=True
    )
    assert (report.inserted, report.rejected) == (1, 3)
    assert _stored(main_org)["b"][4:6] == ("abandoned", 30.0)


def test_the_api_and_the_cli_take_the_format(
    admin_client: TestClient, session: Session, cli: CliRunner
) -> None:
    make_org(session, queues=("Sales", "Support"))
    session.commit()
    response = admin_client.post(
        "/api/v1/imports/contacts",
        files={"file": (SAMPLE.name, SAMPLE.read_bytes(), "application/json")},
        data={"format": FORMAT},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["inserted"], response.json()["source"]) == (4, "genesys-cloud")
    result = cli.invoke(app, ["import", "contacts", str(SAMPLE), "--format", FORMAT, "--json"])
    assert result.exit_code == 0, result.output
    assert (json.loads(result.stdout)["unchanged"], json.loads(result.stdout)["inserted"]) == (
        4,
        0,
    )


def test_the_webhook_takes_conversations_and_answers_per_conversation(
    admin_client: TestClient, session: Session
) -> None:
    make_org(session, queues=("Sales", "Support"))
    session.commit()
    body = SAMPLE.read_text(encoding="utf-8") + '\n{"conversationId": "bad", "participants": 3,'
    body += ' "conversationEnd": "2024-01-15T09:30:00Z"}'
    response = admin_client.post("/api/v1/events/genesys-cloud", content=body.encode())
    assert response.status_code == 200, response.text
    out = response.json()
    assert [(r["line"], r["status"], r["field"]) for r in out["results"]] == [
        (1, "accepted", None),
        (2, "accepted", None),
        (3, "accepted", None),  # Sales
        (3, "accepted", None),  # then Support
        (4, "accepted", None),  # skipped: never queued
        (5, "accepted", None),  # skipped: still going
        (6, "rejected", "participants"),
    ]
    assert "never reached a queue" in out["results"][4]["detail"]
    assert "still going" in out["results"][5]["detail"]
    assert (out["received"], out["accepted"], out["rejected"]) == (7, 6, 1)
    session.expire_all()
    talks = {c.external_id: c.talk_s for c in session.scalars(select(Contact))}
    assert talks == {
        "4d1e0a9c-0001-answered": 200.0,
        "4d1e0a9c-0002-abandoned": 0.0,
        "4d1e0a9c-0003-transferred": 120.0,
        "4d1e0a9c-0003-transferred:2": 180.0,
    }
    again = admin_client.post("/api/v1/events/genesys-cloud", content=body.encode()).json()
    assert again["duplicate"] == 4


def test_an_agent_without_queue_ids_is_matched_by_time() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    first = json.loads(json.dumps(next(value for _, value in conversations(text))))
    for participant in first["participants"]:
        if participant["purpose"] == "agent":
            for segment in participant["sessions"][0]["segments"]:
                del segment["queueId"]
    rows = contacts_from_conversation(first, 1, Tally("g.json"))
    assert [(r.outcome.value, r.agent, r.wait_s, r.talk_s) for r in rows] == [
        ("answered", "alice", 20.0, 200.0)
    ]
