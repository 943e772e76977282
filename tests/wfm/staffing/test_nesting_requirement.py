"""The interval staffing requirement counts graduates nesting on the queue (SQLite and
PostgreSQL): in a week with N nesting graduates at AHT ramp r beside E experienced people, each
interval is staffed for the engine's requirement at AHT x (E + N r) / (E + N); at their wave's
reduced occupancy o_n against the planned o, a head counts (E + N o_n / o) / (E + N) of an agent
and the heads needed are the engine's agents / that, rounded up."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
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


def _nesting_wave(session: Session, **changes: object) -> None:
    capacity_site.add_wave(
        session=session,
        data=capacity_schemas.StoredWaveIn.model_validate(
            dict(WAVE, site="Main", hires=2, nesting_occupancy=0.6, **changes)
        ),  # go-live MONDAY + 14: nests in week 3 (index 2)
        by="plan",
        scope=ALL,
    )


def test_nesters_at_reduced_occupancy_count_as_part_of_an_agent(session: Session) -> None:
    # Chat: 2 contacts an hour of 3600 s (2 erlangs: 4 agents for 80% in 20 s); 6 people
    # skilled for it; 2 graduates nest in week 3 at occupancy 0.6 against the plan's 0.85
    _centre(session)
    _nesting_wave(session, aht_ramp=[1.0])  # handle time as experienced: occupancy alone
    chat = session.scalars(select(Queue).where(Queue.name == "Chat")).one()
    forecast = session.scalars(select(Forecast).where(Forecast.queue_id == chat.id)).one()
    out = requirements.build_requirement(
        session=session,
        forecast_id=forecast.id,
        data=schemas.RequirementIn(occupancy=0.85),
        created_by="plan",
    )
    assert out.occupancy == 0.85
    share = 0.6 / 0.85  # each nester counts as 0.70588 of an agent: 2 as 1.41176
    per_head = (6 + 2 * share) / 8  # 0.926471
    assert per_head == pytest.approx(0.926471, abs=1e-6)
    nesting_hour = 24 * 7 * 2 + 10  # 10:00 on the Monday of week 3
    iv = out.intervals[nesting_hour]
    assert (iv.experienced_heads, iv.nesting_heads) == (6, 2)
    assert iv.nesting_fte == pytest.approx(1.411765, abs=1e-6)
    assert iv.nesting_occupancy_factor == pytest.approx(per_head, abs=1e-9)
    assert iv.nesting_aht_factor == 1.0
    # the model's 4 agents are 4 / 0.926471 = 4.32 heads: 5 on the queue, no shrinkage
    assert (iv.required_agents, iv.scheduled) == (5, 5)
    # every hour of week 3 and no other: 4 agents elsewhere, at 1 an agent per head
    for other in out.intervals:
        week = (other.local_start.date() - MONDAY).days // 7
        assert other.required_agents == (5 if week == 2 else 4)
        assert other.nesting_heads == (2 if week == 2 else 0)
        assert other.nesting_occupancy_factor == pytest.approx(per_head if week == 2 else 1.0)

    # without counting nesting, or at a planned occupancy no higher than theirs, 4 agents
    plain = requirements.build_requirement(
        session=session,
        forecast_id=forecast.id,
        data=schemas.RequirementIn(nesting=False),
        created_by="plan",
    )
    assert plain.intervals[nesting_hour].required_agents == 4
    assert plain.occupancy is None and plain.intervals[nesting_hour].nesting_heads == 0
    low = requirements.build_requirement(
        session=session,
        forecast_id=forecast.id,
        data=schemas.RequirementIn(occupancy=0.6),
        created_by="plan",
    )
    assert low.intervals[nesting_hour].required_agents == 4
    assert low.intervals[nesting_hour].nesting_occupancy_factor == 1.0

    # stored: read back the same, shrinkage totals untouched by the nesting record
    again = requirements.get_requirement(session=session, requirement_id=out.id)
    assert again.intervals[nesting_hour] == iv
    assert again.shrinkage == {
        "breaks": 0.0,
        "training": 0.0,
        "coaching": 0.0,
        "meetings": 0.0,
        "absence": 0.0,
    }
    listed = requirements.list_requirements(session=session, forecast_id=forecast.id)
    assert {r.id: r.peak_required for r in listed}[out.id] == 5


def test_occupancy_and_handle_time_ramp_together_with_shrinkage(session: Session) -> None:
    _centre(session)
    _nesting_wave(session, aht_ramp=[1.5])
    chat = session.scalars(select(Queue).where(Queue.name == "Chat")).one()
    forecast = session.scalars(select(Forecast).where(Forecast.queue_id == chat.id)).one()
    out = requirements.build_requirement(
        session=session,
        forecast_id=forecast.id,
        data=schemas.RequirementIn(breaks=0.2),
        created_by="plan",
    )
    iv = out.intervals[24 * 7 * 2 + 10]
    # AHT x (6 + 2 x 1.5) / 8 = 1.125: 2.25 erlangs need 5 agents; / 0.926471 = 5.40: 6 heads;
    # people to schedule 6 / (1 - 0.2) = 7.5: 8
    engine = queueing.required_agents(
        2.0 / 3600.0, 3600.0 * 1.125, service_level=chat.service_level_goal, target_s=20.0
    )
    assert engine == 5
    assert iv.nesting_aht_factor == pytest.approx(1.125)
    assert (iv.required_agents, iv.scheduled) == (6, 8)
    assert out.total_shrinkage == pytest.approx(0.2)


def test_the_page_and_cli_show_the_nesters_and_what_they_count_for(
    session: Session, cli: CliRunner, admin_client: TestClient
) -> None:
    _centre(session)
    _nesting_wave(session, aht_ramp=[1.0])
    chat = session.scalars(select(Queue).where(Queue.name == "Chat")).one()
    forecast = session.scalars(select(Forecast).where(Forecast.queue_id == chat.id)).one()
    session.commit()
    built = cli.invoke(app, ["forecast", "requirement", str(forecast.id), "--json"])
    assert built.exit_code == 0, built.output
    out = json.loads(built.stdout)
    assert out["occupancy"] == 0.85
    iv = out["intervals"][24 * 7 * 2 + 10]
    assert (iv["experienced_heads"], iv["nesting_heads"], iv["required_agents"]) == (6, 2, 5)
    assert iv["nesting_fte"] == pytest.approx(1.411765, abs=1e-6)
    assert iv["nesting_occupancy_factor"] == pytest.approx(0.926471, abs=1e-6)
    table = cli.invoke(app, ["forecast", "requirement", str(forecast.id), "--occupancy", "0.75"])
    assert table.exit_code == 0, table.output
    # at 0.75 planned: each counts 0.8, 2 as 1.60; (6 + 1.6) / 8 = 0.95 an agent per head
    assert "2 as 1.60 agents, 0.950 an agent per head" in table.stdout

    page = admin_client.get(f"/forecasts/requirements/{out['id']}")
    assert page.status_code == 200
    assert page.text.count('<tr data-day="2026-01-19">') == 2  # the days and the nesting table
    nesting = page.text.split('id="requirement-nesting"')[1]
    assert nesting.count("<tr data-day=") == 7  # the week of the class's nesting
    assert '<td data-col="nesting">2</td>' in nesting
    assert '<td data-col="nesting_fte">1.41</td>' in nesting
    assert '<td data-col="occupancy_factor">0.926</td>' in nesting
