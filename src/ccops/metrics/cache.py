"""A small per-process cache of KPI results, keyed by the query and the database's data version.

The data version (table ``kpi_data_version``) is bumped by database triggers in the same
transaction as every write to the tables KPIs read, so a key holding an older version is simply
never asked for again: there is nothing to invalidate by hand, and every process (uvicorn
workers, the CLI) sees an import the moment it is committed. The version is read before the data,
so a result is never stored under a newer version than the data it was computed from.

Concurrent misses of one key compute it once (the others wait for that result), so a page
opened by twenty people right after an import costs one computation, not twenty.

During the working day a telephony feed writes contacts every few seconds, and each write
changes the version. Pages (not the JSON API, not the CLI) may then be answered from the last
result of the same question if it is at most ``Settings.page_max_stale_s`` old, while one
background thread of the process computes the new one; the page says "figures as of" that
result's time. Nobody waits for a recomputation the data has outrun, and nobody is shown old
figures without being told.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import exc, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ccops.runtime import before_dispose, engine_for

T = TypeVar("T")

MAX_ENTRIES = 256
# Larger results (long ranges at 15 minutes) are computed each time rather than kept in memory,
# and the rows kept in all are bounded too (tens of megabytes at most per process).
MAX_ROWS = 5000
MAX_TOTAL_ROWS = 50_000

_lock = threading.Lock()
_entries: OrderedDict[Hashable, tuple[list[Any], int]] = OrderedDict()  # (value, weight)
_gates: dict[Hashable, threading.Lock] = {}
_stats = {"hits": 0, "misses": 0, "stale": 0, "refreshes": 0}
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
        _latest.clear()
        _stats.update(hits=0, misses=0, stale=0, refreshes=0)


def stats() -> dict[str, int]:
    """Return the hits, misses, entries and rows held of this process's cache."""
    with _lock:
        return {**_stats, "entries": len(_entries), "rows": _rows[0], "latest": len(_latest)}


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


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


# --- pages during live intake: the last result, told as such, while a new one is computed -----

log = logging.getLogger(__name__)


@dataclass
class PageFreshness:
    """What one page request accepts (``max_stale_s``) and the oldest result it was given."""

    max_stale_s: float
    oldest_as_of: datetime | None = None


@dataclass
class _Latest:
    version: DataVersion
    computed_at: float  # time.monotonic() when computed
    as_of: datetime  # the same moment on the wall clock (UTC), for the page
    value: list[Any]


_freshness: ContextVar[PageFreshness | None] = ContextVar("ccops_page_freshness", default=None)
_latest: OrderedDict[Hashable, _Latest] = OrderedDict()
_refreshing: set[Hashable] = set()
# one thread: refreshes run one after another, so they never take more than one core's share
_refresher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccops-kpi-refresh")

Refresh = Callable[[], tuple[DataVersion | None, Sequence[Any]]]
"""Reads the committed version, then computes, both on connections of its own."""


def accept_stale(max_stale_s: float) -> Token[PageFreshness | None]:
    """Let the current request (a page) be answered from results up to ``max_stale_s`` old."""
    return _freshness.set(PageFreshness(max_stale_s))


def reset_stale(token: Token[PageFreshness | None]) -> None:
    """End what ``accept_stale`` allowed."""
    _freshness.reset(token)


def served_as_of() -> datetime | None:
    """The time of the oldest earlier result this request was answered from, if any."""
    found = _freshness.get()
    return found.oldest_as_of if found is not None else None


def wait_for_refreshes() -> None:
    """Block until every refresh started so far has finished (tests, and before engines are
    disposed)."""
    _refresher.submit(lambda: None).result()


def _drain() -> None:
    try:
        wait_for_refreshes()
    except RuntimeError:  # the interpreter is shutting down: no refresh runs any more
        pass


before_dispose(_drain)


def _remember(base: Hashable, version: DataVersion, value: list[Any], at: float) -> None:
    with _lock:
        known = _latest.get(base)
        if known is not None and known.computed_at > at:
            return  # a newer computation is already remembered
        _latest[base] = _Latest(version, at, datetime.now(UTC), value)
        _latest.move_to_end(base)
        while len(_latest) > MAX_ENTRIES:
            _latest.popitem(last=False)


def _refresh(base: Hashable, refresh: Refresh, weigh: Callable[[list[Any]], int]) -> None:
    with _lock:
        if base in _refreshing:
            return
        _refreshing.add(base)

    def run() -> None:
        try:
            started = time.monotonic()
            version, value = refresh()
            if version is None:
                return
            found = get_or_compute((base, version), lambda: value, weigh)
            _remember(base, version, found, started)
            with _lock:
                _stats["refreshes"] += 1
        except Exception:  # the next page computes it itself once the old result is too old
            log.exception("refreshing a cached KPI result failed")
        finally:
            with _lock:
                _refreshing.discard(base)

    _refresher.submit(run)


def shared(
    base: Hashable,
    version: DataVersion,
    compute: Callable[[], Sequence[T]],
    refresh: Refresh | None = None,
    weigh: Callable[[list[T]], int] = len,
) -> list[T]:
    """The result of question ``base`` at data ``version``, computed once per process.

    A page that accepts stale results gets the last result of ``base`` (at an older version)
    if it is young enough, and ``refresh`` computes the current one in the background.
    """
    with _lock:
        exact = _entries.get((base, version))
        latest = _latest.get(base)
    fresh = _freshness.get()
    if (
        exact is None
        and refresh is not None
        and fresh is not None
        and latest is not None
        and latest.version != version
        and latest.version[0] == version[0]  # never across an emptied table (a new epoch)
        and time.monotonic() - latest.computed_at <= fresh.max_stale_s
    ):
        _refresh(base, refresh, weigh)
        with _lock:
            _stats["stale"] += 1
        if fresh.oldest_as_of is None or latest.as_of < fresh.oldest_as_of:
            fresh.oldest_as_of = latest.as_of
        return list(latest.value)
    started = time.monotonic()
    value = get_or_compute((base, version), lambda: _exactly(compute), weigh)
    if exact is None:
        _remember(base, version, value, started)
    return value


def _exactly(compute: Callable[[], Sequence[T]]) -> Sequence[T]:
    """Run ``compute`` with no earlier results allowed inside it: what it returns is filed as
    the current version's result, so it must not be built from an older one."""
    token = _freshness.set(None)
    try:
        return compute()
    finally:
        _freshness.reset(token)


def session_cached(
    session: Session,
    key: tuple[Hashable, ...],
    compute: Callable[[Session], T],
    *,
    versioned: bool = True,
    rows: Callable[[T], int] | None = None,
) -> T:
    """``compute(session)`` for the session's database, shared by the process's requests.

    ``versioned``: the value derives from KPI source data (contacts, agent states, interval
    reports, queues, people) and is kept while their committed data version is unchanged (a
    page may get the previous result while it is recomputed, see the module's text).
    Otherwise the key itself must identify immutable data (e.g. a stored forecast's id, creation
    time and adjustment ids). ``rows``: how many rows the value counts as against the cache's
    bounds (default 1). Callers must not modify the value: every request shares it.
    """
    engine = _engine(session)
    url = engine.url.render_as_string(hide_password=False)
    weigh: Callable[[list[T]], int] = (lambda value: rows(value[0])) if rows is not None else len
    if not versioned:
        return get_or_compute(((url, *key), None), lambda: [compute(session)], weigh)[0]
    version = committed_version(session, url)
    if version is None:
        return compute(session)

    def refresh() -> tuple[DataVersion | None, list[T]]:
        with Session(bind=engine) as own:
            now = committed_version(own, url)
            return now, [compute(own)] if now is not None else []

    return shared((url, *key), version, lambda: [compute(session)], refresh, weigh)[0]
