"""Contact sums per person and local day, the base of every contact KPI of a person, a team or
the centre.

Contacts are summed in SQL, grouped by person and local day (one query per subject and page,
cached in a ContactCache), never fetched row by row; the sums are also kept in the process's KPI
cache under the database's data version, so the next page that asks for the same subject and days
reads them from memory until a write to contacts, agent states, queues or people changes the
version. The KPI rules (service level variants, answered within target, short abandons) are the
SQL expressions of ``kpi_rule_columns``, compiled from ``ccops.metrics.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, SQLColumnExpression, and_, case, exists, func, select, text
from sqlalchemy.orm import Session, aliased

from ccops.contacts.models import Contact
from ccops.metrics import cache as kpi_cache
from ccops.metrics import rules as kpi_rules
from ccops.org.models import Queue
from ccops.performance import estimates as perf_estimates
from ccops.performance import periods as perf_periods
from ccops.performance import subjects as perf_subjects

REPEAT_WINDOW_DAYS = 7


@dataclass
class ContactSums:
    """The counts and sums every contact KPI is computed from, for one group of contacts."""

    contacts: int = 0
    answered: int = 0
    answered_timed: int = 0
    """Answered with trusted timing (wait known): the denominator of ASA and AHT; the handle and
    wait sums below are over these contacts only."""
    handle_s: float = 0.0
    handle_sq: float = 0.0
    wait_s: float = 0.0
    wait_sq: float = 0.0
    repeat_trials: int = 0
    repeats: int = 0
    abandoned: int = 0
    short_abandons: int = 0
    within_target: int = 0
    sl_denominator: int = 0


SUM_FIELDS = tuple(ContactSums.__dataclass_fields__)
COUNT_FIELDS = frozenset(n for n in SUM_FIELDS if isinstance(getattr(ContactSums(), n), int))


@dataclass
class ContactDays:
    """A subject's contact sums per (person, local day) over the local days [lo_day, hi_day):
    one row of ``sums`` (columns in the order of ContactSums' fields) per key in ``keys``."""

    lo_day: int
    hi_day: int
    person_ids: np.ndarray[Any, np.dtype[np.int64]]
    days: np.ndarray[Any, np.dtype[np.int64]]
    sums: np.ndarray[Any, np.dtype[np.float64]]

    def total(self, first: date, last: date, person_id: int | None = None) -> ContactSums:
        """The sums over the local dates [first, last], of one person or (None) of all."""
        lo, hi = (first - perf_periods.EPOCH).days, (last - perf_periods.EPOCH).days + 1
        mask = (self.days >= lo) & (self.days < hi)
        if person_id is not None:
            mask &= self.person_ids == person_id
        totals = self.sums[mask].sum(axis=0) if self.sums.size else np.zeros(len(SUM_FIELDS))
        values: list[Any] = [
            int(round(v)) if name in COUNT_FIELDS else float(v)
            for name, v in zip(SUM_FIELDS, totals, strict=True)
        ]
        return ContactSums(*values)


ContactCache = dict[tuple[str, str], ContactDays]
"""A page's contact sums by subject (kind, key): each page reads the contact table once."""


@dataclass(frozen=True)
class KpiRuleColumns:
    """The KPI rules as SQL conditions on a contact joined to its queue."""

    answered: ColumnElement[bool]
    handled: ColumnElement[bool]
    """Answered with trusted timing: in ASA and AHT."""
    abandoned: ColumnElement[bool]
    short_abandon: ColumnElement[bool]
    """Abandoned before the queue's short-abandon threshold."""
    within_target: ColumnElement[bool]
    """Answered within the queue's service-level target."""
    sl_counted: ColumnElement[bool]
    """In the denominator of the queue's own service-level variant."""


def kpi_rule_columns() -> KpiRuleColumns:
    """Build the SQL conditions of the KPI rules (service level variants, answered within
    target, short abandons) over ``Contact`` joined to ``Queue``."""
    fields: dict[str, SQLColumnExpression[Any]] = {
        "outcome": Contact.outcome,
        "wait_s": Contact.wait_s,
        "target_s": Queue.target_s,
        "short_abandon_s": Queue.short_abandon_s,
    }
    return KpiRuleColumns(
        answered=kpi_rules.sql_condition(kpi_rules.ANSWERED, fields),
        handled=kpi_rules.sql_condition(kpi_rules.HANDLED, fields),
        abandoned=kpi_rules.sql_condition(kpi_rules.ABANDONED, fields),
        short_abandon=kpi_rules.sql_condition(kpi_rules.SHORT_ABANDONED, fields),
        within_target=kpi_rules.sql_condition(kpi_rules.ANSWERED_WITHIN_TARGET, fields),
        sl_counted=kpi_rules.sql_sl_counted(fields, Queue.service_level_variant),
    )


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _total(condition: ColumnElement[bool], value: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, value), else_=0.0)), 0.0)


def contact_days(
    *,
    session: Session,
    subject: perf_subjects.Subject,
    first: date,
    last: date,
    cache: ContactCache | None = None,
) -> ContactDays:
    """The subject's contact sums per person and local day over [first, last], from one
    grouped query (or the cache when an earlier query of the page covers the dates).

    A repeat counts only where its whole window is inside the data (the last days before the
    newest contact cannot show their repeats yet).
    """
    lo, hi = perf_periods.day_span(first, last)
    key = (subject.kind, subject.key)
    found = cache.get(key) if cache is not None else None
    if found is not None and found.lo_day <= lo // 1440 and hi // 1440 <= found.hi_day:
        return found
    out = kpi_cache.session_cached(
        session,
        ("contact_days", *perf_subjects.subject_key(subject), lo, hi),
        lambda own: _query_contact_days(own, subject, lo, hi),
        rows=lambda days: len(days.days),
    )
    if cache is not None:
        cache[key] = out
    return out


def _query_contact_days(
    session: Session, subject: perf_subjects.Subject, lo: int, hi: int
) -> ContactDays:
    """Run contact_days' grouped query over the local minutes [lo, hi) (whole days)."""
    window_s = REPEAT_WINDOW_DAYS * 86400
    if session.get_bind().dialect.name == "postgresql":
        # the EXISTS per contact makes the plan's cost estimate huge, so PostgreSQL would spend
        # seconds compiling the query (JIT) that then runs in a fraction of that time
        session.execute(text("SET LOCAL jit = off"))
    horizon = session.scalar(select(func.max(Contact.arrival_epoch_s))) or 0
    later = aliased(Contact)
    repeated = exists().where(
        later.customer_hash == Contact.customer_hash,
        later.queue_id == Contact.queue_id,
        later.arrival_epoch_s > Contact.arrival_epoch_s,
        later.arrival_epoch_s <= Contact.arrival_epoch_s + window_s,
    )
    rules = kpi_rule_columns()
    answered, abandoned, short = rules.answered, rules.abandoned, rules.short_abandon
    handled = rules.handled
    trial = and_(
        answered,
        Contact.customer_hash.is_not(None),
        Contact.arrival_epoch_s + window_s <= horizon,
    )
    handle = Contact.talk_s + Contact.hold_s + Contact.wrap_s
    day = (Contact.arrival_local_min // 1440).label("day")
    # a team's page compares its people; a person or the centre needs only the days
    keys: list[Any] = [Contact.person_id, day] if subject.kind == "team" else [day]
    query = (
        select(
            *keys,
            func.count(),
            _count(answered),
            _count(handled),
            _total(handled, handle),
            _total(handled, handle * handle),
            _total(handled, Contact.wait_s),
            _total(handled, Contact.wait_s * Contact.wait_s),
            _count(trial),
            _count(and_(trial, repeated)),
            _count(abandoned),
            _count(short),
            _count(rules.within_target),
            _count(rules.sl_counted),
        )
        .join(Queue, Contact.queue_id == Queue.id)
        .where(
            perf_subjects.contact_where(subject),
            Contact.arrival_local_min >= lo,
            Contact.arrival_local_min < hi,
        )
        .group_by(*keys)
    )
    rows = [(None, *r) if len(keys) == 1 else tuple(r) for r in session.execute(query)]
    out = ContactDays(
        lo // 1440,
        hi // 1440,
        np.array([-1 if r[0] is None else r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.int64),
        np.array([[float(v) for v in r[2:]] for r in rows], dtype=np.float64).reshape(
            len(rows), len(SUM_FIELDS)
        ),
    )
    for array in (out.person_ids, out.days, out.sums):
        array.flags.writeable = False  # shared by every request of the process
    return out


def from_sums(kpi: str, c: ContactSums) -> perf_estimates.Measure:
    if kpi == "repeat_contact_rate":
        return perf_estimates.proportion(c.repeats, c.repeat_trials)
    # ASA and AHT: over the answered contacts with trusted timing (a null wait is unknown, and
    # so is the handle time of a contact whose timestamps disagree; see ccops.metrics.rules)
    if kpi == "aht_s":
        return perf_estimates.mean_of_sums(c.answered_timed, c.handle_s, c.handle_sq)
    if kpi == "asa_s":
        return perf_estimates.mean_of_sums(c.answered_timed, c.wait_s, c.wait_sq)
    if kpi == "abandon_rate":
        counts = {
            "offered": c.contacts,
            "abandoned": c.abandoned,
            "short_abandoned": c.short_abandons,
        }
        return perf_estimates.proportion(
            kpi_rules.count_total(kpi_rules.ABANDON_RATE.numerator, counts),
            kpi_rules.count_total(kpi_rules.ABANDON_RATE.denominator, counts),
        )
    # service level: the numerator and denominator of each queue's own variant, summed
    return perf_estimates.proportion(c.within_target, c.sl_denominator)
