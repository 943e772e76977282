"""Job kinds: a name for each piece of long work and the function that does it.

A job function takes ``(session, params, progress)``: the job's own transaction, the JSON
parameters it was submitted with, and ``progress(fraction, message)``; it returns a small JSON
result (for example ``{"forecast_id": 7}``). A domain registers its kinds with :func:`register`
in a module listed in ``KIND_MODULES`` (add yours there).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

Progress = Callable[[float, str], None]
JobFunction = Callable[[Session, dict[str, Any], Progress], dict[str, Any]]

KIND_MODULES = ("ccops.wfm.forecasts.jobs", "ccops.wfm.schedules.jobs")
"""Modules that register job kinds when imported."""

_KINDS: dict[str, JobFunction] = {}


def register(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated function as the worker of jobs of ``kind``."""

    def decorate(function: JobFunction) -> JobFunction:
        _KINDS[kind] = function
        return function

    return decorate


def kinds() -> dict[str, JobFunction]:
    """Every registered kind (importing the modules of ``KIND_MODULES`` first)."""
    for module in KIND_MODULES:
        importlib.import_module(module)
    return dict(_KINDS)
