"""The schedules and requests routers reach the same endpoints whatever order they are
registered in: an id in a path is typed (``{schedule_id:int}``), so a literal path such as
/api/v1/schedules/requests or /schedules/my can never be taken for an id."""

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from ccops.wfm.requests import pages as request_pages
from ccops.wfm.requests import routes as request_routes
from ccops.wfm.schedules import pages as schedule_pages
from ccops.wfm.schedules import routes as schedule_routes

ROUTERS: tuple[APIRouter, ...] = (
    *request_routes.routers,
    *request_pages.routers,
    *schedule_routes.routers,
    *schedule_pages.routers,
)

EXPECTED: list[tuple[str, str, Callable[..., Any]]] = [
    ("GET", "/api/v1/schedules/requests", request_routes.list_requests),
    ("POST", "/api/v1/schedules/requests", request_routes.create_request),
    ("POST", "/api/v1/schedules/requests/4/answer", request_routes.answer_request),
    ("GET", "/api/v1/schedules/5", schedule_routes.get_schedule),
    ("GET", "/api/v1/schedules", schedule_routes.list_schedules),
    ("POST", "/api/v1/schedules/5/publish", schedule_routes.publish),
    ("POST", "/api/v1/schedules/time-off", schedule_routes.add_time_off),
    ("POST", "/api/v1/schedules/jobs", schedule_routes.build_job),
    ("GET", "/schedules/my", schedule_pages.my_week_page),
    ("GET", "/schedules/7", schedule_pages.schedule_page),
    ("POST", "/schedules/my/requests", request_pages.create_page),
    ("POST", "/schedules/my/requests/2/withdraw", request_pages.withdraw_page),
    ("POST", "/schedules/requests/2/decide", request_pages.decide_page),
    ("GET", "/calendar/abc.ics", schedule_pages.calendar_feed),
]


def _stand_in(router: APIRouter) -> APIRouter:
    """A router with the same methods and paths whose endpoints answer their own name (the
    real ones need a database and a signed-in user; the paths are what is tested here)."""
    out = APIRouter()
    for route in router.routes:
        assert isinstance(route, APIRoute)

        def answer(name: str = route.endpoint.__name__) -> str:
            return name

        out.add_api_route(route.path, answer, methods=sorted(route.methods or ()))
    return out


def _reached(routers: Sequence[APIRouter], method: str, path: str) -> str:
    """The name of the endpoint a request reaches when the routers are registered in order."""
    app = FastAPI()
    for router in routers:
        app.include_router(_stand_in(router))
    with TestClient(app) as client:
        response = client.request(method, path)
    assert response.status_code == 200, (method, path, response.text)
    name: str = response.json()
    return name


@pytest.mark.parametrize("order", ["as_listed", "reversed"])
def test_schedule_and_request_paths_do_not_depend_on_registration_order(order: str) -> None:
    routers = ROUTERS if order == "as_listed" else tuple(reversed(ROUTERS))
    for method, path, endpoint in EXPECTED:
        assert _reached(routers, method, path) == endpoint.__name__, (method, path)


def test_every_router_of_the_modules_is_listed() -> None:
    for module in (request_routes, request_pages, schedule_routes, schedule_pages):
        declared = {id(v) for v in vars(module).values() if isinstance(v, APIRouter)}
        assert declared == {id(r) for r in module.routers}, module.__name__
