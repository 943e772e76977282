"""Use cases of performance management: cascaded scorecards filled in with honest statistics,
funnel plots and control charts (never league tables), coaching, reviews, recognition,
publication by level, team leaders' floor time and attrition.

KPI definitions come from the metrics registry (label, formula, data source); the values of one
person, one team or the centre are computed here from the same contact records and agent-state
events the registry names, because the interval services aggregate by queue, not by person.
Contacts and agent states are summed in SQL, grouped by person and local day (one query per
subject and page, cached in a ContactCache), never fetched row by row; the sums are also kept in
the process's KPI cache under the database's data version, so the next page that asks for the
same subject and days reads them from memory until a write to contacts, agent states, queues or
people changes the version.
Every rate carries its sample size and a 95% interval (Wilson for proportions, Student t for
means); below the minimum sample the value is withheld and the reason said.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import ColumnElement, and_, case, exists, func, not_, or_, select, text, true
from sqlalchemy.orm import Session, aliased

from ccops.contacts.models import AgentStateEvent, Contact
from ccops.db import utcnow
from ccops.engines import stats
from ccops.enums import ANSWERED_OUTCOMES, AgentState, Outcome, Role, ServiceLevelVariant
from ccops.errors import Conflict, Invalid, NotFound, Problem
from ccops.metrics import cache as kpi_cache
from ccops.metrics import registry
from ccops.org import service as org_service
from ccops.org.models import Person, Queue, Site, Team
from ccops.performance import models as m
from ccops.performance import schemas as s
from ccops.quality import models as qa_models
from ccops.quality import service as qa_service
from ccops.wfm.schedules.models import Schedule, ScheduledActivity

EPOCH = date(1970, 1, 1)
MIN_TRIALS = 30
"""Fewer trials than this: a rate is not shown (its 95% interval is wider than about ±18 points)."""
MIN_VALUES = 10
"""Fewer values than this: a mean is not shown."""
MIN_DAYS = 3
"""Fewer days with agent-state data than this: occupancy and utilisation are not shown."""
REPEAT_WINDOW_DAYS = 7
FLOOR_TARGET = registry.FLOOR_TARGET
FUNNEL_KPIS = ("repeat_contact_rate", "qa_pass_rate")
"""Proportions measured per person, the only KPIs a funnel plot compares people on."""
MIN_QA_EVALUATIONS = qa_service.MIN_EVALUATIONS
"""Fewer evaluations than this: a QA pass rate is not shown (the quality pages' own minimum)."""

PERFORMANCE_METRICS: dict[str, registry.Metric] = {
    key: registry.METRICS[key] for key in ("floor_time_share", "attrition_rate", "qa_pass_rate")
}
"""The registry's people KPIs, measured here (from schedules, activity logs and people records)."""
PROPORTIONS = {"repeat_contact_rate", "service_level", "abandon_rate"}
MEANS = {"aht_s", "asa_s"}
STATE_RATIOS = {"occupancy", "utilisation"}
MEASURABLE = PROPORTIONS | MEANS | STATE_RATIOS | set(PERFORMANCE_METRICS)
CENTRE_ONLY = {"service_level", "abandon_rate", "asa_s"}
"""Queue KPIs: measured for the centre (queues of its sites), not for a person or a team."""
DEFAULT_PERSON_KPIS = ("repeat_contact_rate", "aht_s", "occupancy")
DEFAULT_TEAM_KPIS = ("repeat_contact_rate", "aht_s", "occupancy", "attrition_rate")
LEVEL_RANK = {s.Level.centre: 0, s.Level.team: 1, s.Level.position: 2, s.Level.person: 3}
POSITION_OF_ROLE = {
    Role.agent: s.Position.agent,
    Role.supervisor: s.Position.team_leader,
    Role.qa_analyst: s.Position.qa_analyst,
    Role.planner: s.Position.planner,
}
RHYTHM_PERIOD = {
    s.Rhythm.hourly: timedelta(hours=1),
    s.Rhythm.daily: timedelta(days=1),
    s.Rhythm.weekly: timedelta(days=7),
}


def metric(key: str) -> registry.Metric:
    """Return the definition of KPI ``key`` (metrics registry or performance KPIs)."""
    found = registry.METRICS.get(key)
    if found is None:
        known = ", ".join(sorted(MEASURABLE))
        raise Invalid(f"unknown KPI {key!r}; use one of: {known}", [Problem("unknown", "kpi")])
    return found


# --- subjects and scope -----------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """Whose KPIs are measured: one person, one team, or the centre (sites; None = all)."""

    kind: str
    key: str
    name: str
    person_id: int | None = None
    team_id: int | None = None
    site_ids: frozenset[int] | None = None


def person_in_scope(*, session: Session, login: str, scope: org_service.Scope) -> Person:
    """Return the person ``login`` if the scope reaches them, else raise NotFound."""
    found = session.scalars(
        select(Person).where(Person.login == login, scope.people_clause())
    ).one_or_none()
    if found is None:
        raise NotFound(
            f"no person {login!r} in your scope", [Problem("unknown or outside scope", "person")]
        )
    return found


def team_in_scope(*, session: Session, name: str, scope: org_service.Scope) -> Team:
    """Return the team ``name`` if the scope reaches it, else raise NotFound."""
    found = session.scalars(
        select(Team).where(Team.name == name, scope.teams_clause())
    ).one_or_none()
    if found is None:
        raise NotFound(
            f"no team {name!r} in your scope", [Problem("unknown or outside scope", "team")]
        )
    return found


def _person_subject(p: Person) -> Subject:
    return Subject("person", p.login, p.name, person_id=p.id)


def _team_subject(t: Team) -> Subject:
    return Subject("team", t.name, t.name, team_id=t.id)


def _centre_subject(scope: org_service.Scope) -> Subject:
    return Subject("centre", "centre", "centre", site_ids=scope.site_ids)


OLDEST = date(1990, 1, 1)
NEWEST = date(2200, 12, 31)


def check_period(first: date, last: date) -> None:
    """Refuse a period outside 1990-2200 (dates a contact centre's data can have)."""
    for name, day in (("first", first), ("last", last)):
        if not OLDEST <= day <= NEWEST:
            raise Invalid(
                f"{name} {day} is outside {OLDEST} to {NEWEST}", [Problem("out of range", name)]
            )


def _day_span(first: date, last: date) -> tuple[int, int]:
    check_period(first, last)
    if last < first:
        raise Invalid(f"the period ends ({last}) before it starts ({first})", [Problem("", "last")])
    if (last - first).days > 400:
        raise Invalid("a period is at most 400 days", [Problem("too long", "last")])
    return (first - EPOCH).days * 1440, ((last - EPOCH).days + 1) * 1440


def _contact_where(subject: Subject) -> ColumnElement[bool]:
    if subject.kind == "person":
        return Contact.person_id == subject.person_id
    if subject.kind == "team":
        return Contact.person_id.in_(select(Person.id).where(Person.team_id == subject.team_id))
    if subject.site_ids is None:
        return true()
    return Contact.queue_id.in_(select(Queue.id).where(Queue.site_id.in_(sorted(subject.site_ids))))


def _subject_key(subject: Subject) -> tuple[Hashable, ...]:
    sites = None if subject.site_ids is None else tuple(sorted(subject.site_ids))
    return (subject.kind, subject.key, subject.person_id, subject.team_id, sites)


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Measure:
    """A KPI's value for one subject and period with its sample size and 95% interval."""

    actual: float | None
    n: int
    low: float | None
    high: float | None
    method: str
    enough: bool
    note: str
    successes: int | None = None
    values: list[float] = field(default_factory=list)
    source: str | None = None
    """Where a KPI with more than one source took its value from (floor time: recorded or
    scheduled)."""


def _finite(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def proportion(successes: int, trials: int, *, min_trials: int = MIN_TRIALS) -> Measure:
    """A rate with its Wilson 95% interval; withheld below ``min_trials``."""
    if trials == 0:
        return Measure(None, 0, None, None, "wilson", False, "no observations", successes)
    ci = stats.wilson_interval(successes, trials)
    if trials < min_trials:
        return Measure(
            None,
            trials,
            None,
            None,
            "wilson",
            False,
            f"too few observations to show a rate: {trials} (at least {min_trials} needed)",
            successes,
        )
    return Measure(successes / trials, trials, ci.low, ci.high, "wilson", True, "", successes)


def mean_of(values: Sequence[float], *, min_values: int = MIN_VALUES) -> Measure:
    """A mean with its Student t 95% interval; withheld below ``min_values``."""
    n = len(values)
    if n == 0:
        return Measure(None, 0, None, None, "t", False, "no observations")
    if n < min_values:
        return Measure(
            None,
            n,
            None,
            None,
            "t",
            False,
            f"too few observations to show a mean: {n} (at least {min_values} needed)",
        )
    ci = stats.mean_interval(np.asarray(values, dtype=np.float64))
    return Measure(
        ci.point, n, _finite(ci.low), _finite(ci.high), "t", True, "", None, list(values)
    )


def mean_of_sums(n: int, total: float, total_sq: float, *, min_values: int = MIN_VALUES) -> Measure:
    """A mean from its count, sum and sum of squares (aggregated in SQL) with its Student t 95%
    interval; withheld below ``min_values``, like :func:`mean_of`."""
    if n == 0:
        return Measure(None, 0, None, None, "t", False, "no observations")
    if n < min_values:
        return Measure(
            None,
            n,
            None,
            None,
            "t",
            False,
            f"too few observations to show a mean: {n} (at least {min_values} needed)",
        )
    ci = stats.mean_interval_from_sums(n, total, total_sq)
    return Measure(ci.point, n, _finite(ci.low), _finite(ci.high), "t", True, "")


@dataclass
class ContactSums:
    """The counts and sums every contact KPI is computed from, for one group of contacts."""

    contacts: int = 0
    answered: int = 0
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
        lo, hi = (first - EPOCH).days, (last - EPOCH).days + 1
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


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _total(condition: ColumnElement[bool], value: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, value), else_=0.0)), 0.0)


def contact_days(
    *,
    session: Session,
    subject: Subject,
    first: date,
    last: date,
    cache: ContactCache | None = None,
) -> ContactDays:
    """The subject's contact sums per person and local day over [first, last], from one
    grouped query (or the cache when an earlier query of the page covers the dates).

    A repeat counts only where its whole window is inside the data (the last days before the
    newest contact cannot show their repeats yet).
    """
    lo, hi = _day_span(first, last)
    key = (subject.kind, subject.key)
    found = cache.get(key) if cache is not None else None
    if found is not None and found.lo_day <= lo // 1440 and hi // 1440 <= found.hi_day:
        return found
    out = kpi_cache.session_cached(
        session,
        ("contact_days", *_subject_key(subject), lo, hi),
        lambda own: _query_contact_days(own, subject, lo, hi),
        rows=lambda days: len(days.days),
    )
    if cache is not None:
        cache[key] = out
    return out


def _query_contact_days(session: Session, subject: Subject, lo: int, hi: int) -> ContactDays:
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
    answered = Contact.outcome.in_(ANSWERED_OUTCOMES)
    abandoned = Contact.outcome == Outcome.abandoned
    short = and_(abandoned, Contact.wait_s < Queue.short_abandon_s)
    trial = and_(
        answered,
        Contact.customer_hash.is_not(None),
        Contact.arrival_epoch_s + window_s <= horizon,
    )
    handle = Contact.talk_s + Contact.hold_s + Contact.wrap_s
    variant = Queue.service_level_variant
    counted = or_(
        and_(variant == ServiceLevelVariant.abandons_ignored, answered),
        variant == ServiceLevelVariant.abandons_count_against,
        and_(
            variant.not_in(
                [ServiceLevelVariant.abandons_ignored, ServiceLevelVariant.abandons_count_against]
            ),
            not_(short),
        ),
    )
    day = (Contact.arrival_local_min // 1440).label("day")
    # a team's page compares its people; a person or the centre needs only the days
    keys: list[Any] = [Contact.person_id, day] if subject.kind == "team" else [day]
    query = (
        select(
            *keys,
            func.count(),
            _count(answered),
            _total(answered, handle),
            _total(answered, handle * handle),
            _total(answered, Contact.wait_s),
            _total(answered, Contact.wait_s * Contact.wait_s),
            _count(trial),
            _count(and_(trial, repeated)),
            _count(abandoned),
            _count(short),
            _count(and_(answered, Contact.wait_s <= Queue.target_s)),
            _count(counted),
        )
        .join(Queue, Contact.queue_id == Queue.id)
        .where(
            _contact_where(subject),
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


def _from_sums(kpi: str, c: ContactSums) -> Measure:
    if kpi == "repeat_contact_rate":
        return proportion(c.repeats, c.repeat_trials)
    if kpi == "aht_s":
        return mean_of_sums(c.answered, c.handle_s, c.handle_sq)
    if kpi == "asa_s":
        return mean_of_sums(c.answered, c.wait_s, c.wait_sq)
    if kpi == "abandon_rate":
        return proportion(c.abandoned - c.short_abandons, c.contacts - c.short_abandons)
    # service level: the numerator and denominator of each queue's own variant, summed
    return proportion(c.within_target, c.sl_denominator)


HANDLING = (AgentState.on_contact, AgentState.wrap_up)
STATE_CLASSES = ("handling", "available", "other", "offline")


def _state_days(
    session: Session, where: ColumnElement[bool], lo_s: int, hi_s: int
) -> dict[int, dict[str, float]]:
    """Seconds per local day and state class (handling, available, other, offline) in
    [lo_s, hi_s): spans inside one local day summed in SQL, the rest split in Python."""
    local_start = AgentStateEvent.start_epoch_s + AgentStateEvent.utc_offset_min * 60
    local_end = AgentStateEvent.end_epoch_s + AgentStateEvent.utc_offset_min * 60
    base = and_(
        where,
        AgentStateEvent.end_epoch_s.is_not(None),
        local_start < hi_s,
        local_end > lo_s,
    )
    day = (local_start // 86400).label("day")
    simple = and_(
        AgentStateEvent.end_epoch_s > AgentStateEvent.start_epoch_s,
        local_start >= lo_s,
        local_end <= hi_s,
        day == (local_end - 1) // 86400,
    )
    kind = case(
        (AgentStateEvent.state.in_(HANDLING), "handling"),
        (AgentStateEvent.state == AgentState.available, "available"),
        (AgentStateEvent.state == AgentState.offline, "offline"),
        else_="other",
    ).label("kind")
    out: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    grouped = (
        select(day, kind, func.sum(local_end - local_start)).where(base, simple).group_by(day, kind)
    )
    for d, k, seconds in session.execute(grouped):
        out[int(d)][str(k)] += float(seconds)
    rest = select(AgentStateEvent.state, local_start, local_end).where(base, not_(simple))
    for state, start, end in session.execute(rest):
        k = (
            "handling"
            if state in HANDLING
            else "available"
            if state == AgentState.available
            else "offline"
            if state == AgentState.offline
            else "other"
        )
        a, b = max(int(start or 0), lo_s), min(int(end or 0), hi_s)
        while a < b:  # split at local midnight: one value per local day
            d = a // 86400
            stop = min(b, (d + 1) * 86400)
            out[d][k] += float(stop - a)
            a = stop
    # plain dicts with every class present: the result is shared by the process's requests
    return {d: {k: v.get(k, 0.0) for k in STATE_CLASSES} for d, v in out.items()}


def _state_measure(
    session: Session, subject: Subject, kpi: str, first: date, last: date
) -> Measure:
    lo, hi = _day_span(first, last)
    if subject.kind == "person":
        where: ColumnElement[bool] = AgentStateEvent.person_id == subject.person_id
    elif subject.kind == "team":
        where = AgentStateEvent.person_id.in_(
            select(Person.id).where(Person.team_id == subject.team_id)
        )
    else:
        return Measure(None, 0, None, None, "none", False, "measured for people and teams")
    handling: dict[int, float] = {}
    denominator: dict[int, float] = {}
    by_day = kpi_cache.session_cached(
        session,
        ("state_days", *_subject_key(subject), lo, hi),
        lambda own: _state_days(own, where, lo * 60, hi * 60),
        rows=len,
    )
    for d, seconds in by_day.items():
        handling[d] = seconds["handling"]
        denominator[d] = seconds["handling"] + seconds["available"]
        if kpi == "utilisation":
            denominator[d] += seconds["other"]
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


def _leaders_of(session: Session, subject: Subject) -> list[Person]:
    if subject.kind == "person":
        person = session.get(Person, subject.person_id)
        return [person] if person is not None else []
    if subject.kind == "team":
        team = session.get(Team, subject.team_id)
        leader = session.get(Person, team.leader_id) if team and team.leader_id else None
        return [leader] if leader is not None else []
    query = select(Person).where(Person.role == Role.supervisor)
    if subject.site_ids is not None:
        query = query.where(Person.site_id.in_(sorted(subject.site_ids)))
    return list(session.scalars(query))


def _floor_measure(session: Session, subject: Subject, first: date, last: date) -> Measure:
    """The scorecard's floor time share: the recorded log when there is one (what happened),
    else the published schedules (what was planned); the note and ``source`` say which."""
    leaders = _leaders_of(session, subject)
    recorded = _recorded_time(session, [p.id for p in leaders], first, last)
    floor, off, days = _sum_basis(recorded.values(), RECORDED_FLOOR_KINDS, RECORDED_PAUSE_KINDS)
    if floor + off > 0:
        return Measure(
            floor / (floor + off),
            days,
            None,
            None,
            "none",
            True,
            f"from {round(floor + off)} recorded minutes on {days} days",
            source="recorded",
        )
    scheduled = scheduled_leader_time(session, leaders, first, last)
    floor, off, days = _sum_basis(scheduled.values(), SCHEDULED_FLOOR_KINDS, SCHEDULED_PAUSE_KINDS)
    if floor + off > 0:
        return Measure(
            floor / (floor + off),
            days,
            None,
            None,
            "none",
            True,
            f"nothing recorded: from {round(floor + off)} scheduled minutes on {days} days of "
            "published schedules",
            source="scheduled",
        )
    return Measure(None, 0, None, None, "none", False, "nothing recorded and no schedule published")


def _qa_measure(session: Session, subject: Subject, first: date, last: date) -> Measure:
    if subject.kind == "person":
        person = session.get(Person, subject.person_id)
        people = [person] if person is not None else []
    else:
        people = _people_for(session, subject)
    counts = qa_service.pass_counts(session=session, people=people, first_day=first, last_day=last)
    passed = sum(k for k, _n in counts.values())
    evaluated = sum(n for _k, n in counts.values())
    return proportion(passed, evaluated, min_trials=MIN_QA_EVALUATIONS)


def _attrition_measure(session: Session, subject: Subject, first: date, last: date) -> Measure:
    if subject.kind == "person":
        return Measure(None, 0, None, None, "none", False, "measured for teams and the centre")
    people = _people_for(session, subject)
    leavers, average = _attrition_counts(people, first, last)
    if average <= 0:
        return Measure(None, 0, None, None, "wilson", False, "no headcount in the period")
    n = max(round(average), leavers)
    ci = stats.wilson_interval(leavers, n)
    return Measure(
        leavers / average,
        n,
        ci.low,
        ci.high,
        "wilson (approximate: n = average headcount)",
        True,
        f"{leavers} leavers over an average headcount of {average:g}",
        leavers,
    )


def _people_for(session: Session, subject: Subject) -> list[Person]:
    query = select(Person)
    if subject.kind == "team":
        query = query.where(Person.team_id == subject.team_id)
    elif subject.site_ids is not None:
        query = query.where(Person.site_id.in_(sorted(subject.site_ids)))
    return list(session.scalars(query))


def _attrition_counts(people: Sequence[Person], first: date, last: date) -> tuple[int, float]:
    def employed(p: Person, day: date) -> bool:
        hired = p.hire_date is None or p.hire_date <= day
        return hired and (p.termination_date is None or p.termination_date > day)

    start = sum(1 for p in people if employed(p, first - timedelta(days=1)))
    end = sum(1 for p in people if employed(p, last))
    leavers = sum(
        1 for p in people if p.termination_date is not None and first <= p.termination_date <= last
    )
    return leavers, (start + end) / 2


def measure(
    *,
    session: Session,
    subject: Subject,
    kpi: str,
    first: date,
    last: date,
    cache: ContactCache | None = None,
) -> Measure:
    """Compute KPI ``kpi`` of ``subject`` over the local dates [first, last]."""
    metric(kpi)
    if kpi not in MEASURABLE:
        return Measure(None, 0, None, None, "none", False, "no data source for this KPI yet")
    if kpi in CENTRE_ONLY and subject.kind != "centre":
        return Measure(None, 0, None, None, "none", False, "a queue KPI: measured for the centre")
    if kpi in PROPORTIONS | MEANS:
        days = contact_days(session=session, subject=subject, first=first, last=last, cache=cache)
        return _from_sums(kpi, days.total(first, last))
    if kpi in STATE_RATIOS:
        return _state_measure(session, subject, kpi, first, last)
    if kpi == "floor_time_share":
        return _floor_measure(session, subject, first, last)
    if kpi == "qa_pass_rate":
        return _qa_measure(session, subject, first, last)
    return _attrition_measure(session, subject, first, last)


def _status(value: Measure, target: float | None, higher: bool) -> tuple[str, float | None]:
    if value.actual is None:
        return ("too_few" if value.n else "no_data"), None
    if target is None:
        return "no_target", None
    gap = value.actual - target
    low = value.low if value.low is not None else value.actual
    high = value.high if value.high is not None else value.actual
    if low > target:
        return ("better" if higher else "worse"), gap
    if high < target:
        return ("worse" if higher else "better"), gap
    if value.low is None:
        return ("better" if (gap >= 0) == higher else "worse"), gap
    return "within_noise", gap


def _trend(now: Measure, before: Measure) -> str:
    if now.actual is None or before.actual is None:
        return "unknown"
    if now.low is None or before.low is None or now.high is None or before.high is None:
        return (
            "up" if now.actual > before.actual else "down" if now.actual < before.actual else "flat"
        )
    if now.low > before.high:
        return "up"
    if now.high < before.low:
        return "down"
    return "no_clear_change"


def kpi_value(
    *,
    session: Session,
    subject: Subject,
    kpi: str,
    first: date,
    last: date,
    line: m.ScorecardKpi | None = None,
    target: float | None = None,
    higher_is_better: bool = True,
    cache: ContactCache | None = None,
) -> s.KpiValue:
    """Fill in one KPI for a subject: actual, target, gap, interval, trend against the period
    before (same length), and a note when the sample is too small."""
    cache = {} if cache is None else cache
    span = last - first + timedelta(days=1)
    if kpi in PROPORTIONS | MEANS and (kpi not in CENTRE_ONLY or subject.kind == "centre"):
        # one query for both periods: the cache then answers the period before
        start = first - span if first - span >= OLDEST else first
        contact_days(session=session, subject=subject, first=start, last=last, cache=cache)
    now = measure(session=session, subject=subject, kpi=kpi, first=first, last=last, cache=cache)
    before = Measure(None, 0, None, None, now.method, False, "before the oldest date")
    if first - span >= OLDEST:
        before = measure(
            session=session,
            subject=subject,
            kpi=kpi,
            first=first - span,
            last=first - timedelta(1),
            cache=cache,
        )
    return _value_of(kpi, now, before, line, target, higher_is_better)


def _value_of(
    kpi: str,
    now: Measure,
    before: Measure,
    line: m.ScorecardKpi | None,
    target: float | None,
    higher_is_better: bool,
) -> s.KpiValue:
    d = metric(kpi)
    if line is not None:
        target, higher_is_better = line.target, line.higher_is_better
    status, gap = _status(now, target, higher_is_better)
    return s.KpiValue(
        kpi=kpi,
        label=d.label,
        unit=d.unit,
        formula=d.formula,
        data_source=d.data_source,
        perspective=s.Perspective(line.perspective) if line else None,
        objective=line.objective if line else None,
        weight_pct=line.weight_pct if line else None,
        target=target,
        benchmark=line.benchmark if line else None,
        higher_is_better=higher_is_better,
        actual=now.actual,
        n=now.n,
        low=now.low,
        high=now.high,
        interval_method=now.method,
        enough_data=now.enough,
        gap=gap,
        status=status,
        previous=before.actual,
        trend=_trend(now, before),
        note=now.note,
        source=now.source,
    )


# --- scorecards and the cascade ---------------------------------------------------------------


def _kpi_out(line: m.ScorecardKpi) -> s.ScorecardKpiOut:
    d = metric(line.kpi)
    return s.ScorecardKpiOut(
        perspective=s.Perspective(line.perspective),
        objective=line.objective,
        kpi=line.kpi,
        target=line.target,
        higher_is_better=line.higher_is_better,
        benchmark=line.benchmark,
        benchmark_source=line.benchmark_source,
        weight_pct=line.weight_pct,
        label=d.label,
        unit=d.unit,
        formula=d.formula,
        data_source=d.data_source,
    )


def scorecard_out(session: Session, card: m.Scorecard) -> s.ScorecardOut:
    """Return the output shape of a stored scorecard."""
    parent = session.get(m.Scorecard, card.parent_id) if card.parent_id else None
    site = session.get(Site, card.site_id) if card.site_id else None
    team = session.get(Team, card.team_id) if card.team_id else None
    person = session.get(Person, card.person_id) if card.person_id else None
    return s.ScorecardOut(
        id=card.id,
        name=card.name,
        level=s.Level(card.level),
        position=s.Position(card.position) if card.position else None,
        parent=parent.name if parent else None,
        site=site.name if site else None,
        team=team.name if team else None,
        person=person.login if person else None,
        kpis=[_kpi_out(k) for k in card.kpis],
    )


def _check_kpis(kpis: Sequence[s.ScorecardKpiIn]) -> None:
    problems = []
    seen: set[str] = set()
    for i, k in enumerate(kpis):
        if k.kpi not in registry.METRICS:
            problems.append(Problem(f"unknown KPI {k.kpi!r}", f"kpis.{i}.kpi"))
        if k.kpi in seen:
            problems.append(Problem(f"KPI {k.kpi!r} listed twice", f"kpis.{i}.kpi"))
        seen.add(k.kpi)
    if problems:
        raise Invalid("; ".join(p.message for p in problems), problems)
    total = sum(k.weight_pct for k in kpis)
    if abs(total - 100.0) > 1e-6:
        parts = " + ".join(f"{k.kpi} {k.weight_pct:g}%" for k in kpis)
        raise Invalid(
            f"the KPI weights must sum to 100%, these sum to {total:g}% ({parts})",
            [Problem(f"weights sum to {total:g}%, not 100%", "kpis.weight_pct")],
        )


def get_scorecard(*, session: Session, name: str) -> m.Scorecard:
    """Return the scorecard called ``name`` or raise NotFound."""
    card = session.scalars(select(m.Scorecard).where(m.Scorecard.name == name)).one_or_none()
    if card is None:
        raise NotFound(f"scorecard {name!r} does not exist", [Problem("unknown", "scorecard")])
    return card


def _check_parent(session: Session, card_level: s.Level, parent: m.Scorecard) -> None:
    if LEVEL_RANK[s.Level(parent.level)] > LEVEL_RANK[card_level]:
        raise Invalid(
            f"a {card_level.value} scorecard cannot be cascaded from the "
            f"{parent.level} scorecard {parent.name!r} (the cascade runs centre → team → "
            "position → person)",
            [Problem("level above the parent's", "parent")],
        )


def create_scorecard(
    *, session: Session, data: s.ScorecardIn, created_by: str, scope: org_service.Scope
) -> s.ScorecardOut:
    """Create a scorecard of one cascade level with weighted KPIs summing to 100%."""
    _check_kpis(data.kpis)
    if session.scalars(select(m.Scorecard).where(m.Scorecard.name == data.name)).first():
        raise Conflict(f"scorecard {data.name!r} already exists", [Problem("duplicate", "name")])
    parent = get_scorecard(session=session, name=data.parent) if data.parent else None
    if parent is not None:
        _check_parent(session, data.level, parent)
    site = org_service.get_site(session=session, name=data.site) if data.site else None
    if site is not None and not scope.allows_site(site.id):
        raise NotFound(f"no site {data.site!r} in your scope", [Problem("outside scope", "site")])
    team = team_in_scope(session=session, name=data.team, scope=scope) if data.team else None
    person = (
        person_in_scope(session=session, login=data.person, scope=scope) if data.person else None
    )
    card = m.Scorecard(
        name=data.name,
        level=data.level.value,
        position=data.position.value if data.position else None,
        parent_id=parent.id if parent else None,
        site_id=site.id if site else None,
        team_id=team.id if team else None,
        person_id=person.id if person else None,
        created_by=created_by,
    )
    for k in data.kpis:
        card.kpis.append(
            m.ScorecardKpi(
                perspective=k.perspective.value,
                objective=k.objective,
                kpi=k.kpi,
                target=k.target,
                higher_is_better=k.higher_is_better,
                benchmark=k.benchmark,
                benchmark_source=k.benchmark_source,
                weight_pct=k.weight_pct,
            )
        )
    session.add(card)
    session.flush()
    return scorecard_out(session, card)


def set_parent(*, session: Session, name: str, parent: str | None) -> s.ScorecardOut:
    """Cascade scorecard ``name`` from ``parent``; a change that would close a cycle is refused."""
    card = get_scorecard(session=session, name=name)
    if parent is None:
        card.parent_id = None
        session.flush()
        return scorecard_out(session, card)
    new_parent = get_scorecard(session=session, name=parent)
    _check_parent(session, s.Level(card.level), new_parent)
    chain = [card.name, new_parent.name]
    walker: m.Scorecard | None = new_parent
    while walker is not None:
        if walker.id == card.id:
            cycle = " → ".join(chain)
            raise Invalid(
                f"the cascade would contain a cycle: {cycle}",
                [Problem(f"cycle {cycle}", "parent")],
            )
        walker = session.get(m.Scorecard, walker.parent_id) if walker.parent_id else None
        if walker is not None:
            chain.append(walker.name)
    card.parent_id = new_parent.id
    session.flush()
    return scorecard_out(session, card)


def list_scorecards(*, session: Session) -> list[s.ScorecardOut]:
    """List scorecards by name."""
    cards = session.scalars(select(m.Scorecard).order_by(m.Scorecard.name))
    return [scorecard_out(session, c) for c in cards]


def cascade(*, session: Session) -> list[s.CascadeNode]:
    """Return the cascade as trees from each top scorecard, children by level then name."""
    cards = list(session.scalars(select(m.Scorecard)))
    children: dict[int | None, list[m.Scorecard]] = defaultdict(list)
    for c in cards:
        children[c.parent_id].append(c)

    def node(c: m.Scorecard) -> s.CascadeNode:
        kids = sorted(children[c.id], key=lambda k: (LEVEL_RANK[s.Level(k.level)], k.name))
        return s.CascadeNode(scorecard=scorecard_out(session, c), children=[node(k) for k in kids])

    tops = sorted(children[None], key=lambda k: (LEVEL_RANK[s.Level(k.level)], k.name))
    return [node(c) for c in tops]


def scorecard_for_person(session: Session, person: Person) -> m.Scorecard | None:
    """The person's own scorecard, else the scorecard of their position, else None."""
    own = session.scalars(
        select(m.Scorecard).where(m.Scorecard.person_id == person.id).order_by(m.Scorecard.id)
    ).first()
    if own is not None:
        return own
    position = POSITION_OF_ROLE.get(person.role)
    if position is None:
        return None
    return session.scalars(
        select(m.Scorecard)
        .where(m.Scorecard.level == s.Level.position.value, m.Scorecard.position == position.value)
        .order_by(m.Scorecard.id)
    ).first()


def _fill(
    session: Session,
    subject: Subject,
    card: m.Scorecard | None,
    defaults: Sequence[str],
    first: date,
    last: date,
    cache: ContactCache | None = None,
) -> s.ScorecardReportOut:
    cache = {} if cache is None else cache
    if card is not None:
        values = [
            kpi_value(
                session=session,
                subject=subject,
                kpi=k.kpi,
                first=first,
                last=last,
                line=k,
                cache=cache,
            )
            for k in card.kpis
        ]
    else:
        values = [
            kpi_value(session=session, subject=subject, kpi=k, first=first, last=last, cache=cache)
            for k in defaults
        ]
    return s.ScorecardReportOut(
        subject_kind=subject.kind,
        subject=subject.key,
        subject_name=subject.name,
        scorecard=card.name if card else None,
        first=first,
        last=last,
        values=values,
    )


def person_scorecard(
    *, session: Session, login: str, first: date, last: date, scope: org_service.Scope
) -> s.ScorecardReportOut:
    """Fill in a person's scorecard (own, else their position's) for a period."""
    person = person_in_scope(session=session, login=login, scope=scope)
    card = scorecard_for_person(session, person)
    return _fill(session, _person_subject(person), card, DEFAULT_PERSON_KPIS, first, last)


def team_scorecard(
    *,
    session: Session,
    team: str,
    first: date,
    last: date,
    scope: org_service.Scope,
    cache: ContactCache | None = None,
) -> s.ScorecardReportOut:
    """Fill in a team's scorecard (or the default team KPIs) for a period."""
    found = team_in_scope(session=session, name=team, scope=scope)
    card = session.scalars(
        select(m.Scorecard).where(m.Scorecard.team_id == found.id).order_by(m.Scorecard.id)
    ).first()
    return _fill(session, _team_subject(found), card, DEFAULT_TEAM_KPIS, first, last, cache)


def centre_scorecard(
    *, session: Session, first: date, last: date, scope: org_service.Scope
) -> s.ScorecardReportOut:
    """Fill in the centre's scorecard (the top of the cascade) for the sites in scope."""
    card = session.scalars(
        select(m.Scorecard)
        .where(m.Scorecard.level == s.Level.centre.value)
        .order_by(m.Scorecard.id)
    ).first()
    defaults = ("service_level", "abandon_rate", "repeat_contact_rate", "attrition_rate")
    return _fill(session, _centre_subject(scope), card, defaults, first, last)


def load_team_contacts(
    *,
    session: Session,
    team: str,
    first: date,
    last: date,
    scope: org_service.Scope,
    cache: ContactCache,
) -> None:
    """Read a team's contact sums per person and day over [first, last] into ``cache``, so
    the scorecard, funnel, control chart and people of one page come from a single query."""
    found = team_in_scope(session=session, name=team, scope=scope)
    contact_days(session=session, subject=_team_subject(found), first=first, last=last, cache=cache)


def team_members(session: Session, team_id: int) -> list[Person]:
    """The team's people, in name order (never in the order of any KPI)."""
    return list(
        session.scalars(
            select(Person).where(Person.team_id == team_id).order_by(Person.name, Person.login)
        )
    )


def team_people_values(
    *,
    session: Session,
    team: str,
    kpi: str,
    first: date,
    last: date,
    scope: org_service.Scope,
    cache: ContactCache | None = None,
) -> list[tuple[Person, s.KpiValue]]:
    """Each team member's value of one KPI, in name order."""
    metric(kpi)
    found = team_in_scope(session=session, name=team, scope=scope)
    members = team_members(session, found.id)
    if kpi not in (PROPORTIONS | MEANS) - CENTRE_ONLY:
        return [
            (
                p,
                kpi_value(
                    session=session, subject=_person_subject(p), kpi=kpi, first=first, last=last
                ),
            )
            for p in members
        ]
    span = last - first + timedelta(days=1)
    start = max(first - span, OLDEST)
    days = contact_days(
        session=session, subject=_team_subject(found), first=start, last=last, cache=cache
    )
    out = []
    for p in members:
        now = _from_sums(kpi, days.total(first, last, p.id))
        before = Measure(None, 0, None, None, now.method, False, "before the oldest date")
        if first - span >= OLDEST:
            before = _from_sums(kpi, days.total(first - span, first - timedelta(1), p.id))
        out.append((p, _value_of(kpi, now, before, None, None, True)))
    return out


# --- funnel plot and control chart ------------------------------------------------------------


def funnel_points(
    people: Sequence[tuple[str, str, int, int]], *, method: stats.FunnelMethod = "exact"
) -> tuple[float | None, list[s.FunnelPoint], list[s.FunnelCurvePoint]]:
    """Place people (login, name, successes, trials) on a funnel around their pooled rate.

    A person is flagged only outside the 99.8% limits (exact binomial test, so the false-alarm
    probability is at most 0.2% per person); output is in name order, never by rate.
    """
    ordered = sorted(people, key=lambda p: (p[1], p[0]))
    succ = np.array([p[2] for p in ordered], dtype=np.float64)
    trials = np.array([p[3] for p in ordered], dtype=np.float64)
    if trials.sum() == 0:
        points = [
            s.FunnelPoint(
                person=p[0],
                name=p[1],
                successes=p[2],
                trials=p[3],
                rate=None,
                lower_95=None,
                upper_95=None,
                lower_998=None,
                upper_998=None,
                flagged=False,
                note="no observations",
            )
            for p in ordered
        ]
        return None, points, []
    team_rate = float(succ.sum() / trials.sum())
    flags = stats.flag_outliers(succ, trials, team_rate, confidence=0.998, method=method)
    l95 = stats.funnel_limits(team_rate, trials, 0.95, method)
    points = []
    for i, p in enumerate(ordered):
        has = p[3] > 0
        note = ""
        if flags.flagged[i]:
            side = "below" if flags.below[i] else "above"
            note = (
                f"{side} the team's 99.8% limits: a signal worth a look at the process and the "
                "work this person received, not a verdict on the person"
            )
        elif has:
            note = "within the limits: common-cause variation, no difference from the team"
        else:
            note = "no observations"
        points.append(
            s.FunnelPoint(
                person=p[0],
                name=p[1],
                successes=p[2],
                trials=p[3],
                rate=float(flags.rate[i]) if has else None,
                lower_95=float(l95.lower[i]) if has else None,
                upper_95=float(l95.upper[i]) if has else None,
                lower_998=float(flags.limits.lower[i]) if has else None,
                upper_998=float(flags.limits.upper[i]) if has else None,
                flagged=bool(flags.flagged[i]),
                note=note,
            )
        )
    top = int(max(trials.max(), 10) * 1.1)
    grid = np.unique(np.linspace(1, top, 60).round().astype(np.int64)).astype(np.float64)
    c95 = stats.funnel_limits(team_rate, grid, 0.95, method)
    c998 = stats.funnel_limits(team_rate, grid, 0.998, method)
    curve = [
        s.FunnelCurvePoint(
            trials=int(n),
            lower_95=float(c95.lower[j]),
            upper_95=float(c95.upper[j]),
            lower_998=float(c998.lower[j]),
            upper_998=float(c998.upper[j]),
        )
        for j, n in enumerate(grid)
    ]
    return team_rate, points, curve


def funnel(
    *,
    session: Session,
    team: str,
    kpi: str,
    first: date,
    last: date,
    scope: org_service.Scope,
    cache: ContactCache | None = None,
) -> s.FunnelOut:
    """Compare a team's people on one proportion with a funnel plot around the team's rate."""
    d = metric(kpi)
    if kpi not in FUNNEL_KPIS:
        raise Invalid(
            f"a funnel plot compares proportions measured per person: {', '.join(FUNNEL_KPIS)}",
            [Problem("not a per-person proportion", "kpi")],
        )
    found = team_in_scope(session=session, name=team, scope=scope)
    members = team_members(session, found.id)
    people = []
    if kpi == "qa_pass_rate":
        counts = qa_service.pass_counts(
            session=session, people=members, first_day=first, last_day=last
        )
        people = [(p.login, p.name, *counts[p.id]) for p in members]
        unit = "evaluations"
    else:
        days = contact_days(
            session=session, subject=_team_subject(found), first=first, last=last, cache=cache
        )
        for p in members:
            sums = days.total(first, last, p.id)
            people.append((p.login, p.name, sums.repeats, sums.repeat_trials))
        unit = "contacts"
    rate, points, curve = funnel_points(people)
    flagged = sum(p.flagged for p in points)
    note = (
        "Each point is one person's rate against the team's rate; the funnel narrows as the "
        f"number of {unit} grows. Inside the 99.8% limits the differences are noise. "
        f"{flagged} of {len(points)} people outside the 99.8% limits."
    )
    return s.FunnelOut(
        team=found.name,
        kpi=kpi,
        label=d.label,
        formula=d.formula,
        first=first,
        last=last,
        team_rate=rate,
        method="exact binomial limits (Spiegelhalter 2005), flags by exact test at 99.8%",
        points=points,
        curve=curve,
        note=note,
    )


def control_chart(
    *,
    session: Session,
    team: str,
    kpi: str,
    first: date,
    last: date,
    days_per_point: int = 7,
    scope: org_service.Scope,
    cache: ContactCache | None = None,
) -> s.ControlChartOut:
    """Chart a team KPI per period (p-chart for a proportion, XmR for a mean) with its limits."""
    d = metric(kpi)
    found = team_in_scope(session=session, name=team, scope=scope)
    if kpi not in PROPORTIONS | MEANS or kpi in CENTRE_ONLY:
        raise Invalid(
            "control charts of a team are drawn for repeat_contact_rate (p-chart) and aht_s (XmR)",
            [Problem("unsupported KPI", "kpi")],
        )
    if not 1 <= days_per_point <= 31:
        raise Invalid("days per point must be 1 to 31", [Problem("out of range", "days")])
    _day_span(first, last)
    days = contact_days(
        session=session, subject=_team_subject(found), first=first, last=last, cache=cache
    )
    periods: list[tuple[date, date, Measure]] = []
    start = first
    while start <= last:
        end = min(start + timedelta(days=days_per_point - 1), last)
        periods.append((start, end, _from_sums(kpi, days.total(start, end))))
        start = end + timedelta(days=1)
    points: list[s.ControlPoint] = []
    if kpi in PROPORTIONS:
        succ = sum(p[2].successes or 0 for p in periods)
        n = sum(p[2].n for p in periods)
        pbar = succ / n if n else None
        for a, b, v in periods:
            rate = (v.successes or 0) / v.n if v.n else None
            lim = stats.p_chart_limits(pbar, v.n) if pbar is not None and v.n else None
            signal = bool(
                lim is not None and rate is not None and (rate < lim.lower or rate > lim.upper)
            )
            points.append(
                s.ControlPoint(
                    first=a,
                    last=b,
                    value=rate,
                    n=v.n,
                    lower=lim.lower if lim else None,
                    centre=pbar,
                    upper=lim.upper if lim else None,
                    special_cause=signal,
                )
            )
        chart = "p"
    else:
        means = [(a, b, v.actual, v.n) for a, b, v in periods]
        valid = [x[2] for x in means if x[2] is not None]
        xmr = stats.xmr_limits(np.array(valid)) if len(valid) >= 2 else None
        for a, b, value, n in means:
            signal = bool(
                xmr is not None and value is not None and (value < xmr.lower or value > xmr.upper)
            )
            points.append(
                s.ControlPoint(
                    first=a,
                    last=b,
                    value=value,
                    n=n,
                    lower=xmr.lower if xmr else None,
                    centre=xmr.centre if xmr else None,
                    upper=xmr.upper if xmr else None,
                    special_cause=signal,
                )
            )
        chart = "xmr"
    specials = sum(p.special_cause for p in points)
    note = (
        "Points inside the limits are common-cause variation of the process: explain the "
        f"system, not single points. {specials} point(s) show special-cause variation."
    )
    return s.ControlChartOut(
        team=found.name, kpi=kpi, label=d.label, chart=chart, points=points, note=note
    )


# --- coaching, reviews, recognition, development ----------------------------------------------


def _login(session: Session, person_id: int) -> str:
    p = session.get(Person, person_id)
    return p.login if p else "?"


def _coaching_out(session: Session, c: m.CoachingSession) -> s.CoachingOut:
    return s.CoachingOut(
        id=c.id,
        person=_login(session, c.person_id),
        coach=c.coach,
        held_on=c.held_on,
        kpi=c.kpi,
        reference=c.reference,
        monitoring_points=c.monitoring_points,
        gap=c.gap,
        analysis=c.analysis,
        action_plan=c.action_plan,
        agreed_by_person=c.agreed_by_person,
        follow_up_on=c.follow_up_on,
        outcome=c.outcome,
    )


def create_coaching(
    *, session: Session, data: s.CoachingIn, coach: str, scope: org_service.Scope
) -> s.CoachingOut:
    """Record a coaching session with a person in scope."""
    person = person_in_scope(session=session, login=data.person, scope=scope)
    if data.kpi is not None:
        metric(data.kpi)
    _check_reference(session, data.reference, person)
    c = m.CoachingSession(
        person_id=person.id,
        coach=coach,
        held_on=data.held_on,
        kpi=data.kpi,
        reference=data.reference,
        monitoring_points=data.monitoring_points,
        gap=data.gap,
        analysis=data.analysis,
        action_plan=data.action_plan,
        follow_up_on=data.follow_up_on,
    )
    session.add(c)
    session.flush()
    return _coaching_out(session, c)


def evaluation_reference(evaluation_id: int) -> str:
    """The reference of a coaching session prompted by a QA evaluation."""
    return f"evaluation:{evaluation_id}"


def _check_reference(session: Session, reference: str | None, person: Person) -> None:
    """Refuse a reference to an evaluation of someone else or to an unknown KPI.

    References of the form ``evaluation:<id>`` and ``kpi:<key>`` are links the pages follow;
    any other text (a ticket number, a call id) is kept as written.
    """
    if reference is None:
        return
    kind, _sep, key = reference.partition(":")
    if kind == "evaluation":
        found = session.get(qa_models.Evaluation, int(key)) if key.isdigit() else None
        if found is None or found.person_id != person.id or found.calibration_id is not None:
            raise Invalid(
                f"{reference!r} is not an evaluation of {person.login}",
                [Problem("not an evaluation of this person", "reference")],
            )
    elif kind == "kpi":
        metric(key)


def _coaching(session: Session, coaching_id: int, scope: org_service.Scope) -> m.CoachingSession:
    c = session.get(m.CoachingSession, coaching_id)
    if (
        c is None
        or session.scalars(
            select(Person.id).where(Person.id == c.person_id, scope.people_clause())
        ).first()
        is None
    ):
        raise NotFound(f"coaching session {coaching_id} does not exist in your scope")
    return c


def get_coaching(*, session: Session, coaching_id: int, scope: org_service.Scope) -> s.CoachingOut:
    """Return one coaching session of a person in scope."""
    return _coaching_out(session, _coaching(session, coaching_id, scope))


def agree_coaching(
    *, session: Session, coaching_id: int, person_id: int | None, scope: org_service.Scope
) -> s.CoachingOut:
    """Record that the coached person agrees with the action plan (only they can)."""
    c = _coaching(session, coaching_id, scope)
    if person_id != c.person_id:
        raise NotFound(
            f"coaching session {coaching_id} is not yours to agree to",
            [Problem("only the coached person agrees", "coaching")],
        )
    c.agreed_by_person = True
    session.flush()
    return _coaching_out(session, c)


def record_outcome(
    *, session: Session, coaching_id: int, data: s.OutcomeIn, scope: org_service.Scope
) -> s.CoachingOut:
    """Record the outcome of a coaching plan at its follow-up."""
    c = _coaching(session, coaching_id, scope)
    c.outcome = data.outcome
    session.flush()
    return _coaching_out(session, c)


def list_coaching(*, session: Session, login: str, scope: org_service.Scope) -> list[s.CoachingOut]:
    """List a person's coaching sessions, newest first."""
    person = person_in_scope(session=session, login=login, scope=scope)
    rows = session.scalars(
        select(m.CoachingSession)
        .where(m.CoachingSession.person_id == person.id)
        .order_by(m.CoachingSession.held_on.desc(), m.CoachingSession.id.desc())
    )
    return [_coaching_out(session, c) for c in rows]


def _review_out(session: Session, r: m.Review) -> s.ReviewOut:
    return s.ReviewOut(
        id=r.id,
        person=_login(session, r.person_id),
        reviewer=r.reviewer,
        period_first=r.period_first,
        period_last=r.period_last,
        strengths=r.strengths,
        weaknesses=r.weaknesses,
        improvement_plan=r.improvement_plan,
        person_commitments=r.person_commitments,
        support_commitments=r.support_commitments,
        next_review_on=r.next_review_on,
        next_review_criteria=r.next_review_criteria,
        signed_by_person_at=r.signed_by_person_at,
        signed_by_reviewer_at=r.signed_by_reviewer_at,
    )


def create_review(
    *, session: Session, data: s.ReviewIn, reviewer: str, scope: org_service.Scope
) -> s.ReviewOut:
    """Record a formal review of a person in scope (signed later by both sides)."""
    person = person_in_scope(session=session, login=data.person, scope=scope)
    r = m.Review(person_id=person.id, reviewer=reviewer, **data.model_dump(exclude={"person"}))
    session.add(r)
    session.flush()
    return _review_out(session, r)


def get_review(*, session: Session, review_id: int, scope: org_service.Scope) -> s.ReviewOut:
    """Return one review of a person in scope."""
    r = session.get(m.Review, review_id)
    visible = r is not None and (
        session.scalars(
            select(Person.id).where(Person.id == r.person_id, scope.people_clause())
        ).first()
        is not None
    )
    if r is None or not visible:
        raise NotFound(f"review {review_id} does not exist in your scope")
    return _review_out(session, r)


def sign_review(
    *,
    session: Session,
    review_id: int,
    login: str,
    person_id: int | None,
    scope: org_service.Scope,
    now: datetime | None = None,
) -> s.ReviewOut:
    """Sign a review as the reviewed person or as the reviewer; anybody else is refused."""
    r = session.get(m.Review, review_id)
    visible = r is not None and (
        session.scalars(
            select(Person.id).where(Person.id == r.person_id, scope.people_clause())
        ).first()
        is not None
    )
    if r is None or not visible:
        raise NotFound(f"review {review_id} does not exist in your scope")
    now = now or utcnow()
    if person_id is not None and person_id == r.person_id:
        r.signed_by_person_at = r.signed_by_person_at or now
    elif login == r.reviewer:
        r.signed_by_reviewer_at = r.signed_by_reviewer_at or now
    else:
        raise Invalid(
            f"review {review_id} is signed by {_login(session, r.person_id)} and {r.reviewer} only",
            [Problem("not a party to this review", "review")],
        )
    session.flush()
    return _review_out(session, r)


def list_reviews(*, session: Session, login: str, scope: org_service.Scope) -> list[s.ReviewOut]:
    """List a person's reviews, newest first."""
    person = person_in_scope(session=session, login=login, scope=scope)
    rows = session.scalars(
        select(m.Review)
        .where(m.Review.person_id == person.id)
        .order_by(m.Review.period_last.desc(), m.Review.id.desc())
    )
    return [_review_out(session, r) for r in rows]


def create_recognition(
    *, session: Session, data: s.RecognitionIn, given_by: str, scope: org_service.Scope
) -> s.RecognitionOut:
    """Record appreciation for a person in scope."""
    person = person_in_scope(session=session, login=data.person, scope=scope)
    if data.kpi is not None:
        metric(data.kpi)
    r = m.Recognition(
        person_id=person.id, given_by=given_by, given_on=data.given_on, kpi=data.kpi, text=data.text
    )
    session.add(r)
    session.flush()
    return s.RecognitionOut(
        id=r.id, person=person.login, given_by=given_by, given_on=r.given_on, kpi=r.kpi, text=r.text
    )


def list_recognitions(
    *, session: Session, login: str, scope: org_service.Scope
) -> list[s.RecognitionOut]:
    """List a person's recognitions, newest first."""
    person = person_in_scope(session=session, login=login, scope=scope)
    rows = session.scalars(
        select(m.Recognition)
        .where(m.Recognition.person_id == person.id)
        .order_by(m.Recognition.given_on.desc(), m.Recognition.id.desc())
    )
    return [
        s.RecognitionOut(
            id=r.id, person=login, given_by=r.given_by, given_on=r.given_on, kpi=r.kpi, text=r.text
        )
        for r in rows
    ]


def create_note(
    *, session: Session, data: s.NoteIn, written_by: str, scope: org_service.Scope
) -> s.NoteOut:
    """Record a training need or readiness note about a person in scope."""
    person = person_in_scope(session=session, login=data.person, scope=scope)
    n = m.DevelopmentNote(
        person_id=person.id,
        kind=data.kind.value,
        text=data.text,
        written_by=written_by,
        written_on=data.written_on,
    )
    session.add(n)
    session.flush()
    return s.NoteOut(
        id=n.id,
        person=person.login,
        kind=data.kind,
        text=n.text,
        written_by=written_by,
        written_on=n.written_on,
    )


def list_notes(*, session: Session, login: str, scope: org_service.Scope) -> list[s.NoteOut]:
    """List a person's development notes, newest first."""
    person = person_in_scope(session=session, login=login, scope=scope)
    rows = session.scalars(
        select(m.DevelopmentNote)
        .where(m.DevelopmentNote.person_id == person.id)
        .order_by(m.DevelopmentNote.written_on.desc(), m.DevelopmentNote.id.desc())
    )
    return [
        s.NoteOut(
            id=n.id,
            person=login,
            kind=s.NoteKind(n.kind),
            text=n.text,
            written_by=n.written_by,
            written_on=n.written_on,
        )
        for n in rows
    ]


def _notes_out(session: Session, people: Sequence[Person]) -> list[s.NoteOut]:
    by_id = {p.id: p for p in people}
    rows = session.scalars(
        select(m.DevelopmentNote).where(m.DevelopmentNote.person_id.in_(sorted(by_id)))
    )
    notes = [
        s.NoteOut(
            id=n.id,
            person=by_id[n.person_id].login,
            kind=s.NoteKind(n.kind),
            text=n.text,
            written_by=n.written_by,
            written_on=n.written_on,
        )
        for n in rows
    ]
    names = {p.login: (p.name, p.login) for p in people}
    return sorted(notes, key=lambda n: (names[n.person], -n.written_on.toordinal(), -n.id))


def team_training_needs(
    *, session: Session, team: str, first: date, last: date, scope: org_service.Scope
) -> s.TrainingNeedsOut:
    """A team's training needs from its results: QA items its evaluations score clearly below
    the pass mark, and the training-need and readiness notes of its people (name order)."""
    found = team_in_scope(session=session, name=team, scope=scope)
    members = team_members(session, found.id)
    return s.TrainingNeedsOut(
        subject=found.name,
        first=first,
        last=last,
        items=qa_service.item_scores(
            session=session, people=members, first_day=first, last_day=last
        ),
        notes=_notes_out(session, members),
    )


def person_training_needs(
    *, session: Session, login: str, first: date, last: date, scope: org_service.Scope
) -> s.TrainingNeedsOut:
    """One person's training needs, the same way as a team's."""
    person = person_in_scope(session=session, login=login, scope=scope)
    return s.TrainingNeedsOut(
        subject=person.login,
        first=first,
        last=last,
        items=qa_service.item_scores(
            session=session, people=[person], first_day=first, last_day=last
        ),
        notes=_notes_out(session, [person]),
    )


# --- publication by level ---------------------------------------------------------------------


def _publication_out(p: m.Publication) -> s.PublicationOut:
    return s.PublicationOut(
        id=p.id,
        kpi=p.kpi,
        audience=s.Audience(p.audience),
        rhythm=s.Rhythm(p.rhythm),
        target=p.target,
        higher_is_better=p.higher_is_better,
        on_good=s.FollowUp(p.on_good),
        on_bad=s.FollowUp(p.on_bad),
        label=metric(p.kpi).label,
        last_produced_at=p.last_produced_at,
    )


def set_publication(*, session: Session, data: s.PublicationIn) -> s.PublicationOut:
    """Say who sees a KPI, how often, and what follows a result (replaces the same KPI+audience)."""
    metric(data.kpi)
    found = session.scalars(
        select(m.Publication).where(
            m.Publication.kpi == data.kpi, m.Publication.audience == data.audience.value
        )
    ).one_or_none()
    p = found or m.Publication(kpi=data.kpi, audience=data.audience.value)
    p.rhythm = data.rhythm.value
    p.target = data.target
    p.higher_is_better = data.higher_is_better
    p.on_good = data.on_good.value
    p.on_bad = data.on_bad.value
    session.add(p)
    session.flush()
    return _publication_out(p)


def list_publications(*, session: Session) -> list[s.PublicationOut]:
    """List the publication rules by audience and KPI."""
    rows = session.scalars(
        select(m.Publication).order_by(m.Publication.audience, m.Publication.kpi)
    )
    return [_publication_out(p) for p in rows]


def _subjects(session: Session, audience: s.Audience, scope: org_service.Scope) -> list[Subject]:
    if audience == s.Audience.agent:
        people = session.scalars(
            select(Person)
            .where(scope.people_clause(), Person.role == Role.agent)
            .order_by(Person.name, Person.login)
        )
        return [_person_subject(p) for p in people]
    if audience == s.Audience.team:
        teams = session.scalars(select(Team).where(scope.teams_clause()).order_by(Team.name))
        return [_team_subject(t) for t in teams]
    return [_centre_subject(scope)]


def level_report(
    *,
    session: Session,
    audience: s.Audience,
    first: date,
    last: date,
    scope: org_service.Scope,
    rhythm: s.Rhythm | None = None,
) -> s.LevelReportOut:
    """Produce the report one level receives: each published KPI per subject and what follows."""
    query = select(m.Publication).where(m.Publication.audience == audience.value)
    if rhythm is not None:
        query = query.where(m.Publication.rhythm == rhythm.value)
    pubs = list(session.scalars(query.order_by(m.Publication.kpi)))
    lines = []
    cache: ContactCache = {}
    for subject in _subjects(session, audience, scope):
        for p in pubs:
            value = kpi_value(
                session=session,
                subject=subject,
                kpi=p.kpi,
                first=first,
                last=last,
                target=p.target,
                higher_is_better=p.higher_is_better,
                cache=cache,
            )
            result = {"better": "good", "worse": "bad"}.get(value.status, "no_signal")
            follow = {"good": p.on_good, "bad": p.on_bad}.get(result, "none")
            lines.append(
                s.ReportLine(
                    subject=subject.name,
                    kpi=p.kpi,
                    label=value.label,
                    value=value,
                    result=result,
                    follow_up=follow,
                )
            )
    return s.LevelReportOut(audience=audience, rhythm=rhythm, first=first, last=last, lines=lines)


def due_reports(
    *, session: Session, now: datetime | None = None, scope: org_service.Scope
) -> list[s.LevelReportOut]:
    """Produce every report whose rhythm has come round since it was last produced."""
    now = now or utcnow()
    pubs = list(session.scalars(select(m.Publication)))
    due: dict[tuple[str, str], list[m.Publication]] = defaultdict(list)
    for p in pubs:
        last_at = p.last_produced_at
        if last_at is None or now - last_at >= RHYTHM_PERIOD[s.Rhythm(p.rhythm)]:
            due[(p.audience, p.rhythm)].append(p)
    out = []
    today = now.astimezone(UTC).date()
    for (audience, rhythm), group in sorted(due.items()):
        r = s.Rhythm(rhythm)
        if r == s.Rhythm.hourly:
            first, last = today, today
        elif r == s.Rhythm.daily:
            first = last = today - timedelta(days=1)
        else:
            first, last = today - timedelta(days=7), today - timedelta(days=1)
        out.append(
            level_report(
                session=session,
                audience=s.Audience(audience),
                first=first,
                last=last,
                scope=scope,
                rhythm=r,
            )
        )
        for p in group:
            p.last_produced_at = now
    session.flush()
    return out


# --- team leaders' time -----------------------------------------------------------------------


def record_activity(
    *, session: Session, data: s.ActivityIn, scope: org_service.Scope
) -> s.ActivityOut:
    """Record minutes a team leader in scope spent on floor, planning, reports or other work."""
    person = person_in_scope(session=session, login=data.person, scope=scope)
    total = session.scalar(
        select(func.coalesce(func.sum(m.LeaderActivity.minutes), 0)).where(
            m.LeaderActivity.person_id == person.id, m.LeaderActivity.day == data.day
        )
    )
    if int(total or 0) + data.minutes > 1440:
        raise Invalid(
            f"{data.person} would have more than 24 hours recorded on {data.day}",
            [Problem("more than 1440 minutes in the day", "minutes")],
        )
    a = m.LeaderActivity(
        person_id=person.id, day=data.day, kind=data.kind.value, minutes=data.minutes
    )
    session.add(a)
    session.flush()
    return s.ActivityOut(id=a.id, **data.model_dump())


SCHEDULED_FLOOR_KINDS = frozenset({"work", "floor_support", "coaching", "huddle"})
"""Scheduled segments on the floor: taking contacts among the team, floor support (walking the
floor, helping agents), coaching and huddles with agents (source 004's "doing")."""
SCHEDULED_PAUSE_KINDS = frozenset({"break", "lunch"})
"""Scheduled segments that are no working time: left out of both sides."""
SCHEDULED_OFF_FLOOR_KINDS = frozenset({"meeting", "training", "planning", "reports"})
"""Scheduled segments off the floor (any other kind a schedule holds counts here too)."""
RECORDED_FLOOR_KINDS = frozenset({s.ActivityKind.floor.value})
RECORDED_PAUSE_KINDS: frozenset[str] = frozenset()


@dataclass
class LeaderTime:
    """Minutes per kind of one team leader over a period, and the days they fall on."""

    days: set[date] = field(default_factory=set)
    minutes: dict[str, float] = field(default_factory=lambda: defaultdict(float))


def _sum_basis(
    times: Iterable[LeaderTime], floor_kinds: frozenset[str], pauses: frozenset[str]
) -> tuple[float, float, int]:
    floor = off = 0.0
    days = 0
    for lt in times:
        days += len(lt.days)
        for kind, minutes in lt.minutes.items():
            if kind in floor_kinds:
                floor += minutes
            elif kind not in pauses:
                off += minutes
    return floor, off, days


def _recorded_time(
    session: Session, person_ids: Sequence[int], first: date, last: date
) -> dict[int, LeaderTime]:
    out: dict[int, LeaderTime] = defaultdict(LeaderTime)
    rows = session.execute(
        select(
            m.LeaderActivity.person_id,
            m.LeaderActivity.day,
            m.LeaderActivity.kind,
            m.LeaderActivity.minutes,
        ).where(
            m.LeaderActivity.person_id.in_(sorted(set(person_ids))),
            m.LeaderActivity.day >= first,
            m.LeaderActivity.day <= last,
        )
    )
    for person_id, day, kind, minutes in rows:
        lt = out[person_id]
        lt.days.add(day)
        lt.minutes[kind] += minutes
    return out


def scheduled_leader_time(
    session: Session, people: Sequence[Person], first: date, last: date
) -> dict[int, LeaderTime]:
    """Published schedule segments of ``people`` per kind over their sites' local dates
    [first, last]; a segment across local midnight is split between the two days."""
    if not people:
        return {}
    site_ids = sorted({p.site_id for p in people if p.site_id is not None})
    zones = {
        site.id: ZoneInfo(site.timezone)
        for site in session.scalars(select(Site).where(Site.id.in_(site_ids)))
    }
    zone_of = {p.id: zones.get(p.site_id, UTC) if p.site_id else UTC for p in people}
    window_start = datetime.combine(first, time(), UTC) - timedelta(days=1)
    window_end = datetime.combine(last + timedelta(days=1), time(), UTC) + timedelta(days=1)
    rows = session.execute(
        select(
            ScheduledActivity.person_id,
            ScheduledActivity.kind,
            ScheduledActivity.start_at,
            ScheduledActivity.end_at,
        )
        .join(Schedule, Schedule.id == ScheduledActivity.schedule_id)
        .where(
            Schedule.status == "published",
            ScheduledActivity.person_id.in_(sorted(zone_of)),
            ScheduledActivity.start_at < window_end,
            ScheduledActivity.end_at > window_start,
        )
    )
    out: dict[int, LeaderTime] = defaultdict(LeaderTime)
    for person_id, kind, start, end in rows:
        zone = zone_of[person_id]
        at = start.astimezone(zone)
        stop = end.astimezone(zone)
        while at < stop:
            day = at.date()
            midnight = datetime.combine(day + timedelta(days=1), time(), zone)
            upto = min(stop, midnight)
            if first <= day <= last:
                minutes = (upto.astimezone(UTC) - at.astimezone(UTC)).total_seconds() / 60
                lt = out[person_id]
                lt.minutes[kind] += minutes
                if kind not in SCHEDULED_PAUSE_KINDS:
                    lt.days.add(day)
            at = upto
    return out


def _basis(
    lt: LeaderTime | None,
    source: Literal["scheduled", "recorded"],
    floor_kinds: frozenset[str],
    pauses: frozenset[str],
) -> s.FloorBasis:
    lt = lt or LeaderTime()
    floor, off, days = _sum_basis([lt], floor_kinds, pauses)
    minutes = {k: round(v) for k, v in sorted(lt.minutes.items()) if round(v)}
    worked = round(floor) + round(off)
    if worked == 0:
        state: Literal["measured", "no_schedule", "nothing_recorded"] = (
            "no_schedule" if source == "scheduled" else "nothing_recorded"
        )
        note = (
            "no schedule published for these days"
            if source == "scheduled"
            else "nothing recorded in the period"
        )
        return s.FloorBasis(
            source=source,
            days=0,
            floor_min=0,
            off_floor_min=0,
            minutes=minutes,
            share=None,
            state=state,
            note=note,
        )
    what = "scheduled minutes (breaks left out)" if source == "scheduled" else "recorded minutes"
    return s.FloorBasis(
        source=source,
        days=days,
        floor_min=round(floor),
        off_floor_min=round(off),
        minutes=minutes,
        share=round(floor) / worked,
        state="measured",
        note=f"{round(floor)} of {worked} {what} on the floor, on {days} days",
    )


def floor_time(
    *,
    session: Session,
    first: date,
    last: date,
    scope: org_service.Scope,
    person: str | None = None,
) -> list[s.FloorShareOut]:
    """Each team leader in scope (or the one named): the share of time on the floor from the
    published schedules and from the recorded log, side by side, against 75%; name order."""
    _day_span(first, last)
    query = select(Person).where(scope.people_clause(), Person.role == Role.supervisor)
    if person is not None:
        query = query.where(Person.login == person)
    leaders = list(session.scalars(query.order_by(Person.name, Person.login)))
    if person is not None and not leaders:
        raise NotFound(f"no team leader {person!r} in your scope", [Problem("unknown", "person")])
    recorded = _recorded_time(session, [p.id for p in leaders], first, last)
    scheduled = scheduled_leader_time(session, leaders, first, last)
    teams = dict(
        session.execute(
            select(Team.leader_id, Team.name)
            .where(Team.leader_id.in_([p.id for p in leaders]))
            .order_by(Team.name)
        ).all()
    )
    return [
        s.FloorShareOut(
            person=p.login,
            name=p.name,
            team=teams.get(p.id),
            first=first,
            last=last,
            target_share=FLOOR_TARGET,
            scheduled=_basis(
                scheduled.get(p.id), "scheduled", SCHEDULED_FLOOR_KINDS, SCHEDULED_PAUSE_KINDS
            ),
            recorded=_basis(
                recorded.get(p.id), "recorded", RECORDED_FLOOR_KINDS, RECORDED_PAUSE_KINDS
            ),
        )
        for p in leaders
    ]


# --- attrition --------------------------------------------------------------------------------


def _months(first: date, last: date) -> list[tuple[date, date]]:
    out = []
    start = first.replace(day=1)
    while start <= last:
        nxt = (start + timedelta(days=32)).replace(day=1)
        out.append((max(start, first), min(nxt - timedelta(days=1), last)))
        start = nxt
    return out


def attrition(
    *,
    session: Session,
    first: date,
    last: date,
    scope: org_service.Scope,
    team: str | None = None,
) -> s.AttritionOut:
    """Leavers with reason and tenure, monthly attrition per team, and tenure survival (KM)."""
    _day_span(first, last)
    teams = (
        [team_in_scope(session=session, name=team, scope=scope)]
        if team
        else list(session.scalars(select(Team).where(scope.teams_clause()).order_by(Team.name)))
    )
    team_ids = [t.id for t in teams]
    people = list(
        session.scalars(
            select(Person).where(Person.team_id.in_(team_ids)).order_by(Person.name, Person.login)
        )
    )
    names = {t.id: t.name for t in teams}
    leavers = [
        s.Leaver(
            person=p.login,
            name=p.name,
            team=names.get(p.team_id) if p.team_id else None,
            hire_date=p.hire_date,
            termination_date=p.termination_date,
            reason=p.termination_reason,
            tenure_days=(p.termination_date - p.hire_date).days if p.hire_date else None,
        )
        for p in people
        if p.termination_date is not None and first <= p.termination_date <= last
    ]
    months = []
    for t in teams:
        members = [p for p in people if p.team_id == t.id]
        for a, b in _months(first, last):
            n_left, average = _attrition_counts(members, a, b)
            rate: float | None = None
            low: float | None = None
            high: float | None = None
            if average > 0:
                ci = stats.wilson_interval(n_left, max(round(average), n_left))
                rate, low, high = n_left / average, ci.low, ci.high
            months.append(
                s.AttritionMonth(
                    team=t.name,
                    month=a.strftime("%Y-%m"),
                    leavers=n_left,
                    average_headcount=average,
                    rate=rate,
                    low=low,
                    high=high,
                )
            )
    durations, observed = [], []
    for p in people:
        if p.hire_date is None or p.hire_date > last:
            continue
        left = p.termination_date is not None and p.termination_date <= last
        end = p.termination_date if left and p.termination_date else last
        durations.append(float((end - p.hire_date).days))
        observed.append(left)
    survival: list[s.SurvivalPoint] = []
    if durations:
        km = stats.kaplan_meier(np.array(durations), np.array(observed, dtype=bool))
        survival = [
            s.SurvivalPoint(
                tenure_days=float(km.times[i]),
                at_risk=int(km.at_risk[i]),
                leavers=int(km.events[i]),
                survival=float(km.survival[i]),
                low=_finite(float(km.low[i])),
                high=_finite(float(km.high[i])),
            )
            for i in range(len(km.times))
            if km.events[i] > 0 or i == len(km.times) - 1
        ]
    note = (
        "Monthly rate = leavers / average headcount ((start + end) / 2); the interval is a "
        "Wilson interval with n = the average headcount (an approximation). Survival is "
        "Kaplan-Meier over tenure, people still employed counted as censored."
    )
    return s.AttritionOut(
        first=first, last=last, leavers=leavers, months=months, survival=survival, note=note
    )


def attrition_cost(*, session: Session, last: date, scope: org_service.Scope) -> s.AttritionCostOut:
    """Per site in scope: leavers of the 12 months up to ``last``, the attrition rate over the
    average headcount with a Wilson 95% interval, and the cost = leavers x cost per leaver."""
    first = _year_before(last)
    _day_span(first, last)
    query = select(Site).order_by(Site.name)
    if scope.site_ids is not None:
        query = query.where(Site.id.in_(sorted(scope.site_ids)))
    rows = []
    for site in session.scalars(query):
        people = list(session.scalars(select(Person).where(Person.site_id == site.id)))
        leavers, average = _attrition_counts(people, first, last)
        rate = low = high = None
        if average > 0:
            ci = stats.wilson_interval(leavers, max(round(average), leavers))
            rate, low, high = leavers / average, ci.low, ci.high
        cost = None if site.cost_per_leaver is None else leavers * site.cost_per_leaver
        if site.cost_per_leaver is None:
            note = "no replacement cost per leaver set for this site"
        else:
            note = f"{leavers} leavers x {site.cost_per_leaver:g} {site.currency} per leaver"
        rows.append(
            s.SiteAttritionCost(
                site=site.name,
                first=first,
                last=last,
                leavers=leavers,
                average_headcount=average,
                rate=rate,
                low=low,
                high=high,
                cost_per_leaver=site.cost_per_leaver,
                currency=site.currency,
                cost=cost,
                note=note,
            )
        )
    basis = (
        "Leavers: people of the site whose termination date falls in the 12 months. Rate = "
        "leavers / average headcount ((start + end) / 2), 95% Wilson interval with n = the "
        "average headcount (an approximation). Cost = leavers x the site's replacement cost "
        "per leaver, set by an administrator, in the site's currency."
    )
    return s.AttritionCostOut(first=first, last=last, sites=rows, basis=basis)


def _year_before(last: date) -> date:
    """The first day of the 12 months ending on ``last`` (29 February falls back to the 28th)."""
    try:
        start = last.replace(year=last.year - 1)
    except ValueError:
        start = last.replace(year=last.year - 1, day=28)
    return start + timedelta(days=1)
