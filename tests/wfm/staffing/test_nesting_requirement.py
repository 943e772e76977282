"""The interval staffing requirement counts graduates nesting on the queue (SQLite and
PostgreSQL): in a week with N nesting graduates at AHT ramp r beside E experienced people, each
interval is staffed for the engine's requirement at AHT x (E + N r) / (E + N)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.engines import queueing
from ccops.org import service as org_service
from ccops.org.models import Queue
from ccops.wfm.capacity import schemas as capacity_schemas
from ccops.wfm.capacity import site as capacity_site
from ccops.wfm.forecasts.models import Forecast
from ccops.wfm.staffing import requirements, schemas
from tests.wfm.forecasts.test_site_plan import MONDAY, WAVE, _centre

ALL = org_service.EVERYTHING


def test_nesting_graduates_raise_the_handle_time_of_their_share(session: Session) -> None:
    _centre(session)  # Chat: 2 contacts an hour of 3600 s; 6 people skilled for it
    capacity_site.add_wave(
        session=session,
        data=capacity_schemas.StoredWaveIn.model_validate(
            dict(WAVE, site="Main", hires=4, aht_ramp=[2.0, 1.5])  # go-live MONDAY + 14
        ),
        by="plan",
        scope=ALL,
    )
    chat = session.scalars(select(Queue).where(Queue.name == "Chat")).one()
    forecast = session.scalars(select(Forecast).where(Forecast.queue_id == chat.id)).one()
    out = requirements.build_requirement(
        session=session, forecast_id=forecast.id, data=schemas.RequirementIn(), created_by="plan"
    )
    plain = requirements.build_requirement(
        session=session,
        forecast_id=forecast.id,
        data=schemas.RequirementIn(nesting=False),
        created_by="plan",
    )

    def day_of(i: int) -> date:
        return out.intervals[i].local_start.date()

    # week 3: 4 graduates at 2.0 beside 6 experienced: (6 + 8) / 10 = 1.4; week 4: 1.2
    expected = {0: 1.0, 1: 1.0, 2: (6 + 4 * 2.0) / 10, 3: (6 + 4 * 1.5) / 10}
    for i, iv in enumerate(out.intervals):
        week = (day_of(i) - MONDAY).days // 7
        factor = expected[week]
        assert iv.nesting_aht_factor == pytest.approx(factor, abs=1e-9)
        assert iv.aht_s == pytest.approx(3600.0 * factor, abs=1e-9)
        assert plain.intervals[i].aht_s == 3600.0
        assert plain.intervals[i].nesting_aht_factor == 1.0
    for week, factor in expected.items():
        i = 24 * 7 * week + 10  # 10:00 on the week's Monday
        engine = queueing.required_agents(
            2.0 / 3600.0,
            3600.0 * factor,
            service_level=chat.service_level_goal,
            target_s=chat.target_s,
        )
        assert out.intervals[i].required_agents == engine
    # the graduates' first week needs more agents than the same hour without them
    first = 24 * 7 * 2 + 10
    assert out.intervals[first].required_agents > plain.intervals[first].required_agents
    assert out.intervals[10].required_agents == plain.intervals[10].required_agents

    # the stored requirement reads back with its multiples
    again = requirements.get_requirement(session=session, requirement_id=out.id)
    assert again.intervals[first].nesting_aht_factor == pytest.approx(1.4, abs=1e-9)


def test_the_multiple_counts_only_people_on_the_books_that_day(session: Session) -> None:
    _centre(session)
    capacity_site.add_wave(
        session=session,
        data=capacity_schemas.StoredWaveIn.model_validate(dict(WAVE, site="Main", hires=2)),
        by="plan",
        scope=ALL,
    )
    chat = session.scalars(select(Queue).where(Queue.name == "Chat")).one()
    go_live = MONDAY + timedelta(days=14)
    # WAVE: ramp [2.0]; 6 experienced: (6 + 2 x 2) / 8 = 1.25 in its one nesting week only
    factors = capacity_site.nesting_aht_factors(
        session,
        chat,
        [
            go_live - timedelta(days=1),
            go_live,
            go_live + timedelta(days=6),
            go_live + timedelta(days=7),
        ],
    )
    assert factors == {go_live: 1.25, go_live + timedelta(days=6): 1.25}
