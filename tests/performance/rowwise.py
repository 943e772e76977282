"""The row-by-row computation the performance service used before its grouped SQL aggregates.

Kept here as the reference the aggregated results are compared with: every contact row and
agent-state event is fetched and the KPIs are computed in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, String, exists, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from ccops.contacts.models import AgentStateEvent, Contact
from ccops.engines import stats
from ccops.enums import ANSWERED_OUTCOMES, AgentState, Outcome, ServiceLevelVariant
from ccops.org.models import Person, Queue
from ccops.performance.estimates import Measure, mean_of, proportion
from ccops.performance.estimates import finite as _finite
from ccops.performance.measures import MIN_DAYS
from ccops.performance.periods import day_span as _day_span
from ccops.performance.subjects import Subject
from ccops.performance.subjects import contact_where as _contact_where
from ccops.performance.sums import REPEAT_WINDOW_DAYS

Row = tuple[Any, ...]
RowCache = dict[tuple[str, str, date, date], list[Row]]
"""(person_id, outcome, wait_s, handle_s, target_s, short_abandon_s, variant, has_key,
repeated, repeat_observable, arrival_local_min) of one contact."""


def _contact_rows(
    session: Session,
    subject: Subject,
    first: date,
    last: date,
    cache: RowCache | None = None,
) -> list[Row]:
    """The contacts of a subject and period; a repeat counts only where its whole window is
    inside the data (the last days before the newest contact cannot show their repeats yet)."""
    key = (subject.kind, subject.key, first, last)
    if cache is not None and key in cache:
        return cache[key]
    lo, hi = _day_span(first, last)
    window_s = REPEAT_WINDOW_DAYS * 86400
    horizon = session.scalar(select(func.max(Contact.arrival_epoch_s))) or 0
    later = aliased(Contact)
    repeated = (
        exists()
        .where(
            later.customer_hash == Contact.customer_hash,
            later.queue_id == Contact.queue_id,
            later.arrival_epoch_s > Contact.arrival_epoch_s,
            later.arrival_epoch_s <= Contact.arrival_epoch_s + window_s,
        )
        .label("repeated")
    )
    query = (
        select(
            Contact.person_id,
            type_coerce(Contact.outcome, String),
            Contact.wait_s,
            Contact.talk_s + Contact.hold_s + Contact.wrap_s,
            Queue.target_s,
            Queue.short_abandon_s,
            type_coerce(Queue.service_level_variant, String),
            Contact.customer_hash.is_not(None),
            repeated,
            Contact.arrival_epoch_s + window_s <= horizon,
            Contact.arrival_local_min,
        )
        .join(Queue, Contact.queue_id == Queue.id)
        .where(
            _contact_where(subject),
            Contact.arrival_local_min >= lo,
            Contact.arrival_local_min < hi,
        )
    )
    rows: list[Row] = [tuple(r) for r in session.execute(query)]
    if cache is not None:
        cache[key] = rows
    return rows


def _repeat_trial(row: Row) -> bool:
    """Whether a contact counts in the repeat-contact rate's denominator."""
    return row[1] in ANSWERED_OUTCOMES and bool(row[7]) and bool(row[9])


def _from_contacts(kpi: str, rows: Sequence[Row]) -> Measure:
    answered = [r for r in rows if r[1] in ANSWERED_OUTCOMES]
    if kpi == "repeat_contact_rate":
        keyed = [r for r in rows if _repeat_trial(r)]
        return proportion(sum(1 for r in keyed if r[8]), len(keyed))
    if kpi == "aht_s":
        return mean_of([float(r[3]) for r in answered])
    if kpi == "asa_s":
        return mean_of([float(r[2]) for r in answered])
    short = [r for r in rows if r[1] == Outcome.abandoned and r[2] < r[5]]
    if kpi == "abandon_rate":
        real = len(rows) - len(short)
        abandoned = sum(1 for r in rows if r[1] == Outcome.abandoned) - len(short)
        return proportion(abandoned, real)
    # service level: the numerator and denominator of each queue's own variant, summed
    within = sum(1 for r in answered if r[2] <= r[4])
    denominator = 0
    for r in rows:
        variant = r[6]
        if variant == ServiceLevelVariant.abandons_ignored:
            denominator += r[1] in ANSWERED_OUTCOMES
        elif variant == ServiceLevelVariant.abandons_count_against:
            denominator += 1
        else:
            denominator += not (r[1] == Outcome.abandoned and r[2] < r[5])
    return proportion(within, denominator)


def _state_measure(
    session: Session, subject: Subject, kpi: str, first: date, last: date
) -> dict[int, Measure] | Measure:
    lo, hi = _day_span(first, last)
    if subject.kind == "person":
        where: ColumnElement[bool] = AgentStateEvent.person_id == subject.person_id
    elif subject.kind == "team":
        where = AgentStateEvent.person_id.in_(
            select(Person.id).where(Person.team_id == subject.team_id)
        )
    else:
        return Measure(None, 0, None, None, "none", False, "measured for people and teams")
    rows = session.execute(
        select(
            AgentStateEvent.state,
            AgentStateEvent.start_epoch_s,
            AgentStateEvent.end_epoch_s,
            AgentStateEvent.utc_offset_min,
        ).where(
            where,
            AgentStateEvent.end_epoch_s.is_not(None),
            AgentStateEvent.start_epoch_s + AgentStateEvent.utc_offset_min * 60 < hi * 60,
            AgentStateEvent.end_epoch_s + AgentStateEvent.utc_offset_min * 60 > lo * 60,
        )
    )
    handling: dict[int, float] = defaultdict(float)
    denominator: dict[int, float] = defaultdict(float)
    for state, start, end, offset in rows:
        if end is None:
            continue
        a = max(start + offset * 60, lo * 60)
        b = min(end + offset * 60, hi * 60)
        while a < b:  # split at local midnight: one value per local day
            day = a // 86400
            stop = min(b, (day + 1) * 86400)
            span = float(stop - a)
            if state in (AgentState.on_contact, AgentState.wrap_up):
                handling[day] += span
                denominator[day] += span
            elif kpi == "occupancy" and state == AgentState.available:
                denominator[day] += span
            elif kpi == "utilisation" and state != AgentState.offline:
                denominator[day] += span
            a = stop
    days = sorted(d for d, v in denominator.items() if v > 0)
    if not days:
        return Measure(None, 0, None, None, "t over days", False, "no agent-state data")
    if len(days) < MIN_DAYS:
        return Measure(
            None,
            len(days),
            None,
            None,
            "t over days",
            False,
            f"too few days of agent-state data: {len(days)} (at least {MIN_DAYS} needed)",
        )
    daily = np.array([handling[d] / denominator[d] for d in days])
    ci = stats.mean_interval(daily)
    ratio = sum(handling[d] for d in days) / sum(denominator[d] for d in days)
    return Measure(
        ratio,
        len(days),
        _finite(ci.low),
        _finite(ci.high),
        "t over days",
        True,
        "ratio of summed seconds; interval from the spread of daily values",
    )
