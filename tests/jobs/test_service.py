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
SWEEPS: list[int] = []
"""How many times test.swept_midway still sweeps its own job; then it runs through."""


@registry.register("test.swept_midway")
def _swept_midway(
    session: Session, params: dict[str, Any], progress: registry.Progress
) -> dict[str, Any]:
    if SWEEPS[0] > 0:  # another worker's sweep takes this job for abandoned while it runs
        SWEEPS[0] -= 1
        with SWEEP_FACTORY[0]() as other:
            jobs.sweep_stale(
                session=other,
                older_than_s=60,
                now=utcnow() + timedelta(hours=1),
                max_attempts=params["max_attempts"],
            )
            other.commit()
    site = org_service.create_site(
        session=session, data=org_schemas.SiteIn(name="Late", timezone="Europe/London")
    )
    return {"site_id": site.id}


def _running_since(
    factory: Any, job_id: int, started: datetime, heard: datetime | None = None
) -> None:
    with factory() as s:
        assert jobs.claim(session=s, job_id=job_id) == job_id
        s.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(started_at=started, heartbeat_at=heard or started)
        )
        s.commit()


def test_jobs_left_running_by_a_dead_worker_are_retried_then_failed_with_a_clear_message(
    factory: Any,
) -> None:
    """Was: such a job failed at once. Now it is queued again for a new attempt, and fails
    (with a message that counts its attempts) only when its last attempt's worker died too."""
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    old = _submit(factory, "test.make_site", {"name": "Old"})
    young = _submit(factory, "test.make_site", {"name": "Young"})
    alive = _submit(factory, "test.make_site", {"name": "Alive"})
    queued = _submit(factory, "test.make_site", {"name": "Queued"})
    _running_since(factory, young, now - timedelta(minutes=10))
    # started long ago, but its worker's heartbeat is recent: still alive
    _running_since(factory, alive, now - timedelta(hours=5), now - timedelta(minutes=1))
    for attempt in (1, 2):
        _running_since(factory, old, now - timedelta(hours=3, minutes=5))
        with factory() as s:
            swept = jobs.sweep_stale(session=s, older_than_s=3600, now=now, max_attempts=3)
            s.commit()
        assert [(j.id, j.status, j.attempts, j.error) for j in swept] == [
            (old, JobStatus.queued, attempt, None)
        ]
        assert swept[0].progress == 0.0 and swept[0].finished_at is None
        assert swept[0].message == (
            f"queued again: the worker of attempt {attempt} of 3 stopped without finishing it "
            "(not heard from for 3 h 05 min since 2026-11-23 08:55:00 UTC (the limit is "
            "1 h 00 min)); nothing of it was stored"
        )
    _running_since(factory, old, now - timedelta(hours=3, minutes=5))
    with factory() as s:
        swept = jobs.sweep_stale(session=s, older_than_s=3600, now=now, max_attempts=3)
        s.commit()
    assert [j.id for j in swept] == [old]
    assert swept[0].status == JobStatus.failed and swept[0].finished_at == now
    assert swept[0].attempts == 3
    assert swept[0].error == (
        "the worker running this job stopped without finishing it, 3 times (3 of 3 attempts); "
        "the last was not heard from for 3 h 05 min since 2026-11-23 08:55:00 UTC (the limit "
        "is 1 h 00 min); nothing of it was stored, submit it again"
    )
    with factory() as s:
        assert jobs.get(session=s, job_id=young).status == JobStatus.running
        assert jobs.get(session=s, job_id=alive).status == JobStatus.running
        assert jobs.get(session=s, job_id=queued).status == JobStatus.queued
        assert jobs.sweep_stale(session=s, older_than_s=3600, now=now) == []  # once only


def test_a_single_attempt_fails_at_once_and_says_so(factory: Any) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    job_id = _submit(factory, "test.make_site", {"name": "Once"})
    _running_since(factory, job_id, now - timedelta(seconds=90), now - timedelta(seconds=45))
    with factory() as s:
        (swept,) = jobs.sweep_stale(session=s, older_than_s=30, now=now, max_attempts=1)
        s.commit()
    assert swept.id == job_id and swept.status == JobStatus.failed
    assert swept.error == (
        "the worker running this job stopped without finishing it, once (1 of 1 attempts); "
        "the last was not heard from for 45 s since 2026-11-23 11:59:15 UTC (the limit is "
        "30 s); nothing of it was stored, submit it again"
    )


def test_a_job_swept_while_it_ran_stores_nothing_of_that_attempt_and_is_retried(
    factory: Any,
) -> None:
    SWEEP_FACTORY[:], SWEEPS[:] = [factory], [1]
    job_id = _submit(factory, "test.swept_midway", {"max_attempts": 3})
    first, second = jobs.run_pending(factory)
    # the first attempt ended after its job was queued again: its site was not stored
    assert first.id == second.id == job_id
    assert first.status == JobStatus.queued and first.attempts == 1 and first.result is None
    assert first.message.startswith("queued again: the worker of attempt 1 of 3 stopped")
    assert second.status == JobStatus.done and second.attempts == 2
    with factory() as s:
        late = s.scalars(select(Site).where(Site.name == "Late")).all()
    assert [second.result] == [{"site_id": site.id} for site in late]  # exactly one


def test_a_job_swept_on_its_last_attempt_keeps_the_failure_and_stores_nothing(
    factory: Any,
) -> None:
    SWEEP_FACTORY[:], SWEEPS[:] = [factory], [1]
    job_id = _submit(factory, "test.swept_midway", {"max_attempts": 1})
    (ended,) = jobs.run_pending(factory)
    assert ended.id == job_id and ended.status == JobStatus.failed and ended.result is None
    assert ended.error and ended.error.startswith(
        "the worker running this job stopped without finishing it, once (1 of 1 attempts)"
    )
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Site).where(Site.name == "Late")) == 0


def test_the_runner_sweeps_when_it_starts_and_retries_the_job(factory: Any) -> None:
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
    assert seen.status == JobStatus.done and seen.attempts == 2 and seen.error is None
    with factory() as s:
        stuck = s.scalars(select(Site).where(Site.name == "Stuck")).one()
    assert seen.result == {"site_id": stuck.id}
    assert runner.sweep_if_due() == []  # not due again for sweep_every_s


def test_a_running_job_writes_its_heartbeat(factory: Any) -> None:
    GATE.clear()
    job_id = _submit(factory, "test.wait_for_gate", {})
    claimed_at: list[datetime] = []
    with factory() as s:
        assert jobs.claim(session=s) == job_id
        s.commit()
        job = s.get(Job, job_id)
        assert job is not None and job.heartbeat_at is not None and job.attempts == 1
        claimed_at.append(job.heartbeat_at)
    done: list[Any] = []
    worker = threading.Thread(
        target=lambda: done.append(jobs.run(factory, job_id, heartbeat_s=0.05))
    )
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while True:  # the job reports progress (a heartbeat too), then waits at the gate
            with factory() as s:
                seen = s.get(Job, job_id)
                assert seen is not None
            if seen.message == "waiting at the gate" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert seen.heartbeat_at is not None and seen.heartbeat_at >= claimed_at[0]
        claimed_at.append(seen.heartbeat_at)
        while True:  # while it waits, only the heartbeat thread writes
            with factory() as s:
                beat = s.scalar(select(Job.heartbeat_at).where(Job.id == job_id))
            if (beat and beat > claimed_at[1]) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert beat is not None and beat > claimed_at[1]
        with factory() as s:  # a heartbeat of another attempt is refused
            assert not jobs.heartbeat(session=s, job_id=job_id, attempt=2)
    finally:
        GATE.set()
        worker.join(30)
    assert done[0].status == JobStatus.done and done[0].attempts == 1
