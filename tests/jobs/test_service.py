"""Jobs: submit, claim, run with progress, fail whole on a crash, runner thread, ownership."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ccops.db import make_engine, make_session_factory, utcnow
from ccops.errors import Invalid, NotFound
from ccops.jobs import registry
from ccops.jobs import service as jobs
from ccops.jobs.models import Job
from ccops.jobs.schemas import JobStatus
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Site
from ccops.settings import Settings

SEEN: list[tuple[float, str]] = []
GATE = threading.Event()


@registry.register("test.make_site")
def _make_site(
    session: Session, params: dict[str, Any], progress: registry.Progress
) -> dict[str, Any]:
    progress(0.5, "half way")
    SEEN.append((0.5, "half way"))
    site = org_service.create_site(
        session=session, data=org_schemas.SiteIn(name=params["name"], timezone="Europe/London")
    )
    return {"site_id": site.id}


@registry.register("test.crash_after_writing")
def _crash(session: Session, params: dict[str, Any], progress: registry.Progress) -> dict[str, Any]:
    progress(0.3, "about to write")
    org_service.create_site(
        session=session, data=org_schemas.SiteIn(name="Half", timezone="Europe/London")
    )
    session.flush()
    raise ZeroDivisionError("division by zero in step 2")


@registry.register("test.wait_for_gate")
def _wait(session: Session, params: dict[str, Any], progress: registry.Progress) -> dict[str, Any]:
    progress(0.25, "waiting at the gate")
    GATE.wait(30)
    return {"waited": True}


@pytest.fixture
def factory(settings: Settings) -> Any:
    engine = make_engine(settings.resolved_database_url())
    yield make_session_factory(engine)
    engine.dispose()


def _submit(factory: Any, kind: str, params: dict[str, Any], by: str = "pat") -> int:
    with factory() as s:
        job = jobs.submit(session=s, kind=kind, params=params, created_by=by)
        s.commit()
    assert job.status == JobStatus.queued and job.progress == 0.0
    return job.id


def test_a_job_runs_with_progress_and_stores_its_result(factory: Any) -> None:
    SEEN.clear()
    job_id = _submit(factory, "test.make_site", {"name": "North"})
    ran = jobs.run_pending(factory)
    assert [j.id for j in ran] == [job_id]
    done = ran[0]
    assert done.status == JobStatus.done and done.progress == 1.0 and done.message == "done"
    assert done.started_at is not None and done.finished_at is not None
    assert done.error is None and SEEN == [(0.5, "half way")]
    with factory() as s:
        site = s.scalars(select(Site).where(Site.name == "North")).one()
        assert done.result == {"site_id": site.id}
    assert jobs.run_pending(factory) == []  # nothing left


def test_a_crashing_job_fails_with_its_message_and_stores_nothing(factory: Any) -> None:
    job_id = _submit(factory, "test.crash_after_writing", {})
    failed = jobs.run_pending(factory)[0]
    assert failed.id == job_id and failed.status == JobStatus.failed
    assert failed.error == "ZeroDivisionError: division by zero in step 2"
    assert failed.result is None and failed.finished_at is not None
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Site).where(Site.name == "Half")) == 0


def test_a_domain_error_fails_the_job_with_the_domain_message(factory: Any) -> None:
    _submit(factory, "test.make_site", {"name": "Dup"})
    _submit(factory, "test.make_site", {"name": "Dup"})
    first, second = jobs.run_pending(factory)
    assert first.status == JobStatus.done
    assert second.status == JobStatus.failed and second.error and "Dup" in second.error


def test_unknown_kinds_are_refused_and_jobs_are_read_by_their_owner(factory: Any) -> None:
    with factory() as s, pytest.raises(Invalid, match="unknown job kind 'nope'"):
        jobs.submit(session=s, kind="nope", params={}, created_by="pat")
    job_id = _submit(factory, "test.make_site", {"name": "East"}, by="pat")
    with factory() as s:
        assert jobs.get(session=s, job_id=job_id, login="pat").params == {"name": "East"}
        assert jobs.get(session=s, job_id=job_id).id == job_id  # admin: no login filter
        with pytest.raises(NotFound, match=f"job {job_id} does not exist"):
            jobs.get(session=s, job_id=job_id, login="sam")
        assert [j.id for j in jobs.list_own(session=s, login="pat")] == [job_id]
        assert jobs.list_own(session=s, login="sam") == []


def test_a_job_is_claimed_once(factory: Any) -> None:
    job_id = _submit(factory, "test.make_site", {"name": "West"})
    with factory() as s:
        assert jobs.claim(session=s) == job_id
        s.commit()
    with factory() as s:
        assert jobs.claim(session=s) is None
        assert jobs.claim(session=s, job_id=job_id) is None
    assert jobs.run_one(factory, job_id) is None  # already taken


def test_the_runner_thread_shows_progress_while_a_job_runs(factory: Any) -> None:
    GATE.clear()
    job_id = _submit(factory, "test.wait_for_gate", {})
    runner = jobs.Runner(lambda: factory, poll_s=0.05)
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            with factory() as s:
                seen = jobs.get(session=s, job_id=job_id)
            if seen.message == "waiting at the gate" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert seen.status == JobStatus.running and seen.progress == 0.25
        GATE.set()
        while True:
            with factory() as s:
                seen = jobs.get(session=s, job_id=job_id)
            if seen.finished or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert seen.status == JobStatus.done and seen.result == {"waited": True}
    finally:
        GATE.set()
        runner.stop()


SWEEP_FACTORY: list[Any] = []


@registry.register("test.swept_midway")
def _swept_midway(
    session: Session, params: dict[str, Any], progress: registry.Progress
) -> dict[str, Any]:
    with SWEEP_FACTORY[0]() as other:  # another worker's sweep fails this job while it runs
        jobs.sweep_stale(session=other, older_than_s=60, now=utcnow() + timedelta(hours=1))
        other.commit()
    site = org_service.create_site(
        session=session, data=org_schemas.SiteIn(name="Late", timezone="Europe/London")
    )
    return {"site_id": site.id}


def _running_since(factory: Any, job_id: int, started: datetime) -> None:
    with factory() as s:
        assert jobs.claim(session=s, job_id=job_id) == job_id
        s.execute(update(Job).where(Job.id == job_id).values(started_at=started))
        s.commit()


def test_jobs_left_running_by_a_dead_worker_are_failed_with_a_clear_message(
    factory: Any,
) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    old = _submit(factory, "test.make_site", {"name": "Old"})
    young = _submit(factory, "test.make_site", {"name": "Young"})
    queued = _submit(factory, "test.make_site", {"name": "Queued"})
    _running_since(factory, old, now - timedelta(hours=3, minutes=5))
    _running_since(factory, young, now - timedelta(minutes=10))
    with factory() as s:
        swept = jobs.sweep_stale(session=s, older_than_s=3600, now=now)
        s.commit()
    assert [j.id for j in swept] == [old]
    assert swept[0].status == JobStatus.failed and swept[0].finished_at == now
    assert swept[0].error == (
        "the worker running this job stopped without finishing it: still running 3 h 05 min "
        "after it started at 2026-11-23 08:55 UTC (the limit is 1 h 00 min); nothing of it was "
        "stored, submit it again"
    )
    with factory() as s:
        assert jobs.get(session=s, job_id=young).status == JobStatus.running
        assert jobs.get(session=s, job_id=queued).status == JobStatus.queued
        assert jobs.sweep_stale(session=s, older_than_s=3600, now=now) == []  # once only


def test_a_job_swept_while_it_ran_keeps_the_failure_and_stores_nothing(factory: Any) -> None:
    SWEEP_FACTORY[:] = [factory]
    job_id = _submit(factory, "test.swept_midway", {})
    ended = jobs.run_pending(factory)[0]
    assert ended.id == job_id and ended.status == JobStatus.failed and ended.result is None
    assert ended.error and ended.error.startswith("the worker running this job stopped")
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Site).where(Site.name == "Late")) == 0


def test_the_runner_sweeps_when_it_starts(factory: Any) -> None:
    job_id = _submit(factory, "test.make_site", {"name": "Stuck"})
    _running_since(factory, job_id, utcnow() - timedelta(hours=5))
    runner = jobs.Runner(lambda: factory, poll_s=0.05, stale_after_s=3600, sweep_every_s=600)
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            with factory() as s:
                seen = jobs.get(session=s, job_id=job_id)
            if seen.finished or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    finally:
        runner.stop()
    assert seen.status == JobStatus.failed and seen.error and "5 h 00 min" in seen.error
    assert runner.sweep_if_due() == []  # not due again for sweep_every_s
