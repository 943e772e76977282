"""The events of a growing file (an Asterisk queue_log or a CSV call log): each parsed row
becomes an intake event whose id holds its content, so a row seen again is a duplicate and a row
that changed (a call that ended, a span that closed) updates its record. Sending them is
``ccops.flows.follow_file_once``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ccops.contacts.importers.asterisk import read_queue_log
from ccops.contacts.importers.base import AgentStateRow, ContactRow, Tally, content_hash
from ccops.contacts.importers.tabular import (
    load_mapping,
    read_agent_states_table,
    read_contacts_table,
)
from ccops.errors import Invalid, Problem, no_such_file
from ccops.wfm.intraday.lookups import Lookups


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


def read_file_events(
    *, session: Session, path: Path, fmt: str, kind: str = "contacts", mapping: Path | None = None
) -> list[dict[str, Any]]:
    """Parse a whole queue_log or CSV into events (the rows a reader rejects are skipped)."""
    label = path.name
    tally = Tally(label)
    look = Lookups(session, None)
    rows: Iterable[Any]
    if fmt == "asterisk-queue-log":
        rows = read_queue_log(path, label=label, tally=tally)
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
) -> list[dict[str, Any]]:
    """The events of ``path`` not sent yet (ids in ``sent``), in the order to send them."""
    if not path.exists():
        raise no_such_file(path)
    events = [
        e
        for e in read_file_events(session=session, path=path, fmt=fmt, kind=kind, mapping=mapping)
        if e["id"] not in sent
    ]
    return sorted_events(events)
