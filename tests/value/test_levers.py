"""What-if levers beyond agents, AHT and FCR: an attrition cut valued with the centre's
headcount and cost per leaver, a system's deflection of contacts before the queue (a lower
arrival rate for the staffing engine), and the breakdown of a scenario per lever."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ccops.cli import app
from ccops.engines import queueing
from ccops.engines import value as ev
from ccops.enums import Role
from ccops.metrics import service as kpi_service
from ccops.settings import get_settings
from tests.factories.web import World
from tests.value.test_value import LAST, _seed_contacts, _set_all

BASE: dict[str, Any] = {"queue": "Sales", "days": 7, "last": str(LAST)}


def _set(client: TestClient, key: str, value: float, low: float, high: float) -> None:
    r = client.post(
        "/api/v1/value/assumptions",
        json={
            "site": "Main",
            "key": key,
            "value": value,
            "low": low,
            "high": high,
            "source": "HR, 2026 replacement costs",
        },
    )
    assert r.status_code == 200, r.text


def test_attrition_saving_by_hand() -> None:
    # 50 agents, 5 points less attrition a year: 2.5 fewer leavers a year, 0.2083 a month,
    # at 3,000 each: 625 a month
    assert ev.attrition_saving(50.0, -0.05, 3000.0) == pytest.approx(625.0)
    assert ev.attrition_saving(50.0, 0.05, 3000.0) == pytest.approx(-625.0)


def test_attrition_scenario_values_fewer_leavers(world: World) -> None:
    _seed_contacts(world)
    admin = world.client(Role.admin)
    _set_all(admin)
    missing = admin.get("/api/v1/value/whatif", params={**BASE, "attrition_change": -0.05})
    assert missing.status_code == 422
    body = missing.json()
    assert "headcount, cost_per_leaver" in body["message"]
    assert body["problems"][0]["field"] == "attrition_change"
    _set(admin, "headcount", 50, 45, 55)
    _set(admin, "cost_per_leaver", 3000, 2000, 4000)
    r = admin.get("/api/v1/value/whatif", params={**BASE, "attrition_change": -0.05})
    assert r.status_code == 200, r.text
    out = r.json()
    # the queue itself does not change: the saving is the whole benefit
    assert out["scenario"]["service_level"] == pytest.approx(out["baseline"]["service_level"])
    assert out["attrition_saving"] == pytest.approx(625.0)
    assert out["monthly_net_benefit"] == pytest.approx(625.0)
    assert out["net_benefit"] == pytest.approx(12 * 625.0)
    assert out["net_benefit_low"] < 12 * 625.0 < out["net_benefit_high"]
    # range: headcount and cost per leaver at their extremes bound it
    assert out["net_benefit_low"] >= 12 * 45 * 0.05 / 12 * 2000 - 1e-6
    assert out["net_benefit_high"] <= 12 * 55 * 0.05 / 12 * 4000 + 1e-6
    assert {"headcount", "cost_per_leaver"} <= {s["name"] for s in out["sensitivity"]}
    [lever] = out["levers"]
    assert lever["lever"] == "attrition_change" and lever["change"] == -0.05
    assert lever["monthly_benefit"] == pytest.approx(625.0)
    assert lever["monthly_benefit_low"] <= 625.0 <= lever["monthly_benefit_high"]


def test_deflection_lowers_the_arrival_rate_of_the_engine(world: World) -> None:
    _seed_contacts(world)
    admin = world.client(Role.admin)
    _set_all(admin)
    r = admin.get(
        "/api/v1/value/whatif",
        params={
            **BASE,
            "deflection": 0.2,
            "add_agents": 1,
            "system_name": "Voice bot",
            "upfront": 5000,
            "monthly_cost": 300,
        },
    )
    assert r.status_code == 200, r.text
    out = r.json()
    with kpi_service.source_for_database(world.settings.resolved_database_url()) as source:
        rows = kpi_service.queue_interval_kpis(
            source=source,
            first=LAST - timedelta(days=6),
            last=LAST,
            interval_min=60,
            queues=["Sales"],
        )
    rate = np.array([r.offered / 3600 for r in rows])
    aht = np.array([r.aht_s for r in rows], dtype=float)
    offered = np.array([r.offered for r in rows], dtype=float)
    sl = np.array([r.service_level for r in rows], dtype=float)
    agents = queueing.required_agents(
        rate, aht, service_level=np.clip(sl, 0.02, 0.98), target_s=20.0, patience_s=120.0
    )

    def engine(n: np.ndarray, share: float) -> float:
        level = queueing.service_level(n, rate * (1 - share), aht, 20.0, patience_s=120.0)
        return float((level * offered).sum() / offered.sum())

    assert out["scenario"]["service_level"] == pytest.approx(engine(agents + 1, 0.2), rel=1e-9)
    assert out["scenario"]["offered"] == pytest.approx(out["baseline"]["offered"] * 0.8)
    levers = {lv["lever"]: lv for lv in out["levers"]}
    assert list(levers) == ["add_agents", "deflection", "monthly_cost"]
    assert levers["deflection"]["service_level"] == pytest.approx(engine(agents, 0.2), rel=1e-9)
    assert levers["add_agents"]["service_level"] == pytest.approx(engine(agents + 1, 0.0))
    assert levers["deflection"]["service_level"] > out["baseline"]["service_level"]
    assert levers["monthly_cost"]["monthly_benefit"] == pytest.approx(-300.0)
    for lv in out["levers"]:
        assert lv["monthly_benefit_low"] <= lv["monthly_benefit"] <= lv["monthly_benefit_high"]
    assert out["system_name"] == "Voice bot"
    # the scenario's monthly net benefit: contributions apart, less the price a month
    assert out["monthly_net_benefit"] == pytest.approx(
        out["scenario"]["contribution"] - out["baseline"]["contribution"] - 300.0
    )
    assert any("Voice bot" in n for n in out["notes"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("attrition_change", 0.6),
        ("attrition_change", -0.51),
        ("deflection", 0.9),
        ("deflection", -0.1),
    ],
)
def test_bad_levers_are_refused(world: World, field: str, value: float) -> None:
    _seed_contacts(world)
    admin = world.client(Role.admin)
    _set_all(admin)
    r = admin.get("/api/v1/value/whatif", params={**BASE, field: value})
    assert r.status_code == 422
    assert field in r.text
    saved = admin.post("/api/v1/value/scenarios", json={**BASE, "name": "bad", field: value})
    assert saved.status_code == 422
    assert admin.get("/api/v1/value/scenarios").json() == []
    page = world.client(Role.executive).get("/value/whatif", params={**BASE, field: str(value)})
    assert page.status_code == 422 and 'id="whatif-errors"' in page.text and field in page.text


def test_saved_scenario_page_and_cli_keep_the_levers(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_contacts(world)
    admin = world.client(Role.admin)
    _set_all(admin)
    _set(admin, "headcount", 20, 20, 20)
    _set(admin, "cost_per_leaver", 1200, 1200, 1200)
    inputs = {**BASE, "deflection": 0.1, "attrition_change": -0.1, "system_name": "Portal"}
    saved = admin.post("/api/v1/value/scenarios", json={**inputs, "name": "portal", "upfront": 900})
    assert saved.status_code == 201, saved.text
    listed = admin.get("/api/v1/value/scenarios").json()
    assert listed[0]["inputs"]["deflection"] == 0.1
    assert listed[0]["inputs"]["attrition_change"] == -0.1
    assert listed[0]["inputs"]["system_name"] == "Portal"
    # 20 x 0.1 / 12 x 1200 = 200 a month, no range
    assert listed[0]["result"]["attrition_saving"] == pytest.approx(200.0)
    page = world.client(Role.executive).get("/value")
    assert 'id="saved-scenarios"' in page.text and "Portal" in page.text
    report = world.client(Role.executive).get("/value/report", params={"month": "2026-11"})
    assert report.status_code == 200, report.text
    assert "Portal" in report.text and "-10%" in report.text
    fragment = world.client(Role.executive).get(
        "/value/whatif", params=inputs, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert 'id="whatif-levers"' in fragment.text
    assert 'data-lever="deflection"' in fragment.text
    assert 'data-lever="attrition_change"' in fragment.text
    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("CCOPS_SECRET_KEY", world.settings.secret_key)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        args = ["value", "whatif", "--queue", "Sales", "--days", "7"]
        levers = ["--deflection", "0.1", "--attrition-change", "-0.1", "--system-name", "Portal"]
        ok = runner.invoke(app, [*args, *levers, "--json"])
        assert ok.exit_code == 0, ok.output
        out = json.loads(ok.output)
        assert out["attrition_saving"] == pytest.approx(200.0)
        assert [lv["lever"] for lv in out["levers"]] == ["deflection", "attrition_change"]
        table = runner.invoke(app, [*args, *levers])
        assert table.exit_code == 0 and "Each lever alone" in table.output, table.output
        bad = runner.invoke(app, [*args, "--deflection", "0.95", "--json"])
        assert bad.exit_code == 2 and "deflection" in bad.output
    finally:
        get_settings.cache_clear()
