"""Spark for the KPI registry: one SparkSession per process, opened on first use, behind Ibis.

PySpark is an optional extra (``pip install 'ccops[spark]'``) and needs a Java runtime; asking
for the Spark engine without them fails with what to install, not an import error.
"""

from __future__ import annotations

import atexit
import os
import shutil
from typing import Any

import ibis

from ccops.errors import Invalid, Problem

_SESSION: dict[str | None, Any] = {}


def _missing(what: str) -> Invalid:
    return Invalid(
        f"the Spark engine needs {what}: install it (pip install 'ccops[spark]'; Debian: "
        "apt-get install default-jre-headless), or use --engine duckdb",
        [Problem(f"{what} missing", field="engine")],
    )


def session(master: str | None = None) -> Any:
    """The process's SparkSession for ``master`` (``local[*]`` unless given or set in
    ``CCOPS_SPARK_MASTER``), with UTC session time and a small shuffle for one machine."""
    master = master or os.environ.get("CCOPS_SPARK_MASTER") or "local[*]"
    if master in _SESSION:
        return _SESSION[master]
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise _missing("PySpark") from exc
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise _missing("a Java runtime")
    builder = (
        SparkSession.builder.master(master)
        .appName("ccops-kpi")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
    )
    if master.startswith("local"):
        builder = builder.config("spark.sql.shuffle.partitions", "4")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    _SESSION[master] = spark
    atexit.register(spark.stop)
    return spark


class _SharedSession:
    """An Ibis PySpark backend whose ``disconnect`` leaves the shared session running: starting
    a JVM costs seconds, so every KPI query of the process reuses it."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)

    def disconnect(self) -> None:
        """Keep the session (it is stopped when the process exits)."""


def connect(master: str | None = None) -> Any:
    """An Ibis backend on the process's SparkSession."""
    return _SharedSession(ibis.pyspark.connect(session(master)))
