"""The events of a growing file (an Asterisk queue_log or a CSV call log): each parsed row
becomes an intake event whose id holds its content, so a row seen again is a duplicate and a row
that changed (a call that ended, a span that closed) updates its record. Sending them is
``ccops.flows.follow_file_once``.

A queue_log is read as the file imports read it (``read_queue_log``): calls still waiting are
sent as arrivals, calls answered but not ended as answered contacts with no end yet (updated when
they end), agent names through the stored aliases. When the file is rotated (another inode, or
smaller than before) the calls open at the last read of the old file are carried into the new
one, so a call split by logrotate is completed instead of lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ccops.contacts import continuity
from ccops.contacts.importers.asterisk import PendingCall, read_queue_log
from ccops.contacts.importers.base import AgentStateRow, ContactRow, Tally, content_hash
from ccops.contacts.importers.tabular import (
    load_mapping,
    read_agent_states_table,
    read_contacts_table,
)
from ccops.errors import Invalid, Problem, no_such_file
from ccops.wfm.intraday.lookups import Lookups, site_of


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def row_event(row: ContactRow | AgentStateRow, label: str) -> dict[str, Any]:
    """The event of one parsed file row; its id changes when the row's content does."""
    if isinstance(row, ContactRow):
        payload: dict[str, Any] = {
            "type": "contact",
            "external_id": row.external_id,
            "queue": row.queue,
            "arrival": _iso(row.arrival_at),
            "answered_at": _iso(row.answered_at),
            "ended_at": _iso(row.ended_at),
            "outcome": row.outcome.value,
            "wait_s": row.wait_s,
            "talk_s": row.talk_s,
            "hold_s": row.hold_s,
            "wrap_s": row.wrap_s,
        }
        for name in ("agent", "customer_key", "channel"):
            if getattr(row, name):
                payload[name] = getattr(row, name)
    else:
        payload = {
            "type": "agent_state",
            "external_id": row.external_id,
            "person": row.person,
            "state": row.state.value,
            "start": _iso(row.start_at),
            "end": _iso(row.end_at),
        }
        if row.reason_code:
            payload["reason_code"] = row.reason_code
    payload = {k: v for k, v in payload.items() if v is not None}
    digest = content_hash([json.dumps(payload, sort_keys=True)])
    payload["id"] = f"{label}:{payload['type']}:{row.external_id}:{digest[:12]}"
    return payload


@dataclass
class FollowState:
    """What a follower remembers between looks at a file: the events sent, the file's identity
    and size, the calls open at the last read and those carried over a rotation."""

    sent: set[str] = field(default_factory=set)
    identity: tuple[int, int] | None = None
    size: int = 0
    open_now: list[PendingCall] = field(default_factory=list)
    carried: list[PendingCall] = field(default_factory=list)

    def look(self, path: Path) -> None:
        """Notice a rotation: the calls open at the last read carry into the new file."""
        stat = path.stat()
        identity = (stat.st_dev, stat.st_ino)
        if self.identity is not None and (identity != self.identity or stat.st_size < self.size):
            self.carried = list(self.open_now)
        self.identity, self.size = identity, stat.st_size


def arrival_event(call: PendingCall, label: str) -> dict[str, Any]:
    """The event of a call still waiting: an arrival (the contact has not ended)."""
    payload: dict[str, Any] = {
        "type": "contact",
        "external_id": call.external_id,
        "queue": call.queue,
        "arrival": datetime.fromtimestamp(call.arrival, UTC).isoformat(),
    }
    if call.customer:
        payload["customer_key"] = call.customer
    digest = content_hash([json.dumps(payload, sort_keys=True)])
    payload["id"] = f"{label}:arrival:{call.external_id}:{digest[:12]}"
    return payload


def read_file_events(
    *,
    session: Session,
    path: Path,
    fmt: str,
    kind: str = "contacts",
    mapping: Path | None = None,
    state: FollowState | None = None,
    site_id: int | None = None,
) -> list[dict[str, Any]]:
    """Parse a whole queue_log or CSV into events (the rows a reader rejects are skipped);
    ``site_id``: the site whose wall clock a CSV's times without an offset are in."""
    label = path.name
    tally = Tally(label)
    look = Lookups(session, None, site_of(session, site_id))
    rows: Iterable[Any]
    if fmt == "asterisk-queue-log":
        still_open: list[PendingCall] = []
        rows = list(
            read_queue_log(
                path,
                label=label,
                tally=tally,
                pending=state.carried if state is not None else (),
                still_open=still_open,
                aliases=continuity.alias_names(session),
            )
        )
        if state is not None:
            state.open_now = still_open
        waiting = [arrival_event(c, label) for c in still_open if c.answered is None]
        return waiting + [
            row_event(r, label) for r in rows if isinstance(r, ContactRow | AgentStateRow)
        ]
    elif fmt == "csv":
        loaded = load_mapping(mapping, kind=kind)
        if kind == "agent_states":
            rows = read_agent_states_table(
                path, "csv", label=label, mapping=loaded, zone_for=look.person_zone, tally=tally
            )
        else:
            rows = read_contacts_table(
                path, "csv", label=label, mapping=loaded, zone_for=look.queue_zone, tally=tally
            )
    else:
        raise Invalid(
            f"events follow reads asterisk-queue-log or csv files, not {fmt!r}",
            [Problem("unknown format", field="format")],
        )
    return [row_event(r, label) for r in rows if isinstance(r, ContactRow | AgentStateRow)]


def sorted_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(e: dict[str, Any]) -> str:
        return str(e.get("ended_at") or e.get("end") or e.get("arrival") or e.get("start") or "")

    return sorted(events, key=key)


def unsent_events(
    *,
    session: Session,
    path: Path,
    fmt: str,
    sent: set[str],
    kind: str = "contacts",
    mapping: Path | None = None,
    state: FollowState | None = None,
    site_id: int | None = None,
) -> list[dict[str, Any]]:
    """The events of ``path`` not sent yet (ids in ``sent``), in the order to send them."""
    if not path.exists():
        raise no_such_file(path)
    if state is not None:
        state.look(path)
    events = [
        e
        for e in read_file_events(
            session=session,
            path=path,
            fmt=fmt,
            kind=kind,
            mapping=mapping,
            state=state,
            site_id=site_id,
        )
        if e["id"] not in sent
    ]
    return sorted_events(events)
