"""/api/v1/forecasts and /api/v1/capacity-plans: round trip, roles, errors."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ccops.enums import Role, ScopeKind
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.settings import Settings
from ccops.web.app import create_app
from ccops.wfm.capacity import pages as capacity_pages
from ccops.wfm.capacity import routes as capacity_routes
from ccops.wfm.forecasts import pages as forecast_pages
from ccops.wfm.forecasts import routes as forecast_routes
from ccops.wfm.staffing import pages as staffing_pages
from ccops.wfm.staffing import routes as staffing_routes
from tests.factories import make_org, make_token
from tests.factories.history import add_history
from tests.factories.web import signed_in_client


def test_forecast_api_round_trip_and_roles(settings: Settings, session: Session) -> None:
    make_org(session, timezone="Asia/Shanghai", queues=("Sales",))
    add_history(session, queue="Sales", first_day=date(2026, 5, 11), days=14)
    org_service.create_user(
        session=session,
        data=org_schemas.UserIn(
            login="exec", password="exec-pass-123", role=Role.executive, scope=ScopeKind.all
        ),
    )
    session.commit()
    executive = TestClient(
        create_app(settings),
        headers={"Authorization": f"Bearer {make_token(session, login='exec')}"},
    )
    client = signed_in_client(settings)

    body = {"queue": "Sales", "horizon_days": 3, "interval_min": 30, "methods": ["SeasonalNaive"]}
    assert executive.post("/api/v1/forecasts", json=body).status_code == 403
    built = client.post("/api/v1/forecasts", json=body)
    assert built.status_code == 201, built.text
    fc = built.json()
    assert fc["created_by"] == "root" and len(fc["intervals"]) == 3 * 48
    fid = fc["id"]

    rows = client.post("/api/v1/forecasts/backtest", json={"queue": "Sales", "interval_min": 30})
    assert rows.status_code == 200
    assert {"method", "horizon_days", "mae", "rmse", "wmape", "mase", "chosen"} <= set(
        rows.json()[0]
    )
    listed = executive.get("/api/v1/forecasts", params={"queue": "Sales"})
    assert listed.status_code == 200 and [f["id"] for f in listed.json()] == [fid]
    assert executive.get(f"/api/v1/forecasts/{fid}").status_code == 200

    adj = client.post(
        f"/api/v1/forecasts/{fid}/adjustments",
        json={"factor": 2, "reason": "launch", "day": "2026-05-25"},
    )
    assert adj.status_code == 200, adj.text
    assert adj.json()["intervals"][20]["factor"] == 2.0
    bad = client.post(
        f"/api/v1/forecasts/{fid}/adjustments",
        json={"factor": -1, "reason": "x", "day": "2026-05-25"},
    )
    assert bad.status_code == 422 and "factor" in bad.text

    acc = executive.get(f"/api/v1/forecasts/{fid}/accuracy")
    assert acc.status_code == 200 and acc.json()["scored_intervals"] == 0

    req = client.post(f"/api/v1/forecasts/{fid}/requirements", json={"breaks": 0.1})
    assert req.status_code == 201, req.text
    rid = req.json()["id"]
    assert executive.get(f"/api/v1/forecasts/requirements/{rid}").status_code == 200

    plan = client.post(
        "/api/v1/capacity-plans", json={"forecast_id": fid, "current_fte": 2, "weeks": 4}
    )
    assert plan.status_code == 422 and "at least one whole week" in plan.text
    far = client.post("/api/v1/forecasts", json={**body, "horizon_days": 30})
    assert far.status_code == 422 and "horizon_days" in far.json()["message"]
    week = client.post("/api/v1/forecasts", json={**body, "horizon_days": 7}).json()
    plan = client.post(
        "/api/v1/capacity-plans", json={"forecast_id": week["id"], "current_fte": 2, "weeks": 4}
    )
    assert plan.status_code == 201, plan.text
    assert executive.get(f"/api/v1/capacity-plans/{plan.json()['id']}").status_code == 200

    day = {"site": "Main", "day": "2026-06-01", "kind": "bill_run", "name": "June bills"}
    assert executive.post("/api/v1/forecasts/special-days", json=day).status_code == 403
    created = client.post("/api/v1/forecasts/special-days", json=day)
    assert created.status_code == 201, created.text
    assert executive.get("/api/v1/forecasts/special-days").json() == [created.json()]
    assert client.post("/api/v1/forecasts/special-days", json=day).status_code == 409

    missing = client.get("/api/v1/forecasts/999")
    assert missing.status_code == 404
    unknown = client.post("/api/v1/forecasts", json={**body, "queue": "Nope"})
    assert unknown.status_code == 404 and "Nope" in unknown.json()["message"]


def test_forecasts_of_other_sites_are_out_of_scope(settings: Settings, session: Session) -> None:
    make_org(session, timezone="Asia/Shanghai", queues=("Sales",))
    add_history(session, queue="Sales", first_day=date(2026, 5, 11), days=8)
    org_service.create_site(
        session=session, data=org_schemas.SiteIn(name="Other", timezone="Europe/London")
    )
    org_service.create_user(
        session=session,
        data=org_schemas.UserIn(
            login="far-planner",
            password="planner-pass-123",
            role=Role.planner,
            scope=ScopeKind.sites,
            sites=["Other"],
        ),
    )
    session.commit()
    planner = TestClient(
        create_app(settings),
        headers={"Authorization": f"Bearer {make_token(session, login='far-planner')}"},
    )
    client = signed_in_client(settings)
    body = {"queue": "Sales", "horizon_days": 1, "interval_min": 30}
    fid = client.post("/api/v1/forecasts", json=body).json()["id"]
    assert planner.post("/api/v1/forecasts", json=body).status_code == 403
    assert planner.get(f"/api/v1/forecasts/{fid}").status_code == 403
    assert planner.get("/api/v1/forecasts").json() == []
    assert len(client.get("/api/v1/forecasts").json()) == 1


def test_ids_beyond_integer_keys_are_refused_not_a_server_error(admin_client: TestClient) -> None:
    """A path or body id past the INTEGER primary keys is a 422, not a driver overflow.

    Found by schemathesis (tests/web/test_schemathesis.py): these answered 500 with
    ``OverflowError: Python int too large to convert to SQLite INTEGER`` (2**63) and, on
    PostgreSQL, ``NumericValueOutOfRange: integer out of range`` (2**31).
    """
    huge = 2**31
    for path in (
        f"/api/v1/forecasts/{huge}",
        f"/api/v1/forecasts/{huge}/accuracy",
        f"/api/v1/forecasts/requirements/{huge}",
        f"/api/v1/capacity-plans/{huge}",
    ):
        assert admin_client.get(path).status_code == 422, path
    body = {"forecast_id": huge, "current_fte": 10}
    assert admin_client.post("/api/v1/capacity-plans", json=body).status_code == 422
    assert admin_client.get(f"/api/v1/forecasts/{huge - 1}").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "endpoint"),
    [
        ("GET", "/api/v1/forecasts/special-days", "list_special_days"),
        ("POST", "/api/v1/forecasts/special-days", "add_special_day"),
        ("POST", "/api/v1/forecasts/jobs", "submit_forecast_build"),
        ("POST", "/api/v1/forecasts/backtest", "backtest"),
        ("GET", "/api/v1/forecasts/7", "show_forecast"),
        ("GET", "/api/v1/forecasts/requirements/7", "show_requirement"),
        ("GET", "/api/v1/forecasts/7/requirements", "list_requirements"),
        ("GET", "/api/v1/capacity-plans/7", "show_capacity_plan"),
        ("GET", "/forecasts/requirements/7", "show_requirement"),
        ("GET", "/forecasts/7", "show"),
        ("GET", "/capacity-plans/7", "capacity_plan"),
    ],
)
def test_each_forecast_path_has_exactly_one_route_whatever_the_order(
    method: str, path: str, endpoint: str
) -> None:
    """Ids are typed ({forecast_id:int}), so no id path shadows a literal one such as
    /api/v1/forecasts/special-days, in whichever order the app includes the routers."""
    modules = (
        forecast_routes,
        staffing_routes,
        capacity_routes,
        forecast_pages,
        staffing_pages,
        capacity_pages,
    )
    routes = [
        route
        for module in modules
        for router in module.routers
        for route in router.routes
        if isinstance(route, APIRoute) and method in (route.methods or ())
    ]
    matching = [route.name for route in routes if route.path_regex.match(path)]
    assert matching == [endpoint]
