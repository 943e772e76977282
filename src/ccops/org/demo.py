"""The demo centre's organisation: two sites in different time zones (Shanghai and London),
voice, chat and email queues, teams of agents with their leaders, and one sign-in per role.

Each queue also carries what the contact simulation needs (arrival rate, handling time,
patience, opening hours), so that ``ccops.contacts.demo`` and the staffing follow one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.enums import ChannelKind, Role, ScopeKind
from ccops.org import schemas
from ccops.org import service as org_service
from ccops.org.models import Person, Queue, User

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
    """Agents sharing skills; staffed to the requirement of the primary queue (how many people
    follows from it: ``ccops.wfm.schedules.demo_history``)."""

    name: str
    site: str
    skills: dict[str, int]


SITES = (("Shanghai", "Asia/Shanghai", "CN"), ("London", "Europe/London", "GB"))
LEAVER_COSTS = {"Shanghai": (38_000.0, "CNY"), "London": (4_500.0, "GBP")}
"""What replacing one agent costs each site (recruiting, training, the months to proficiency):
illustrative figures, so the executive's attrition cost has a value."""
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
    DemoGroup("Billing", "Shanghai", {"Billing": 1, "Tech Support": 2}),
    DemoGroup("Tech", "Shanghai", {"Tech Support": 1, "Billing": 2}),
    DemoGroup("Email", "Shanghai", {"Email": 1}),
    DemoGroup("Sales", "London", {"Sales": 1}),
    DemoGroup("Chat", "London", {"Chat": 1}),
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


def has_data(*, session: Session) -> bool:
    """Whether the database holds an organisation already (the demo goes only into a new one)."""
    return bool(session.scalar(select(func.count()).select_from(Queue)))


def is_demo(*, session: Session) -> bool:
    """Whether the database is the demo centre: its executive signs in with the demo password."""
    from ccops.auth_hash import verify_password

    user = session.scalars(select(User).where(User.login == "executive")).one_or_none()
    return user is not None and verify_password(user.password_hash, demo_password("executive"))


@dataclass(frozen=True)
class Roster:
    """A group's agents: full-time and part-time person ids."""

    full: tuple[int, ...]
    part: tuple[int, ...]


def seed_demo(
    session: Session, *, first: date, seed: int, headcount: dict[str, tuple[int, int]]
) -> dict[str, Roster]:
    """Create the sites, channels, queues, teams, people and sign-ins of the demo centre, with
    each group's full- and part-time ``headcount``; return each group's roster."""
    _org(session)
    rosters = _people(session, first, seed, headcount)
    _users(session)
    return rosters


def _org(session: Session) -> None:
    for name, zone, country in SITES:
        org_service.create_site(
            session=session, data=schemas.SiteIn(name=name, timezone=zone, country_code=country)
        )
        cost, currency = LEAVER_COSTS[name]
        org_service.set_leaver_cost(
            session=session,
            site=name,
            data=schemas.LeaverCostIn(cost_per_leaver=cost, currency=currency),
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


def _people(
    session: Session, first: date, seed: int, headcount: dict[str, tuple[int, int]]
) -> dict[str, Roster]:
    """Create two teams per group with their leaders, and the group's agents alternately in
    them (full-time first); return each group's roster."""
    rng = np.random.default_rng(seed)
    rosters: dict[str, Roster] = {}
    number = 0
    for g in GROUPS:
        teams = []
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
            teams.append(team)
        full, part = headcount[g.name]
        made: list[int] = []
        for k in range(full + part):
            number += 1
            tenure = int(rng.integers(30, 2000))
            out = org_service.create_person(
                session=session,
                data=schemas.PersonIn(
                    name=f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {number:03d}",
                    login=f"agent{number:03d}",
                    site=g.site,
                    team=teams[k % 2],
                    hire_date=first - timedelta(days=tenure),
                    skills=[
                        schemas.SkillIn(queue=q, level=9 if p == 1 else 5)
                        for q, p in g.skills.items()
                    ],
                ),
            )
            made.append(out.id)
        rosters[g.name] = Roster(full=tuple(made[:full]), part=tuple(made[full:]))
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
