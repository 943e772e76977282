"""No request can freeze the server: handlers never block the event loop, and concurrent
failed sign-ins and writes leave /health answering on SQLite and PostgreSQL (issue 21, item 1)."""

from __future__ import annotations

import inspect
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.org.models import SignInThrottle, User
from ccops.settings import Settings, get_settings
from ccops.web.app import create_app
from tests.factories.web import PASSWORD, World, csrf_of, served

ASYNC_DEPENDENCIES = frozenset(
    {
        "ccops.web.forms.posted_form",
        "ccops.web.forms.posted_body",
        "ccops.web.auth.submitted_csrf",
        "ccops.web.auth.require.<locals>.dependency",
        "ccops.web.deps.get_app_settings",
    }
)
"""The only coroutines a request runs on the event loop: reading a body, and checks without I/O.
Every endpoint, and every other dependency (sessions, principals), runs in a worker thread."""


def _is_coroutine(call: Any) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def test_no_endpoint_or_dependency_blocks_the_event_loop(settings: Settings) -> None:
    app = create_app(settings)
    endpoints = 0
    on_loop: set[str] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        endpoints += 1
        where = f"{sorted(context.methods or ())} {context.path_format}"
        if _is_coroutine(route.endpoint):
            on_loop.add(f"{where}: endpoint {route.endpoint.__qualname__}")
        for dep in _dependencies(route.dependant):
            name = f"{getattr(dep.call, '__module__', '')}.{getattr(dep.call, '__qualname__', '')}"
            if _is_coroutine(dep.call) and name not in ASYNC_DEPENDENCIES:
                on_loop.add(f"{where}: dependency {name}")
    assert endpoints > 150
    assert sorted(on_loop) == []


def _health_watch(url: str, stop: threading.Event, delays: list[float], errors: list[str]) -> None:
    with httpx.Client(timeout=5) as client:
        while not stop.is_set():
            start = time.monotonic()
            try:
                response = client.get(url + "/health")
                if response.status_code != 200:
                    errors.append(f"/health {response.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"/health {type(exc).__name__}")
            delays.append(time.monotonic() - start)
            time.sleep(0.05)


def _wrong_sign_in(url: str, n: int) -> int:
    with httpx.Client(base_url=url, timeout=30) as client:
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login", data={"login": "u-qa", "password": f"wrong-{n}", "csrf_token": token}
        )
        return response.status_code


def _write(url: str, token: str, n: int) -> int:
    with httpx.Client(base_url=url, timeout=30) as client:
        response = client.post(
            "/api/v1/sites",
            json={"name": f"Concurrent {n}", "timezone": "Europe/Paris"},
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code


def test_concurrent_failed_sign_ins_and_writes_never_freeze_health(world: World) -> None:
    """The attack of the issue: many wrong passwords for one login at once, beside writers."""
    sign_ins, writes = 12, 8
    delays: list[float] = []
    errors: list[str] = []
    stop = threading.Event()
    with served(world.settings) as url:
        watcher = threading.Thread(target=_health_watch, args=(url, stop, delays, errors))
        watcher.start()
        with ThreadPoolExecutor(max_workers=sign_ins + writes) as pool:
            logins = [pool.submit(_wrong_sign_in, url, n) for n in range(sign_ins)]
            stores = [pool.submit(_write, url, world.tokens[Role.admin], n) for n in range(writes)]
            login_codes = [f.result(timeout=60) for f in logins]
            write_codes = [f.result(timeout=60) for f in stores]
        time.sleep(0.2)
        stop.set()
        watcher.join(timeout=10)
        # the right password from the attacking address now waits: the failures all counted
        with httpx.Client(base_url=url, timeout=30) as client:
            token = csrf_of(client.get("/login").text)
            right = client.post(
                "/login", data={"login": "u-qa", "password": PASSWORD, "csrf_token": token}
            )
    assert login_codes == [401] * sign_ins
    assert write_codes == [201] * writes
    assert errors == []
    # A frozen event loop holds every probe until the blocking work ends; a busy 2-core CI
    # machine (argon2 beside another test worker) only slows some probes. So the typical probe
    # must be quick and none may stall for the length of a lock wait or a queue of hashes.
    assert len(delays) >= 3, delays
    assert statistics.median(delays) < 0.5, f"/health took {statistics.median(delays):.2f} s"
    assert max(delays) < 5.0, f"/health took up to {max(delays):.1f} s"
    assert right.status_code == 401 and "too many failed sign-ins" in right.text
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        failed = s.scalar(select(User.failed_logins).where(User.login == "u-qa"))
        counts = s.scalars(select(SignInThrottle.failures)).all()
        sites = s.scalar(select(func.count()).select_from(User))
    engine.dispose()
    assert failed == sign_ins  # every failure counted, none lost to a rolled-back transaction
    assert sorted(counts) == [sign_ins] * 3
    assert sites


def test_a_postgresql_write_waiting_on_a_lock_gives_up(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request blocked behind another's lock fails after lock_timeout instead of hanging."""
    monkeypatch.setenv("CCOPS_DB_LOCK_TIMEOUT_MS", "300")
    get_settings.cache_clear()
    holder, waiter = make_engine(postgres_url), make_engine(postgres_url)
    try:
        with waiter.connect() as conn:
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar_one() == "300ms"
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == "10min"
        with holder.begin() as held:
            held.exec_driver_sql("LOCK TABLE sign_in_throttle IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            with pytest.raises(OperationalError, match="lock timeout"), waiter.begin() as conn:
                conn.execute(select(func.count()).select_from(SignInThrottle))
            assert time.monotonic() - started < 5
    finally:
        holder.dispose()
        waiter.dispose()
        get_settings.cache_clear()
