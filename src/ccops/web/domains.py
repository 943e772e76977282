"""Every routes and pages module of the app, in one table.

Each module listed in ``ROUTE_MODULES`` ends with ``routers: tuple[APIRouter, ...]``, every
APIRouter it defines. The app includes them in a loop; the order of the table does not matter,
because no parametrised path may shadow a literal one (``tests/web/test_routes.py`` checks it):
an id is typed (``{schedule_id:int}``) or a path has its own prefix.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

from fastapi import APIRouter

ROUTE_MODULES: tuple[str, ...] = (
    "ccops.web.pages",
    "ccops.web.sso_pages",
    "ccops.org.routes",
    "ccops.org.edit_pages",
    "ccops.metrics.routes",
    "ccops.jobs.routes",
    "ccops.jobs.pages",
    "ccops.notifications.routes",
    "ccops.contacts.routes",
    "ccops.performance.routes",
    "ccops.performance.pages",
    "ccops.performance.decisions.pages",
    "ccops.performance.publishing.pages",
    "ccops.quality.routes",
    "ccops.quality.pages",
    "ccops.cases.routes",
    "ccops.cases.pages",
    "ccops.knowledge.routes",
    "ccops.knowledge.pages",
    "ccops.knowledge.improvement_pages",
    "ccops.knowledge.training_pages",
    "ccops.voice.routes",
    "ccops.voice.pages",
    "ccops.voice.suggestion_pages",
    "ccops.voice.huddle_pages",
    "ccops.wfm.staffing.routes",
    "ccops.wfm.staffing.pages",
    "ccops.wfm.forecasts.routes",
    "ccops.wfm.forecasts.pages",
    "ccops.wfm.capacity.routes",
    "ccops.wfm.capacity.pages",
    "ccops.wfm.intraday.routes",
    "ccops.wfm.intraday.pages",
    "ccops.wfm.requests.routes",
    "ccops.wfm.allowances.routes",
    "ccops.wfm.allowances.pages",
    "ccops.wfm.bidding.routes",
    "ccops.wfm.bidding.pages",
    "ccops.wfm.overtime.routes",
    "ccops.wfm.overtime.pages",
    "ccops.wfm.frontline.routes",
    "ccops.wfm.frontline.pages",
    "ccops.wfm.swapboard.routes",
    "ccops.wfm.swapboard.pages",
    "ccops.wfm.requests.pages",
    "ccops.wfm.schedules.routes",
    "ccops.wfm.schedules.pages",
    "ccops.audit.routes",
    "ccops.audit.pages",
    "ccops.value.routes",
    "ccops.value.pages",
)
"""Dotted names of every module that defines routes or pages."""


class MissingRouters(RuntimeError):
    """A routes module does not say which routers it defines."""


def routers(modules: tuple[str, ...] = ROUTE_MODULES) -> Iterator[APIRouter]:
    """Import each module and yield its ``routers``; a module without them fails at start-up."""
    for name in modules:
        module = importlib.import_module(name)
        listed = getattr(module, "routers", None)
        if not isinstance(listed, tuple) or not all(isinstance(r, APIRouter) for r in listed):
            raise MissingRouters(
                f"{name} must end with `routers: tuple[APIRouter, ...] = (...)` listing every "
                "APIRouter it defines"
            )
        defined = {id(v) for v in vars(module).values() if isinstance(v, APIRouter)}
        missing = defined - {id(r) for r in listed}
        if missing:
            raise MissingRouters(f"{name}: `routers` leaves out {len(missing)} of its APIRouters")
        yield from listed
