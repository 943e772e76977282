"""Cheap job kinds for the tests of several workers, and a worker process that knows them.

``python -m tests.factories.jobs work ...`` is ``ccops jobs work ...`` with these kinds
registered: the tests start it as a real process (two of them, as on two machines; one killed
mid-job). Each kind writes rows to ``job_test_run`` (made by :func:`make_run_table`), a table
outside the app's model, in the job's own transaction; the rows say which job (``n``, a number
the test gives), which worker process and which step wrote them.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from ccops.jobs import registry

COUNT = "test.count_run"
"""Writes one row and waits ``sleep`` seconds: counts how many times each job ran."""
WRITE_THEN_HANG = "test.write_then_hang"
"""Writes ``rows`` rows, then (first time only: ``flag`` absent) makes ``flag`` and hangs."""


def make_run_table(engine: Engine) -> None:
    """Create ``job_test_run`` if missing, and empty it."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS job_test_run "
                "(n INTEGER NOT NULL, worker INTEGER NOT NULL, step INTEGER NOT NULL)"
            )
        )
        conn.execute(text("DELETE FROM job_test_run"))


def _write(session: Session, n: int, step: int) -> None:
    session.execute(
        text("INSERT INTO job_test_run (n, worker, step) VALUES (:n, :worker, :step)"),
        {"n": n, "worker": os.getpid(), "step": step},
    )
    session.flush()


@registry.register(COUNT)
def _count_run(
    session: Session, params: dict[str, Any], progress: registry.Progress
) -> dict[str, Any]:
    progress(0.1, "counting")
    with Path(params["log"]).open("a", encoding="utf-8") as log:  # every start, even undone
        log.write(f"{params['n']} {os.getpid()}\n")
    _write(session, int(params["n"]), 1)
    time.sleep(float(params.get("sleep", 0.0)))
    return {"n": params["n"], "worker": os.getpid()}


@registry.register(WRITE_THEN_HANG)
def _write_then_hang(
    session: Session, params: dict[str, Any], progress: registry.Progress
) -> dict[str, Any]:
    progress(0.2, "writing")
    for step in range(1, int(params["rows"]) + 1):
        _write(session, int(params["n"]), step)
    flag = Path(params["flag"])
    if not flag.exists():
        flag.write_text(str(os.getpid()), encoding="utf-8")  # the test kills the worker now
        time.sleep(120)
    return {"n": params["n"], "worker": os.getpid()}


if __name__ == "__main__":
    from ccops.cli import app

    app(["jobs", *sys.argv[1:]], prog_name="ccops")
