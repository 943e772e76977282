"""A small per-process cache of KPI results, keyed by the query and the database's data version.

The data version (table ``kpi_data_version``) is bumped by database triggers in the same
transaction as every write to the tables KPIs read, so a key holding an older version is simply
never asked for again: there is nothing to invalidate by hand, and every process (uvicorn
workers, the CLI) sees an import the moment it is committed. The version is read before the data,
so a result is never stored under a newer version than the data it was computed from.

Concurrent misses of one key compute it once (the others wait for that result), so a page
opened by twenty people right after an import costs one computation, not twenty.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import exc, text

from ccops.runtime import engine_for

T = TypeVar("T")

MAX_ENTRIES = 256
# Larger results (long ranges at 15 minutes) are computed each time rather than kept in memory,
# and the rows kept in all are bounded too (tens of megabytes at most per process).
MAX_ROWS = 5000
MAX_TOTAL_ROWS = 50_000

_lock = threading.Lock()
_entries: OrderedDict[Hashable, list[Any]] = OrderedDict()
_gates: dict[Hashable, threading.Lock] = {}
_stats = {"hits": 0, "misses": 0}
_rows = [0]  # rows held in _entries

DataVersion = tuple[str, int]


def data_version(url: str) -> DataVersion | None:
    """Return the (epoch, version) of the KPI source data at ``url``; None when unknown.

    None (no write since the table was created or emptied, or a database without the table)
    means: do not cache.
    """
    try:
        with engine_for(url, purpose="kpi-version").connect() as conn:
            row = conn.execute(
                text("SELECT epoch, version FROM kpi_data_version WHERE id = 1")
            ).first()
    except exc.DBAPIError:
        return None
    return None if row is None else (str(row[0]), int(row[1]))


def get_or_compute(key: Hashable, compute: Callable[[], Sequence[T]]) -> list[T]:
    """Return the cached result of ``key`` (a copy of the list), computing it once on a miss."""
    with _lock:
        found = _entries.get(key)
        if found is not None:
            _entries.move_to_end(key)
            _stats["hits"] += 1
            return list(found)
        gate = _gates.setdefault(key, threading.Lock())
    with gate:
        with _lock:
            found = _entries.get(key)
            if found is not None:
                _entries.move_to_end(key)
                _stats["hits"] += 1
                return list(found)
        try:
            value = list(compute())
        except BaseException:
            with _lock:
                _gates.pop(key, None)
            raise
        with _lock:
            _stats["misses"] += 1
            if len(value) <= MAX_ROWS:
                old = _entries.pop(key, None)
                _rows[0] -= len(old) if old is not None else 0
                _entries[key] = value
                _rows[0] += len(value)
                while len(_entries) > MAX_ENTRIES or _rows[0] > MAX_TOTAL_ROWS:
                    _rows[0] -= len(_entries.popitem(last=False)[1])
            _gates.pop(key, None)
        return list(value)


def clear() -> None:
    """Forget every cached result (tests; never needed for correctness)."""
    with _lock:
        _entries.clear()
        _rows[0] = 0
        _stats.update(hits=0, misses=0)


def stats() -> dict[str, int]:
    """Return the hits, misses, entries and rows held of this process's cache."""
    with _lock:
        return {**_stats, "entries": len(_entries), "rows": _rows[0]}
