"""Live intake (``POST /api/v1/events?site=``, ``ccops events follow --site``, ``ccops events ami
--site``) reads queue names as the feed's site's, as file imports do: a queue of another site is
refused with both sites named, an unknown one with the site it was looked for at (issue #15,
point 4). On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops import flows
from ccops.cli import app
from ccops.contacts.models import Contact
from ccops.errors import NotFound
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.wfm.intraday import schemas as intraday_schemas
from tests.factories import make_org

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
OTHER_SITE = (
    "queue 'Support' is not a queue of site 'Main' (it belongs to site 'Berlin'); a site's "
    "calls are never attached to another site's queue"
)


def two_sites(session: Session) -> None:
    """Main (UTC) with Sales, Berlin (Europe/Berlin) with Support."""
    make_org(session, timezone="UTC")
    org_service.create_site(
        session=session, data=org_schemas.SiteIn(name="Berlin", timezone="Europe/Berlin")
    )
    org_service.create_queue(
        session=session,
        data=org_schemas.QueueIn(name="Support", channel="voice", site="Berlin"),
    )


def event(eid: str, queue: str, arrival: str = "2026-11-23T09:01:00+00:00") -> str:
    return json.dumps(
        {
            "id": eid,
            "type": "contact",
            "queue": queue,
            "arrival": arrival,
            "outcome": "abandoned",
            "wait_s": 40,
        }
    )


def details(out: intraday_schemas.IntakeOut) -> list[tuple[str | None, str, str | None]]:
    return [(r.id, r.status, r.detail if r.status == "rejected" else None) for r in out.results]


def test_events_of_a_site_go_to_its_queues_only(session: Session) -> None:
    two_sites(session)
    main = flows.feed_site_id(session=session, name="Main")
    batch = [event("e1", "Sales"), event("e2", "Support"), event("e3", "Nope")]
    out = flows.ingest_events(session=session, events=batch, secret_key="k", now=NOW, site_id=main)
    assert details(out) == [
        ("e1", "accepted", None),
        ("e2", "rejected", OTHER_SITE),
        ("e3", "rejected", "unknown queue 'Nope' at site 'Main'"),
    ]
    assert [r.field for r in out.results if r.status == "rejected"] == ["queue", "queue"]
    # without a site, queues are found by name alone (names are unique across sites)
    again = flows.ingest_events(session=session, events=batch, secret_key="k", now=NOW)
    assert [r.status for r in again.results] == ["duplicate", "accepted", "rejected"]
    assert again.results[2].detail == "unknown queue 'Nope'"
    assert set(session.scalars(select(Contact.external_id))) == {"e1", "e2"}
    with pytest.raises(NotFound, match="site 'Paris' does not exist"):
        flows.feed_site_id(session=session, name="Paris")
    berlin = flows.feed_site_id(session=session, name="Berlin")
    with pytest.raises(NotFound, match="site 'Berlin' does not exist"):
        flows.feed_site_id(session=session, name="Berlin", allowed_site_ids=frozenset({main}))
    assert berlin != main


def test_follow_with_a_site_refuses_another_sites_queue_and_reads_its_wall_clock(
    cli: CliRunner, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_sites(session)
    session.commit()
    monkeypatch.setattr("ccops.cli_support.console", Console(width=160))
    monkeypatch.setattr("ccops.wfm.intraday.cli.console", Console(width=160))
    log = tmp_path / "calls.csv"
    # times without an offset: the site's wall clock (Berlin: UTC+1 in November)
    log.write_text(
        "external_id,queue,arrival,outcome,wait_s,talk_s\n"
        "b1,Support,2026-11-23 10:00:00,abandoned,30,0\n"
        "b2,Sales,2026-11-23 10:05:00,abandoned,20,0\n",
        encoding="utf-8",
    )
    args = ["events", "follow", str(log), "--format", "csv", "--once", "--site", "Berlin"]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1 accepted, 0 duplicate, 0 stale, 1 rejected" in result.output
    assert (
        "queue 'Sales' is not a queue of site 'Berlin' (it belongs to site 'Main')" in result.output
    )
    session.expire_all()
    stored = session.scalars(select(Contact)).one()
    assert stored.external_id == "b1"
    assert stored.arrival_at.astimezone(UTC) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    unknown = cli.invoke(app, [*args[:-1], "Nowhere", "--json"])
    assert unknown.exit_code != 0
    assert json.loads(unknown.stdout)["message"] == "site 'Nowhere' does not exist"


def test_a_queue_log_followed_for_a_site_names_the_queue_and_the_site(
    cli: CliRunner, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_sites(session)
    session.commit()
    monkeypatch.setattr("ccops.wfm.intraday.cli.console", Console(width=160))
    t = int(datetime(2026, 11, 23, 9, 0, tzinfo=UTC).timestamp())
    log = tmp_path / "queue_log"
    log.write_text(
        f"{t}|1.1|Sales|NONE|ENTERQUEUE||5551|1\n"
        f"{t + 30}|1.1|Sales|NONE|ABANDON|1|1|30\n"
        f"{t + 40}|1.2|Support|NONE|ENTERQUEUE||5552|1\n"
        f"{t + 45}|1.2|Support|NONE|ABANDON|1|1|5\n"
        f"{t + 50}|1.3|Billing|NONE|ENTERQUEUE||5553|1\n"
        f"{t + 60}|1.3|Billing|NONE|ABANDON|1|1|10\n",
        encoding="utf-8",
    )
    result = cli.invoke(app, ["events", "follow", str(log), "--once", "--site", "Main"])
    assert result.exit_code == 0, result.output
    assert "1 accepted, 0 duplicate, 0 stale, 2 rejected" in result.output
    assert "queue 'Support' is not a queue of site 'Main' (it belongs to site 'Berlin')" in (
        result.output
    )
    assert "unknown queue 'Billing' at site 'Main'" in result.output
    session.expire_all()
    assert session.scalars(select(Contact.external_id)).all() == ["1.1:Sales:1"]


def test_the_events_api_takes_the_site(admin_client: TestClient, session: Session) -> None:
    two_sites(session)
    session.commit()
    body = "\n".join([event("a1", "Sales"), event("a2", "Support")])
    r = admin_client.post("/api/v1/events?site=Main", content=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert [(x["id"], x["status"]) for x in out["results"]] == [
        ("a1", "accepted"),
        ("a2", "rejected"),
    ]
    assert out["results"][1]["detail"] == OTHER_SITE
    missing = admin_client.post("/api/v1/events?site=Paris", content=event("a3", "Sales"))
    assert missing.status_code == 404
    assert missing.json()["message"] == "site 'Paris' does not exist"
