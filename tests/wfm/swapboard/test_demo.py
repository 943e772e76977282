"""The demo agent (the ``agent`` sign-in) finds a colleague's shift posted on the swap board and
an open overtime offer of the coming days, both dated from the seeding day (the day after the
demo's end) and both listed on their phone pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ccops.enums import Role, ScopeKind
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person, Site, User
from ccops.relative_days import monday_of, next_working_day
from ccops.runtime import dispose_engines
from ccops.settings import Settings
from ccops.web.app import create_app
from ccops.wfm.overtime import demo as overtime_demo
from ccops.wfm.overtime import service as overtime_service
from ccops.wfm.overtime.models import OvertimeOffer
from ccops.wfm.schedules import build as schedule_build
from ccops.wfm.schedules import publish as schedule_publish
from ccops.wfm.swapboard import demo as swapboard_demo
from ccops.wfm.swapboard.models import SwapPost
from tests.factories import make_token
from tests.factories.schedules import FAST, make_small_site, store_requirement
from tests.plugins.demo import DEMO_END

TODAY = date.fromisoformat(DEMO_END) + timedelta(days=1)  # the seeding day


def test_the_demo_agent_sees_a_posted_swap_and_a_future_overtime_offer(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sa.create_engine(demo_url)
    with Session(engine) as session:
        me = session.scalars(
            sa.select(Person).join(User, User.person_id == Person.id).where(User.login == "agent")
        ).one()
        site = session.get(Site, me.site_id)
        assert site is not None
        zone = ZoneInfo(site.timezone)
        [post] = session.scalars(sa.select(SwapPost)).all()
        offer = session.scalars(
            sa.select(OvertimeOffer).where(OvertimeOffer.note == "Forecast peak: evening cover")
        ).one()
        sunday = TODAY + timedelta(days=6 - TODAY.weekday())
        assert post.status == "open" and post.person_id != me.id and post.site_id == me.site_id
        assert TODAY < post.day <= sunday  # a day of the coming week, still published
        start = offer.start_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
        assert (offer.status, offer.slots, offer.site_id) == ("open", 3, me.site_id)
        assert TODAY < start.date() <= sunday
        post_id, offer_id = post.id, offer.id
        token = make_token(session, login="agent")
    engine.dispose()
    morning = datetime.combine(TODAY, time(9), zone)
    monkeypatch.setattr(overtime_service, "utcnow", lambda: morning)  # the seeding day's clock
    settings = Settings(database_url=demo_url, data_dir=tmp_path / "v", secret_key="demo-secret")
    client = TestClient(
        create_app(settings), headers={"Authorization": f"Bearer {token}"}, follow_redirects=False
    )
    swaps = client.get("/swaps")
    assert swaps.status_code == 200
    board = swaps.text.split('id="board"')[1].split('id="post-form"')[0]
    assert f'id="post-{post_id}"' in board and "Family visit" in board
    overtime = client.get("/overtime")
    assert overtime.status_code == 200
    assert f'id="offer-{offer_id}"' in overtime.text
    assert f"Accept offer {offer_id}" in overtime.text
    dispose_engines()


@pytest.fixture
def two_published_weeks(session: Session) -> Session:
    """Site Main (UTC) with alice, bob and carol, weeks 2026-W48 and W49 built and published,
    and the demo's ``agent`` sign-in linked to alice."""
    make_small_site(session, timezone="UTC")
    store_requirement(session, "Sales", week="2026-W49")
    org_service.create_user(
        session=session,
        data=org_schemas.UserIn(
            login="agent",
            password="long-enough-pass-1",
            role=Role.agent,
            person="alice",
            scope=ScopeKind.own,
        ),
    )
    for week in ("2026-W48", "2026-W49"):
        built = schedule_build.build_schedule(
            session=session, site="Main", week=week, created_by="planner", options=FAST
        )
        schedule_publish.publish(session=session, schedule_id=built.id, published_by="planner")
    return session


SEEDING_DAYS = [date(2026, 11, 23) + timedelta(days=k) for k in range(7)]  # Monday to Sunday


@pytest.mark.parametrize("today", SEEDING_DAYS, ids=lambda d: f"{d:%a}")
def test_the_swap_post_and_the_overtime_offer_land_on_a_future_working_day(
    two_published_weeks: Session, today: date
) -> None:
    session = two_published_weeks
    # The demo publishes to the end of the week of the first working day after the seeding day.
    published_to = monday_of(next_working_day(today)) + timedelta(days=6)
    assert published_to <= date(2026, 12, 6)  # inside the two published weeks
    post_id = swapboard_demo.seed_demo(session, today=today)
    offer_id = overtime_demo.seed_future_offer(session, today=today)
    assert post_id is not None and offer_id is not None
    post = session.get(SwapPost, post_id)
    offer = session.get(OvertimeOffer, offer_id)
    assert post is not None and offer is not None
    offer_day = offer.start_at.date()  # the site is on UTC
    for day in (post.day, offer_day):
        assert today < day <= published_to
        assert day.weekday() < 5  # Monday to Friday
    # The first working day after the seeding day: Tuesday after a Monday, Monday after a Friday,
    # Saturday or Sunday.
    assert post.day == next_working_day(today) == offer_day
