"""Staffing requirements follow the queue's channel kind: chat concurrency, deferred email."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from ccops.engines import queueing
from ccops.enums import ChannelKind
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.wfm.forecasts.models import Forecast, ForecastInterval
from ccops.wfm.staffing import requirements as requirement_service
from ccops.wfm.staffing import schemas

FIRST = date(2026, 5, 11)
OFFSET_MIN = 480  # Asia/Shanghai


@pytest.fixture
def org(session: Session) -> Session:
    org_service.create_site(
        session=session, data=org_schemas.SiteIn(name="Main", timezone="Asia/Shanghai")
    )
    for name, kind, concurrency in (
        ("chat", ChannelKind.chat, 3),
        ("email", ChannelKind.email, 1),
        ("voice", ChannelKind.voice, 1),
    ):
        org_service.create_channel(
            session=session,
            data=org_schemas.ChannelIn(name=name, kind=kind, max_concurrency=concurrency),
        )
    for queue, channel, target_s in (("Chat", "chat", 60.0), ("Mail", "email", 3600.0)):
        org_service.create_queue(
            session=session,
            data=org_schemas.QueueIn(
                name=queue, channel=channel, site="Main", target_s=target_s, service_level_goal=0.8
            ),
        )
    session.flush()
    return session


def _forecast(session: Session, queue: str, volumes: list[float], aht_s: float) -> int:
    """A forecast written directly: 30-minute intervals from FIRST 10:00 local."""
    q = org_service.get_queue(session=session, name=queue)
    record = Forecast(
        queue_id=q.id,
        method="Manual",
        created_by="t",
        horizon_days=1,
        interval_min=30,
        first_day=FIRST,
        last_day=FIRST,
        history_source="contacts",
    )
    for k, v in enumerate(volumes):
        local = (FIRST - date(1970, 1, 1)).days * 1440 + 600 + 30 * k
        record.intervals.append(
            ForecastInterval(
                interval_local_min=local,
                utc_offset_min=OFFSET_MIN,
                interval_start=datetime(1970, 1, 1, tzinfo=UTC)
                + timedelta(minutes=local - OFFSET_MIN),
                volume=v,
                lo80=v,
                hi80=v,
                lo95=v,
                hi95=v,
                aht_s=aht_s,
            )
        )
    session.add(record)
    session.flush()
    return record.id


def test_a_chat_queue_is_staffed_on_session_slots_at_its_concurrency(org: Session) -> None:
    forecast_id = _forecast(org, "Chat", [0.0, 30.0, 60.0], 300.0)
    out = requirement_service.build_requirement(
        session=org,
        forecast_id=forecast_id,
        data=schemas.RequirementIn(breaks=0.1, absence=0.1),
        created_by="p",
    )
    assert out.staffing_model == "chat_concurrency"
    # Slots are Erlang C servers (80% within 60 s, AHT 300 s): 30 chats per 30 min are a load
    # of 5 Erlangs and need 8 slots, 60 chats (10 Erlangs) need 13; 3 sessions per agent.
    slots = [
        queueing.required_agents(v / 1800, 300.0, service_level=0.8, target_s=60.0)
        for v in (30.0, 60.0)
    ]
    assert slots == [8, 13]
    assert [iv.required_agents for iv in out.intervals] == [0, 3, 5]
    assert [iv.scheduled for iv in out.intervals] == [0, 4, 7]  # ceil(agents / 0.8)
    assert requirement_service.get_requirement(
        session=org, requirement_id=out.id
    ).staffing_model == ("chat_concurrency")


def test_an_email_queue_is_staffed_to_answer_every_item_by_its_deadline(org: Session) -> None:
    forecast_id = _forecast(org, "Mail", [10.0, 20.0, 0.0, 0.0], 360.0)
    out = requirement_service.build_requirement(
        session=org,
        forecast_id=forecast_id,
        data=schemas.RequirementIn(breaks=0.2),
        created_by="p",
    )
    assert out.staffing_model == "deferred"
    # By hand (fluid FIFO, deadline 1 h = two intervals): 3,600 s of work arrives in the first
    # half hour and 7,200 s in the second; the first is due by the end of the third interval
    # (2 agents), the rest by the end of the fourth (7,200 s / 1,800 s = 4 agents).
    assert [iv.required_agents for iv in out.intervals] == [0, 0, 2, 4]
    assert [iv.scheduled for iv in out.intervals] == [0, 0, 3, 5]
    listed = requirement_service.list_requirements(session=org, forecast_id=forecast_id)
    assert [(r.id, r.staffing_model, r.peak_required, r.peak_scheduled) for r in listed] == [
        (out.id, "deferred", 4, 5)
    ]
    assert math.isclose(listed[0].total_shrinkage, 0.2)
