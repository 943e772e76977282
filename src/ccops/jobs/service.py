"""Jobs: submit long work, report its progress, run it in a worker, read it back.

A job's function runs in its own transaction: what it stores commits together with the job's
``done`` status, or not at all (a crash rolls it back and marks the job ``failed`` with the
message). Progress is written in short transactions of its own so that pollers see it while the
work runs; a job function reports progress before it starts writing (SQLite lets one writer in
at a time).

Several workers (``ccops jobs work`` on several machines, the web app's runner thread) share the
queue: a claim takes the oldest queued job with ``SELECT ... FOR UPDATE SKIP LOCKED`` on
PostgreSQL (workers never wait on each other's row) and a conditional UPDATE everywhere, so no
job is claimed twice. While a job runs, its worker writes a heartbeat every few seconds. A job
whose worker has not been heard from for a while (killed, machine gone) is put back in the
queue by :func:`sweep_stale`, which runners call when they start and then periodically, and is
failed once it has used its attempts. Its work rolled back with the dead worker, so a retry
starts clean; an attempt's end is recorded only if the job is still that attempt's (a worker
taken for dead that comes back stores nothing).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ccops.audit import capture
from ccops.db import transaction, utcnow
from ccops.enums import Role
from ccops.errors import CcopsError, Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.jobs import registry
from ccops.jobs.models import Job
from ccops.jobs.schemas import JobOut, JobStatus

if TYPE_CHECKING:
    from ccops.org.service import Scope

log = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_S = 30.0
"""How often the worker running a job writes its heartbeat (setting ``jobs_heartbeat_s``)."""
DEFAULT_MAX_ATTEMPTS = 3
"""How many times a job whose worker died is run (setting ``jobs_max_attempts``)."""


def _out(job: Job) -> JobOut:
    return JobOut(
        id=job.id,
        kind=job.kind,
        params=json.loads(job.params_json),
        status=JobStatus(job.status),
        progress=job.progress,
        message=job.message,
        result=None if job.result_json is None else json.loads(job.result_json),
        error=job.error,
        created_by=job.created_by,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        attempts=job.attempts or 0,
    )


def submit(
    *,
    session: Session,
    kind: str,
    params: dict[str, Any],
    created_by: str,
    run_after: datetime | None = None,
) -> JobOut:
    """Queue a job of a registered kind; a worker (or the app's runner thread) picks it up (not
    before ``run_after`` when given: a retry waiting its back-off)."""
    if kind not in registry.kinds():
        raise Invalid(
            f"kind: unknown job kind {kind!r}; known: {', '.join(sorted(registry.kinds()))}",
            [Problem("unknown job kind", field="kind")],
        )
    job = Job(
        kind=kind,
        params_json=json.dumps(params, allow_nan=False),
        status=JobStatus.queued.value,
        progress=0.0,
        message="queued",
        created_by=created_by,
        run_after=run_after,
    )
    session.add(job)
    session.flush()
    return _out(job)


def get(*, session: Session, job_id: int, login: str | None = None) -> JobOut:
    """Return a job; with ``login``, only a job that user submitted (others look absent)."""
    job = session.get(Job, job_id)
    if job is None or (login is not None and job.created_by != login):
        raise NotFound(f"job {job_id} does not exist", [Problem("unknown job", field="job_id")])
    return _out(job)


def get_visible(*, session: Session, job_id: int, login: str, role: Role, scope: Scope) -> JobOut:
    """Return a job for its progress page.

    A user sees the jobs they submitted (admins: every job) of a kind their role may see
    (Forbidden otherwise), while what the job is about is in their scope; other jobs look
    absent (NotFound)."""
    job = get(session=session, job_id=job_id, login=None if role == Role.admin else login)
    view = registry.view_of(job.kind)
    if role not in view.roles:
        raise Forbidden(
            f"the role {role.value} may not see jobs of kind {job.kind}",
            [Problem("not allowed", field="job_id")],
        )
    if not view.in_scope(session, job, scope):
        raise NotFound(f"job {job_id} does not exist", [Problem("unknown job", field="job_id")])
    return job


def list_own(*, session: Session, login: str | None, limit: int = 50) -> list[JobOut]:
    """List the newest jobs a user submitted (``login`` None: everyone's)."""
    stmt = select(Job)
    if login is not None:
        stmt = stmt.where(Job.created_by == login)
    return [_out(j) for j in session.scalars(stmt.order_by(Job.id.desc()).limit(limit))]


def own_cards(
    *, session: Session, login: str, kind: str, gettext: registry.Gettext, limit: int = 5
) -> list[registry.JobCard]:
    """The progress cards of a user's newest jobs of one kind (among their 20 newest jobs), for a
    page that lists its own builds beside its form."""
    jobs = list_own(session=session, login=login, limit=20)
    return [registry.card(j, gettext) for j in [j for j in jobs if j.kind == kind][:limit]]


def update_progress(*, session: Session, job_id: int, progress: float, message: str) -> None:
    """Record how far a running job is (0-1, clipped) and what it is doing (a heartbeat too)."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.running.value)
        .values(
            progress=min(max(float(progress), 0.0), 1.0),
            message=message[:500],
            heartbeat_at=utcnow(),
        )
    )
    session.flush()


def heartbeat(*, session: Session, job_id: int, attempt: int) -> bool:
    """Say that the worker of attempt ``attempt`` of a running job is alive; False if the job is
    no longer that attempt's (swept as abandoned, queued again or claimed by another worker)."""
    beat = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.running.value, Job.attempts == attempt)
        .values(heartbeat_at=utcnow())
    )
    session.flush()
    return getattr(beat, "rowcount", 0) == 1


def claim(*, session: Session, job_id: int | None = None) -> int | None:
    """Mark the oldest queued job (or ``job_id`` if queued) running; return its id or None.

    A job whose ``run_after`` is still ahead waits. On PostgreSQL the candidate is read with
    ``FOR UPDATE SKIP LOCKED``: a row that another worker is claiming is skipped, not waited for
    (SQLite, which has no row locks, leaves the clause out). The claim itself is a conditional
    UPDATE (still queued), so two workers never take the same job on either database. Each
    claim counts one attempt."""
    while True:
        stmt = select(Job.id).where(
            Job.status == JobStatus.queued.value,
            or_(Job.run_after.is_(None), Job.run_after <= utcnow()),
        )
        if job_id is not None:
            stmt = stmt.where(Job.id == job_id)
        stmt = stmt.order_by(Job.id).limit(1).with_for_update(skip_locked=True)
        candidate = session.scalar(stmt)
        if candidate is None:
            return None
        now = utcnow()
        taken = session.execute(
            update(Job)
            .where(Job.id == candidate, Job.status == JobStatus.queued.value)
            .values(
                status=JobStatus.running.value,
                started_at=now,
                heartbeat_at=now,
                message="started",
                progress=0.0,
                attempts=func.coalesce(Job.attempts, 0) + 1,
            )
        )
        session.flush()
        if getattr(taken, "rowcount", 0) == 1:
            return int(candidate)
        if job_id is not None:
            return None


def sweep_stale(
    *,
    session: Session,
    older_than_s: float,
    now: datetime | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> list[JobOut]:
    """Queue again the running jobs whose worker was last heard from over ``older_than_s`` ago.

    Their worker died (killed, machine restarted) before recording an end; their work rolled
    back with it, so the job is queued again for its next attempt, or failed with a message
    that says so once it has had ``max_attempts``. A worker is heard from when it claims the
    job, at each heartbeat and when it reports progress.
    """
    now = now or utcnow()
    cutoff = now - timedelta(seconds=older_than_s)
    seen = func.coalesce(Job.heartbeat_at, Job.started_at, Job.created_at)
    stale = session.execute(
        select(Job.id, Job.attempts, seen).where(
            Job.status == JobStatus.running.value, seen < cutoff
        )
    ).all()
    swept: list[JobOut] = []
    limit = _duration(timedelta(seconds=older_than_s))
    for job_id, attempts, last_seen in stale:
        taken = max(int(attempts or 0), 1)
        silent = (
            f"not heard from for {_duration(now - last_seen)} since "
            f"{last_seen:%Y-%m-%d %H:%M:%S} UTC (the limit is {limit})"
        )
        values: dict[str, Any]
        if taken < max_attempts:
            note = (
                f"queued again: the worker of attempt {taken} of {max_attempts} stopped "
                f"without finishing it ({silent}); nothing of it was stored"
            )
            values = {"status": JobStatus.queued.value, "progress": 0.0, "heartbeat_at": None}
            values["message"] = note[:500]
        else:
            note = (
                f"the worker running this job stopped without finishing it, {_times(taken)} "
                f"({taken} of {max_attempts} attempts); the last was {silent}; nothing of it "
                "was stored, submit it again"
            )
            values = {"status": JobStatus.failed.value, "error": note, "message": "failed"}
            values["finished_at"] = now
        done = session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.status == JobStatus.running.value,
                func.coalesce(Job.attempts, 0) == int(attempts or 0),
            )
            .values(**values)
        )
        if getattr(done, "rowcount", 0) == 1:
            log.warning("job %s: %s", job_id, note)
            job = session.get(Job, job_id)
            assert job is not None
            session.refresh(job)
            swept.append(_out(job))
    session.flush()
    return swept


def _times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


def _duration(span: timedelta) -> str:
    if span.total_seconds() < 60:
        return f"{max(int(span.total_seconds()), 0)} s"
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _fail(factory: sessionmaker[Session], job_id: int, attempt: int, error: str) -> None:
    with transaction(factory) as s:
        s.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.running.value, Job.attempts == attempt)
            .values(status=JobStatus.failed.value, error=error, message="failed")
            .values(finished_at=utcnow())
        )


class _Swept(Conflict):
    """The job is no longer this attempt's (a sweep took it for abandoned): store nothing."""


class _Heartbeat:
    """A thread that writes the heartbeat of one attempt of a job until stopped."""

    def __init__(
        self, factory: sessionmaker[Session], job_id: int, attempt: int, every_s: float
    ) -> None:
        self._factory, self._job_id, self._attempt, self._every_s = (
            factory,
            job_id,
            attempt,
            every_s,
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"ccops-job-{job_id}-heartbeat", daemon=True
        )

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self._every_s):
            try:
                with transaction(self._factory) as s:
                    alive = heartbeat(session=s, job_id=self._job_id, attempt=self._attempt)
            except Exception:  # the database busy or away for a moment: beat again later
                log.warning("job %s: could not write its heartbeat", self._job_id, exc_info=True)
                continue
            if not alive:
                return


def run(
    factory: sessionmaker[Session], job_id: int, *, heartbeat_s: float = DEFAULT_HEARTBEAT_S
) -> JobOut:
    """Run a claimed (running) job to its end: done with its result, or failed with a message.

    A heartbeat is written every ``heartbeat_s`` while it runs."""
    with transaction(factory) as s:
        job = s.get(Job, job_id)
        if job is None:
            raise NotFound(f"job {job_id} does not exist", [Problem("unknown job")])
        kind, params = job.kind, json.loads(job.params_json)
        submitter, attempt = job.created_by, job.attempts

    def progress(fraction: float, message: str) -> None:
        with transaction(factory) as ps:
            update_progress(session=ps, job_id=job_id, progress=fraction, message=message)

    try:
        function = registry.kinds().get(kind)
        if function is None:
            raise Invalid(f"unknown job kind {kind!r}", [Problem("unknown job kind")])
        with _Heartbeat(factory, job_id, attempt, heartbeat_s), transaction(factory) as s:
            capture.set_actor(s, submitter, f"job:{kind}#{job_id}")
            result = function(s, params, progress)
            ended = s.execute(
                update(Job)
                .where(
                    Job.id == job_id,
                    Job.status == JobStatus.running.value,
                    Job.attempts == attempt,
                )
                .values(
                    status=JobStatus.done.value,
                    progress=1.0,
                    message="done",
                    result_json=json.dumps(result, allow_nan=False),
                    finished_at=utcnow(),
                )
            )
            if getattr(ended, "rowcount", 0) != 1:  # swept as abandoned meanwhile: keep nothing
                raise _Swept(f"job {job_id} was taken for abandoned while it ran")
    except _Swept:
        log.warning(
            "job %s (%s) ended after it was swept as abandoned: its work is discarded",
            job_id,
            kind,
        )
    except CcopsError as exc:
        _fail(factory, job_id, attempt, exc.message)
    except Exception as exc:  # a crash of any kind: the job fails, the worker lives on
        log.exception("job %s (%s) crashed", job_id, kind)
        _fail(factory, job_id, attempt, f"{type(exc).__name__}: {exc}")
    with transaction(factory) as s:
        return get(session=s, job_id=job_id)


def run_pending(
    factory: sessionmaker[Session],
    *,
    limit: int | None = None,
    heartbeat_s: float = DEFAULT_HEARTBEAT_S,
) -> list[JobOut]:
    """Claim and run queued jobs, oldest first, until none is left (or ``limit`` ran)."""
    done: list[JobOut] = []
    while limit is None or len(done) < limit:
        with transaction(factory) as s:
            job_id = claim(session=s)
        if job_id is None:
            break
        done.append(run(factory, job_id, heartbeat_s=heartbeat_s))
    return done


def run_one(
    factory: sessionmaker[Session], job_id: int, *, heartbeat_s: float = DEFAULT_HEARTBEAT_S
) -> JobOut | None:
    """Claim and run one given job now (the app's after-response mode); None if not queued."""
    with transaction(factory) as s:
        claimed = claim(session=s, job_id=job_id)
    return None if claimed is None else run(factory, claimed, heartbeat_s=heartbeat_s)


class Runner:
    """A thread that polls the job table and runs what is queued (the web app's own worker)."""

    def __init__(
        self,
        factory: Callable[[], sessionmaker[Session]],
        *,
        poll_s: float = 1.0,
        stale_after_s: float | None = None,
        sweep_every_s: float = 60.0,
        heartbeat_s: float = DEFAULT_HEARTBEAT_S,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        self._factory = factory
        self._poll_s = poll_s
        self._stale_after_s = stale_after_s
        self._sweep_every_s = sweep_every_s
        self.heartbeat_s = heartbeat_s
        self._max_attempts = max_attempts
        self._swept_at: float | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start polling in a daemon thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="ccops-jobs", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for work now instead of at the next poll."""
        self._wake.set()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop after the job under way (if any) and wait for the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)

    def sweep_if_due(self) -> list[JobOut]:
        """Queue again (or fail, after their last attempt) the running jobs whose worker is no
        longer heard from, at the first look and then every ``sweep_every_s``."""
        now = time.monotonic()
        if self._stale_after_s is None or (
            self._swept_at is not None and now - self._swept_at < self._sweep_every_s
        ):
            return []
        self._swept_at = now
        with transaction(self._factory()) as s:
            return sweep_stale(
                session=s, older_than_s=self._stale_after_s, max_attempts=self._max_attempts
            )

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep_if_due()
                run_pending(self._factory(), heartbeat_s=self.heartbeat_s)
            except Exception:  # the database may be away for a moment: try again later
                log.exception("the job runner could not poll the job table")
            self._wake.wait(self._poll_s)
            self._wake.clear()
