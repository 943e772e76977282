"""Twilio TaskRouter events (issue #15, connectors): a hand-checked sample of Event resources
(tests/data/README.md), the same tasks as webhook form bodies, and located errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.contacts import imports as contacts_imports
from ccops.contacts.importers.base import ContactRow, Tally
from ccops.contacts.importers.twilio_taskrouter import read_task_events
from ccops.contacts.models import Contact
from ccops.errors import Invalid
from ccops.org.models import Person, Queue
from ccops.settings import Settings
from tests.factories import make_org
from tests.plugins.data import TEST_DATA

SAMPLE = TEST_DATA / "twilio_taskrouter_events.jsonl"
FORMAT = "twilio-taskrouter-events"
T = "WT0000000000000000000000000000000"


def _at(hms: str) -> datetime:
    h, m, s = (int(p) for p in hms.split(":"))
    return datetime(2024, 1, 15, h, m, s, tzinfo=UTC)


def _epoch(hms: str) -> str:
    return str(int(_at(hms).timestamp()))


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
            c.wrap_s,
            login,
            c.customer_hash is not None,
        )
        for c, queue, login in rows
    }


EXPECTED = {
    # completed and wrap-up come before the acceptance in the file: ordered by life cycle
    f"{T}1": (
        "Sales",
        _at("09:00:00"),
        _at("09:00:15"),
        _at("09:04:15"),
        "answered",
        15.0,
        240.0,  # accepted 09:00:15 → wrap-up 09:04:15
        30.0,  # wrap-up → completed 09:04:45
        "alice",
        True,
    ),
    f"{T}2": (
        "Sales",
        _at("09:01:00"),
        None,
        _at("09:01:40"),
        "abandoned",
        40.0,
        0.0,
        0.0,
        None,
        True,
    ),
    f"{T}3": (
        "Support",
        _at("09:02:00"),
        _at("09:02:05"),
        _at("09:05:05"),
        "answered",
        5.0,
        180.0,  # no wrap-up event: talk to completion
        0.0,
        "bob",
        True,
    ),
}


def test_tasks_are_stored_field_by_field(main_org: Session, settings: Settings) -> None:
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=SAMPLE, format=FORMAT
    )
    assert (report.rows_read, report.inserted, report.rejected) == (14, 3, 0)
    assert (report.source, report.skipped, report.notes) == (
        "twilio-taskrouter",
        {"in_progress_at_end": 1},  # WT…4: accepted, never completed
        {"other_event": 2, "duplicate_event": 1},
    )
    assert _stored(main_org) == EXPECTED
    again = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=SAMPLE, format=FORMAT
    )
    assert (again.inserted, again.unchanged) == (0, 3)


def _form(kind: str, task: str, hms: str, **fields: str) -> str:
    return urlencode(
        {
            "EventType": kind,
            "AccountSid": "AC0123456789abcdef0123456789abcdef",
            "WorkspaceSid": "WS0123456789abcdef0123456789abcdef",
            "ResourceType": "Task",
            "ResourceSid": task,
            "TaskSid": task,
            "Timestamp": _epoch(hms),
            **fields,
        }
    )


def test_webhook_form_bodies_give_the_same_contacts(tmp_path: Path) -> None:
    attrs = json.dumps({"from": "+447700900011", "direction": "inbound"})
    sales = {"TaskQueueName": "Sales", "TaskQueueSid": "WQ1", "TaskAttributes": attrs}
    lines = [
        _form("task.completed", f"{T}1", "09:04:45", **sales),
        _form("task.created", f"{T}1", "09:00:00", **sales),
        _form("task.wrapup", f"{T}1", "09:04:15", **sales),
        _form("reservation.accepted", f"{T}1", "09:00:15", WorkerName="alice", **sales),
        _form("task.created", f"{T}2", "09:01:00", TaskQueueSid="WQ9"),
        _form("task.canceled", f"{T}2", "09:01:40", TaskCanceledReason="hangup"),
    ]
    path = tmp_path / "hook.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tally = Tally("hook.txt")
    rows = list(read_task_events(path, label="hook.txt", tally=tally))
    assert [
        (
            r.external_id,
            r.queue,
            r.outcome.value,
            r.wait_s,
            r.talk_s,
            r.wrap_s,
            r.agent,
            r.customer_key,
        )
        for r in rows
        if not hasattr(r, "problems")
    ] == [
        (f"{T}1", "Sales", "answered", 15.0, 240.0, 30.0, "alice", "+447700900011"),
        (f"{T}2", "WQ9", "abandoned", 40.0, 0.0, 0.0, None, None),  # no name: the queue sid
    ]
    assert tally.rows_read == 6


def test_a_bad_event_is_named_and_the_other_tasks_are_imported(
    main_org: Session,
    settings: Settings,
    tmp_path: Path,
    counts: Callable[[], dict[str, int]],
) -> None:
    sales = {"TaskQueueName": "Sales", "TaskAttributes": '{"from": "+447700900021"}'}
    path = tmp_path / "events.txt"
    path.write_text(
        "\n".join(
            [
                _form("task.created", f"{T}5", "09:00:00", **sales),
                _form("task.canceled", f"{T}5", "09:00:20", **sales),
                _form("task.created", f"{T}6", "09:01:00", **sales),
                _form("task.canceled", f"{T}6", "09:01:30", Timestamp="soon"),
                _form("task.created", f"{T}7", "09:02:00", TaskQueueName="Sales"),
                _form("reservation.accepted", f"{T}7", "09:01:50", WorkerName="bob"),
                _form("task.completed", f"{T}7", "09:05:00"),
                "EventType=task.created&Timestamp=1705309200",
                _form("task.created", f"{T}8", "09:03:00", TaskQueueName="Support"),
                _form("task.canceled", f"{T}8", "09:03:09", TaskAttributes="{from"),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    before = counts()
    with pytest.raises(Invalid) as refused:
        contacts_imports.import_contacts(
            session=main_org, settings=settings, path=path, format=FORMAT
        )
    assert [(p.row, p.field) for p in refused.value.problems] == [
        (4, "Timestamp"),
        (6, "Timestamp"),
        (10, "TaskAttributes"),
        (8, "TaskSid"),
    ]
    messages = [p.message for p in refused.value.problems]
    assert messages[0] == "event 4 (line 4): 'soon' is not a timestamp"
    assert messages[1].startswith("event 6 (line 6): reservation.accepted is 10 s before")
    assert counts() == before
    report = contacts_imports.import_contacts(
        session=main_org, settings=settings, path=path, format=FORMAT, skip_invalid=True
    )
    assert (report.rows_read, report.inserted, report.rejected) == (10, 1, 4)
    assert _stored(main_org) == {
        f"{T}5": (
            "Sales",
            _at("09:00:00"),
            None,
            _at("09:00:20"),
            "abandoned",
            20.0,
            0.0,
            0.0,
            None,
            True,
        )
    }


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
    body = response.json()
    assert (body["inserted"], body["source"], body["skipped"]) == (
        3,
        "twilio-taskrouter",
        {"in_progress_at_end": 1},
    )
    result = cli.invoke(app, ["import", "contacts", str(SAMPLE), "--format", FORMAT, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["unchanged"] == 3


def test_a_list_page_of_the_event_resource_is_read(tmp_path: Path) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    page = {"events": [json.loads(line) for line in lines[5:8]], "meta": {"page_size": 50}}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page, indent=2), encoding="utf-8")
    tally = Tally("page.json")
    rows = list(read_task_events(path, label="page.json", tally=tally))
    assert [
        (r.external_id, r.outcome.value, r.wait_s) for r in rows if isinstance(r, ContactRow)
    ] == [(f"{T}2", "abandoned", 40.0)]
    assert len(rows) == 1
    assert (tally.rows_read, tally.notes["duplicate_event"]) == (3, 1)
