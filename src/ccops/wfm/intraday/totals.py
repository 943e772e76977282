"""The interval totals of the intraday view (``IntradayInterval``): changes to them (``Deltas``:
one contact's or agent-state span's contribution, added or taken out), written in place by
``apply_deltas``, and rebuilt from every stored contact and span of a queue-day (after a file
import, or a change of the queue's threshold)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, case, delete, func, literal, select, update
from sqlalchemy.orm import Session

from ccops.contacts.importers.base import EPOCH, insert_rows, time_fields
from ccops.contacts.models import AgentStateEvent, Contact
from ccops.contacts.schemas import ImportReport
from ccops.db import utcnow
from ccops.enums import HANDLING_STATES, AgentState, Outcome
from ccops.metrics import rules as kpi_rules
from ccops.org import service as org_service
from ccops.org.models import PersonSkill, Queue
from ccops.wfm.intraday.constants import INTERVAL_MIN, INTERVAL_S, STAFFED_STATES
from ccops.wfm.intraday.lookups import Lookups, aware, chunks
from ccops.wfm.intraday.models import IntradayInterval

AGG_FIELDS = (
    "offered",
    "answered",
    "answered_within_target",
    "abandoned",
    "short_abandoned",
    "timed",
    "answered_timed",
    "handle_sum_s",
    "answered_wait_sum_s",
    "staffed_s",
    "handling_s",
    "available_s",
)
"""``handle_sum_s`` and ``answered_wait_sum_s`` are sums over the answered contacts with trusted
timing (``answered_timed``, the denominator of ASA and AHT), as in the KPI registry."""


INT_FIELDS = frozenset(AGG_FIELDS[:7])


CONTACT_KEYS = (
    "queue_id",
    "arrival_epoch_s",
    "arrival_local_min",
    "utc_offset_min",
    "outcome",
    "wait_s",
    "talk_s",
    "hold_s",
    "wrap_s",
)


_ANSWERED = kpi_rules.predicate(kpi_rules.ANSWERED)
_WITHIN = kpi_rules.predicate(kpi_rules.ANSWERED_WITHIN_TARGET)
_ABANDONED = kpi_rules.predicate(kpi_rules.ABANDONED)
_SHORT = kpi_rules.predicate(kpi_rules.SHORT_ABANDONED)
_TIMED = kpi_rules.predicate(kpi_rules.TIMED)
_HANDLED = kpi_rules.predicate(kpi_rules.HANDLED)


@dataclass(frozen=True)
class ContactFlags:
    """The KPI rules of the live totals for one contact."""

    answered: bool
    within: bool
    """Answered within the queue's target."""
    abandoned: bool
    short: bool
    """Abandoned before the queue's short-abandon threshold."""
    timed: bool
    """Its timing is trusted (wait known): in the service-level denominators."""
    handled: bool
    """Answered with trusted timing: in ASA and AHT (``answered_timed``)."""


def contact_flags(outcome: Outcome, wait_s: float | None, queue: Queue) -> ContactFlags:
    """The KPI rules of the live totals for one contact, by the registry's rules."""
    fields = {
        "outcome": outcome,
        "wait_s": wait_s,
        "target_s": queue.target_s,
        "short_abandon_s": queue.short_abandon_s,
    }
    return ContactFlags(
        _ANSWERED(fields),
        _WITHIN(fields),
        _ABANDONED(fields),
        _SHORT(fields),
        _TIMED(fields),
        _HANDLED(fields),
    )


@dataclass
class Deltas:
    """Changes to interval aggregates, keyed by (queue id, interval start epoch seconds)."""

    values: dict[tuple[int, int], list[float]] = field(default_factory=dict)
    local: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    def add(self, queue_id: int, start_s: int, local_min: int, offset_min: int, **d: float) -> None:
        key = (queue_id, start_s)
        row = self.values.get(key)
        if row is None:
            row = self.values[key] = [0.0] * len(AGG_FIELDS)
            self.local[key] = (local_min, offset_min)
        for name, value in d.items():
            row[AGG_FIELDS.index(name)] += value

    def contact(self, rec: dict[str, Any], queue: Queue, sign: float) -> None:
        """Add (sign +1) or remove (-1) one contact's contribution, by the registry's rules."""
        local = int(rec["arrival_local_min"])
        bucket = local - local % INTERVAL_MIN
        offset = int(rec["utc_offset_min"])
        start_s = (bucket - offset) * 60
        # a contact with untrusted timing (null wait) is neither short nor within target, and
        # its wait and handle time are left out of the sums (and of their denominators)
        wait = None if rec["wait_s"] is None else float(rec["wait_s"])
        f = contact_flags(Outcome(rec["outcome"]), wait, queue)
        handle = rec["talk_s"] + rec["hold_s"] + rec["wrap_s"]
        self.add(
            queue.id,
            start_s,
            bucket,
            offset,
            offered=sign,
            answered=sign * f.answered,
            answered_within_target=sign * f.within,
            abandoned=sign * f.abandoned,
            short_abandoned=sign * f.short,
            timed=sign * f.timed,
            answered_timed=sign * f.handled,
            handle_sum_s=sign * handle if f.handled else 0.0,
            answered_wait_sum_s=sign * (wait or 0.0) if f.handled else 0.0,
        )

    def span(
        self,
        queue_id: int,
        zone: ZoneInfo,
        state: AgentState,
        start_s: int,
        end_s: int,
        sign: float,
    ) -> None:
        """Add or remove an agent-state span's seconds, split over the 15-minute intervals."""
        staffed = state in STAFFED_STATES
        handling = state in HANDLING_STATES
        if not staffed or end_s <= start_s:
            return
        first = start_s - start_s % INTERVAL_S
        for s in range(first, end_s, INTERVAL_S):
            seconds = min(end_s, s + INTERVAL_S) - max(start_s, s)
            if seconds <= 0:
                continue
            tf = time_fields(datetime.fromtimestamp(s, UTC), zone)
            self.add(
                queue_id,
                s,
                tf.local_min,
                tf.utc_offset_min,
                staffed_s=sign * seconds,
                handling_s=sign * seconds * handling,
                available_s=sign * seconds * (not handling),
            )


def apply_deltas(session: Session, deltas: Deltas) -> int:
    """Write aggregate changes in place (additive UPDATE, INSERT for new intervals)."""
    keys = [k for k, v in deltas.values.items() if any(x != 0 for x in v)]
    if not keys:
        return 0
    table = cast(Table, IntradayInterval.__table__)
    existing: dict[tuple[int, int], int] = {}
    by_queue: dict[int, list[int]] = defaultdict(list)
    for queue_id, start_s in keys:
        by_queue[queue_id].append(start_s)
    for queue_id, starts in by_queue.items():
        for part in chunks(sorted(starts)):
            rows = session.execute(
                select(IntradayInterval.id, IntradayInterval.interval_start).where(
                    IntradayInterval.queue_id == queue_id,
                    IntradayInterval.interval_start.in_(
                        [datetime.fromtimestamp(s, UTC) for s in part]
                    ),
                )
            )
            for row_id, start in rows:
                existing[(queue_id, int(aware(start).timestamp()))] = row_id
    now = utcnow()
    inserts, updates = [], []
    for key in keys:
        values = deltas.values[key]
        named = {
            n: (round(v) if n in INT_FIELDS else v) for n, v in zip(AGG_FIELDS, values, strict=True)
        }
        if key in existing:
            updates.append(
                {"_id": existing[key], "_now": now, **{f"d_{n}": v for n, v in named.items()}}
            )
        else:
            local_min, offset = deltas.local[key]
            inserts.append(
                {
                    "queue_id": key[0],
                    "interval_start": datetime.fromtimestamp(key[1], UTC),
                    "interval_local_min": local_min,
                    "utc_offset_min": offset,
                    "updated_at": now,
                    **named,
                }
            )
    if inserts:
        insert_rows(session, table, inserts)
    if updates:
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(
                updated_at=bindparam("_now"),
                **{n: table.c[n] + bindparam(f"d_{n}") for n in AGG_FIELDS},
            )
        )
        session.execute(statement, updates)
    return len(keys)


def rebuild_day(*, session: Session, queue_id: int, day: date) -> int:
    """Recompute one queue-day's aggregates from every stored contact and span (after a file
    import, or a change of the queue's threshold); return the intervals written."""
    return rebuild_days(session=session, queue_id=queue_id, first=day, last=day)


def rebuild_days(*, session: Session, queue_id: int, first: date, last: date) -> int:
    """Recompute a queue's aggregates for the local days ``first``..``last`` from every stored
    contact and span; return the intervals written. Contacts are counted by the database, grouped
    per interval with the registry's rules as SQL (a quarter of the demo's history in seconds),
    agent-state spans split over intervals here."""
    look = Lookups(session, None)
    queue = look.queue_by_id(queue_id)
    zone = look.zone(queue.site_id)
    first_min = (first - EPOCH.date()).days * 1440
    end_min = (last - EPOCH.date()).days * 1440 + 1440
    start = datetime.combine(first, datetime.min.time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
    session.execute(
        delete(IntradayInterval).where(
            IntradayInterval.queue_id == queue_id,
            IntradayInterval.interval_start >= start,
            IntradayInterval.interval_start < end,
        )
    )
    deltas = Deltas()
    _count_contacts(session, queue, first_min, end_min, deltas)
    people = [
        pid
        for (pid,) in session.execute(
            select(PersonSkill.person_id).where(PersonSkill.queue_id == queue_id)
        )
        if look.primary_queue(pid) == queue_id
    ]
    start_s, end_s = int(start.timestamp()), int(end.timestamp())
    for part in chunks(sorted(people)):
        for s in session.scalars(
            select(AgentStateEvent).where(
                AgentStateEvent.person_id.in_(part),
                AgentStateEvent.end_epoch_s > start_s,
                AgentStateEvent.start_epoch_s < end_s,
            )
        ):
            assert s.end_epoch_s is not None
            deltas.span(
                queue_id,
                zone,
                AgentState(s.state),
                max(s.start_epoch_s, start_s),
                min(s.end_epoch_s, end_s),
                +1,
            )
    return apply_deltas(session, deltas)


def _count_contacts(
    session: Session, queue: Queue, first_min: int, end_min: int, deltas: Deltas
) -> None:
    """Add the contacts of a queue arriving in local minutes ``first_min``..``end_min`` to
    ``deltas``, counted per interval in SQL by the same rules as ``Deltas.contact``."""
    columns: dict[str, Any] = {
        "outcome": Contact.outcome,
        "wait_s": Contact.wait_s,
        "target_s": literal(queue.target_s),
        "short_abandon_s": literal(queue.short_abandon_s),
    }

    def count(condition: kpi_rules.Condition) -> Any:
        return func.sum(case((kpi_rules.sql_condition(condition, columns), 1), else_=0))

    handled = kpi_rules.sql_condition(kpi_rules.HANDLED, columns)
    bucket = Contact.arrival_local_min - Contact.arrival_local_min % INTERVAL_MIN
    handle = Contact.talk_s + Contact.hold_s + Contact.wrap_s
    rows = session.execute(
        select(
            bucket,
            Contact.utc_offset_min,
            func.count(),
            count(kpi_rules.ANSWERED),
            count(kpi_rules.ANSWERED_WITHIN_TARGET),
            count(kpi_rules.ABANDONED),
            count(kpi_rules.SHORT_ABANDONED),
            count(kpi_rules.TIMED),
            count(kpi_rules.HANDLED),
            func.sum(case((handled, handle), else_=0.0)),
            func.sum(case((handled, Contact.wait_s), else_=0.0)),
        )
        .where(
            Contact.queue_id == queue.id,
            Contact.arrival_local_min >= first_min,
            Contact.arrival_local_min < end_min,
        )
        .group_by(bucket, Contact.utc_offset_min)
    )
    for (
        local,
        offset,
        offered,
        ans,
        within,
        abandoned,
        short,
        timed,
        handled_n,
        handle_s,
        wait_s,
    ) in rows:
        deltas.add(
            queue.id,
            (int(local) - int(offset)) * 60,
            int(local),
            int(offset),
            offered=float(offered),
            answered=float(ans or 0),
            answered_within_target=float(within or 0),
            abandoned=float(abandoned or 0),
            short_abandoned=float(short or 0),
            timed=float(timed or 0),
            answered_timed=float(handled_n or 0),
            handle_sum_s=float(handle_s or 0.0),
            answered_wait_sum_s=float(wait_s or 0.0),
        )


def rebuild_queue_day(*, session: Session, queue: str, day: date) -> int:
    """``rebuild_day`` of a queue named ``queue`` (NotFound naming it when there is none)."""
    found = org_service.get_queue(session=session, name=queue)
    return rebuild_day(session=session, queue_id=found.id, day=day)


def rebuild_after_import(*, session: Session, report: ImportReport) -> list[tuple[str, date]]:
    """Rebuild the interval totals of every queue-day a contacts or agent-state import wrote, in
    the import's transaction; return the (queue, local day) pairs rebuilt.

    Called by ``ccops.flows.after_import`` (which the import edges call), not by
    ``contacts.imports``: the contacts domain sits below wfm (wfm reads its models and
    importers), so a call from it up into wfm would make an import cycle. Interval-report
    imports write no contacts or spans and rebuild nothing.
    """
    if report.kind == "intervals":
        return []
    batch_ids = [report.batch_id]
    if report.agent_states is not None:
        batch_ids.append(report.agent_states.batch_id)
    wanted = [b for b in batch_ids if b is not None]
    if not wanted:
        return []
    days: set[tuple[int, date]] = set()
    for queue_id, day_index in session.execute(
        select(Contact.queue_id, Contact.arrival_local_min // 1440)
        .where(Contact.batch_id.in_(wanted))
        .distinct()
    ):
        days.add((int(queue_id), EPOCH.date() + timedelta(days=int(day_index))))
    look = Lookups(session, None)
    for person_id, first_s, last_s in session.execute(
        select(
            AgentStateEvent.person_id,
            func.min(AgentStateEvent.start_epoch_s),
            func.max(func.coalesce(AgentStateEvent.end_epoch_s, AgentStateEvent.start_epoch_s)),
        )
        .where(AgentStateEvent.batch_id.in_(wanted))
        .group_by(AgentStateEvent.person_id)
    ):
        primary = look.primary_queue(int(person_id))
        if primary is None:
            continue
        zone = look.zone(look.queue_by_id(primary).site_id)
        day = datetime.fromtimestamp(int(first_s), UTC).astimezone(zone).date()
        last = datetime.fromtimestamp(int(last_s), UTC).astimezone(zone).date()
        while day <= last:
            days.add((primary, day))
            day += timedelta(days=1)
    done = []
    for queue_id, day in sorted(days):
        rebuild_day(session=session, queue_id=queue_id, day=day)
        done.append((look.queue_by_id(queue_id).name, day))
    return done
