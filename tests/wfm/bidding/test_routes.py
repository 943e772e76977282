"""Shift bidding over the API and the CLI: a planner opens a bid, an agent ranks and sees the
lines open to them, the award waits for the close (409 naming the rule), and `ccops bid show`
prints the bid as JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.settings import Settings
from tests.wfm.allowances.test_routes import _client, _tokens


def _body() -> dict[str, object]:
    return {
        "site": "Main",
        "name": "Spring lines",
        "first_day": "2027-03-01",
        "last_day": "2027-05-30",
        "rule": "lottery",
        "seed": 7,
        "closes_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        "lines": [
            {"template": "day", "start": "08:00", "weekdays": [0, 1, 2], "queues": ["Sales"]},
            {"template": "day", "start": "09:00", "weekdays": [2, 3, 4]},
        ],
    }


def test_a_bid_over_the_api(session: Session, settings: Settings) -> None:
    tokens = _tokens(session)
    planner, alice = _client(settings, tokens["u-plan"]), _client(settings, tokens["u-alice"])
    assert alice.post("/api/v1/bids", json=_body()).status_code == 403
    r = planner.post("/api/v1/bids", json=_body())
    assert r.status_code == 201, r.text
    bid = r.json()
    assert (bid["rule"], bid["seed"], len(bid["lines"])) == ("lottery", 7, 2)
    seen = alice.get(f"/api/v1/bids/{bid['id']}").json()
    assert seen["my_eligible"] == [x["id"] for x in bid["lines"]] and seen["my_ranking"] == []
    ranked = alice.post(
        f"/api/v1/bids/{bid['id']}/ranking", json={"lines": [bid["lines"][1]["id"]]}
    )
    assert ranked.status_code == 200 and ranked.json()["my_ranking"] == [bid["lines"][1]["id"]]
    early = planner.post(f"/api/v1/bids/{bid['id']}/award")
    assert early.status_code == 409 and "rule: rankings are taken until the close" in early.text
    assert [b["id"] for b in alice.get("/api/v1/bids").json()] == [bid["id"]]
    missing = alice.get("/api/v1/bids/9999")
    assert missing.status_code == 404


def test_bid_cli_shows_the_bid(session: Session, cli: CliRunner) -> None:
    _tokens(session)
    body = _body()
    result = cli.invoke(
        app,
        [
            "bid",
            "open",
            "--site",
            "Main",
            "--name",
            "Spring",
            "--first-day",
            "2027-03-01",
            "--last-day",
            "2027-05-30",
            "--closes-at",
            str(body["closes_at"]),
            "--rule",
            "seniority",
            "--lines",
            json.dumps(body["lines"]),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    bid_id = json.loads(result.stdout)["id"]
    shown = cli.invoke(app, ["bid", "show", str(bid_id), "--json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["name"] == "Spring"
    early = cli.invoke(app, ["bid", "award", str(bid_id)])
    assert early.exit_code != 0 and "after the close" in early.output
    applied = cli.invoke(app, ["bid", "apply", str(bid_id), "1"])
    assert applied.exit_code != 0 and "rule: lines apply once awarded" in applied.output


def test_rankings_and_apply_over_the_api(session: Session, settings: Settings) -> None:
    tokens = _tokens(session)
    planner, alice = _client(settings, tokens["u-plan"]), _client(settings, tokens["u-alice"])
    bid = planner.post("/api/v1/bids", json=_body()).json()
    second = bid["lines"][1]["id"]
    alice.post(f"/api/v1/bids/{bid['id']}/ranking", json={"lines": [second]})
    assert alice.get(f"/api/v1/bids/{bid['id']}/rankings").status_code == 403
    rows = {r["login"]: r for r in planner.get(f"/api/v1/bids/{bid['id']}/rankings").json()}
    assert rows["alice"]["ranking"] == [second] and rows["bob"]["ranking"] == []
    assert alice.post(f"/api/v1/bids/{bid['id']}/apply", json={"schedule_id": 1}).status_code == 403
    early = planner.post(f"/api/v1/bids/{bid['id']}/apply", json={"schedule_id": 1})
    assert early.status_code == 409 and "rule: lines apply once awarded" in early.text
    bad = planner.post(f"/api/v1/bids/{bid['id']}/apply", json={"schedule_id": 0})
    assert bad.status_code == 422 and "schedule_id" in bad.text
