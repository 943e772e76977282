"""Capture every change to an audited record as an audit entry, inside the flush that makes it.

A ``before_flush`` listener notes what is about to change (columns' old and new values while the
ORM still knows both); an ``after_flush`` listener, once new rows have their ids, writes one
audit entry per record on the same connection, so the entries commit or roll back with the
change. The actor is ``session.info["actor"]`` (set by the web's principal, the CLI's unit of
work and the job runner), else ``system``. Bulk ``update()``/``delete()`` statements bypass the
ORM and are not captured: audited records are changed through the ORM.

:func:`install` registers the listeners on every SQLAlchemy session of the process (idempotent).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, event, insert, inspect, select
from sqlalchemy.orm import InstanceState, Mapper, Session, UOWTransaction

from ccops.audit.models import AuditEntry
from ccops.db import Base, utcnow

ACTOR = "actor"
"""``session.info`` key: who is changing things (a login, ``cli:<os user>``, ``system``)."""
ORIGIN = "actor_origin"
"""``session.info`` key: through what (``web``, ``api``, ``cli``, ``job:<kind>#<id>``)."""
SUPPRESS = "audit_suppress"
"""``session.info`` key: while true, flushes are not captured (an erasure writes its own entry)."""
_PENDING = "_audit_pending"

AUDITED: dict[str, str] = {
    "site": "site",
    "channel": "channel",
    "queue": "queue",
    "team": "team",
    "person": "person",
    "person_skill": "person_skill",
    "app_user": "user",
    "user_scope": "user_scope",
    "api_token": "api_token",
    "perf_scorecard": "scorecard",
    "perf_scorecard_kpi": "scorecard_kpi",
    "perf_publication": "publication",
    "capacity_plan": "capacity_plan",
    "forecast": "forecast",
    "forecast_adjustment": "forecast_adjustment",
    "special_day": "special_day",
    "staffing_requirement": "staffing_requirement",
    "schedule": "schedule",
    "shift_template": "shift_template",
    "work_contract": "work_contract",
    "person_contract": "person_contract",
    "exception_plan": "exception_plan",
    "exception_rule": "exception_rule",
    "value_assumption": "value_assumption",
    "case_calendar": "case_calendar",
    "case_target": "case_target",
    "case_route": "case_route",
    "case_record": "case",
}
"""Audited tables and the entity kind their entries are filed under."""

IGNORED: dict[str, frozenset[str]] = {
    "app_user": frozenset({"failed_logins", "locked_until", "session_version", "totp_last_step"}),
    "api_token": frozenset({"last_used_at"}),
    "schedule": frozenset({"progress"}),
}
"""Bookkeeping columns whose changes are no governance event (sign-in counters, last use)."""

REDACTED = "[redacted]"
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "totp_secret"})
"""Columns whose values never enter the trail; that they changed does."""

PARENT: dict[str, tuple[str, str]] = {
    "person_skill": ("person_id", "person"),
    "app_user": ("person_id", "person"),
    "user_scope": ("team_id", "team"),
    "api_token": ("user_id", "app_user"),
    "perf_scorecard_kpi": ("scorecard_id", "perf_scorecard"),
    "perf_scorecard": ("team_id", "team"),
    "forecast": ("queue_id", "queue"),
    "forecast_adjustment": ("forecast_id", "forecast"),
    "capacity_plan": ("forecast_id", "forecast"),
    "staffing_requirement": ("forecast_id", "forecast"),
    "special_day": ("queue_id", "queue"),
    "person_contract": ("person_id", "person"),
    "exception_plan": ("queue_id", "queue"),
    "exception_rule": ("plan_id", "exception_plan"),
}
"""Where a record without a ``site_id`` of its own finds its site: (foreign key, parent table)."""


def json_value(value: Any) -> Any:
    """A column value as JSON can hold it (dates as ISO text, enums as their value)."""
    if isinstance(value, enum.Enum):
        return json_value(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _shown(column: str, value: Any) -> Any:
    return REDACTED if column in SECRET_COLUMNS and value is not None else json_value(value)


@dataclass
class _Noted:
    action: str
    state: InstanceState[Any]
    table: str
    changes: dict[str, list[Any]]
    values: dict[str, Any]


def _columns(mapper: Mapper[Any], table: str) -> list[str]:
    ignored = IGNORED.get(table, frozenset())
    return [a.key for a in mapper.column_attrs if a.key not in ignored]


def _table_of(state: InstanceState[Any]) -> str | None:
    name = getattr(state.mapper.local_table, "name", None)
    return name if isinstance(name, str) and name in AUDITED else None


def _update_changes(state: InstanceState[Any], table: str) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for key in _columns(state.mapper, table):
        history = state.attrs[key].history
        if not history.added and not history.deleted:
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        changes[key] = [_shown(key, before), _shown(key, after)]
    return changes


def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    if session.info.get(SUPPRESS):
        return
    noted: list[_Noted] = session.info.setdefault(_PENDING, [])
    for obj in session.new:
        state = inspect(obj)
        if (table := _table_of(state)) is not None:
            noted.append(_Noted("create", state, table, {}, {}))
    for obj in session.dirty:
        state = inspect(obj)
        if (table := _table_of(state)) is None:
            continue
        changes = _update_changes(state, table)
        if changes:
            values = {k: state.dict.get(k) for k in _columns(state.mapper, table)}
            noted.append(_Noted("update", state, table, changes, values))
    for obj in session.deleted:
        state = inspect(obj)
        if (table := _table_of(state)) is None:
            continue
        values = {k: state.dict.get(k) for k in _columns(state.mapper, table)}
        changes = {k: [_shown(k, v), None] for k, v in values.items() if v is not None}
        noted.append(_Noted("delete", state, table, changes, values))


def site_of(
    connection: Connection, table: str, values: dict[str, Any], depth: int = 0
) -> int | None:
    """The site a record (its column values) belongs to, following ``PARENT`` up to 3 steps."""
    if table == "site":
        found = values.get("id")
        return int(found) if found is not None else None
    if values.get("site_id") is not None:
        return int(values["site_id"])
    parent = PARENT.get(table)
    if parent is None or depth >= 3:
        return None
    column, parent_table = parent
    if values.get(column) is None:
        return None
    target = Base.metadata.tables.get(parent_table)
    if target is None:
        return None
    row = connection.execute(select(target).where(target.c.id == values[column])).mappings().first()
    return None if row is None else site_of(connection, parent_table, dict(row), depth + 1)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    noted: list[_Noted] = session.info.pop(_PENDING, [])
    if not noted or session.info.get(SUPPRESS):
        return
    connection = session.connection()
    actor = str(session.info.get(ACTOR) or "system")
    origin = str(session.info.get(ORIGIN) or ("system" if actor == "system" else "cli"))
    now = utcnow()
    rows = []
    for item in noted:
        values = item.values
        changes = item.changes
        if item.action == "create":
            values = {k: item.state.dict.get(k) for k in _columns(item.state.mapper, item.table)}
            changes = {k: [None, _shown(k, v)] for k, v in values.items() if v is not None}
        entity_id = values.get("id")
        rows.append(
            {
                "at": now,
                "actor": actor[:200],
                "origin": origin[:100],
                "entity_kind": AUDITED[item.table],
                "entity_id": int(entity_id) if isinstance(entity_id, int) else None,
                "action": item.action,
                "site_id": site_of(connection, item.table, values),
                "changes_json": json.dumps(changes, sort_keys=True, ensure_ascii=False),
            }
        )
    connection.execute(insert(AuditEntry), rows)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


_installed = False


def install() -> None:
    """Capture the changes of every session of this process from now on (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))
    _installed = True


def set_actor(session: Session, actor: str, origin: str) -> None:
    """Say who makes the session's changes from now on, and through what."""
    session.info[ACTOR] = actor
    session.info[ORIGIN] = origin


@contextmanager
def suppressed(session: Session) -> Iterator[Session]:
    """Flush what is pending (captured), then make changes that are not captured one by one.

    For an operation that writes one entry of its own instead (a leaver's erasure, whose
    entries must not hold the values it erases)."""
    session.flush()
    session.info[SUPPRESS] = True
    try:
        yield session
        session.flush()
    finally:
        session.info.pop(SUPPRESS, None)
