"""The value model over the API, the CLI and the page: assumptions with their owner and date,
scope, bad input refused with nothing changed, the what-if against the staffing engine, and the
executive summary."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ccops.cli import app
from ccops.db import make_engine, make_session_factory
from ccops.engines import queueing
from ccops.enums import Outcome, Role
from ccops.metrics import service as kpi_service
from ccops.settings import get_settings
from tests.factories.metrics import add_contact
from tests.factories.web import World

LAST = date(2026, 11, 22)  # a Sunday; the period's Mondays are 16 and 9 November
SALES = {
    "cost_per_agent_hour": (20.0, 18.0, 24.0),
    "shrinkage": (0.3, 0.3, 0.3),
    "conversion_rate": (0.2, 0.1, 0.3),
    "revenue_per_sale": (100.0, 80.0, 120.0),
    "abandon_redial_share": (0.5, 0.4, 0.6),
    "patience_s": (120.0, 100.0, 140.0),
}


def _seed_contacts(world: World) -> None:
    """Sales (London), 14 days to LAST, 09:00 and 10:00 each day: 20 contacts an hour, AHT 180 s,
    2 abandons an hour; on the last Monday 6 abandons an hour (the bad day)."""
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        n = 0
        for back in range(14):
            day = LAST - timedelta(days=back)
            bad = day == date(2026, 11, 16)
            for hour in (9, 10):
                for k in range(20):
                    n += 1
                    at = datetime(day.year, day.month, day.day, hour, k * 3, tzinfo=UTC)
                    abandon = k < (6 if bad else 2)
                    add_contact(
                        s,
                        ext=f"c{n}",
                        queue="Sales",
                        arrival=at,
                        outcome=Outcome.abandoned if abandon else Outcome.answered,
                        wait_s=60.0 if abandon else (5.0 if k % 4 else 30.0),
                        talk_s=0.0 if abandon else 160.0,
                        wrap_s=0.0 if abandon else 20.0,
                        customer=f"cust{k % 15}",
                    )
        s.commit()
    engine.dispose()


def _set_all(client: TestClient, site: str = "Main", queue: str | None = None) -> None:
    for key, (value, low, high) in SALES.items():
        r = client.post(
            "/api/v1/value/assumptions",
            json={
                "site": site,
                "queue": queue,
                "key": key,
                "value": value,
                "low": low,
                "high": high,
                "source": "finance team, 2026 budget",
            },
        )
        assert r.status_code == 200, r.text


def test_assumptions_carry_owner_date_and_scope(world: World) -> None:
    manager = world.client(Role.manager)  # sites: Main
    r = manager.post(
        "/api/v1/value/assumptions",
        json={"site": "Main", "key": "cost_per_agent_hour", "value": 21.5, "source": "HR 2026"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["value"], body["low"], body["high"]) == (21.5, 21.5, 21.5)
    assert body["set_by"] == "u-manager" and body["source"] == "HR 2026"
    assert datetime.fromisoformat(body["set_at"]) > datetime.now(UTC) - timedelta(minutes=5)
    again = manager.post(
        "/api/v1/value/assumptions",
        json={
            "site": "Main",
            "key": "cost_per_agent_hour",
            "value": 22,
            "low": 20,
            "high": 25,
            "source": "HR 2026 rev",
        },
    )
    assert again.status_code == 200
    trail = world.client(Role.admin).get("/api/v1/audit", params={"entity": "value_assumption"})
    assert trail.status_code == 200, trail.text
    changes = trail.json()
    entries = changes["entries"] if isinstance(changes, dict) else changes
    assert [e["action"] for e in entries] == ["update", "create"]  # newest first
    listed = world.client(Role.executive).get("/api/v1/value/assumptions").json()
    assert [(a["key"], a["value"], a["low"], a["high"]) for a in listed] == [
        ("cost_per_agent_hour", 22.0, 20.0, 25.0)
    ]
    # out of scope answers as missing; executives never write; queue of another site refused
    other = manager.post(
        "/api/v1/value/assumptions",
        json={"site": "Other", "key": "shrinkage", "value": 0.3, "source": "x"},
    )
    assert other.status_code == 404
    assert (
        world.client(Role.executive)
        .post(
            "/api/v1/value/assumptions",
            json={"site": "Main", "key": "shrinkage", "value": 0.3, "source": "x"},
        )
        .status_code
        == 403
    )
    assert manager.get("/api/v1/value/assumptions", params={"site": "Other"}).status_code == 404
    assert manager.get("/api/v1/value/summary", params={"site": "Other"}).status_code == 404
    admin = world.client(Role.admin)
    wrong = admin.post(
        "/api/v1/value/assumptions",
        json={"site": "Main", "queue": "Support", "key": "shrinkage", "value": 0.3, "source": "x"},
    )
    assert wrong.status_code == 422 and "not a queue of site" in wrong.json()["message"]


@pytest.mark.parametrize(
    ("payload", "field_text"),
    [
        ({"key": "cost_per_agent_hour", "value": -5}, "outside 0"),
        ({"key": "conversion_rate", "value": 1.2}, "outside 0 to 1"),
        ({"key": "shrinkage", "value": 0.3, "low": 0.4}, "low <= value <= high"),
        ({"key": "price_of_fish", "value": 1}, "unknown assumption"),
    ],
)
def test_bad_assumptions_are_refused_and_nothing_changes(
    world: World, payload: dict[str, Any], field_text: str
) -> None:
    admin = world.client(Role.admin)
    r = admin.post("/api/v1/value/assumptions", json={"site": "Main", "source": "x", **payload})
    assert r.status_code == 422
    assert field_text in r.json()["message"]
    assert admin.get("/api/v1/value/assumptions").json() == []


def test_whatif_needs_assumptions_and_history(world: World) -> None:
    admin = world.client(Role.admin)
    missing = admin.get("/api/v1/value/whatif", params={"queue": "Sales", "add_agents": 1})
    assert missing.status_code == 422
    assert "cost_per_agent_hour, shrinkage" in missing.json()["message"]
    _set_all(admin, "Other")
    empty = admin.get("/api/v1/value/whatif", params={"queue": "Support", "add_agents": 1})
    assert empty.status_code == 422 and "no contact history" in empty.json()["message"]
    negative = admin.get(
        "/api/v1/value/whatif", params={"queue": "Support", "add_agents": 1, "upfront": -1}
    )
    assert negative.status_code == 422
    # a manager of London cannot run a scenario on Shanghai's queue
    manager = world.client(Role.manager)
    assert manager.get("/api/v1/value/whatif", params={"queue": "Support"}).status_code == 404


def test_whatif_runs_the_staffing_engine_and_ranges_hold_the_point(world: World) -> None:
    _seed_contacts(world)
    admin = world.client(Role.admin)
    _set_all(admin)
    r = world.client(Role.executive).get(
        "/api/v1/value/whatif",
        params={"queue": "Sales", "add_agents": 1, "upfront": 500, "days": 7, "last": str(LAST)},
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["model"] == "erlang_a" and out["currency"] == ""
    # the engine, independently: per hour, the fewest agents reaching the observed service level
    with kpi_service.source_for_database(world.settings.resolved_database_url()) as source:
        rows = kpi_service.queue_interval_kpis(
            source=source,
            first=LAST - timedelta(days=6),
            last=LAST,
            interval_min=60,
            queues=["Sales"],
        )
    assert len(rows) == 14
    rate = np.array([r.offered / 3600 for r in rows])
    aht = np.array([r.aht_s for r in rows], dtype=float)
    offered = np.array([r.offered for r in rows], dtype=float)
    sl = np.array([r.service_level for r in rows], dtype=float)
    agents = queueing.required_agents(
        rate, aht, service_level=np.clip(sl, 0.02, 0.98), target_s=20.0, patience_s=120.0
    )
    for side, n in (("baseline", agents), ("scenario", agents + 1)):
        engine_sl = queueing.service_level(n, rate, aht, 20.0, patience_s=120.0)
        assert out[side]["service_level"] == pytest.approx(
            float((engine_sl * offered).sum() / offered.sum()), rel=1e-9
        )
        assert out[side]["agents_per_hour"] == pytest.approx(float(np.mean(n)))
    # paid hours a month = agent hours / (1 - shrinkage) x (365.25 / 12) / 7
    month = 365.25 / 12 / 7
    assert out["baseline"]["paid_hours"] == pytest.approx(agents.sum() / 0.7 * month)
    assert out["scenario"]["paid_hours"] - out["baseline"]["paid_hours"] == pytest.approx(
        14 / 0.7 * month
    )
    assert out["scenario"]["service_level"] > out["baseline"]["service_level"]
    assert out["scenario"]["cost"] == pytest.approx(out["scenario"]["paid_hours"] * 20.0)
    for key in ("net_benefit", "npv", "roi"):
        assert out[f"{key}_low"] <= out[key] <= out[f"{key}_high"]
    names = [s["name"] for s in out["sensitivity"]]
    assert set(names) >= {"cost_per_agent_hour", "conversion_rate", "revenue_per_sale"}
    swings = [s["swing"] for s in out["sensitivity"]]
    assert swings == sorted(swings, reverse=True)
    assert {a["key"] for a in out["assumptions"]} == set(SALES)


def test_summary_costs_the_bad_monday_and_shows_assumptions(world: World) -> None:
    _seed_contacts(world)
    _set_all(world.client(Role.admin))
    r = world.client(Role.executive).get(
        "/api/v1/value/summary", params={"last": str(LAST), "days": 7}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["day"] == "2026-11-16"
    sales = next(q for q in out["queues"] if q["queue"] == "Sales")
    # 7 days x 2 hours x 20; 2 abandons an hour, 6 on the Monday: 6 x 2 x 2 + 2 x 6
    assert (sales["offered"], sales["answered"], sales["abandoned"]) == (280, 244, 36)
    assert sales["missing"] == []
    staff = sales["money"]["staff_cost"]
    assert staff["low"] <= staff["value"] <= staff["high"]
    assert staff["value"] == pytest.approx(sales["paid_hours"] * 20.0)
    assert sales["money"]["revenue"]["value"] == pytest.approx(sales["answered"] * 0.2 * 100)
    [week] = sales["weeks"]  # one whole week: the period's counts at the stated values
    assert (week["offered"], week["abandoned"]) == (280, 36)
    assert week["staff_cost"] == pytest.approx(staff["value"])
    assert week["money_lost"] == pytest.approx(sales["money"]["money_lost"]["value"])
    support = next(q for q in out["queues"] if q["queue"] == "Support")
    assert support["missing"] == ["cost_per_agent_hour", "shrinkage"]
    [cost] = [c for c in out["day_costs"] if c["queue"] == "Sales"]
    # the Monday: 40 offered, 12 abandoned; normal (no other Monday in 7 days) unknown
    assert (cost["offered"], cost["abandoned"]) == (40, 12)
    assert cost["normal_days"] == [] and cost["cost"] is None
    manager = world.client(Role.manager).get(
        "/api/v1/value/summary", params={"last": str(LAST), "days": 7}
    )
    assert [q["queue"] for q in manager.json()["queues"]] == ["Sales"]
    quiet = {"name": "Quiet", "channel": "voice", "site": "Main"}  # a queue with no contacts
    assert world.client(Role.admin).post("/api/v1/queues", json=quiet).status_code == 201
    page = world.client(Role.executive).get("/value")
    assert page.status_code == 200
    assert "finance team, 2026 budget" in page.text and 'data-queue="Sales"' in page.text
    assert 'data-queue="Quiet"' in page.text and "No contacts in the period" in page.text


def test_day_cost_against_a_normal_weekday(world: World) -> None:
    _seed_contacts(world)
    _set_all(world.client(Role.admin))
    out = (
        world.client(Role.executive)
        .get("/api/v1/value/summary", params={"last": str(LAST), "days": 14})
        .json()
    )
    [cost] = [c for c in out["day_costs"] if c["queue"] == "Sales"]
    [sales] = [q for q in out["queues"] if q["queue"] == "Sales"]
    # Monday 16th: 12 of 40 abandoned; Monday 9th: 4 of 40, so 4 expected and 8 beyond normal
    assert cost["normal_days"] == ["2026-11-09"] and cost["normal_abandon_rate"] == 0.1
    assert cost["excess_abandoned"] == pytest.approx(8.0)
    # one abandon: half redial (handled again at the cost per contact), half gone (0.2 x 100)
    per_contact = sales["money"]["cost_per_contact"]["value"]
    assert cost["cost"]["value"] == pytest.approx(8 * (0.5 * per_contact + 0.5 * 20.0))
    assert cost["cost"]["low"] <= cost["cost"]["value"] <= cost["cost"]["high"]
    assert out["totals"][""]["day_cost"]["value"] == pytest.approx(cost["cost"]["value"])
    out = (
        world.client(Role.executive)
        .get(
            "/api/v1/value/summary",
            params={"last": str(LAST), "days": 7, "day": "2026-11-17"},
        )
        .json()
    )
    [cost] = [c for c in out["day_costs"] if c["queue"] == "Sales"]
    # Tuesday 17th: 4 abandons of 40, a normal Tuesday unknown within 7 days
    assert cost["abandoned"] == 4 and cost["normal_days"] == []
    bad = world.client(Role.executive).get(
        "/api/v1/value/summary", params={"last": str(LAST), "days": 7, "day": "2026-10-01"}
    )
    assert bad.status_code == 422 and "outside the period" in bad.json()["message"]


def test_cli_whatif_json_and_bad_input(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed_contacts(world)
    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("CCOPS_SECRET_KEY", world.settings.secret_key)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        missing = runner.invoke(app, ["value", "whatif", "--queue", "Sales", "--json"])
        assert missing.exit_code == 2
        assert "cost_per_agent_hour" in json.loads(missing.output)["message"]
        bad = runner.invoke(
            app,
            ["value", "set", "--site", "Main", "--source", "x", "--", "cost_per_agent_hour", "-3"],
        )
        assert bad.exit_code == 2 and "outside 0" in bad.output
        for key, (value, low, high) in SALES.items():
            done = runner.invoke(
                app,
                [
                    "value",
                    "set",
                    key,
                    str(value),
                    "--site",
                    "Main",
                    "--source",
                    "budget",
                    "--low",
                    str(low),
                    "--high",
                    str(high),
                ],
            )
            assert done.exit_code == 0, done.output
        listed = runner.invoke(app, ["value", "assumptions", "--json"])
        assert len(json.loads(listed.output)) == len(SALES)
        ok = runner.invoke(
            app,
            [
                "value",
                "whatif",
                "--queue",
                "Sales",
                "--add-agents",
                "1",
                "--days",
                "7",
                "--aht-change",
                "-0.1",
                "--fcr-change",
                "0.05",
                "--json",
            ],
        )
        assert ok.exit_code == 0, ok.output
        out = json.loads(ok.output)
        for side in ("baseline", "scenario"):
            assert {"service_level", "abandon_rate", "cost", "revenue"} <= set(out[side])
        for key in ("net_benefit", "roi", "payback_months", "roi_low", "roi_high"):
            assert key in out
        assert out["roi_low"] <= out["roi"] <= out["roi_high"]
        assert out["scenario"]["offered"] == pytest.approx(out["baseline"]["offered"] * 0.95)
        saved = runner.invoke(
            app,
            [
                "value",
                "whatif",
                "--queue",
                "Sales",
                "--add-agents",
                "2",
                "--days",
                "7",
                "--save",
                "two more",
            ],
        )
        assert saved.exit_code == 0 and "saved as scenario" in saved.output, saved.output
        listed_s = json.loads(runner.invoke(app, ["value", "scenarios", "--json"]).output)
        assert [s["name"] for s in listed_s] == ["two more"]
        table = runner.invoke(app, ["value", "summary", "--days", "7"])
        assert table.exit_code == 0, table.output
        assert "Sales" in table.output
    finally:
        get_settings.cache_clear()


def test_page_whatif_shows_errors_and_results(world: World) -> None:
    _seed_contacts(world)
    _set_all(world.client(Role.admin))
    executive = world.client(Role.executive)
    bad = executive.get("/value/whatif", params={"queue": "Sales", "upfront": "-1"})
    assert bad.status_code == 422 and 'id="whatif-errors"' in bad.text
    assert "upfront" in bad.text
    fragment = executive.get(
        "/value/whatif",
        params={"queue": "Sales", "add_agents": "1", "upfront": "100"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert 'id="whatif-out" data-queue="Sales"' in fragment.text
    assert "<html" not in fragment.text and 'id="whatif-sensitivity"' in fragment.text


def test_saved_scenarios_side_by_side(world: World) -> None:
    _seed_contacts(world)
    _set_all(world.client(Role.admin))
    planner = world.client(Role.planner)  # sites: Main
    inputs: dict[str, Any] = {"queue": "Sales", "days": 7, "last": str(LAST)}
    one = planner.post(
        "/api/v1/value/scenarios", json={**inputs, "name": "one more", "add_agents": 1}
    )
    assert one.status_code == 201, one.text
    two = planner.post(
        "/api/v1/value/scenarios",
        json={**inputs, "name": "training", "aht_change": -0.1, "upfront": 2000},
    )
    assert two.status_code == 201, two.text
    live = planner.get("/api/v1/value/whatif", params={**inputs, "add_agents": 1}).json()
    assert one.json()["result"]["npv"] == pytest.approx(live["npv"])
    assert one.json()["created_by"] == "u-planner"
    executive = world.client(Role.executive)
    assert (
        executive.post("/api/v1/value/scenarios", json={**inputs, "name": "x"}).status_code == 403
    )
    listed = executive.get("/api/v1/value/scenarios").json()
    assert [(s["name"], s["inputs"]["add_agents"]) for s in listed] == [
        ("one more", 1),
        ("training", 0),
    ]
    bad = planner.post("/api/v1/value/scenarios", json={**inputs, "name": ""})
    assert bad.status_code == 422
    outside = planner.post("/api/v1/value/scenarios", json={"queue": "Support", "name": "x"})
    assert outside.status_code == 404
    assert len(executive.get("/api/v1/value/scenarios").json()) == 2
    page = executive.get("/value")
    assert 'id="saved-scenarios"' in page.text and "training" in page.text
