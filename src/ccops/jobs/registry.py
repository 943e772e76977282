"""Job kinds: a name for each piece of long work and the function that does it.

A job function takes ``(session, params, progress)``: the job's own transaction, the JSON
parameters it was submitted with, and ``progress(fraction, message)``; it returns a small JSON
result (for example ``{"forecast_id": 7}``). A domain registers its kinds with :func:`register`
in a module listed in ``KIND_MODULES`` (add yours there), and says with a :class:`JobView` how
the job-progress page (``/jobs/{id}``) shows them: who may see them, what a job is called, and
where its result lives.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.jobs.schemas import JobOut, JobStatus

if TYPE_CHECKING:
    from ccops.org.service import Scope

Progress = Callable[[float, str], None]
JobFunction = Callable[[Session, dict[str, Any], Progress], dict[str, Any]]

Gettext = Callable[[str], str]


def _everywhere(session: Session, job: JobOut, scope: Scope) -> bool:
    return True


def _nothing(job: JobOut, _: Gettext) -> tuple[str, str] | None:
    return None


def _job_title(job: JobOut, _: Gettext) -> str:
    return _("job %(id)s") % {"id": job.id}


@dataclass(frozen=True)
class JobView:
    """How the job-progress page shows jobs of one kind.

    Attributes:
        roles: the roles that may see such a job (besides being its submitter, or an admin).
        title: the job's heading, in the language of the ``gettext`` it is given.
        result: where a finished job's result lives, as (href, link text); None: nowhere.
        in_scope: whether what the job is about is still in the user's scope.
    """

    roles: frozenset[Role] = frozenset(Role)
    title: Callable[[JobOut, Gettext], str] = _job_title
    result: Callable[[JobOut, Gettext], tuple[str, str] | None] = _nothing
    in_scope: Callable[[Session, JobOut, Scope], bool] = _everywhere


DEFAULT_VIEW = JobView(roles=frozenset({Role.admin}))
"""The view of a kind that registered none: only admins see its jobs, with no result link."""

KIND_MODULES = (
    "ccops.wfm.forecasts.jobs",
    "ccops.wfm.schedules.jobs",
    "ccops.wfm.intraday.webhook_jobs",
    "ccops.audit.jobs",
    "ccops.notifications.email_jobs",
    "ccops.performance.report_jobs",
)
"""Modules that register job kinds when imported."""

_KINDS: dict[str, JobFunction] = {}
_VIEWS: dict[str, JobView] = {}


def register(kind: str, *, view: JobView | None = None) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated function as the worker of jobs of ``kind`` (and their ``view``)."""

    def decorate(function: JobFunction) -> JobFunction:
        _KINDS[kind] = function
        if view is not None:
            _VIEWS[kind] = view
        return function

    return decorate


def kinds() -> dict[str, JobFunction]:
    """Every registered kind (importing the modules of ``KIND_MODULES`` first)."""
    for module in KIND_MODULES:
        importlib.import_module(module)
    return dict(_KINDS)


def describe(kind: str, view: JobView) -> None:
    """Say how the job-progress page shows jobs of ``kind``."""
    _VIEWS[kind] = view


def view_of(kind: str) -> JobView:
    """How jobs of ``kind`` are shown (``DEFAULT_VIEW`` for a kind that said nothing)."""
    for module in KIND_MODULES:
        importlib.import_module(module)
    return _VIEWS.get(kind, DEFAULT_VIEW)


@dataclass(frozen=True)
class JobCard:
    """A job as its progress card shows it: the job, its title, and its result link if done."""

    job: JobOut
    title: str
    result: tuple[str, str] | None


def card(job: JobOut, _: Gettext) -> JobCard:
    """The progress card of ``job`` in the language of ``_`` (template ``jobs/progress_card.html``,
    which a page includes once per card: ``{% for card in cards %}{% include ... %}``)."""
    view = view_of(job.kind)
    result = view.result(job, _) if job.status == JobStatus.done else None
    return JobCard(job=job, title=view.title(job, _), result=result)
