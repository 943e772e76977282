"""Time-off allowances over the API and the CLI: a planner sets a contract's allowance, an agent
reads their own balance (and nobody else's), a request beyond the balance is refused naming the
rule with nothing stored, and `ccops timeoff balance LOGIN --json` prints the hours."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.enums import Role, ScopeKind
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.settings import Settings
from ccops.web.app import create_app
from ccops.wfm.requests.models import ScheduleRequest
from tests.factories import make_token
from tests.factories.schedules import make_small_site


def _client(settings: Settings, token: str) -> TestClient:
    return TestClient(
        create_app(settings), headers={"Authorization": f"Bearer {token}"}, follow_redirects=False
    )


def _tokens(session: Session) -> dict[str, str]:
    make_small_site(session, timezone="UTC")
    tokens = {}
    for login, role, person in (("u-alice", Role.agent, "alice"), ("u-plan", Role.planner, None)):
        org_service.create_user(
            session=session,
            data=org_schemas.UserIn(
                login=login,
                password="long-enough-pass-1",
                role=role,
                person=person,
                scope=ScopeKind.sites if person is None else ScopeKind.own,
                sites=["Main"] if person is None else [],
            ),
        )
        tokens[login] = make_token(session, login=login)
    session.commit()
    return tokens


def _next_monday() -> datetime:
    today = datetime.now(UTC).date()
    monday = today + timedelta(days=7 - today.weekday() + 14)
    return datetime.combine(monday, datetime.min.time(), UTC)


def test_allowance_balance_and_a_request_beyond_it_over_the_api(
    session: Session, settings: Settings
) -> None:
    tokens = _tokens(session)
    planner, alice = _client(settings, tokens["u-plan"]), _client(settings, tokens["u-alice"])
    r = planner.post(
        "/api/v1/timeoff/policies",
        json={"contract": "flex", "annual_h": 24, "hours_per_day": 8, "auto_grant": True},
    )
    assert r.status_code == 200, r.text
    assert planner.get("/api/v1/timeoff/policies").json()[0]["annual_h"] == 24
    assert alice.post("/api/v1/timeoff/policies", json={}).status_code == 403
    assert alice.get("/api/v1/timeoff/balance/bob").status_code == 403
    own = alice.get("/api/v1/timeoff/balance").json()
    assert (own["allowance_h"], own["remaining_h"]) == (24, 24)
    monday = _next_monday().date()
    bad = alice.post(
        "/api/v1/schedules/requests",
        json={
            "kind": "time_off",
            "start_day": str(monday),
            "end_day": str(monday + timedelta(days=3)),  # 4 weekdays of 8 h > 24 h
            "reason": "holiday",
        },
    )
    assert bad.status_code == 409
    assert "rule: time-off allowance" in bad.text and "32 h" in bad.text
    assert session.scalar(select(func.count(ScheduleRequest.id))) == 0
    ok = alice.post(
        "/api/v1/schedules/requests",
        json={
            "kind": "time_off",
            "start_day": str(monday),
            "end_day": str(monday + timedelta(days=1)),
            "reason": "holiday",
        },
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["status"] == "pending"  # no published schedule: the planner decides
    theirs = planner.get("/api/v1/timeoff/balance/alice").json()
    assert (theirs["planned_h"], theirs["pending_h"], theirs["remaining_h"]) == (16, 16, 8)
    withdrawn = alice.post(f"/api/v1/schedules/requests/{ok.json()['id']}/withdraw")
    assert withdrawn.json()["status"] == "withdrawn"
    assert alice.get("/api/v1/timeoff/balance").json()["remaining_h"] == 24


def test_timeoff_balance_cli_prints_the_hours(session: Session, cli: CliRunner) -> None:
    _tokens(session)
    result = cli.invoke(
        app, ["timeoff", "policy", "--contract", "flex", "--annual-h", "200", "--json"]
    )
    assert result.exit_code == 0, result.output
    result = cli.invoke(app, ["timeoff", "balance", "alice", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {k: out[k] for k in ("allowance_h", "taken_h", "planned_h", "remaining_h")} == {
        "allowance_h": 200.0,
        "taken_h": 0.0,
        "planned_h": 0.0,
        "remaining_h": 200.0,
    }
    missing = cli.invoke(app, ["timeoff", "balance", "nobody", "--json"])
    assert missing.exit_code != 0 and "no person 'nobody'" in missing.output
    bad = cli.invoke(app, ["timeoff", "policy", "--contract", "flex", "--annual-h", "-5"])
    assert bad.exit_code != 0 and "annual_h" in bad.output
