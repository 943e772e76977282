"""The what-if's simulation of a multi-skill queue: who shares its agents, the sample days of
the pool's own history, how many agents were on, and the simulator's figures beside Erlang's.

A queue is *multi-skill* when somebody of its site who holds its skill also holds the skill of
another queue of the site. The *pool* is the queue and those other queues (one step: the queues
its own agents also serve); its agent groups are the site's people with a skill in the pool,
grouped by the pool queues they hold (equal priority: the oldest waiting contact first).

Staffing of each group and hour of a sample day: the site's published schedules (work segments
of the group's people, the share of the hour each works) when the pool has scheduled work that
day; otherwise the Erlang requirement: each queue's fewest agents that reach the hour's observed
service level (the what-if's Erlang baseline), shared among the groups with its skill in
proportion to their people (largest remainder, so the hour's total is kept).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.engines import queueing
from ccops.engines import value_simulation as vs
from ccops.metrics import service as kpi_service
from ccops.org.models import Person, Queue
from ccops.wfm.schedules import common as schedule_common
from ccops.wfm.schedules.models import Schedule, ScheduledActivity

REPS = 10
"""Replications of each sample day (baseline and scenario each)."""
STRATA = 4
"""Volume strata of the days other than the busiest (one median day simulated from each)."""


@dataclass(frozen=True)
class Group:
    """People of the site with the same pool skills."""

    name: str
    queues: tuple[str, ...]
    people: tuple[int, ...]


@dataclass(frozen=True)
class PoolPlan:
    """What the what-if simulates: the pool, its sample days and where staffing came from."""

    queue: str
    pool: vs.Pool
    queues: tuple[str, ...]
    groups: tuple[Group, ...]
    days: tuple[date, ...]
    day_offered: tuple[float, ...]
    staffing_source: tuple[str, ...]
    """Per sample day: ``schedule`` or ``erlang``."""


def pool_groups(session: Session, queue: Queue, first: date) -> tuple[Group, ...] | None:
    """The pool's agent groups, or None when no agent of the queue serves another queue."""
    site_queues = {
        q.id: q.name for q in session.scalars(select(Queue).where(Queue.site_id == queue.site_id))
    }
    people = session.scalars(
        select(Person).where(
            Person.site_id == queue.site_id,
            Person.termination_date.is_(None) | (Person.termination_date >= first),
        )
    ).all()
    skills = {
        p.id: frozenset(site_queues[s.queue_id] for s in p.skills if s.queue_id in site_queues)
        for p in people
    }
    shared = set().union(*(s for s in skills.values() if queue.name in s)) - {queue.name}
    if not shared:
        return None
    pool = shared | {queue.name}
    by_set: dict[tuple[str, ...], list[int]] = {}
    for pid, held in sorted(skills.items()):
        mine = tuple(sorted(held & pool))
        if mine:
            by_set.setdefault(mine, []).append(pid)
    return tuple(
        Group(" + ".join(k), k, tuple(v)) for k, v in sorted(by_set.items(), key=lambda kv: kv[0])
    )


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` split in whole parts in proportion to ``weights``."""
    share = total * weights / weights.sum()
    parts: np.ndarray = np.floor(share).astype(np.int64)
    left = total - int(parts.sum())
    if left > 0:
        parts[np.argsort(-(share - parts), kind="stable")[:left]] += 1
    return parts


def _scheduled(
    session: Session, queue: Queue, groups: Sequence[Group], day: date, zone: ZoneInfo
) -> np.ndarray | None:
    """(groups, 24) agents at work in each local hour of ``day`` by the published schedules,
    or None when none of the pool's people has scheduled work that day."""
    start = datetime.combine(day, time(0), zone)
    hours = [start + timedelta(hours=h) for h in range(vs.HOURS + 1)]
    group_of = {pid: gi for gi, g in enumerate(groups) for pid in g.people}
    rows = session.scalars(
        select(ScheduledActivity)
        .join(Schedule, Schedule.id == ScheduledActivity.schedule_id)
        .where(
            Schedule.site_id == queue.site_id,
            Schedule.status == "published",
            ScheduledActivity.kind == schedule_common.WORK,
            ScheduledActivity.person_id.in_(sorted(group_of)),
            ScheduledActivity.start_at < hours[-1],
            ScheduledActivity.end_at > hours[0],
        )
    ).all()
    if not rows:
        return None
    on = np.zeros((len(groups), vs.HOURS))
    for a in rows:
        s, e = a.start_at, a.end_at
        for h in range(vs.HOURS):
            overlap = (min(e, hours[h + 1]) - max(s, hours[h])).total_seconds()
            if overlap > 0:
                on[group_of[a.person_id], h] += overlap / 3600.0
    whole: np.ndarray = np.rint(on).astype(np.int64)
    return whole


def plan(
    *,
    session: Session,
    source: kpi_service.KpiSource,
    queue: Queue,
    first: date,
    last: date,
    patience_of: Callable[[Queue], float | None],
) -> PoolPlan | None:
    """The pool of a multi-skill queue over its sample days of [first, last]; None when the
    queue's agents serve it alone."""
    groups = pool_groups(session, queue, first)
    if groups is None:
        return None
    names = sorted({q for g in groups for q in g.queues})
    queues = {q.name: q for q in session.scalars(select(Queue).where(Queue.name.in_(names)))}
    rows = kpi_service.queue_interval_kpis(
        source=source, first=first, last=last, interval_min=60, queues=names
    )
    n_days = (last - first).days + 1
    offered = np.zeros((len(names), n_days, vs.HOURS))
    aht = np.zeros((len(names), n_days, vs.HOURS))
    observed = np.zeros((len(names), n_days, vs.HOURS))
    index = {n: i for i, n in enumerate(names)}
    for r in rows:
        d = (r.interval_start.date() - first).days
        if r.queue not in index or not 0 <= d < n_days or not r.offered or not r.aht_s:
            continue
        qi, h = index[r.queue], r.interval_start.hour
        offered[qi, d, h] += r.offered
        aht[qi, d, h] = float(r.aht_s)
        goal = queues[r.queue].service_level_goal
        observed[qi, d, h] = goal if r.service_level is None else r.service_level
    picked = vs.sample_days([float(x) for x in offered.sum(axis=(0, 2))], STRATA)
    if not picked:
        return None
    day_idx = [d for d, _ in picked]
    zone = ZoneInfo(queue.site.timezone)
    staffing = np.zeros((len(groups), len(day_idx), vs.HOURS), dtype=np.int64)
    sources = []
    for k, d in enumerate(day_idx):
        day = first + timedelta(days=d)
        on = _scheduled(session, queue, groups, day, zone)
        if on is None:
            on = _required(
                names, queues, groups, offered[:, d], aht[:, d], observed[:, d], patience_of
            )
            sources.append("erlang")
        else:
            sources.append("schedule")
        staffing[:, k] = on
    pool = vs.Pool(
        queues=[
            vs.PoolQueue(
                name=n,
                target_s=queues[n].target_s,
                patience_s=patience_of(queues[n]),
                rate_per_s=offered[i][day_idx] / 3600.0,
                aht_s=np.where(aht[i][day_idx] > 0, aht[i][day_idx], 1.0),
            )
            for i, n in enumerate(names)
        ],
        groups=[
            vs.PoolGroup(g.name, dict.fromkeys(g.queues, 1), staffing[gi])
            for gi, g in enumerate(groups)
        ],
        weights=np.array([w for _, w in picked]),
    )
    return PoolPlan(
        queue=queue.name,
        pool=pool,
        queues=tuple(names),
        groups=groups,
        days=tuple(first + timedelta(days=d) for d in day_idx),
        day_offered=tuple(float(offered[:, d].sum()) for d in day_idx),
        staffing_source=tuple(sources),
    )


def _required(
    names: Sequence[str],
    queues: dict[str, Queue],
    groups: Sequence[Group],
    offered: np.ndarray,
    aht: np.ndarray,
    observed: np.ndarray,
    patience_of: Callable[[Queue], float | None],
) -> np.ndarray:
    """(groups, 24): each queue's Erlang agents for the hour's observed service level, shared
    among the groups holding its skill in proportion to their people."""
    out = np.zeros((len(groups), vs.HOURS), dtype=np.int64)
    for qi, name in enumerate(names):
        hours = np.flatnonzero(offered[qi] > 0)
        if hours.size == 0:
            continue
        patience = patience_of(queues[name])
        need = np.asarray(
            queueing.required_agents(
                offered[qi, hours] / 3600.0,
                aht[qi, hours],
                service_level=np.clip(observed[qi, hours], 0.02, 0.98),
                target_s=np.full(hours.shape, queues[name].target_s),
                patience_s=None if patience is None else np.full(hours.shape, patience),
            ),
            dtype=np.float64,
        )
        holders = [gi for gi, g in enumerate(groups) if name in g.queues]
        weights = np.array([len(groups[gi].people) for gi in holders], dtype=np.float64)
        for h, n in zip(hours, need, strict=True):
            out[holders, h] += _largest_remainder(int(round(n)), weights)
    return out
