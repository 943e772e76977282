"""The row-by-row computation the performance service used before its grouped SQL aggregates.

Kept here as the reference the aggregated results are compared with. It shares none of the
service's rules: every contact row and agent-state event is fetched unfiltered, and the subject
(person, team, centre sites), the period's local days, the repeat window, the withholding
thresholds and the intervals are worked out here in plain Python. From the service it takes only
the types it returns and compares (``Measure``, ``Subject``).
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
from scipy import stats as scipy_stats
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from ccops.contacts.models import AgentStateEvent, Contact
from ccops.engines import stats
from ccops.enums import ANSWERED_OUTCOMES, AgentState, Outcome, ServiceLevelVariant
from ccops.org.models import Person, Queue
from ccops.performance.estimates import Measure
from ccops.performance.subjects import Subject

MIN_TRIALS = 30  # a rate on fewer trials is withheld
MIN_VALUES = 10  # a mean of fewer values is withheld
MIN_DAYS = 3  # occupancy and utilisation on fewer days of agent states are withheld
REPEAT_WINDOW_S = 7 * 86400  # a repeat is the same customer on the same queue within 7 days

Row = tuple[Any, ...]
RowCache = dict[tuple[str, str, date, date], list[Row]]
"""(person_id, outcome, wait_s, handle_s, target_s, short_abandon_s, variant, has_key,
repeated, repeat_observable, arrival_local_min) of one contact."""


def _local_minutes(first: date, last: date) -> tuple[int, int]:
    """The period's local minutes since 1970-01-01 00:00: from ``first``'s midnight to the
    midnight after ``last`` (a contact's ``arrival_local_min`` counts the same way)."""
    return first.toordinal() * 1440 - date(1970, 1, 1).toordinal() * 1440, (
        last.toordinal() + 1 - date(1970, 1, 1).toordinal()
    ) * 1440


def _teams(session: Session) -> dict[int, int | None]:
    return dict(session.execute(select(Person.id, Person.team_id)).all())


def _in_subject(
    subject: Subject, person_id: int | None, site_id: int | None, teams: dict[int, int | None]
) -> bool:
    """Whether a row of this person (at this queue's site) belongs to the subject."""
    if subject.kind == "person":
        return person_id is not None and person_id == subject.person_id
    if subject.kind == "team":
        return person_id is not None and teams.get(person_id) == subject.team_id
    return subject.site_ids is None or site_id in subject.site_ids


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
    everything = session.execute(
        select(
            Contact.person_id,
            type_coerce(Contact.outcome, String),
            Contact.wait_s,
            Contact.talk_s,
            Contact.hold_s,
            Contact.wrap_s,
            Queue.target_s,
            Queue.short_abandon_s,
            type_coerce(Queue.service_level_variant, String),
            Contact.customer_hash,
            Contact.queue_id,
            Queue.site_id,
            Contact.arrival_epoch_s,
            Contact.arrival_local_min,
        ).join(Queue, Contact.queue_id == Queue.id)
    ).all()
    horizon = max((r.arrival_epoch_s for r in everything), default=0)
    arrivals: dict[tuple[str, int], list[int]] = defaultdict(list)
    for r in everything:
        if r.customer_hash is not None:
            arrivals[(r.customer_hash, r.queue_id)].append(r.arrival_epoch_s)
    for epochs in arrivals.values():
        epochs.sort()
    teams = _teams(session)
    lo, hi = _local_minutes(first, last)
    rows: list[Row] = []
    for r in everything:
        if not lo <= r.arrival_local_min < hi:
            continue
        if not _in_subject(subject, r.person_id, r.site_id, teams):
            continue
        repeated = False
        if r.customer_hash is not None:
            epochs = arrivals[(r.customer_hash, r.queue_id)]
            after = bisect.bisect_right(epochs, r.arrival_epoch_s)
            repeated = after < len(epochs) and epochs[after] <= r.arrival_epoch_s + REPEAT_WINDOW_S
        rows.append(
            (
                r.person_id,
                r[1],
                r.wait_s,
                r.talk_s + r.hold_s + r.wrap_s,
                r.target_s,
                r.short_abandon_s,
                r[8],
                r.customer_hash is not None,
                repeated,
                r.arrival_epoch_s + REPEAT_WINDOW_S <= horizon,
                r.arrival_local_min,
            )
        )
    if cache is not None:
        cache[key] = rows
    return rows


def _finite(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _proportion(successes: int, trials: int) -> Measure:
    """A rate with its Wilson 95% interval; withheld below MIN_TRIALS."""
    if trials == 0:
        return Measure(None, 0, None, None, "wilson", False, "no observations", successes)
    if trials < MIN_TRIALS:
        note = f"too few observations to show a rate: {trials} (at least {MIN_TRIALS} needed)"
        return Measure(None, trials, None, None, "wilson", False, note, successes)
    ci = stats.wilson_interval(successes, trials)
    return Measure(successes / trials, trials, ci.low, ci.high, "wilson", True, "", successes)


def _mean(values: Sequence[float]) -> Measure:
    """A mean with its Student t 95% interval; withheld below MIN_VALUES."""
    n = len(values)
    if n == 0:
        return Measure(None, 0, None, None, "t", False, "no observations")
    if n < MIN_VALUES:
        note = f"too few observations to show a mean: {n} (at least {MIN_VALUES} needed)"
        return Measure(None, n, None, None, "t", False, note)
    ci = stats.mean_interval(np.asarray(values, dtype=np.float64))
    return Measure(ci.point, n, _finite(ci.low), _finite(ci.high), "t", True, "")


def _repeat_trial(row: Row) -> bool:
    """Whether a contact counts in the repeat-contact rate's denominator."""
    return row[1] in ANSWERED_OUTCOMES and bool(row[7]) and bool(row[9])


def _from_contacts(kpi: str, rows: Sequence[Row]) -> Measure:
    answered = [r for r in rows if r[1] in ANSWERED_OUTCOMES]
    if kpi == "repeat_contact_rate":
        keyed = [r for r in rows if _repeat_trial(r)]
        return _proportion(sum(1 for r in keyed if r[8]), len(keyed))
    # a null wait is untrusted timing: such a contact is in no wait- or handle-based number
    timed = [r for r in rows if r[2] is not None]
    answered_timed = [r for r in answered if r[2] is not None]
    if kpi == "aht_s":
        return _mean([float(r[3]) for r in answered_timed])
    if kpi == "asa_s":
        return _mean([float(r[2]) for r in answered_timed])
    short = [r for r in timed if r[1] == Outcome.abandoned and r[2] < r[5]]
    if kpi == "abandon_rate":
        real = len(rows) - len(short)
        abandoned = sum(1 for r in rows if r[1] == Outcome.abandoned) - len(short)
        return _proportion(abandoned, real)
    # service level: the numerator and denominator of each queue's own variant, summed
    within = sum(1 for r in answered_timed if r[2] <= r[4])
    denominator = 0
    for r in timed:
        variant = r[6]
        if variant == ServiceLevelVariant.abandons_ignored:
            denominator += r[1] in ANSWERED_OUTCOMES
        elif variant == ServiceLevelVariant.abandons_count_against:
            denominator += 1
        else:
            denominator += not (r[1] == Outcome.abandoned and r[2] < r[5])
    return _proportion(within, denominator)


def _state_measure(
    session: Session, subject: Subject, kpi: str, first: date, last: date
) -> dict[int, Measure] | Measure:
    lo, hi = _local_minutes(first, last)
    teams = _teams(session)
    person_sites = dict(session.execute(select(Person.id, Person.site_id)).all())
    rows = session.execute(
        select(
            AgentStateEvent.person_id,
            AgentStateEvent.state,
            AgentStateEvent.start_epoch_s,
            AgentStateEvent.end_epoch_s,
            AgentStateEvent.utc_offset_min,
        )
    )
    handling: dict[int, float] = defaultdict(float)
    denominator: dict[int, float] = defaultdict(float)
    for person_id, state, start, end, offset in rows:
        if end is None or not _in_subject(subject, person_id, person_sites.get(person_id), teams):
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
    y = np.array([handling[d] for d in days])
    x = np.array([denominator[d] for d in days])
    ratio = float(y.sum() / x.sum())  # the ratio estimator, its variance by linearisation
    se = math.sqrt(float(((y - ratio * x) ** 2).sum()) / (len(days) * (len(days) - 1))) / x.mean()
    half = float(scipy_stats.t.ppf(0.975, len(days) - 1)) * se
    return Measure(
        ratio,
        len(days),
        max(ratio - half, 0.0),
        min(ratio + half, 1.0),
        "ratio over days",
        True,
        "ratio of summed seconds; its interval by linearisation over days (the same estimator)",
    )
