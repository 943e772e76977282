"""Build the demo contact centre: deterministic, seeded, 13 weeks of simulated history.

Two sites in different time zones (Shanghai and London), voice, chat and email queues, 100+
agents in teams, and contact records made by the simulation engine from arrival rates with
daily and weekly seasonality (Monday peaks). Staffing follows the staffing engine's requirement
for the *expected* load, so service is good on normal days. On the most recent Monday, volume
on Shanghai's voice queues runs 30% over from 09:00 after a product launch that nobody entered
as a special day: the staffing did not know, and service suffers, as in the mission's story.

Simplifications, stated: chat sessions are simulated one at a time per agent (concurrency is
modelled by the staffing engine, not here); email is a queue without abandonment whose target is
a day; agent-state history is kept for the last 7 days only, to keep the demo database small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ccops.contacts.importers.base import hash_customer_key
from ccops.contacts.models import AgentStateEvent, Contact
from ccops.engines import queueing
from ccops.engines import simulation as sim
from ccops.enums import ChannelKind, Role, ScopeKind
from ccops.org import schemas
from ccops.org import service as org_service
from ccops.org.models import Person, Queue
from ccops.performance import demo as performance_demo
from ccops.quality import demo as quality_demo
from ccops.wfm.schedules import demo as schedule_demo

SEED = 20261123
WEEKS = 13
INTERVAL_S = 900
LAUNCH_UPLIFT = 1.30
LAUNCH_FROM = time(9, 0)
STATE_HISTORY_DAYS = 7
SOURCE = "demo"

# Relative volume by weekday (Monday first): the Monday peak and a quiet weekend.
WEEKDAY_FACTOR = np.array([1.25, 1.08, 1.0, 0.98, 0.95, 0.55, 0.4])
FIRST_NAMES = (
    "Li",
    "Wang",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Zhao",
    "Huang",
    "Zhou",
    "Wu",
    "Amelia",
    "Oliver",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Mia",
    "Leo",
    "Grace",
    "Jack",
    "Sofia",
    "Arthur",
    "Lily",
)


@dataclass(frozen=True)
class DemoQueue:
    """One demo queue: where it is, what it carries and its service goal."""

    name: str
    site: str
    channel: str
    peak_rate_per_s: float
    aht_s: float
    target_s: float
    goal: float
    patience_s: float | None
    open_from: int  # local hour
    open_to: int


@dataclass(frozen=True)
class DemoGroup:
    """Agents sharing skills; staffed to the requirement of the primary queue."""

    name: str
    site: str
    skills: dict[str, int]
    team_size: int


SITES = (("Shanghai", "Asia/Shanghai", "CN"), ("London", "Europe/London", "GB"))
CHANNELS = (
    ("voice", ChannelKind.voice, 1),
    ("chat", ChannelKind.chat, 2),
    ("email", ChannelKind.email, 1),
)
QUEUES = (
    DemoQueue("Billing", "Shanghai", "voice", 0.05, 280, 20, 0.8, 150, 8, 20),
    DemoQueue("Tech Support", "Shanghai", "voice", 0.032, 420, 30, 0.8, 200, 8, 20),
    DemoQueue("Email", "Shanghai", "email", 0.006, 480, 86400, 0.9, None, 0, 24),
    DemoQueue("Sales", "London", "voice", 0.04, 240, 20, 0.8, 120, 8, 20),
    DemoQueue("Chat", "London", "chat", 0.02, 360, 60, 0.8, 300, 8, 20),
)
GROUPS = (
    DemoGroup("Billing", "Shanghai", {"Billing": 1, "Tech Support": 2}, 12),
    DemoGroup("Tech", "Shanghai", {"Tech Support": 1, "Billing": 2}, 12),
    DemoGroup("Email", "Shanghai", {"Email": 1}, 8),
    DemoGroup("Sales", "London", {"Sales": 1}, 12),
    DemoGroup("Chat", "London", {"Chat": 1}, 10),
)
DEMO_USERS = (
    ("admin", Role.admin, ScopeKind.all),
    ("manager", Role.manager, ScopeKind.all),
    ("executive", Role.executive, ScopeKind.all),
    ("planner", Role.planner, ScopeKind.all),
    ("qa", Role.qa_analyst, ScopeKind.all),
    ("supervisor", Role.supervisor, ScopeKind.teams),
    ("agent", Role.agent, ScopeKind.own),
)


def demo_password(login: str) -> str:
    """The demo user's password; demo databases only, printed by `make run`."""
    return f"{login}-demo-pass"


def launch_monday(end: date) -> date:
    """The most recent Monday on or before ``end`` (the day of the unannounced launch)."""
    return end - timedelta(days=end.weekday())


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


def _org(session: Session) -> None:
    for name, zone, country in SITES:
        org_service.create_site(
            session=session, data=schemas.SiteIn(name=name, timezone=zone, country_code=country)
        )
    for name, kind, concurrency in CHANNELS:
        org_service.create_channel(
            session=session,
            data=schemas.ChannelIn(name=name, kind=kind, max_concurrency=concurrency),
        )
    for q in QUEUES:
        org_service.create_queue(
            session=session,
            data=schemas.QueueIn(
                name=q.name,
                channel=q.channel,
                site=q.site,
                target_s=q.target_s,
                service_level_goal=q.goal,
            ),
        )


def _people(session: Session, first: date) -> dict[str, list[int]]:
    """Create teams, leaders and agents; return each group's roster of person ids."""
    rng = np.random.default_rng(SEED)
    rosters: dict[str, list[int]] = {}
    number = 0
    for g in GROUPS:
        rosters[g.name] = []
        for team_no in (1, 2):
            team = f"{g.name} {team_no}"
            leader = f"tl.{g.name.lower()}{team_no}"
            org_service.create_person(
                session=session,
                data=schemas.PersonIn(
                    name=f"{FIRST_NAMES[number % len(FIRST_NAMES)]} (team leader)",
                    login=leader,
                    role=Role.supervisor,
                    site=g.site,
                    hire_date=first - timedelta(days=900),
                ),
            )
            org_service.create_team(
                session=session, data=schemas.TeamIn(name=team, site=g.site, leader=leader)
            )
            for _ in range(g.team_size // 2 + 5):
                number += 1
                tenure = int(rng.integers(30, 2000))
                out = org_service.create_person(
                    session=session,
                    data=schemas.PersonIn(
                        name=f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {number:03d}",
                        login=f"agent{number:03d}",
                        site=g.site,
                        team=team,
                        hire_date=first - timedelta(days=tenure),
                        skills=[
                            schemas.SkillIn(queue=q, level=9 if p == 1 else 5)
                            for q, p in g.skills.items()
                        ],
                    ),
                )
                rosters[g.name].append(out.id)
    return rosters


def _users(session: Session) -> None:
    first_agent = session.scalars(select(Person).where(Person.role == Role.agent)).first()
    for login, role, scope in DEMO_USERS:
        org_service.create_user(
            session=session,
            data=schemas.UserIn(
                login=login,
                password=demo_password(login),
                role=role,
                scope=scope,
                person=first_agent.login if scope == ScopeKind.own and first_agent else None,
                teams=["Billing 1"] if scope == ScopeKind.teams else [],
            ),
        )


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


def has_data(*, session: Session) -> bool:
    """Whether the database holds an organisation already (the demo goes only into a new one)."""
    return bool(session.scalar(select(func.count()).select_from(Queue)))


def is_demo(*, session: Session) -> bool:
    """Whether the database is the demo centre: its executive signs in with the demo password."""
    from ccops.auth_hash import verify_password
    from ccops.org.models import User

    user = session.scalars(select(User).where(User.login == "executive")).one_or_none()
    return user is not None and verify_password(user.password_hash, demo_password("executive"))


def seed(session: Session, *, secret_key: str, end: date | None = None) -> dict[str, object]:
    """Build the demo centre into an empty, migrated database; return what was made."""
    if session.scalar(select(func.count()).select_from(Queue)):
        raise RuntimeError("the database is not empty: the demo centre goes only into a new one")
    end = end or (datetime.now(UTC).date() - timedelta(days=1))
    first = end - timedelta(days=7 * WEEKS - 1)
    launch = launch_monday(end)
    _org(session)
    rosters = _people(session, first)
    _users(session)
    schedule_demo.seed_demo(session)
    session.flush()
    queue_ids = {q.name: q.id for q in session.scalars(select(Queue))}
    channel_of = {q.name: q.channel_id for q in session.scalars(select(Queue))}
    rng = np.random.default_rng(SEED)
    contacts = states = 0
    for site, zone, _ in SITES:
        grid = _grid(zone, first, end)
        launch_day = (launch - first).days
        queues = [q for q in QUEUES if q.site == site]
        groups = [g for g in GROUPS if g.site == site]
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
    session.flush()
    performance_demo.seed_demo(session, end=end)
    quality_demo.seed_demo(session, end=end)
    return {
        "first_day": first,
        "last_day": end,
        "launch_monday": launch,
        "contacts": contacts,
        "agent_state_events": states,
    }


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
