"""Several `ccops jobs work` processes on one database, as on several machines: they split the
queue with no job run twice, and a worker killed mid-job leaves its job to be retried with
nothing of the killed attempt stored. Real processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from ccops.db import make_engine, make_session_factory
from ccops.jobs import service as jobs
from ccops.jobs.models import Job
from ccops.jobs.schemas import JobStatus
from ccops.settings import Settings
from tests.factories import jobs as test_kinds
from tests.plugins.data import ROOT


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url())
    test_kinds.make_run_table(engine)
    yield engine
    engine.dispose()


class Workers:
    """Worker processes started on the test database, stopped at the end of the test."""

    def __init__(self, settings: Settings, tmp_path: Path) -> None:
        self.settings, self.tmp_path = settings, tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, **env: str) -> subprocess.Popen[bytes]:
        environ = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "PYTHONUNBUFFERED": "1",
            "COLUMNS": "400",
            "CCOPS_DATABASE_URL": self.settings.resolved_database_url(),
            "CCOPS_DATA_DIR": str(self.settings.data_dir),
            "CCOPS_SECRET_KEY": self.settings.secret_key,
            "CCOPS_JOBS_HEARTBEAT_S": "0.2",
            **env,
        }
        with (self.tmp_path / f"{name}.out").open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "tests.factories.jobs", "work", "--poll-s", "0.05"],
                cwd=ROOT,
                env=environ,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.procs.append(proc)
        return proc

    def output(self, name: str) -> str:
        return (self.tmp_path / f"{name}.out").read_text(encoding="utf-8", errors="replace")

    def says(self, name: str, words: str) -> bool:
        return words in self.output(name)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def workers(settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(settings, tmp_path)
    yield started
    started.stop()


def _wait(what: str, check: Callable[[], bool], timeout_s: float = 25.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout_s:.0f} s for {what}")
        time.sleep(0.05)


def _submit(engine: Engine, kind: str, params_list: list[dict[str, Any]]) -> list[int]:
    factory = make_session_factory(engine)
    with factory() as s:
        ids = [
            jobs.submit(session=s, kind=kind, params=p, created_by="pat").id for p in params_list
        ]
        s.commit()
    return ids


def _jobs(engine: Engine, ids: list[int]) -> list[Job]:
    with make_session_factory(engine)() as s:
        return list(s.scalars(select(Job).where(Job.id.in_(ids)).order_by(Job.id)))


def _rows(engine: Engine) -> list[tuple[int, int, int]]:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT n, worker, step FROM job_test_run ORDER BY n, step"))
        return [(int(n), int(w), int(s)) for n, w, s in found]


def test_two_workers_split_the_queue_and_run_each_job_once(
    engine: Engine, workers: Workers, tmp_path: Path
) -> None:
    first, second = workers.start("first"), workers.start("second")
    for name in ("first", "second"):  # both are polling before there is work
        _wait(f"worker {name} to start", partial(workers.says, name, "waiting for jobs"))
    log = tmp_path / "starts.log"
    ids = _submit(
        engine, test_kinds.COUNT, [{"n": n, "sleep": 0.15, "log": str(log)} for n in range(20)]
    )

    def all_done() -> bool:
        return all(j.status == JobStatus.done.value for j in _jobs(engine, ids))

    _wait("the 20 jobs to be done", all_done)
    ran = _jobs(engine, ids)
    rows = _rows(engine)
    # every job stored exactly one row, and was even started exactly once
    assert sorted(n for n, _, _ in rows) == list(range(20))
    starts = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    assert sorted(int(n) for n, _ in starts) == list(range(20))
    assert [j.attempts for j in ran] == [1] * 20
    # each job's result names the worker that stored its row, and both workers took some (how
    # many each is the scheduler's: 19 and 1 has been seen on a busy 2-core machine)
    by_worker = Counter(w for _, w, _ in rows)
    assert set(by_worker) == {first.pid, second.pid}, by_worker
    assert sum(by_worker.values()) == 20, by_worker
    results = [json.loads(j.result_json or "{}") for j in ran]
    assert {(r["n"], r["worker"]) for r in results} == {(n, w) for n, w, _ in rows}

    def said(name: str) -> list[str]:
        return [line for line in workers.output(name).splitlines() if ": done" in line]

    _wait("the workers to say what they ran", lambda: len(said("first") + said("second")) == 20)
    for name, proc in (("first", first), ("second", second)):
        assert len(said(name)) == by_worker[proc.pid], workers.output(name)


def test_a_job_of_a_killed_worker_is_retried_with_nothing_of_the_killed_attempt_stored(
    engine: Engine, workers: Workers, tmp_path: Path
) -> None:
    flag = tmp_path / "hanging"
    (job_id,) = _submit(
        engine, test_kinds.WRITE_THEN_HANG, [{"n": 7, "rows": 3, "flag": str(flag)}]
    )
    doomed = workers.start("doomed")
    _wait("the job to write its rows and hang", flag.exists)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    (job,) = _jobs(engine, [job_id])
    assert job.status == JobStatus.running.value and job.attempts == 1
    assert _rows(engine) == []  # the 3 rows it wrote died with its transaction

    rescuer = workers.start("rescuer", CCOPS_JOBS_STALE_AFTER_S="1", CCOPS_JOBS_SWEEP_S="0.2")
    _wait(
        "the job to be retried and done",
        lambda: _jobs(engine, [job_id])[0].status in ("done", "failed"),
    )
    (job,) = _jobs(engine, [job_id])
    assert job.status == JobStatus.done.value and job.attempts == 2 and job.error is None
    assert _rows(engine) == [(7, rescuer.pid, 1), (7, rescuer.pid, 2), (7, rescuer.pid, 3)]
    out = workers.output("rescuer")
    assert (
        f"job {job_id} {test_kinds.WRITE_THEN_HANG}: queued queued again: the worker of "
        "attempt 1 of 3 stopped without finishing it" in out
    ), out
    assert f"job {job_id} {test_kinds.WRITE_THEN_HANG}: done" in out, out


def test_on_postgresql_a_claim_skips_the_job_another_worker_is_claiming(
    postgres_url: str,
) -> None:
    """FOR UPDATE SKIP LOCKED: a worker does not wait for the row another one is claiming (a
    plain read would pick the same job and then wait on its lock). SQLite has no row locks."""
    engine = make_engine(postgres_url)
    factory = make_session_factory(engine)
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM job"))
        first, second = _submit(engine, test_kinds.COUNT, [{"n": 1}, {"n": 2}])
        with factory() as one, factory() as two:
            assert jobs.claim(session=one) == first  # not committed yet: its row stays locked
            began = time.monotonic()
            assert jobs.claim(session=two) == second
            assert time.monotonic() - began < 5  # the lock timeout is 15 s
            one.rollback()  # the first worker gives up its claim: the job is free again
            two.commit()
        with factory() as three:
            assert jobs.claim(session=three) == first
            assert jobs.claim(session=three) is None
            three.commit()
    finally:
        engine.dispose()
