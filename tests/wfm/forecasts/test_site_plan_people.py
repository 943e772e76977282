"""The people a site plan counts (SQLite and PostgreSQL): those ready for promotion leave the
agent pool of their own skill set, and the weekly supply per skill set is hand-computed."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.engines import hiring
from ccops.enums import Role
from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.performance.models import Recommendation, Review
from ccops.web.app import create_app
from ccops.wfm.capacity import site as capacity_site
from ccops.wfm.schedules.models import PersonContract, WorkContract
from tests.factories.knowledge import world_session
from tests.factories.web import World, sign_in
from tests.wfm.forecasts.test_site_plan import MONDAY, _centre, _plan

ALL = org_service.EVERYTHING


def _recommend(
    session: Session, login: str, kind: str, status: str, recorded: int, decided: int | None
) -> None:
    """A recommendation of ``login``, recorded ``recorded`` days after MONDAY (decided
    ``decided`` days after it)."""
    person = session.scalars(select(Person).where(Person.login == login)).one()
    review = Review(
        person_id=person.id,
        reviewer="tl",
        period_first=MONDAY - timedelta(days=90),
        period_last=MONDAY - timedelta(days=1),
        strengths="s",
        weaknesses="w",
        improvement_plan="p",
        person_commitments="c",
        support_commitments="c",
        next_review_on=MONDAY + timedelta(days=90),
        next_review_criteria="c",
    )
    session.add(review)
    session.flush()

    def at(days: int) -> datetime:
        return datetime.combine(MONDAY + timedelta(days=days), time(10), tzinfo=UTC)

    session.add(
        Recommendation(
            review_id=review.id,
            person_id=person.id,
            kind=kind,
            rationale="ready",
            detail="team leader",
            evidence_json="{}",
            status=status,
            recorded_by="tl",
            recorded_at=at(recorded),
            decided_by="mgr" if decided is not None else None,
            decided_at=at(decided) if decided is not None else None,
            decision_note="",
        )
    )
    session.flush()


def test_people_ready_for_promotion_leave_their_skill_set(session: Session) -> None:
    _centre(session)  # Sales 3 (s0-s2), Sales+Chat 2 (b3, b4), Chat 4 (c5-c8)
    # b3 accepted on Thursday of week 1: leaves a week later (day 10), gone from week 3
    _recommend(session, "b3", "promotion_readiness", "accepted", recorded=-20, decided=3)
    # s0 pending since two weeks before the plan: leaves a week before it, gone from the start
    _recommend(session, "s0", "promotion_readiness", "pending", recorded=-14, decided=None)
    _recommend(session, "c5", "promotion_readiness", "declined", recorded=-14, decided=-7)
    _recommend(session, "c6", "training", "pending", recorded=-14, decided=None)
    data = _plan([]).model_copy(update={"promotion_weeks": 1})
    out = capacity_site.site_plan(session=session, data=data, scope=ALL)

    assert [(p.person, p.status, p.skills, p.leaves_on, p.leaves_week) for p in out.promotions] == [
        ("s0", "pending", ["Sales"], MONDAY - timedelta(days=7), -1),
        ("b3", "accepted", ["Chat", "Sales"], MONDAY + timedelta(days=10), 2),
    ]
    assert out.staff == {"Chat": 4.0, "Chat+Sales": 2.0, "Sales": 3.0}  # people today
    # supply per skill set, week by week (no attrition): s0 gone from week 1, b3 from week 3
    assert [w.on_hand for w in out.weeks] == [
        {"Chat": 4.0, "Chat+Sales": 2.0, "Sales": 2.0},
        {"Chat": 4.0, "Chat+Sales": 2.0, "Sales": 2.0},
        {"Chat": 4.0, "Chat+Sales": 1.0, "Sales": 2.0},
        {"Chat": 4.0, "Chat+Sales": 1.0, "Sales": 2.0},
    ]
    assert [w.promoted_out for w in out.weeks] == [1.0, 1.0, 2.0, 2.0]
    # 12 FTE needed (Chat 8, Sales 4): 8 on hand leave 4 short (a third of each queue), then
    # 7 leave 5 short (5/12 of each: Chat 10/3, Sales 5/3); the plan rounds to 4 places
    gaps = [w.gap_without_waves for w in out.weeks]
    assert gaps[0] == {
        "Chat": pytest.approx(8 / 3, abs=1e-4),
        "Sales": pytest.approx(4 / 3, abs=1e-4),
    }
    assert gaps[2] == {
        "Chat": pytest.approx(10 / 3, abs=1e-4),
        "Sales": pytest.approx(5 / 3, abs=1e-4),
    }
    assert (
        "2 ready for promotion leave the agent pool 1 weeks after their recommendation" in out.notes
    )

    # counted out: the plan is as before, 9 people for 12 FTE
    kept = capacity_site.site_plan(
        session=session, data=data.model_copy(update={"count_promotions": False}), scope=ALL
    )
    assert kept.promotions == [] and {w.promoted_out for w in kept.weeks} == {0.0}
    assert [sum(w.gap_without_waves.values()) for w in kept.weeks] == pytest.approx(
        [3.0] * 4, abs=1e-6
    )


def test_a_departure_leaves_with_the_attrition_it_had() -> None:
    # 10 people, 10% a week, one promoted from week 2: 10, 9, 8.1 - 0.81, 7.29 - 0.729
    out = hiring.on_hand(4, [10.0, 3.0], 0.1, [(0, 2, 1.0)])
    assert out[:, 0] == pytest.approx([10.0, 9.0, 7.29, 6.561], abs=1e-12)
    assert out[:, 1] == pytest.approx([3.0, 2.7, 2.43, 2.187], abs=1e-12)


def test_the_site_page_and_api_name_who_leaves_for_a_promotion(world: World) -> None:
    with world_session(world) as s:  # Main: alice, bob and lead skilled for Sales
        _recommend(s, "alice", "promotion_readiness", "pending", recorded=-35, decided=None)
        s.commit()
    client = TestClient(create_app(world.settings), follow_redirects=False)
    sign_in(client, "u-planner")
    page = client.get("/capacity-plans/site?site=Main&first_week=2026-01-05&weeks=3")
    assert page.status_code == 200
    assert '<tr data-person="alice">' in page.text
    assert "Pending: team leader" in page.text
    # pending since 35 days before the plan, out 4 weeks later: gone from the first week
    assert page.text.count('<td data-col="on_hand">2.0</td>') == 3
    assert page.text.count('<td data-col="promoted">1.0</td>') == 3
    api = world.client(Role.planner).post(
        "/api/v1/capacity-plans/site",
        json={"site": "Main", "first_week": "2026-01-05", "weeks": 2, "attrition_weekly": 0},
    )
    body = api.json()
    assert [(p["person"], p["leaves_on"]) for p in body["promotions"]] == [("alice", "2025-12-29")]
    assert [w["on_hand"] for w in body["weeks"]] == [{"Sales": 2.0}, {"Sales": 2.0}]


def test_part_time_people_count_at_their_contract_hours(session: Session) -> None:
    _centre(session)
    half = WorkContract(
        name="half",
        weekly_min_h=10,
        weekly_max_h=21,
        days_min=1,
        days_max=5,
        max_consecutive_days=5,
        min_rest_h=11,
        max_nights=0,
        max_weekend_days=2,
    )
    session.add(half)
    session.flush()
    for login in ("s1", "b4"):
        person = session.scalars(select(Person).where(Person.login == login)).one()
        session.add(PersonContract(person_id=person.id, contract_id=half.id))
    session.flush()
    _recommend(session, "b4", "promotion_readiness", "accepted", recorded=-20, decided=-14)
    out = capacity_site.site_plan(
        session=session, data=_plan([]).model_copy(update={"promotion_weeks": 0}), scope=ALL
    )
    # 21 h of 42 paid hours an FTE-week: half an FTE each; b4 (half) leaves before the plan
    assert out.staff == {"Chat": 4.0, "Chat+Sales": 1.5, "Sales": 2.5}
    assert [p.fte for p in out.promotions] == [0.5]
    assert out.weeks[0].on_hand == {"Chat": 4.0, "Chat+Sales": 1.0, "Sales": 2.5}
    # 12 FTE needed, 7.5 on hand
    assert sum(out.weeks[0].gap_without_waves.values()) == pytest.approx(4.5, abs=1e-4)
