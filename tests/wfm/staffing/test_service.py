"""Staffing and simulation through the service, the CLI and the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from typer.testing import CliRunner

from ccops.cli import app
from ccops.engines import queueing
from ccops.errors import Invalid
from ccops.settings import Settings
from ccops.wfm.staffing import schemas
from ccops.wfm.staffing import service as staffing_service
from tests.factories.web import signed_in_client
from tests.plugins.data import ROOT

EXAMPLE = ROOT / "examples" / "two_skill_morning.toml"


def test_textbook_example_needs_14_agents() -> None:
    """100 calls in 30 min, AHT 180 s, 80% in 20 s: 14 agents, SL 88.8%; 13 give 79.6%.

    The classic worked example of Erlang C staffing (e.g. the Call Centre Helper Erlang
    calculator's default case); values checked against the closed form here.
    """
    out = staffing_service.staffing(
        data=schemas.StaffingIn(
            calls=100, interval_s=1800, aht_s=180, target_s=20, service_level=0.8
        )
    )
    assert out.agents == 14 and out.load_erlangs == pytest.approx(10.0)
    assert out.service_level == pytest.approx(0.8883500, abs=1e-6)
    below = next(r for r in out.table if r.agents == 13)
    assert below.service_level == pytest.approx(0.7955948, abs=1e-6) and not below.meets_goals
    assert [r.agents for r in out.table] == [12, 13, 14, 15, 16, 17]


def test_erlang_a_and_shrinkage() -> None:
    data = schemas.StaffingIn(
        calls=100,
        interval_s=1800,
        aht_s=180,
        target_s=20,
        service_level=0.8,
        patience_s=120,
        max_occupancy=0.85,
        shrinkage=0.3,
    )
    out = staffing_service.staffing(data=data)
    assert out.model.startswith("Erlang A")
    assert out.scheduled == queueing.scheduled_from_required(out.agents, 0.3)
    row = {r.agents: r for r in out.table}
    assert row[out.agents].meets_goals and not row[out.agents - 1].meets_goals
    assert out.abandon_rate == pytest.approx(
        queueing.abandon_probability(out.agents, 100 / 1800, 180, patience_s=120)
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"calls": -1}, "greater than or equal to 0"),
        ({"aht_s": 0}, "greater than 0"),
        ({"service_level": 1.2}, "less than 1"),
        ({"target_s": None}, "service_level needs target_s"),
        ({"calls": float("nan")}, "finite"),
        ({"abandon_rate": 0.05}, "abandon_rate needs patience_s"),
    ],
)
def test_bad_staffing_input_names_the_argument(fields: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "calls": 100,
        "aht_s": 180,
        "target_s": 20,
        "service_level": 0.8,
    }
    with pytest.raises(ValidationError, match=message):
        schemas.StaffingIn.model_validate(base | fields)


def test_infeasible_goal_is_a_clear_error() -> None:
    data = schemas.StaffingIn(calls=100, aht_s=180, abandon_rate=0.0, patience_s=60)
    with pytest.raises(Invalid, match="abandon"):
        staffing_service.staffing(data=data)


def test_cli_json_keys_and_exit_codes() -> None:
    runner = CliRunner()
    args = [
        "staffing",
        "--calls",
        "100",
        "--interval-s",
        "1800",
        "--aht-s",
        "180",
        "--target-s",
        "20",
        "--service-level",
        "0.8",
        "--shrinkage",
        "0.3",
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"agents", "scheduled", "service_level", "asa_s", "abandon_rate", "occupancy"} <= set(
        data
    )
    assert (data["agents"], data["scheduled"]) == (14, 20)
    table = runner.invoke(app, args[:-1])
    assert "14 ←" in table.stdout and "79.6%" in table.stdout
    bad = runner.invoke(app, ["staffing", "--calls", "100", "--aht-s", "-5", "--asa-s", "20"])
    assert bad.exit_code == 2 and "aht_s" in bad.stderr


def test_api_staffing_and_bad_input(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)
    ok = client.post(
        "/api/v1/staffing",
        json={"calls": 100, "interval_s": 1800, "aht_s": 180, "target_s": 20, "service_level": 0.8},
    )
    assert ok.status_code == 200 and ok.json()["agents"] == 14
    bad = client.post("/api/v1/staffing", json={"calls": "many", "aht_s": 180})
    assert bad.status_code == 422
    assert {p["field"] for p in bad.json()["problems"]} >= {"calls"}


def test_simulate_example_scenario_matches_its_own_intervals() -> None:
    out = staffing_service.simulate_file(path=EXAMPLE)
    assert out.method == "replications" and out.replications == 20
    names = [q.queue for q in out.queues]
    assert names[:2] == ["Billing", "Tech"]
    billing = out.queues[0]
    assert 0.0 < billing.service_level.low <= billing.service_level.value  # type: ignore[operator]
    assert billing.service_level.value <= billing.service_level.high <= 1.0  # type: ignore[operator]
    assert billing.offered == pytest.approx(20 * 720, rel=0.05)


def test_simulate_bad_scenario_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('interval_s = 900\n[[queue]]\nname = "A"\naht_s = 100\n', encoding="utf-8")
    with pytest.raises(Invalid, match=r"bad.toml: no \[\[group\]\] table"):
        staffing_service.simulate_file(path=path)
    path.write_text(
        '[[queue]]\nname = "A"\naht_s = 100\n[[group]]\nname="g"\nskills={A=1}\nstaffing=1\n',
        encoding="utf-8",
    )
    with pytest.raises(Invalid, match="calls_per_interval or arrival_rate_per_s"):
        staffing_service.simulate_file(path=path)
    path.write_bytes(b"\x00\x01 not toml")
    with pytest.raises(Invalid, match="not a TOML file"):
        staffing_service.simulate_file(path=path)


def test_api_series_and_simulate(sqlite_settings: Settings) -> None:
    import tomllib

    client = signed_in_client(sqlite_settings)
    series = client.post(
        "/api/v1/staffing/intervals",
        json={
            "calls": [0, 100, 200],
            "interval_s": 1800,
            "aht_s": 180,
            "target_s": 20,
            "service_level": 0.8,
            "shrinkage": 0.3,
        },
    )
    assert series.status_code == 200, series.text
    body = series.json()
    assert body["agents"][1] == 14 and body["agents"][0] == 0
    assert body["agents"][2] == queueing.required_agents(
        200 / 1800, 180, service_level=0.8, target_s=20
    )
    assert body["scheduled"] == [0, 20, queueing.scheduled_from_required(body["agents"][2], 0.3)]
    mismatch = client.post(
        "/api/v1/staffing/intervals",
        json={"calls": [1, 2], "aht_s": [100, 200, 300], "target_s": 20, "service_level": 0.8},
    )
    assert mismatch.status_code == 422 and "aht_s has 3 values" in mismatch.json()["message"]
    doc = tomllib.loads(EXAMPLE.read_text(encoding="utf-8")) | {"replications": 3}
    sim = client.post("/api/v1/staffing/simulate", json=doc)
    assert sim.status_code == 200 and sim.json()["replications"] == 3
    bad = client.post("/api/v1/staffing/simulate", json={"queue": []})
    assert bad.status_code == 422 and "no [[queue]] table" in bad.json()["message"]


def test_staffing_api_documents_an_unbounded_wait_as_null(admin_client: TestClient) -> None:
    """With no agents the wait is unbounded: ASA is null, and the schema says it may be.

    Found by schemathesis (tests/web/test_schemathesis.py): the 0-agent row of the table sent
    ``"asa_s": null`` (infinity in JSON) while the schema documented a number.
    """
    response = admin_client.post(
        "/api/v1/staffing", json={"calls": 1, "aht_s": 60, "target_s": 20, "service_level": 0.8}
    )
    assert response.status_code == 200, response.text
    zero = response.json()["table"][0]
    assert zero["agents"] == 0 and zero["asa_s"] is None
    schema = admin_client.get("/openapi.json").json()["components"]["schemas"]
    assert {"type": "null"} in schema["StaffingRow"]["properties"]["asa_s"]["anyOf"]


def test_staffing_series_refuses_a_rate_that_overflows(admin_client: TestClient) -> None:
    """calls / interval_s past the float range is a 422 on calls, not a numpy overflow (500).

    Found by schemathesis: numpy's overflow warning became a 500 under warnings-as-errors.
    """
    body = {
        "calls": [1e308],
        "interval_s": 0.125,
        "aht_s": 384,
        "target_s": 20,
        "service_level": 0.5,
    }
    response = admin_client.post("/api/v1/staffing/intervals", json=body)
    assert response.status_code == 422, response.text
    # bounded in validation now: the very value is named (calls.0)
    assert response.json()["problems"][0]["field"] == "calls.0", response.text
