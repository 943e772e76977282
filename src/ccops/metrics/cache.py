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
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ccops.runtime import engine_for

T = TypeVar("T")

MAX_ENTRIES = 256
# Larger results (long ranges at 15 minutes) are computed each time rather than kept in memory,
# and the rows kept in all are bounded too (tens of megabytes at most per process).
MAX_ROWS = 5000
MAX_TOTAL_ROWS = 50_000

_lock = threading.Lock()
_entries: OrderedDict[Hashable, tuple[list[Any], int]] = OrderedDict()  # (value, weight)
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


def get_or_compute(
    key: Hashable,
    compute: Callable[[], Sequence[T]],
    weigh: Callable[[list[T]], int] = len,
) -> list[T]:
    """Return the cached result of ``key`` (a copy of the list), computing it once on a miss.

    ``weigh`` gives the rows a result counts as against the bounds (by default its length).
    """
    with _lock:
        found = _entries.get(key)
        if found is not None:
            _entries.move_to_end(key)
            _stats["hits"] += 1
            return list(found[0])
        gate = _gates.setdefault(key, threading.Lock())
    with gate:
        with _lock:
            found = _entries.get(key)
            if found is not None:
                _entries.move_to_end(key)
                _stats["hits"] += 1
                return list(found[0])
        try:
            value = list(compute())
        except BaseException:
            with _lock:
                _gates.pop(key, None)
            raise
        weight = max(1, weigh(value))
        with _lock:
            _stats["misses"] += 1
            if weight <= MAX_ROWS:
                old = _entries.pop(key, None)
                _rows[0] -= old[1] if old is not None else 0
                _entries[key] = (value, weight)
                _rows[0] += weight
                while len(_entries) > MAX_ENTRIES or _rows[0] > MAX_TOTAL_ROWS:
                    _rows[0] -= _entries.popitem(last=False)[1][1]
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


def _database_url(session: Session) -> str:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return engine.url.render_as_string(hide_password=False)


def committed_version(session: Session, url: str) -> DataVersion | None:
    """The committed data version, if the session's own transaction sees exactly that data.

    None (do not share) when the session sees another version: it has written to a KPI source
    table itself (a result from uncommitted data must never reach other requests), or (SQLite)
    its snapshot predates the latest commit. When both agree, the session's data is the committed
    data of that version (on PostgreSQL its later statements may see newer commits, which is
    never older than the key says).
    """
    own = session.execute(text("SELECT epoch, version FROM kpi_data_version WHERE id = 1")).first()
    if own is None:
        return None
    committed = data_version(url)
    return committed if committed == (str(own[0]), int(own[1])) else None


def session_cached(
    session: Session,
    key: tuple[Hashable, ...],
    compute: Callable[[], T],
    *,
    versioned: bool = True,
    rows: Callable[[T], int] | None = None,
) -> T:
    """``compute()`` for the session's database, shared by the process's requests.

    ``versioned``: the value derives from KPI source data (contacts, agent states, interval
    reports, queues, people) and is kept while their committed data version is unchanged.
    Otherwise the key itself must identify immutable data (e.g. a stored forecast's id, creation
    time and adjustment ids). ``rows``: how many rows the value counts as against the cache's
    bounds (default 1). Callers must not modify the value: every request shares it.
    """
    url = _database_url(session)
    version: DataVersion | None = None
    if versioned:
        version = committed_version(session, url)
        if version is None:
            return compute()
    weigh = (lambda value: rows(value[0])) if rows is not None else len
    found: list[T] = get_or_compute((url, version, *key), lambda: [compute()], weigh)
    return found[0]
