"""Routes without an order to remember: no two share a method and path, and no parametrised
path can swallow a literal one, whichever router the app includes first."""

from __future__ import annotations

import importlib
import re
import types

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path

from ccops.settings import Settings
from ccops.web import domains
from ccops.web.app import create_app

# TEMPORARY (issue #14 merge): literal paths the schedules split gives a typed id; empty this
# once `/api/v1/schedules/{schedule_id}` and `/schedules/{schedule_id}` take `:int`.
KNOWN_SHADOWS: frozenset[tuple[str, str]] = frozenset()


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, HEAD left out (it follows GET)."""
    found = []
    for context in iter_route_contexts(app.router.routes):
        for method in sorted(context.methods or ()):
            if method != "HEAD":
                found.append((method, context.path or ""))
    return found


@pytest.fixture(scope="module")
def routes() -> list[tuple[str, str]]:
    return _routes(create_app(Settings(database_url="sqlite://")))


def test_no_two_routes_share_a_method_and_path(routes: list[tuple[str, str]]) -> None:
    assert len(routes) > 200
    seen: set[tuple[str, str]] = set()
    duplicates = [r for r in routes if r in seen or seen.add(r)]  # type: ignore[func-returns-value]
    assert not duplicates


def test_no_parametrised_path_shadows_a_literal_one(routes: list[tuple[str, str]]) -> None:
    literal = [(m, p) for m, p in routes if "{" not in p]
    shadows = set()
    for method, path in routes:
        if "{" not in path:
            continue
        pattern: re.Pattern[str] = compile_path(path)[0]
        for other_method, other in literal:
            if other_method == method and pattern.match(other):
                shadows.add((path, other))
    assert shadows <= KNOWN_SHADOWS, sorted(shadows - KNOWN_SHADOWS)


def test_every_routes_module_lists_its_routers() -> None:
    for name in domains.ROUTE_MODULES:
        module = importlib.import_module(name)
        defined = {id(v) for v in vars(module).values() if isinstance(v, APIRouter)}
        assert defined == {id(r) for r in module.routers}, name


def test_a_module_without_routers_fails_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    bare = types.ModuleType("ccops_test_bare_routes")
    bare.router = APIRouter()  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, bare.__name__, bare)
    with pytest.raises(domains.MissingRouters, match="must end with `routers"):
        list(domains.routers((bare.__name__,)))
    bare.routers = ()  # type: ignore[attr-defined]
    with pytest.raises(domains.MissingRouters, match="leaves out 1"):
        list(domains.routers((bare.__name__,)))
