"""No route of the product ranks people by a KPI (source 000: no league tables, no forced ranking).

Every GET route of the whole app (JSON API and pages, every domain, found by walking app.routes)
is called as an administrator on a seeded organisation whose people's KPI values are in a
different order from their names. Wherever a response lists people with values, the people must
be in name (or login) order, and the order must not change when the values are changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import case, insert, select, update
from sqlalchemy.orm import Session

from ccops.contacts.models import AgentStateEvent, Contact
from ccops.db import make_engine, make_session_factory
from ccops.enums import AgentState, Role
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.performance import reports as perf_reports
from ccops.performance import schemas as performance_schemas
from ccops.runtime import dispose_engines
from ccops.settings import Settings
from tests.factories.performance import add_contacts, add_horizon
from tests.factories.web import World, build_world

DAY = date(2026, 1, 5)
# name -> (repeats of 100 answered contacts, handle seconds, occupancy): values in another order
PEOPLE = {
    "Dana": (40, 500.0, 0.9),
    "Eve": (10, 200.0, 0.5),
    "Frank": (30, 350.0, 0.95),
    "Grace": (5, 150.0, 0.6),
    "Hugo": (20, 420.0, 0.7),
}
PERSON_KEYS = ("name", "person", "login", "subject")
ID_LIKE = re.compile(r"(^id$|_id$)")


def _seed(session: Session) -> None:
    for name in PEOPLE:
        org_service.create_person(
            session=session,
            data=org_schemas.PersonIn(
                name=name, login=name.lower(), site="Main", team="Team A", role=Role.agent
            ),
        )
    session.flush()
    for name, (repeats, handle, occupancy) in PEOPLE.items():
        add_contacts(
            session,
            login=name.lower(),
            day=DAY,
            answered=100,
            repeats=repeats,
            handle_s=[handle] * 100,
        )
        person_id = session.scalars(select(Person.id).where(Person.login == name.lower())).one()
        start = int(datetime.combine(DAY, datetime.min.time(), UTC).timestamp()) + 9 * 3600
        busy = int(3600 * occupancy)
        spans = [
            (AgentState.on_contact, start, start + busy),
            (AgentState.available, start + busy, start + 3600),
        ]
        session.execute(
            insert(AgentStateEvent),
            [
                {
                    "source": "test",
                    "external_id": f"{name}-{i}",
                    "person_id": person_id,
                    "state": state,
                    "start_at": datetime.fromtimestamp(a, UTC),
                    "end_at": datetime.fromtimestamp(b, UTC),
                    "start_epoch_s": a,
                    "end_epoch_s": b,
                    "utc_offset_min": 0,
                    "content_hash": f"{name}{i}",
                }
                for i, (state, a, b) in enumerate(spans)
            ],
        )
    add_horizon(session, DAY + timedelta(days=30))
    perf_reports.set_publication(
        session=session,
        data=performance_schemas.PublicationIn(
            kpi="repeat_contact_rate", audience="agent", rhythm="weekly", target=0.2
        ),
    )
    session.commit()


def _scramble(settings: Settings) -> None:
    """Give every seeded person's contacts and states to another person: values change order."""
    engine = make_engine(settings.resolved_database_url())
    with make_session_factory(engine)() as session:
        ids = [
            session.scalars(select(Person.id).where(Person.login == n.lower())).one()
            for n in PEOPLE
        ]
        shifted = dict(zip(ids, ids[2:] + ids[:2], strict=True))
        for model in (Contact, AgentStateEvent):
            session.execute(
                update(model)
                .where(model.person_id.in_(ids))
                .values(person_id=case(shifted, value=model.person_id))
            )
        session.commit()
    engine.dispose()


@pytest.fixture
def seeded(db_url: str, tmp_path: Path) -> Iterator[World]:
    """The web tests' two-site world with five more agents whose KPIs differ from name order,
    on each engine."""
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        tokens = build_world(session)
        _seed(session)
    engine.dispose()
    yield World(Settings(database_url=db_url, data_dir=tmp_path / "v", secret_key="k"), tokens)
    dispose_engines()


PARAMS = {
    "first": DAY.isoformat(),
    "last": (DAY + timedelta(days=6)).isoformat(),
    "start": f"{DAY.isoformat()}T00:00:00Z",
    "end": f"{(DAY + timedelta(days=7)).isoformat()}T00:00:00Z",
    "from": DAY.isoformat(),
    "to": (DAY + timedelta(days=6)).isoformat(),
    "day": DAY.isoformat(),
    "date": DAY.isoformat(),
    "queue": "Sales",
    "interval": "60",
}
PATH_VALUES = {
    "login": ["alice", "dana"],
    "team": ["Team A"],
    "audience": ["agent", "team", "centre", "executive"],
}


def _urls() -> list[str]:
    from ccops.web.app import create_app

    app = create_app(Settings(database_url="sqlite://", secret_key="k"))
    urls = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or "GET" not in (context.methods or ()):
            continue
        paths = [str(context.path_format)]
        for param in route.dependant.path_params:
            values = PATH_VALUES.get(param.name, ["1"])
            paths = [p.replace("{" + param.name + "}", v) for p in paths for v in values]
        query = "&".join(f"{k}={v}" for k, v in PARAMS.items())
        urls += [f"{p}?{query}" for p in paths]
    return urls


def _person_lists(data: Any, names: set[str], where: str = "$") -> Iterator[tuple[str, list[str]]]:
    """Every list of people that carries values, as (where, the people's names in list order)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _person_lists(value, names, f"{where}.{key}")
    elif isinstance(data, list):
        items = [d for d in data if isinstance(d, dict)]
        keyed = [d for d in items if any(isinstance(d.get(k), str) for k in PERSON_KEYS)]
        if len(keyed) >= 2 and len(keyed) == len(data):
            carries_values = any(
                isinstance(v, int | float | dict)
                and not isinstance(v, bool)
                and not ID_LIKE.search(k)
                for d in keyed
                for k, v in d.items()
            )
            if carries_values:
                key = next(k for k in PERSON_KEYS if all(isinstance(d.get(k), str) for d in keyed))
                if all(d[key] in names for d in keyed):
                    yield where, [d[key] for d in keyed]
        for i, d in enumerate(items):
            yield from _person_lists(d, names, f"{where}[{i}]")


class _Tables(HTMLParser):
    """Collect the first cell's text of every table row, table by table."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[str]] = []
        self._cell: list[str] | None = None
        self._row_done = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row_done = False
        elif tag in ("td", "th") and not self._row_done and self.tables:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
            self._row_done = True

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _html_person_lists(html: str, names: set[str]) -> Iterator[tuple[str, list[str]]]:
    parser = _Tables()
    parser.feed(html)
    for i, firsts in enumerate(parser.tables):
        people = [f for f in firsts if f in names]
        if len(people) >= 2:
            yield f"table {i}", people


def _observe(world: World, urls: list[str], names: set[str]) -> dict[tuple[str, str], list[str]]:
    client = world.client(Role.admin)
    seen: dict[tuple[str, str], list[str]] = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if response.status_code != 200:
            continue
        if response.headers.get("content-type", "").startswith("application/json"):
            found = _person_lists(response.json(), names)
        else:
            found = _html_person_lists(response.text, names)
        for where, people in found:
            seen[(url, where)] = people
    return seen


def _name_order(people: list[str]) -> bool:
    keys = [p.casefold() for p in people]
    return keys == sorted(keys)


def test_no_route_orders_people_by_a_kpi_value(seeded: World) -> None:
    urls = _urls()
    names = set(PEOPLE) | {n.lower() for n in PEOPLE} | {"Alice", "alice", "Bob", "Carol", "Lead"}
    before = _observe(seeded, urls, names)
    checked = {url.split("?")[0] for url, _ in before}
    for must in (
        "/api/v1/performance/teams/Team A/funnel",
        "/api/v1/performance/teams/Team A/people",
        "/api/v1/performance/reports/agent",
        "/api/v1/kpi/agents",
        "/performance/teams/Team A",
    ):
        assert must in checked, f"{must} listed no people with values: the test lost its reach"
    wrong = [
        f"{url} {where}: {people}"
        for (url, where), people in before.items()
        if not _name_order(people)
    ]
    assert not wrong, "people listed out of name order:\n" + "\n".join(wrong)
    _scramble(seeded.settings)
    after = _observe(seeded, urls, names)
    changed = [
        f"{key[0]} {key[1]}: {before[key]} -> {after.get(key)}"
        for key in before
        if after.get(key) != before[key]
    ]
    assert not changed, "the order of people changed with their values:\n" + "\n".join(changed)
    funnel = (
        seeded.client(Role.admin)
        .get(
            f"/api/v1/performance/teams/Team A/funnel?first={PARAMS['first']}&last={PARAMS['last']}"
        )
        .json()
    )
    rates = [p["rate"] for p in funnel["points"] if p["rate"] is not None]
    assert rates != sorted(rates) and rates != sorted(rates, reverse=True)  # values not ordered
