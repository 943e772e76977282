"""Executives' front-line shifts: scheduled by a planner on a queue for a full shift, outside
coverage unless counted, with the contacts the executive answered during it; bad input refused
with nothing stored; an executive sees their own shifts only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.enums import Outcome, Role, ScopeKind
from ccops.errors import Conflict, Invalid, NotFound
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.access import Scope
from ccops.org.models import Person, Queue, Site
from ccops.wfm.frontline import schemas, service
from ccops.wfm.frontline.models import FrontlineShift
from ccops.wfm.schedules import queries
from tests.factories import make_token
from tests.factories.knowledge import world_session
from tests.factories.metrics import add_contact
from tests.factories.web import World, build_world
from tests.wfm.allowances.test_routes import _client

DAY = datetime(2026, 11, 17, tzinfo=UTC)  # a Tuesday; Main is on London time (UTC in November)


def _executive(session: Session, login: str = "eve", site: str = "Main") -> None:
    org_service.create_person(
        session=session,
        data=org_schemas.PersonIn(name=login.title(), login=login, site=site, role=Role.executive),
    )
    session.flush()


def _shift(
    login: str = "eve", start_h: float = 9, hours: float = 8, counts: bool = False
) -> schemas.FrontlineIn:
    start = DAY + timedelta(hours=start_h)
    return schemas.FrontlineIn(
        login=login,
        queue="Sales",
        start=start,
        end=start + timedelta(hours=hours),
        counts_as_coverage=counts,
    )


def _handled_by(session: Session, login: str, at: datetime, n: int, talk_s: float) -> None:
    person = session.scalars(select(Person).where(Person.login == login)).one()
    for i in range(n):
        c = add_contact(
            session,
            ext=f"{login}-{at:%H%M}-{i}",
            queue="Sales",
            arrival=at + timedelta(minutes=5 * i),
            outcome=Outcome.answered,
            wait_s=10,
            talk_s=talk_s,
            wrap_s=30,
        )
        c.person_id = person.id
        c.answered_at = c.arrival_at + timedelta(seconds=10)
    session.flush()


def test_the_contacts_handled_during_the_shift_are_logged_with_it(session: Session) -> None:
    build_world(session)
    _executive(session)
    out = service.schedule(session=session, data=_shift(), by="planner")
    made = (out.login, out.queue, out.site, out.counts_as_coverage)
    assert made == ("eve", "Sales", "Main", False)
    # 12 contacts of 270 s talk + 30 s wrap inside the shift, 3 after it ends at 17:00
    _handled_by(session, "eve", DAY + timedelta(hours=10), 12, talk_s=270)
    _handled_by(session, "eve", DAY + timedelta(hours=17, minutes=5), 3, talk_s=100)
    _handled_by(session, "alice", DAY + timedelta(hours=10), 4, talk_s=100)  # someone else's
    got = service.get(session=session, shift_id=out.id)
    assert got.handled == 12 and got.mean_handle_s == pytest.approx(300.0)
    assert [c.handle_s for c in got.contacts] == [300.0] * 12
    assert got.contacts[0].answered_at == DAY + timedelta(hours=10, seconds=10)
    assert [s.handled for s in service.shifts(session=session)] == [12]


def test_bad_front_line_shifts_are_refused_and_nothing_is_stored(session: Session) -> None:
    build_world(session)
    _executive(session)
    service.schedule(session=session, data=_shift(), by="planner")
    with pytest.raises(ValidationError, match="4 to 12 hours, not 2.00"):
        _shift(hours=2)
    with pytest.raises(ValidationError, match="end must be after start"):
        _shift(hours=-1)
    with pytest.raises(Conflict, match="already has a front-line shift"):
        service.schedule(session=session, data=_shift(start_h=12), by="planner")
    with pytest.raises(Invalid, match="alice is an agent"):
        service.schedule(session=session, data=_shift(login="alice", start_h=30), by="p")
    with pytest.raises(NotFound, match="no person 'nobody'"):
        service.schedule(session=session, data=_shift(login="nobody", start_h=30), by="p")
    other_site = session.scalars(select(Site.id).where(Site.name == "Other")).one()
    other = Scope(kind=ScopeKind.sites, site_ids=frozenset({other_site}))
    with pytest.raises(NotFound, match="queue 'Sales' does not exist"):
        service.schedule(session=session, data=_shift(start_h=30), by="p", scope=other)
    # the person is checked against the scope too: an executive of another site is unknown
    main_site = session.scalars(select(Site.id).where(Site.name == "Main")).one()
    main = Scope(kind=ScopeKind.sites, site_ids=frozenset({main_site}))
    _executive(session, "olga", site="Other")
    with pytest.raises(NotFound, match="no person 'olga'"):
        service.schedule(session=session, data=_shift("olga", start_h=30), by="p", scope=main)
    assert "olga" not in dict(service.candidates(session=session, scope=main))
    assert "olga" in dict(service.candidates(session=session))
    assert session.scalar(select(func.count()).select_from(FrontlineShift)) == 1
    # a shift that has begun stays on record; a future one can be cancelled
    begun = session.scalars(select(FrontlineShift)).one()
    with pytest.raises(Conflict, match="has begun"):
        service.remove(session=session, shift_id=begun.id, now=DAY + timedelta(hours=10))
    service.remove(session=session, shift_id=begun.id, now=DAY)
    assert session.scalar(select(func.count()).select_from(FrontlineShift)) == 0


def test_a_counted_shift_adds_its_share_of_each_interval_to_coverage(session: Session) -> None:
    build_world(session)
    _executive(session)
    _executive(session, "max")
    sales = session.scalars(select(Queue).where(Queue.name == "Sales")).one()
    # eve 09:10-13:10 counted; max 09:00-17:00 not counted
    counted = _shift(start_h=9 + 10 / 60, hours=4, counts=True)
    service.schedule(session=session, data=counted, by="p")
    service.schedule(session=session, data=_shift(login="max"), by="p")
    cover = queries.published_coverage(
        session=session, queue_id=sales.id, start=DAY, end=DAY + timedelta(days=1)
    )
    at = DAY + timedelta(hours=9)
    assert cover[at] == pytest.approx(1 / 3)  # 09:10-09:15 of 09:00-09:15
    assert cover[at + timedelta(minutes=15)] == pytest.approx(1.0)
    assert cover[DAY + timedelta(hours=13)] == pytest.approx(2 / 3)  # 13:00-13:10
    assert DAY + timedelta(hours=13, minutes=15) not in cover
    assert sum(cover.values()) == pytest.approx(4.0 * 4)  # 4 hours = 16 quarter hours


def test_the_api_and_pages_planners_schedule_executives_see_their_own(world: World) -> None:
    with world_session(world) as s:
        _executive(s)
        _executive(s, "max")
        org_service.create_user(
            session=s,
            data=org_schemas.UserIn(
                login="u-eve", password="long-enough-pass-1", role=Role.executive, person="eve"
            ),
        )
        s.commit()
        eve_token = make_token(s, login="u-eve")
    planner = world.client(Role.planner)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    body = {
        "login": "eve",
        "queue": "Sales",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=8)).isoformat(),
    }
    empty = planner.post("/api/v1/frontline-shifts", json={**body, "end": body["start"]})
    assert empty.status_code == 422
    assert world.client(Role.agent).post("/api/v1/frontline-shifts", json=body).status_code == 403
    made = planner.post("/api/v1/frontline-shifts", json=body)
    assert made.status_code == 201 and made.json()["handled"] == 0
    assert planner.post("/api/v1/frontline-shifts", json=body).status_code == 409
    other = planner.post("/api/v1/frontline-shifts", json={**body, "queue": "Support"})
    assert other.status_code == 404  # Support is at Other, outside the planner's scope
    planner.post("/api/v1/frontline-shifts", json={**body, "login": "max"})
    eve = _client(world.settings, eve_token)
    mine = eve.get("/api/v1/frontline-shifts").json()
    assert [r["login"] for r in mine] == ["eve"]
    max_id = next(
        r["id"] for r in planner.get("/api/v1/frontline-shifts").json() if r["login"] == "max"
    )
    assert eve.get(f"/api/v1/frontline-shifts/{max_id}").status_code == 404
    page = eve.get("/frontline")
    assert page.status_code == 200 and "Your front-line shifts" in page.text
    assert page.text.count('data-shift="') == 1 and 'id="frontline-form"' not in page.text
    # the planner's form: a shift too short comes back with the problem, nothing stored
    form = planner.get("/frontline").text
    assert 'id="frontline-form"' in form
    local = start + timedelta(days=7)  # Main is on London time
    posted = planner.post(
        "/frontline",
        data={
            "login": "max",
            "queue": "Sales",
            "start": f"{local:%Y-%m-%dT%H:%M}",
            "end": f"{local + timedelta(hours=1):%Y-%m-%dT%H:%M}",
            "note": "",
        },
    )
    assert posted.status_code == 400 and "4 to 12 hours" in posted.text
    assert len(planner.get("/api/v1/frontline-shifts").json()) == 2
    removed = planner.delete(f"/api/v1/frontline-shifts/{max_id}")
    assert removed.status_code == 204
    assert len(planner.get("/api/v1/frontline-shifts").json()) == 1
