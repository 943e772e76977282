"""The demo centre's contacts and agent states, made by the simulation engine.

Arrival rates have daily and weekly seasonality (Monday peaks). Each interval is staffed with
exactly the people the demo's staffing history (``ccops.wfm.schedules.demo_history``) has on the
queue then: shifts planned for the *expected* load, less absence, breaks, lunch and late returns,
so service is good on normal days. On the launch Monday, volume on the voice queues runs 30% over
from 09:00 after a product launch that nobody entered as a special day: the staffing did not
know, and service suffers.

Agent states are the simulation's (available, on a contact) for the people present, plus each
person's breaks and lunch as they took them: after the call they were on, and a quarter of an
hour longer when they came back late; and the huddles, meetings and training their schedule
holds (a huddle is a short meeting: state ``meeting``, the auxiliary code a phone system has).
So occupancy (handling over handling and available) differs from utilisation (handling over all
logged-in time), and adherence has real spans.

Simplifications, stated: chat sessions are simulated one at a time per agent (concurrency is
modelled by the staffing engine, not here); email is a queue without abandonment whose target is
a day; agent-state history is kept for the last 7 days only, to keep the demo database small.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts.importers.base import hash_customer_key
from ccops.contacts.models import AgentStateEvent, Contact
from ccops.db import bulk_insert
from ccops.engines import queueing
from ccops.engines import simulation as sim
from ccops.org import demo as org_demo
from ccops.org.demo import DemoQueue, Roster
from ccops.org.models import Queue

INTERVAL_S = 900
LAUNCH_UPLIFT = 1.30
LAUNCH_FROM = time(9, 0)
STATE_HISTORY_DAYS = 7
SOURCE = "demo"
STATE_OF_PAUSE = {"huddle": "meeting"}
"""The agent state of a scheduled pause whose kind is not itself a state."""


class Worked(Protocol):
    """A shift someone worked (``ccops.wfm.schedules.demo_history.Worked``), as the simulation
    reads it: who, from when, its pauses, and whether they were absent or back late from lunch."""

    @property
    def person_id(self) -> int: ...
    @property
    def start(self) -> datetime: ...
    @property
    def pauses(self) -> tuple[tuple[int, int, str], ...]: ...
    @property
    def absent(self) -> bool: ...
    @property
    def late_from_lunch(self) -> bool: ...
    def present(self) -> list[int]: ...


# Relative volume by weekday (Monday first): the Monday peak and a quiet weekend.
WEEKDAY_FACTOR = np.array([1.25, 1.08, 1.0, 0.98, 0.95, 0.55, 0.4])


def daily_shape(hours: np.ndarray, open_from: int, open_to: int) -> np.ndarray:
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
    rosters: dict[str, Roster],
    worked: Mapping[str, Sequence[Worked]],
    secret_key: str,
    seed: int,
) -> dict[str, int]:
    """Simulate each site's queues from ``first`` to ``end`` (the launch surge on ``launch``)
    staffed by who ``worked`` when, and store the contacts and the last days' agent states."""
    queue_ids = {q.name: q.id for q in session.scalars(select(Queue))}
    channel_of = {q.name: q.channel_id for q in session.scalars(select(Queue))}
    rng = np.random.default_rng(seed)
    contacts = states = 0
    for site, zone, _ in org_demo.SITES:
        grid = _grid(zone, first, end)
        launch_day = (launch - first).days
        queues = [q for q in org_demo.QUEUES if q.site == site]
        groups = [g for g in org_demo.GROUPS if g.site == site]
        specs = []
        for q in queues:
            _, actual = _rates(q, grid, launch_day)
            specs.append(
                sim.QueueSpec(q.name, actual, q.aht_s, handle_cv=0.8, patience_s=q.patience_s)
            )
        people = [[*rosters[g.name].full, *rosters[g.name].part] for g in groups]
        on = [presence(worked[site], p, grid.start_utc, grid.n) for p in people]
        scenario = sim.Scenario(
            queues=specs,
            agent_groups=[
                sim.AgentGroup(g.name, g.skills, o.sum(axis=0).astype(np.int64))
                for g, o in zip(groups, on, strict=True)
            ],
            interval_s=INTERVAL_S,
            n_intervals=grid.n,
        )
        result = sim.simulate(scenario, seed=int(rng.integers(2**31)))
        slots = [slot_people(o, p) for o, p in zip(on, people, strict=True)]
        ids = [queue_ids[q.name] for q in queues]
        contacts += _store_contacts(
            session,
            result,
            grid,
            site,
            ids,
            [channel_of[q.name] for q in queues],
            slots,
            secret_key,
            rng,
        )
        states += _store_states(session, result, grid, site, slots, worked[site])
    return {"contacts": contacts, "agent_state_events": states}


def required_agents(q: DemoQueue, rate_per_s: np.ndarray) -> npt.NDArray[np.int64]:
    """Agents the staffing engine asks for at each rate (email: its workload at 85%)."""
    required = np.zeros(rate_per_s.shape, dtype=np.int64)
    busy = rate_per_s > 0
    if q.channel == "email":
        required[busy] = np.ceil(rate_per_s[busy] * q.aht_s / 0.85).astype(np.int64)
    else:
        required[busy] = queueing.required_agents(
            rate_per_s[busy], q.aht_s, service_level=q.goal, target_s=q.target_s
        )
    return required


def presence(
    worked: Sequence[Worked], people: Sequence[int], start_utc: datetime, n: int
) -> npt.NDArray[np.bool_]:
    """Who of ``people`` was on the queue in each interval of the grid (people x intervals)."""
    row = {p: i for i, p in enumerate(people)}
    out = np.zeros((len(people), n), dtype=np.bool_)
    for w in worked:
        if w.person_id not in row:
            continue
        first = int((w.start - start_utc).total_seconds() // INTERVAL_S)
        for k in w.present():
            if 0 <= first + k < n:
                out[row[w.person_id], first + k] = True
    return out


def slot_people(on: npt.NDArray[np.bool_], people: Sequence[int]) -> npt.NDArray[np.int64]:
    """The person in each simulated slot, per interval (intervals x slots, -1 when unstaffed).

    The simulation keeps slots ``0 .. staffing-1`` logged in and logs out the highest ones. A
    person keeps their slot while present and the slot is kept; a slot freed by someone leaving
    is taken by a person arriving, or else by the person in the highest slot, so as few slots as
    possible change hands."""
    n = on.shape[1]
    width = max(int(on.sum(axis=0).max(initial=0)), 1)
    out = np.full((n, width), -1, dtype=np.int64)
    slots: list[int] = []
    for t in range(n):
        here = np.nonzero(on[:, t])[0].tolist()
        present = set(here)
        size = len(here)
        kept = [p if (p in present and j < size) else -1 for j, p in enumerate(slots[:size])]
        kept += [-1] * (size - len(kept))
        held = {p for p in kept if p >= 0}
        movers = [p for j, p in enumerate(slots) if j >= size and p in present]
        arrivals = [p for p in here if p not in held and p not in movers]
        fill = iter(arrivals + movers)
        slots = [p if p >= 0 else next(fill) for p in kept]
        out[t, :size] = [people[p] for p in slots]
    return out


def _rates(q: DemoQueue, grid: _Grid, launch_day: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Expected and actual arrival rates per interval (actual has the launch surge)."""
    expected = q.peak_rate_per_s * daily_shape(grid.local_hour, q.open_from, q.open_to)
    expected = expected * WEEKDAY_FACTOR[grid.weekday]
    actual = expected.copy()
    if launch_day is not None and q.channel == "voice":
        surge = (grid.local_day == launch_day) & (grid.local_hour >= LAUNCH_FROM.hour)
        actual[surge] *= LAUNCH_UPLIFT
    return expected, actual


def _person_at(
    result: sim.SimulationResult, agent: np.ndarray, t_s: np.ndarray, slots: list[np.ndarray]
) -> np.ndarray:
    """The person in each simulated agent's slot at each time (-1 for none)."""
    out = np.full(agent.shape, -1, dtype=np.int64)
    ok = agent >= 0
    group = result.agent_group[agent[ok]]
    slot = result.agent_slot[agent[ok]]
    interval = (t_s[ok] // INTERVAL_S).astype(np.int64)
    people = np.full(group.shape, -1, dtype=np.int64)
    for gi, table in enumerate(slots):
        sel = group == gi
        t = np.clip(interval[sel], 0, table.shape[0] - 1)
        s = slot[sel]
        inside = s < table.shape[1]
        found = np.full(s.shape, -1, dtype=np.int64)
        found[inside] = table[t[inside], s[inside]]
        people[sel] = found
    out[ok] = people
    return out


def _store_contacts(
    session: Session,
    result: sim.SimulationResult,
    grid: _Grid,
    site: str,
    queue_ids: list[int],
    channel_ids: list[int],
    slots: list[np.ndarray],
    secret_key: str,
    rng: np.random.Generator,
) -> int:
    c = result.contacts
    n = len(c)
    interval = np.minimum((c.arrival_s // INTERVAL_S).astype(np.int64), grid.n - 1)
    within_s = c.arrival_s - interval * INTERVAL_S
    local_min = grid.local_min[interval] + (within_s // 60).astype(np.int64)
    base = grid.start_utc.timestamp()
    person = _person_at(result, c.agent, np.nan_to_num(c.answer_s), slots)
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
            bulk_insert(session, Contact, rows)
            rows = []
    if rows:
        bulk_insert(session, Contact, rows)
    return n


def _store_states(
    session: Session,
    result: sim.SimulationResult,
    grid: _Grid,
    site: str,
    slots: list[np.ndarray],
    worked: Sequence[Worked],
) -> int:
    """Store the last days' agent states: the simulation's spans given to the person in the slot
    (a span of waiting is cut where the slot changes hands; a contact stays with who took it),
    then each person's breaks and lunch, a span never overlapping the one before it."""
    s = result.agent_states
    horizon = grid.n * INTERVAL_S
    since = horizon - STATE_HISTORY_DAYS * 86400
    keep = (s.end_s > since) & (s.state != sim.OFFLINE)
    idx = np.nonzero(keep)[0]
    names = np.asarray(sim.STATE_NAMES)
    spans: dict[int, list[tuple[float, float, str]]] = defaultdict(list)
    group_of = result.agent_group
    slot_of = result.agent_slot
    for i in idx:
        lo, hi, state = float(s.start_s[i]), float(s.end_s[i]), str(names[s.state[i]])
        table = slots[int(group_of[s.agent[i]])]
        slot = int(slot_of[s.agent[i]])
        if slot >= table.shape[1]:
            continue
        if state == "on_contact":
            person = int(table[min(int(lo // INTERVAL_S), grid.n - 1), slot])
            if person >= 0:
                spans[person].append((lo, hi, state))
            continue
        at = lo
        while at < hi:
            t = min(int(at // INTERVAL_S), grid.n - 1)
            cut = min(hi, (t + 1) * INTERVAL_S)
            person = int(table[t, slot])
            if person >= 0:
                spans[person].append((at, cut, state))
            at = cut
    base = grid.start_utc.timestamp()
    for w in worked:
        if w.absent:
            continue
        start = w.start.timestamp() - base
        for offset, size, kind in w.pauses:
            extra = 1 if kind == "lunch" and w.late_from_lunch else 0
            lo = start + offset * INTERVAL_S
            hi = lo + (size + extra) * INTERVAL_S
            if hi > since and lo < horizon:
                spans[w.person_id].append((lo, hi, STATE_OF_PAUSE.get(kind, kind)))
    rows = []
    k = 0
    for person, items in spans.items():
        for lo, hi, state in _tidy(items):
            if hi <= since:
                continue
            start, end = base + lo, base + hi
            interval = min(int(lo // INTERVAL_S), grid.n - 1)
            rows.append(
                {
                    "source": SOURCE,
                    "external_id": f"{site}:state:{k}",
                    "person_id": person,
                    "state": state,
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
            k += 1
            if len(rows) >= 20000:
                bulk_insert(session, AgentStateEvent, rows)
                rows = []
    if rows:
        bulk_insert(session, AgentStateEvent, rows)
    return k


def _tidy(items: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """One person's spans in time order, each starting where the one before it ended at the
    earliest (a break taken after the call runs on), touching spans of one state merged."""
    out: list[tuple[float, float, str]] = []
    for lo, hi, state in sorted(items):
        if out:
            lo = max(lo, out[-1][1])
        if hi - lo < 1.0:
            continue
        if out and out[-1][2] == state and out[-1][1] == lo:
            out[-1] = (out[-1][0], hi, state)
        else:
            out.append((lo, hi, state))
    return out
