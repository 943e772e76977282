"""The API, page and CLI of queue_log continuity (issue #15): pending calls, agent aliases and an
agent map uploaded with an import."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from tests.factories import make_org

T0 = 1705309200


def test_an_agent_map_upload_then_a_split_log_through_the_api(
    admin_client: TestClient, session: Session, tmp_path: Path
) -> None:
    make_org(session, queues=("Sales",))
    session.commit()
    agent_map = b"alias,login\nAgent/1127,alice\nLocal/1127@callback-agent,alice\n"
    first = (
        f"{T0}|NONE|Sales|Local/1127@callback-agent|ADDMEMBER|\n"
        f"{T0 + 60}|c1|Sales|NONE|ENTERQUEUE||555|1\n"
        f"{T0 + 70}|c1|Sales|Agent/1127|CONNECT|10|c1.2|1\n"
    ).encode()
    response = admin_client.post(
        "/api/v1/imports/contacts",
        files={
            "file": ("queue_log.1", first, "text/plain"),
            "agent_map": ("agents.csv", agent_map, "text/csv"),
        },
        data={"format": "asterisk-queue-log", "with_agent_states": "true"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["inserted"], report["pending_calls"], report["aliases_stored"]) == (1, 1, 2)
    assert admin_client.get("/api/v1/agent-aliases").json() == [
        {"alias": "agent/1127", "login": "alice"},
        {"alias": "local/1127@callback-agent", "login": "alice"},
    ]
    pending = admin_client.get("/api/v1/imports/pending").json()
    assert [(p["external_id"], p["answered"], p["agent"], p["file"]) for p in pending] == [
        ("c1:Sales:1", True, "alice", "queue_log.1")
    ]
    page = admin_client.get("/import")
    assert page.status_code == 200 and "c1:Sales:1" in page.text
    second = f"{T0 + 370}|c1|Sales|Agent/1127|COMPLETECALLER|10|300|1\n".encode()
    response = admin_client.post(
        "/api/v1/imports/contacts",
        files={"file": ("queue_log", second, "text/plain")},
        data={"format": "asterisk-queue-log"},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["updated"], response.json()["pending_calls"]) == (1, 0)
    assert admin_client.get("/api/v1/imports/pending").json() == []
    listed = admin_client.get("/api/v1/contacts", params={"queue": "Sales"}).json()
    assert [(c["external_id"], c["talk_s"], c["agent"]) for c in listed] == [
        ("c1:Sales:1", 300.0, "alice")
    ]


def test_a_bad_agent_map_is_a_json_error_naming_rows(
    admin_client: TestClient, session: Session
) -> None:
    make_org(session, queues=("Sales",))
    session.commit()
    response = admin_client.post(
        "/api/v1/agent-aliases",
        files={"file": ("agents.csv", b"alias,login\nAgent/1,alice\nAgent/2,nobody\n", "text/csv")},
    )
    assert response.status_code == 404, response.text
    problems = response.json()["problems"]
    assert [(p["file"], p["row"], p["field"]) for p in problems] == [("agents.csv", 3, "login")]
    assert admin_client.get("/api/v1/agent-aliases").json() == []
    response = admin_client.post(
        "/api/v1/agent-aliases",
        files={"file": ("agents.csv", b"alias,login\nAgent/1,alice\n", "text/csv")},
    )
    assert response.json() == {"stored": 1, "aliases": [{"alias": "agent/1", "login": "alice"}]}


def test_the_cli_stores_an_agent_map_and_reports_pending_calls(
    cli: CliRunner, session: Session, tmp_path: Path
) -> None:
    make_org(session, queues=("Sales",))
    session.commit()
    log = tmp_path / "queue_log.1"
    log.write_text(
        f"{T0 + 60}|c1|Sales|NONE|ENTERQUEUE||555|1\n{T0 + 70}|c1|Sales|Agent/7|CONNECT|10|x|1\n",
        encoding="utf-8",
    )
    agents = tmp_path / "agents.csv"
    agents.write_text("alias,login\nAgent/7,bob\n", encoding="utf-8")
    result = cli.invoke(
        app,
        ["import", "contacts", str(log), "-f", "asterisk-queue-log", "--agent-map", str(agents)],
    )
    assert result.exit_code == 0, result.output
    assert "calls still open at the end of the file: 1" in result.stdout.replace("\n", " ")
    listed = cli.invoke(app, ["import", "pending", "--json"])
    assert [(p["external_id"], p["agent"]) for p in json.loads(listed.stdout)] == [
        ("c1:Sales:1", "bob")
    ]
    aliases = cli.invoke(app, ["import", "agent-aliases", "--json"])
    assert json.loads(aliases.stdout) == {
        "stored": 0,
        "aliases": [{"alias": "agent/7", "login": "bob"}],
    }
    agents.write_text("alias,login\nAgent/8,\n", encoding="utf-8")
    bad = cli.invoke(app, ["import", "agent-aliases", str(agents), "--json"])
    assert bad.exit_code != 0
    error = json.loads(bad.stdout)
    assert [(p["file"], p["row"], p["field"]) for p in error["problems"]] == [
        ("agents.csv", 2, "login")
    ]
