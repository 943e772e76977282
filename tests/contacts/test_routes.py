"""JSON API of contact data: multipart imports, 4xx JSON errors, listing, erasure."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ccops.settings import Settings
from ccops.web.app import create_app
from tests.factories import make_org
from tests.factories.contacts import make_bank, table_counts
from tests.plugins.data import TEST_DATA


@pytest.fixture
def client(admin_client: TestClient) -> TestClient:
    return admin_client


def _upload(path: Path, name: str | None = None) -> tuple[str, bytes, str]:
    return (name or path.name, path.read_bytes(), "application/octet-stream")


def test_import_technion_then_list_contacts_and_batches(
    client: TestClient, session: Session
) -> None:
    make_bank(session)
    session.commit()
    response = client.post(
        "/api/v1/imports/contacts",
        files={"file": _upload(TEST_DATA / "technion_sample.tsv")},
        data={"format": "technion", "site": "Bank"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["file"], report["inserted"], report["skipped"]) == (
        "technion_sample.tsv",
        11,
        {"phantom": 1, "vru_only": 1},
    )
    listed = client.get(
        "/api/v1/contacts",
        params={"queue": "NW", "from": "1999-02-01T07:00:00+00:00", "limit": 2},
    )
    assert listed.status_code == 200, listed.text
    assert [
        (c["external_id"], c["outcome"], c["wait_s"], c["talk_s"], c["agent"])
        for c in listed.json()
    ] == [
        ("AA0102:10001", "answered", 10.0, 300.0, "BOB"),
        ("AA0102:10002", "answered", 90.0, 300.0, "ALICE"),
    ]
    assert "customer_hash" not in listed.json()[0]
    batches = client.get("/api/v1/imports").json()
    assert [(b["kind"], b["format"], b["inserted"]) for b in batches] == [
        ("contacts", "technion", 11)
    ]


def test_mapping_travels_as_a_second_file(client: TestClient, session: Session) -> None:
    make_org(session, queues=("Sales", "Support"))
    session.commit()
    response = client.post(
        "/api/v1/imports/contacts",
        files={
            "file": _upload(TEST_DATA / "contacts_generic.csv"),
            "mapping": _upload(TEST_DATA / "contacts_generic.mapping.toml"),
        },
        data={"format": "csv"},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["source"], response.json()["inserted"]) == ("acme-acd", 6)
    erased = client.post("/api/v1/privacy/erase", json={"customer_key": "441234"})
    assert (erased.status_code, erased.json()) == (200, {"contacts_affected": 2})


def test_bad_rows_are_a_422_with_located_problems(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    make_org(session)
    session.commit()
    before = table_counts(session)
    path = tmp_path / "calls.csv"
    path.write_text(
        "external_id,queue,arrival,answered_at,outcome,wait_s,talk_s\n"
        "a1,Sales,2024-01-15T09:00:00+00:00,2024-01-15T08:59:00+00:00,lost,,60\n",
        encoding="utf-8",
    )
    response = client.post(
        "/api/v1/imports/contacts", files={"file": _upload(path)}, data={"format": "csv"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "Invalid"
    assert body["problems"] == [
        {
            "message": "unknown outcome 'lost' (map it under [outcomes] in the mapping)",
            "field": "outcome",
            "row": 2,
            "file": "calls.csv",
        }
    ]
    session.rollback()
    assert table_counts(session) == before


def test_unknown_format_conflict_and_unknown_queue_are_4xx_json(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    make_org(session, queues=("Sales",))
    session.commit()
    unknown = client.post(
        "/api/v1/imports/contacts",
        files={"file": _upload(TEST_DATA / "intervals.csv")},
        data={"format": "xls"},
    )
    assert unknown.status_code == 422
    assert unknown.json()["message"].startswith("unknown format 'xls' for contacts: use one of")

    missing = client.post(
        "/api/v1/imports/intervals",
        files={"file": _upload(TEST_DATA / "intervals.csv")},
        data={"format": "csv"},
    )
    assert missing.status_code == 404
    assert missing.json()["problems"][0] == {
        "message": "unknown queue 'Support'",
        "field": "queue",
        "row": 5,
        "file": "intervals.csv",
    }

    path = tmp_path / "calls.csv"
    path.write_text(
        "external_id,queue,arrival,outcome,wait_s,talk_s\n"
        "a1,Sales,2024-01-15T09:00:00+00:00,abandoned,5,0\n",
        encoding="utf-8",
    )
    first = client.post(
        "/api/v1/imports/contacts", files={"file": _upload(path)}, data={"format": "csv"}
    )
    assert first.status_code == 200
    path.write_text(path.read_text(encoding="utf-8").replace(",5,0", ",6,0"), encoding="utf-8")
    conflict = client.post(
        "/api/v1/imports/contacts", files={"file": _upload(path)}, data={"format": "csv"}
    )
    assert conflict.status_code == 409
    assert conflict.json()["problems"][0]["field"] == "external_id"
    updated = client.post(
        "/api/v1/imports/contacts",
        files={"file": _upload(path)},
        data={"format": "csv", "update": "true"},
    )
    assert (updated.status_code, updated.json()["updated"]) == (200, 1)


def test_agent_states_and_intervals_endpoints(client: TestClient, session: Session) -> None:
    make_org(session, queues=("Sales", "Support"))
    session.commit()
    states = client.post(
        "/api/v1/imports/agent-states",
        files={"file": _upload(TEST_DATA / "agent_states.csv")},
        data={"format": "csv"},
    )
    assert (states.status_code, states.json()["inserted"]) == (200, 7)
    intervals = client.post(
        "/api/v1/imports/intervals",
        files={"file": _upload(TEST_DATA / "intervals.csv")},
        data={"format": "csv"},
    )
    assert (intervals.status_code, intervals.json()["inserted"]) == (200, 4)
    both = client.post(
        "/api/v1/imports/contacts",
        files={"file": _upload(TEST_DATA / "asterisk_queue_log.txt")},
        data={"format": "asterisk-queue-log", "with_agent_states": "true"},
    )
    assert both.status_code == 200, both.text
    assert (both.json()["inserted"], both.json()["agent_states"]["inserted"]) == (8, 12)


def test_list_limit_is_bounded(client: TestClient) -> None:
    response = client.get("/api/v1/contacts", params={"limit": 5000})
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "limit"


def test_unmigrated_database_answers_json(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.sqlite'}", data_dir=tmp_path)
    response = TestClient(create_app(settings)).get("/api/v1/imports")
    assert response.status_code == 409  # errors.NotMigrated: migrate first
    assert response.json()["error"] == "NotMigrated"
