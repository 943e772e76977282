"""Amazon Connect contact records (issue #15, connectors): a hand-checked sample in the shape
the contact-record stream delivers (tests/data/README.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts import imports as contacts_imports
from ccops.contacts.models import Contact
from ccops.errors import Invalid
from ccops.org.models import Person
from ccops.settings import Settings
from tests.factories import make_org
from tests.plugins.data import TEST_DATA

SAMPLE = TEST_DATA / "amazon_connect_ctr.json"


def _at(hms: str) -> datetime:
    h, m, s = (int(p) for p in hms.split(":"))
    return datetime(2024, 1, 15, h, m, s, tzinfo=UTC)


def test_contact_records_are_stored_field_by_field(main_org: Session, settings: Settings) -> None:
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=SAMPLE, format="amazon-connect-ctr"
    )
    assert (report.rows_read, report.inserted, report.rejected) == (5, 3, 0)
    assert (report.source, report.skipped, report.notes) == (
        "amazon-connect",
        {"not_queued": 1},
        {"ctr_superseded": 1},
    )
    rows = main_org.execute(
        select(Contact, Person.login).outerjoin(Person, Contact.person_id == Person.id)
    )
    stored = {
        c.external_id: (
            c.arrival_at,
            c.answered_at,
            c.ended_at,
            c.outcome.value,
            c.wait_s,
            c.talk_s,
            c.hold_s,
            c.wrap_s,
            login,
            c.customer_hash is not None,
        )
        for c, login in rows
    }
    assert stored == {
        "c0a1-answered": (
            _at("09:01:00"),
            _at("09:01:20"),
            _at("09:05:00"),
            "answered",
            20.0,
            200.0,
            20.0,
            30.0,
            "alice",
            True,
        ),
        "c0a2-abandoned": (
            _at("09:02:10"),
            None,
            _at("09:02:45"),
            "abandoned",
            35.0,
            0.0,
            0.0,
            0.0,
            None,
            True,
        ),
        "c0a4-support": (
            _at("09:11:05"),
            None,
            _at("09:12:00"),
            "abandoned",
            55.0,
            0.0,
            0.0,
            0.0,
            None,
            False,
        ),
    }
    again = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=SAMPLE, format="amazon-connect-ctr"
    )
    assert (again.inserted, again.unchanged) == (0, 3)


def test_bad_records_are_named_by_record_line_and_field(
    main_org: Session, settings: Settings, tmp_path: Path, counts: Callable[[], dict[str, int]]
) -> None:
    path = tmp_path / "ctr.json"
    path.write_text(
        '{"ContactId": "a", "Queue": {"Name": "Sales", "EnqueueTimestamp": "yesterday"}}\n'
        '{"ContactId": "b", "Queue": {"Name": "Sales", "EnqueueTimestamp": '
        '"2024-01-15T09:00:00Z", "Duration": -3}}\n'
        '{"Queue": {"Name": "Sales"}}\n'
        '{"ContactId": "d", "Queue": {"Name": "Sales", "EnqueueTimestamp": '
        '"2024-01-15T09:00:00Z"}, "Agent": {"ConnectedToAgentTimestamp": '
        '"2024-01-15T08:59:00Z", "AgentInteractionDuration": 5}}\n'
        '{"ContactId": "e", oops}\n',
        encoding="utf-8",
    )
    before = counts()
    with pytest.raises(Invalid) as refused:
        contacts_imports.import_contacts(
            session=main_org, settings=settings, path=path, format="amazon-connect-ctr"
        )
    assert [(p.row, p.field, p.file) for p in refused.value.problems] == [
        (1, "Queue.EnqueueTimestamp", "ctr.json"),
        (2, "Queue.Duration", "ctr.json"),
        (3, "ContactId", "ctr.json"),
        (4, "Agent.ConnectedToAgentTimestamp", "ctr.json"),
        (5, None, "ctr.json"),
    ]
    assert "line 5" in refused.value.problems[4].message
    assert counts() == before


def test_the_webhook_takes_records_and_answers_per_record(
    admin_client: TestClient, session: Session
) -> None:
    make_org(session, queues=("Sales", "Support"))
    session.commit()
    body = SAMPLE.read_text(encoding="utf-8") + '{"ContactId": "bad", "Queue": {"Name": "Sales"}}'
    response = admin_client.post("/api/v1/events/amazon-connect", content=body.encode())
    assert response.status_code == 200, response.text
    out = response.json()
    assert [(r["line"], r["status"], r["field"]) for r in out["results"]] == [
        (1, "accepted", None),
        (2, "accepted", None),
        (3, "accepted", None),  # skipped: never queued
        (4, "accepted", None),  # the later copy of record 1 updates it
        (5, "accepted", None),
        (6, "rejected", "Queue.EnqueueTimestamp"),
    ]
    assert "never reached a queue" in out["results"][2]["detail"]
    assert (out["received"], out["accepted"], out["rejected"]) == (6, 5, 1)
    session.expire_all()
    wraps = {c.external_id: c.wrap_s for c in session.scalars(select(Contact))}
    assert wraps == {"c0a1-answered": 30.0, "c0a2-abandoned": 0.0, "c0a4-support": 0.0}
    again = admin_client.post("/api/v1/events/amazon-connect", content=body.encode()).json()
    assert again["duplicate"] == 4


def test_an_older_copy_after_a_newer_one_is_stale(
    admin_client: TestClient, session: Session
) -> None:
    make_org(session, queues=("Sales", "Support"))
    session.commit()
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    newer, older = lines[-2], lines[0]  # record 4, then the line holding records 1 and 2
    out = admin_client.post(
        "/api/v1/events/amazon-connect", content=(newer + "\n" + older).encode()
    ).json()
    assert [(r["line"], r["status"]) for r in out["results"]] == [
        (1, "accepted"),
        (2, "stale"),
        (3, "accepted"),
    ]
    session.expire_all()
    assert (
        session.scalars(select(Contact.wrap_s).where(Contact.external_id == "c0a1-answered")).one()
        == 30.0
    )
