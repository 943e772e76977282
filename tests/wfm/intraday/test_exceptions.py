"""Exception plans: tiers fire on consecutive intervals, recommend the staffing engine's agents,
notify owners in the app (webhooks: test_webhooks.py), and keep an audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.engines import queueing
from ccops.enums import Role, ScopeKind
from ccops.errors import Conflict, Invalid, NotFound
from ccops.notifications import service as notifications_service
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import User
from ccops.wfm.intraday import exceptions as exception_service
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday import service as intraday_service
from tests.factories import make_org
from tests.factories.intraday import DAY, OPEN, contacts, flat_forecast, send


def _world(session: Session) -> None:
    make_org(session, timezone="UTC")
    for login in ("planner1", "manager1"):
        org_service.create_user(
            session=session,
            data=org_schemas.UserIn(
                login=login, password="long-enough-pass-1", role=Role.planner, scope=ScopeKind.all
            ),
        )
    flat_forecast(session)


def _plan(session: Session, url: str | None) -> schemas.PlanOut:
    return exception_service.create_plan(
        session=session,
        data=schemas.PlanIn(
            name="Sales plan",
            queue="Sales",
            rules=[
                schemas.RuleIn(
                    name="Tier 1",
                    tier=1,
                    measure="volume_over",
                    threshold=0.3,
                    consecutive=2,
                    resources=[schemas.ResourceIn(kind="overtime", name="Overtime list", agents=3)],
                    owners=["planner1"],
                    webhook_url=url,
                ),
                schemas.RuleIn(
                    name="Release",
                    tier=1,
                    measure="volume_under",
                    threshold=0.5,
                    consecutive=2,
                    resources=[schemas.ResourceIn(kind="release", name="Training or VTO")],
                    owners=["manager1"],
                ),
            ],
        ),
        created_by="planner1",
    )


def test_tier_fires_after_two_intervals_over_and_notifies_its_owners(session: Session) -> None:
    _world(session)
    _plan(session, None)
    first = send(session, contacts(OPEN, 27, prefix="a"), OPEN + timedelta(minutes=15))
    assert first.exceptions_opened == []  # one interval over is not yet two
    second = send(
        session,
        contacts(OPEN + timedelta(minutes=15), 26, prefix="b"),
        OPEN + timedelta(minutes=30),
    )
    assert len(second.exceptions_opened) == 1
    [found] = exception_service.list_exceptions(session=session)
    x: Any = found  # measured and recommendation are free-form JSON
    assert (x.tier, x.rule, x.status, x.queue) == (1, "Tier 1", "open", "Sales")
    assert [m["offered"] for m in x.measured["intervals"]] == [27, 26]
    # reforecast: r = 53/40, F = 40: k = 1 + (r - 1) * 40/70
    k = 1 + (53 / 40 - 1) * 40 / 70
    assert x.recommendation["reforecast_factor"] == pytest.approx(k, abs=1e-6)
    need = queueing.required_agents(20 * k / 900, 180, service_level=0.8, target_s=20)
    plan_need = queueing.required_agents(20 / 900, 180, service_level=0.8, target_s=20)
    assert x.recommendation["intervals"][0]["required"] == need
    assert x.recommended_extra_agents == need - plan_need > 0
    assert {(n.channel, n.owner, n.status) for n in x.notifications} == {
        ("in_app", "planner1", "delivered"),
    }
    planner = session.scalars(select(User.id).where(User.login == "planner1")).one()
    [note] = notifications_service.list_own(session=session, user_id=planner)
    assert (note.kind, note.subject) == ("intraday_exception", x.summary[:200])
    # the same rule does not open twice in a day
    third = send(
        session,
        contacts(OPEN + timedelta(minutes=30), 30, prefix="c"),
        OPEN + timedelta(minutes=45),
    )
    assert third.exceptions_opened == []


def test_volume_well_under_forecast_recommends_release(session: Session) -> None:
    _world(session)
    _plan(session, None)
    send(session, contacts(OPEN, 5, prefix="a"), OPEN + timedelta(minutes=15))
    out = send(
        session, contacts(OPEN + timedelta(minutes=15), 4, prefix="b"), OPEN + timedelta(minutes=30)
    )
    assert len(out.exceptions_opened) == 1
    [x] = exception_service.list_exceptions(session=session)
    assert x.rule == "Release" and x.recommended_extra_agents < 0
    assert "can be released" in x.summary


def test_acknowledge_action_close_leave_an_audit_trail(session: Session) -> None:
    _world(session)
    _plan(session, None)
    send(session, contacts(OPEN, 27, prefix="a"), OPEN + timedelta(minutes=15))
    send(
        session,
        contacts(OPEN + timedelta(minutes=15), 27, prefix="b"),
        OPEN + timedelta(minutes=30),
    )
    [x] = exception_service.list_exceptions(session=session)
    with pytest.raises(Invalid, match="say what was done"):
        exception_service.step(session=session, exception_id=x.id, action="action", actor="tl")
    exception_service.step(session=session, exception_id=x.id, action="acknowledge", actor="tl")
    with pytest.raises(Conflict, match="is acknowledged"):
        exception_service.step(session=session, exception_id=x.id, action="acknowledge", actor="tl")
    exception_service.step(
        session=session, exception_id=x.id, action="action", actor="tl", note="3 on overtime"
    )
    out = exception_service.step(session=session, exception_id=x.id, action="close", actor="mgr")
    assert out.status == "closed" and out.closed_at is not None
    assert [(a.action, a.actor) for a in out.trail] == [
        ("opened", "ccops"),
        ("acknowledged", "tl"),
        ("actioned", "tl"),
        ("closed", "mgr"),
    ]
    assert out.trail[2].note == "3 on overtime"
    assert exception_service.list_exceptions(session=session, status="active") == []
    with pytest.raises(NotFound):
        exception_service.step(session=session, exception_id=999, action="close", actor="x")


def test_plans_name_known_owners_and_one_target(session: Session) -> None:
    _world(session)
    with pytest.raises(NotFound, match="nobody"):
        exception_service.create_plan(
            session=session,
            data=schemas.PlanIn(
                name="p",
                queue="Sales",
                rules=[
                    schemas.RuleIn(
                        name="r", tier=1, measure="volume_over", threshold=0.3, owners=["nobody"]
                    )
                ],
            ),
            created_by="x",
        )
    with pytest.raises(Invalid, match="exactly one"):
        exception_service.create_plan(
            session=session,
            data=schemas.PlanIn(
                name="p",
                rules=[schemas.RuleIn(name="r", tier=1, measure="volume_over", threshold=0.3)],
            ),
            created_by="x",
        )
    assert exception_service.list_plans(session=session) == []


def test_view_shows_scheduled_unknown_without_a_schedule_and_uses_coverage_when_given(
    session: Session,
) -> None:
    _world(session)
    send(session, contacts(OPEN, 20, prefix="a"), OPEN + timedelta(minutes=15))
    view = intraday_service.status(
        session=session, queue="Sales", day=DAY, as_of=OPEN + timedelta(minutes=20)
    )
    assert intraday_service.NO_SCHEDULE in view.notes
    assert all(iv.scheduled is None for iv in view.intervals)
    states = {iv.local_start.strftime("%H:%M"): iv.state for iv in view.intervals}
    assert (states["09:00"], states["09:15"], states["09:30"]) == ("past", "current", "future")
    nine = next(iv for iv in view.intervals if iv.interval_start == OPEN)
    assert (nine.offered, nine.forecast, nine.service_level) == (20, 20.0, 1.0)
    assert nine.asa_s == 8 and nine.aht_s == 180

    def coverage(queue_id: int, start: object, end: object) -> dict:
        return {OPEN: 5.0}

    covered = intraday_service.status(
        session=session,
        queue="Sales",
        day=DAY,
        as_of=OPEN + timedelta(minutes=20),
        coverage=coverage,
    )
    assert intraday_service.NO_SCHEDULE not in covered.notes
    assert next(iv for iv in covered.intervals if iv.interval_start == OPEN).scheduled == 5.0


def test_explain_takes_scheduled_from_the_coverage_and_an_empty_coverage_as_unknown(
    session: Session,
) -> None:
    from datetime import date as date_

    _world(session)
    send(session, contacts(OPEN, 20, prefix="a"), OPEN + timedelta(minutes=15))
    calls: list[int] = []

    def two_agents(queue_id: int, start: object, end: object) -> dict:
        calls.append(queue_id)
        return {OPEN + timedelta(minutes=15 * i): 2.0 for i in range(32)}

    view = intraday_service.status(
        session=session, queue="Sales", day=DAY, as_of=OPEN, coverage=two_agents
    )
    assert intraday_service.NO_SCHEDULE not in view.notes and calls
    assert next(iv for iv in view.intervals if iv.interval_start == OPEN).scheduled == 2.0
    [day] = intraday_service.explain(
        session=session, day=date_(2026, 11, 23), queue="Sales", coverage=two_agents
    )
    assert day.parts["staffing"] != 0.0
    assert not any(intraday_service.NO_SCHEDULE in n for n in day.notes)
    # no published schedule in this database: the real coverage is empty, scheduled unknown
    [bare] = intraday_service.explain(session=session, day=date_(2026, 11, 23), queue="Sales")
    assert bare.parts["staffing"] == 0.0
    assert any(intraday_service.NO_SCHEDULE in n for n in bare.notes)


def test_a_daylight_saving_day_has_23_or_25_hours_of_intervals() -> None:
    from datetime import date as date_
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/London")
    assert len(intraday_service.day_grid(date_(2026, 3, 29), zone)[0]) == 92
    assert len(intraday_service.day_grid(date_(2026, 10, 25), zone)[0]) == 100
    utc, local = intraday_service.day_grid(date_(2026, 10, 25), zone)
    assert [t.strftime("%H:%M") for t in local[4:9]] == [
        "01:00",
        "01:15",
        "01:30",
        "01:45",
        "01:00",
    ]


def test_explain_without_a_forecast_says_so_instead_of_splitting(session: Session) -> None:
    make_org(session, timezone="UTC")  # no forecast for the day
    slow = [line.replace('"wait_s": 8', '"wait_s": 90') for line in contacts(OPEN, 20)]
    send(session, slow, OPEN + timedelta(minutes=15))
    [day] = intraday_service.explain(session=session, day=DAY, queue="Sales")
    assert day.achieved_service_level == 0.0
    assert day.shortfall == pytest.approx(day.target_service_level)
    assert day.parts == {} and day.largest_cause is None
    assert "No forecast covers this day" in day.report
