"""The demo centre's contacts and agent states, made by the simulation engine.

Arrival rates have daily and weekly seasonality (Monday peaks). Staffing follows the staffing
engine's requirement for the *expected* load, so service is good on normal days. On the launch
Monday, volume on the voice queues runs 30% over from 09:00 after a product launch that nobody
entered as a special day: the staffing did not know, and service suffers.

Simplifications, stated: chat sessions are simulated one at a time per agent (concurrency is
modelled by the staffing engine, not here); email is a queue without abandonment whose target is
a day; agent-state history is kept for the last 7 days only, to keep the demo database small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ccops.contacts.importers.base import hash_customer_key
from ccops.contacts.models import AgentStateEvent, Contact
from ccops.engines import queueing
from ccops.engines import simulation as sim
from ccops.org import demo as org_demo
from ccops.org.demo import DemoQueue
from ccops.org.models import Queue

INTERVAL_S = 900
LAUNCH_UPLIFT = 1.30
LAUNCH_FROM = time(9, 0)
STATE_HISTORY_DAYS = 7
SOURCE = "demo"

# Relative volume by weekday (Monday first): the Monday peak and a quiet weekend.
WEEKDAY_FACTOR = np.array([1.25, 1.08, 1.0, 0.98, 0.95, 0.55, 0.4])


def _daily_shape(hours: np.ndarray, open_from: int, open_to: int) -> np.ndarray:
    """Intraday profile: a morning peak at 10:30 and a smaller one at 15:00, zero when closed."""
    shape = (
        0.35
        + np.exp(-0.5 * ((hours - 10.5) / 1.6) ** 2)
        + 0.7 * np.exp(-0.5 * ((hours - 15.0) / 1.8) ** 2)
    )
    if open_to - open_from >= 24:
        return np.asarray(0.6 + 0.4 * shape / shape.max(), dtype=np.float64)
    is_open = (hours >= open_from) & (hours < open_to)
    return np.asarray(np.where(is_open, shape / 1.35, 0.0), dtype=np.float64)


@dataclass
class _Grid:
    """The interval grid of one site: UTC starts, local clock, offsets."""

    start_utc: datetime
    n: int
    local_hour: np.ndarray
    weekday: np.ndarray
    local_day: np.ndarray  # days since the first day
    local_min: np.ndarray  # local wall-clock minutes since 1970 at each interval start
    offset_min: np.ndarray


def _grid(zone: str, first: date, last: date) -> _Grid:
    tz = ZoneInfo(zone)
    start = datetime.combine(first, time(0), tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tz).astimezone(UTC)
    n = int((end - start).total_seconds() // INTERVAL_S)
    hours, weekday, day, local_min, offset = [], [], [], [], []
    for i in range(n):
        local = (start + timedelta(seconds=i * INTERVAL_S)).astimezone(tz)
        off = local.utcoffset()
        assert off is not None
        hours.append(local.hour + local.minute / 60)
        weekday.append(local.weekday())
        day.append((local.date() - first).days)
        naive = local.replace(tzinfo=None)
        local_min.append(int((naive - datetime(1970, 1, 1)).total_seconds() // 60))
        offset.append(int(off.total_seconds() // 60))
    return _Grid(
        start,
        n,
        np.array(hours),
        np.array(weekday),
        np.array(day),
        np.array(local_min),
        np.array(offset),
    )


def seed_demo(
    session: Session,
    *,
    first: date,
    end: date,
    launch: date,
    rosters: dict[str, list[int]],
    secret_key: str,
    seed: int,
) -> dict[str, int]:
    """Simulate each site's queues from ``first`` to ``end`` (the launch surge on ``launch``)
    with the people of ``rosters``, and store the contacts and the last days' agent states."""
    queue_ids = {q.name: q.id for q in session.scalars(select(Queue))}
    channel_of = {q.name: q.channel_id for q in session.scalars(select(Queue))}
    rng = np.random.default_rng(seed)
    contacts = states = 0
    for site, zone, _ in org_demo.SITES:
        grid = _grid(zone, first, end)
        launch_day = (launch - first).days
        queues = [q for q in org_demo.QUEUES if q.site == site]
        groups = [g for g in org_demo.GROUPS if g.site == site]
        specs, staffing = [], {}
        for q in queues:
            expected, actual = _rates(q, grid, launch_day)
            specs.append(
                sim.QueueSpec(q.name, actual, q.aht_s, handle_cv=0.8, patience_s=q.patience_s)
            )
            primary = next(g for g in groups if g.skills.get(q.name) == 1)
            staffing[primary.name] = _staffing(q, expected, rng)
        scenario = sim.Scenario(
            queues=specs,
            agent_groups=[sim.AgentGroup(g.name, g.skills, staffing[g.name]) for g in groups],
            interval_s=INTERVAL_S,
            n_intervals=grid.n,
        )
        result = sim.simulate(scenario, seed=int(rng.integers(2**31)))
        ids = [queue_ids[q.name] for q in queues]
        rosters_by_group = [rosters[g.name] for g in groups]
        contacts += _store_contacts(
            session,
            result,
            grid,
            site,
            ids,
            [channel_of[q.name] for q in queues],
            rosters_by_group,
            secret_key,
            rng,
        )
        states += _store_states(session, result, grid, site, rosters_by_group)
    return {"contacts": contacts, "agent_state_events": states}


def _rates(q: DemoQueue, grid: _Grid, launch_day: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Expected and actual arrival rates per interval (actual has the launch surge)."""
    expected = q.peak_rate_per_s * _daily_shape(grid.local_hour, q.open_from, q.open_to)
    expected = expected * WEEKDAY_FACTOR[grid.weekday]
    actual = expected.copy()
    if launch_day is not None and q.channel == "voice":
        surge = (grid.local_day == launch_day) & (grid.local_hour >= LAUNCH_FROM.hour)
        actual[surge] *= LAUNCH_UPLIFT
    return expected, actual


def _staffing(q: DemoQueue, expected: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Agents on the queue per interval: the requirement for the expected load, less absence."""
    required = np.zeros(expected.shape, dtype=np.int64)
    busy = expected > 0
    if q.channel == "email":
        required[busy] = np.ceil(expected[busy] * q.aht_s / 0.85).astype(np.int64)
    else:
        required[busy] = queueing.required_agents(
            expected[busy], q.aht_s, service_level=q.goal, target_s=q.target_s
        )
    absence = rng.binomial(required, 0.04)
    return np.asarray(np.maximum(required - absence, 0), dtype=np.int64)


def _person_of(
    result: sim.SimulationResult, agent: np.ndarray, t_s: np.ndarray, rosters: list[list[int]]
) -> np.ndarray:
    """Map simulated agent slots to named people; slots rotate through the roster by day."""
    out = np.full(agent.shape, -1, dtype=np.int64)
    ok = agent >= 0
    group = result.agent_group[agent[ok]]
    slot = result.agent_slot[agent[ok]]
    day = (t_s[ok] // 86400).astype(np.int64)
    people = np.empty(group.shape, dtype=np.int64)
    for gi, roster in enumerate(rosters):
        sel = group == gi
        idx = (slot[sel] + day[sel] * 3) % len(roster)
        people[sel] = np.asarray(roster)[idx]
    out[ok] = people
    return out


def _store_contacts(
    session: Session,
    result: sim.SimulationResult,
    grid: _Grid,
    site: str,
    queue_ids: list[int],
    channel_ids: list[int],
    rosters: list[list[int]],
    secret_key: str,
    rng: np.random.Generator,
) -> int:
    c = result.contacts
    n = len(c)
    interval = np.minimum((c.arrival_s // INTERVAL_S).astype(np.int64), grid.n - 1)
    within_s = c.arrival_s - interval * INTERVAL_S
    local_min = grid.local_min[interval] + (within_s // 60).astype(np.int64)
    base = grid.start_utc.timestamp()
    person = _person_of(result, c.agent, np.nan_to_num(c.answer_s), rosters)
    # Customers: a pool per site; repeat callers come from a small set of heavy users.
    pool = max(n // 3, 1)
    customer = np.where(
        rng.random(n) < 0.3, rng.integers(0, pool // 20 + 1, n), rng.integers(0, pool, n)
    )
    known = rng.random(n) < 0.85
    outcome_names = np.asarray(sim.OUTCOME_NAMES)[c.outcome]
    wrap = np.where(c.outcome == sim.ANSWERED, np.round(rng.gamma(2.0, 15.0, n)), 0.0)
    rows = []
    for i in range(n):
        arrival = base + float(c.arrival_s[i])
        answered = not np.isnan(c.answer_s[i])
        ended = not np.isnan(c.end_s[i])
        rows.append(
            {
                "source": SOURCE,
                "external_id": f"{site}:{i}",
                "queue_id": queue_ids[int(c.queue[i])],
                "channel_id": channel_ids[int(c.queue[i])],
                "person_id": int(person[i]) if person[i] >= 0 else None,
                "arrival_at": datetime.fromtimestamp(arrival, UTC),
                "answered_at": datetime.fromtimestamp(base + float(c.answer_s[i]), UTC)
                if answered
                else None,
                "ended_at": datetime.fromtimestamp(base + float(c.end_s[i]), UTC)
                if ended
                else None,
                "outcome": str(outcome_names[i]),
                "wait_s": round(float(c.wait_s[i]), 3),
                "talk_s": round(float(c.talk_s[i]), 3),
                "hold_s": 0.0,
                "wrap_s": float(wrap[i]),
                "customer_hash": hash_customer_key(f"{site}-{customer[i]}", secret_key)
                if known[i]
                else None,
                "arrival_epoch_s": int(arrival),
                "arrival_local_min": int(local_min[i]),
                "utc_offset_min": int(grid.offset_min[interval[i]]),
                "content_hash": "demo",
                "batch_id": None,
            }
        )
        if len(rows) >= 20000:
            session.execute(insert(Contact), rows)
            rows = []
    if rows:
        session.execute(insert(Contact), rows)
    return n


def _store_states(
    session: Session,
    result: sim.SimulationResult,
    grid: _Grid,
    site: str,
    rosters: list[list[int]],
) -> int:
    s = result.agent_states
    horizon = grid.n * INTERVAL_S
    keep = (s.end_s > horizon - STATE_HISTORY_DAYS * 86400) & (s.state != sim.OFFLINE)
    idx = np.nonzero(keep)[0]
    person = _person_of(result, s.agent[idx], s.start_s[idx], rosters)
    base = grid.start_utc.timestamp()
    names = np.asarray(sim.STATE_NAMES)[s.state[idx]]
    rows = []
    for j, i in enumerate(idx):
        start = base + float(s.start_s[i])
        end = base + float(s.end_s[i])
        interval = min(int(s.start_s[i] // INTERVAL_S), grid.n - 1)
        rows.append(
            {
                "source": SOURCE,
                "external_id": f"{site}:state:{i}",
                "person_id": int(person[j]),
                "state": str(names[j]),
                "reason_code": None,
                "start_at": datetime.fromtimestamp(start, UTC),
                "end_at": datetime.fromtimestamp(end, UTC),
                "start_epoch_s": int(start),
                "end_epoch_s": int(end),
                "utc_offset_min": int(grid.offset_min[interval]),
                "content_hash": "demo",
                "batch_id": None,
            }
        )
        if len(rows) >= 20000:
            session.execute(insert(AgentStateEvent), rows)
            rows = []
    if rows:
        session.execute(insert(AgentStateEvent), rows)
    return len(idx)
