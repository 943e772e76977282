"""Inputs at the edges of what Python can compute with: dates of year 1 or 9999 and extreme or
non-finite numbers get a clear refusal (or the page's usual fallback), never a server error."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ccops.enums import Role
from ccops.web.app import create_app
from tests.factories.web import World, sign_in

EDGES = ("0001-01-01", "9999-12-31")


def _client(world: World, role: Role | None = Role.admin) -> TestClient:
    headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role else {}
    return TestClient(
        create_app(world.settings),
        headers=headers,
        follow_redirects=False,
        raise_server_exceptions=False,
    )


@pytest.mark.parametrize("day", EDGES)
def test_intraday_api_refuses_dates_out_of_range(world: World, day: str) -> None:
    client = _client(world)
    for path, params in (
        ("/api/v1/intraday/status", {"queue": "Sales", "date": day}),
        ("/api/v1/intraday/status", {"queue": "Sales", "as_of": f"{day}T12:00:00Z"}),
        ("/api/v1/intraday/explain", {"date": day}),
        ("/api/v1/intraday/adherence", {"date": day}),
        ("/api/v1/intraday/exceptions", {"date": day}),
        ("/api/v1/performance/attrition", {"first": day}),
    ):
        response = client.get(path, params=params)
        assert response.status_code == 422, (path, params, response.status_code)
        assert "out of range" in response.text and "1900-01-01" in response.text


def test_intraday_api_refuses_an_empty_required_date(world: World) -> None:
    client = _client(world)
    for path in ("/api/v1/intraday/explain", "/api/v1/intraday/adherence"):
        response = client.get(path, params={"date": ""})
        assert response.status_code == 422, (path, response.status_code)
        [problem] = response.json()["problems"]
        assert (problem["field"], problem["message"]) == ("date", "missing")


def test_pages_fall_back_or_refuse_but_never_fail(world: World) -> None:
    page = _client(world, None)
    sign_in(page, "u-admin")
    for day in EDGES:
        home = page.get("/", params={"day": day})
        assert home.status_code == 200
        kpi = page.get("/kpi", params={"date": day})
        assert kpi.status_code == 422 and 'class="field has-error"' in kpi.text
        board = page.get("/intraday", params={"date": day})
        assert board.status_code in (200, 422) and "is out of range" in board.text
    agent = _client(world, None)
    sign_in(agent, "u-agent")
    for week in ("9999-W52", "0001-W01", "1899-W52"):
        mine = agent.get("/schedules/my", params={"week": week})
        assert mine.status_code == 200, week
        assert f"My week {week}</h1>" not in mine.text  # the current week is shown instead
        assert "My week 20" in mine.text


def test_dates_in_bodies_are_held_to_the_range(world: World) -> None:
    client = _client(world)
    person = {"name": "Old", "login": "old", "site": "Main", "hire_date": "0001-01-01"}
    response = client.post("/api/v1/people", json=person)
    assert response.status_code == 422
    assert "0001-01-01 is out of range" in response.text
    person["hire_date"] = "1999-04-01"
    assert client.post("/api/v1/people", json=person).status_code == 201


@pytest.mark.parametrize("value", ["1e308", "Infinity", "NaN", "-1"])
def test_capacity_plans_refuse_extreme_numbers(world: World, value: str) -> None:
    client = _client(world)
    body = '{"forecast_id": 1, "current_fte": ' + value + "}"
    response = client.post(
        "/api/v1/capacity-plans", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert "current_fte" in response.text


def test_staffing_refuses_extreme_numbers(world: World) -> None:
    client = _client(world)
    for body in (
        '{"calls": 1e308, "aht_s": 300, "target_s": 20, "service_level": 0.8}',
        '{"calls": 100, "aht_s": 300, "asa_s": 1e300}',
        '{"calls": [1e308], "aht_s": 300, "target_s": 20, "service_level": 0.8}',
        '{"calls": [10], "aht_s": Infinity, "target_s": 20, "service_level": 0.8}',
    ):
        path = "/api/v1/staffing/intervals" if "[" in body else "/api/v1/staffing"
        response = client.post(path, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 422, (body, response.status_code, response.text[:200])


def test_a_simulation_too_large_for_one_request_is_refused(world: World) -> None:
    client = _client(world)
    scenario = {
        "interval_s": 900,
        "n_intervals": 96,
        "replications": 1000,
        "queue": [{"name": "q", "calls_per_interval": 5000, "aht_s": 300}],
        "group": [{"name": "g", "skills": {"q": 1}, "staffing": 50}],
    }
    response = client.post("/api/v1/staffing/simulate", json=scenario)
    assert response.status_code == 422
    assert "would simulate about 480,000,000 contacts" in response.json()["message"]
    assert "at most 2,000,000" in response.json()["message"]
    endless = {**scenario, "n_intervals": 10**9, "replications": 2}
    response = client.post("/api/v1/staffing/simulate", json=endless)
    assert response.status_code == 422 and "n_intervals must be at most" in response.text
