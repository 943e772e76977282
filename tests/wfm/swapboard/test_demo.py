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

from ccops.org.models import Person, Site, User
from ccops.runtime import dispose_engines
from ccops.settings import Settings
from ccops.web.app import create_app
from ccops.wfm.overtime import service as overtime_service
from ccops.wfm.overtime.models import OvertimeOffer
from ccops.wfm.swapboard.models import SwapPost
from tests.factories import make_token
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
