"""A site plan counts a person with a termination date inside its 26 weeks until that date
only (SQLite and PostgreSQL): the week of the date pro-rated by its days, nothing after, and the
gap grows by their FTE from then on (hand-computed on the centre of ``test_site_plan``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.wfm.capacity import schemas
from ccops.wfm.capacity import site as capacity_site
from tests.wfm.forecasts.test_site_plan import MONDAY, _centre
from tests.wfm.forecasts.test_site_plan_people import _recommend

ALL = org_service.EVERYTHING


def _plan26() -> schemas.SitePlanIn:
    return schemas.SitePlanIn.model_validate(
        {
            "site": "Main",
            "first_week": str(MONDAY),
            "weeks": 26,
            "hours_per_fte_week": 42,
            "occupancy": 1.0,
            "shrinkage": 0.0,
            "attrition_weekly": 0.0,
        }
    )


def _gap(plan: schemas.SitePlanOut) -> list[float]:
    return [round(sum(w.gap_without_waves.values()), 6) for w in plan.weeks]


def test_a_leaver_counts_until_the_termination_date_and_not_after(session: Session) -> None:
    # Sales needs 4 FTE, Chat 8 (every week: weeks past the 28-day forecast repeat its mean);
    # on hand: 3 Sales, 2 Sales+Chat, 4 Chat = 9 FTE, so 3 short every week
    _centre(session)
    before = capacity_site.site_plan(session=session, data=_plan26(), scope=ALL)
    assert _gap(before) == [3.0] * 26
    assert before.leavers == []

    people = {p.login: p for p in session.scalars(select(Person))}
    # c5 (Chat) leaves on the Monday of week 5 (index 4): counted in weeks 1-4 only
    people["c5"].termination_date = MONDAY + timedelta(days=28)
    # s0 (Sales) leaves on the Thursday of week 10 (index 9): Mon-Wed = 3/7 of that week
    people["s0"].termination_date = MONDAY + timedelta(days=7 * 9 + 3)
    # s1 leaves after the plan's last week: counted throughout; c6 left before it: never
    people["s1"].termination_date = MONDAY + timedelta(days=7 * 26 + 1)
    people["c6"].termination_date = MONDAY
    session.flush()

    plan = capacity_site.site_plan(session=session, data=_plan26(), scope=ALL)
    # c6 is gone from the start: 8 on hand, 4 short; c5 gone from week 5: 5 short; s0 counts
    # 3/7 in week 10 (5 + 4/7 short) and nothing from week 11 (6 short)
    assert _gap(plan) == pytest.approx([4.0] * 4 + [5.0] * 5 + [5.0 + 4 / 7] + [6.0] * 16, abs=1e-4)
    assert plan.weeks[0].on_hand == {"Chat": 3.0, "Chat+Sales": 2.0, "Sales": 3.0}
    assert plan.weeks[4].on_hand == {"Chat": 2.0, "Chat+Sales": 2.0, "Sales": 3.0}
    assert plan.weeks[9].on_hand["Sales"] == pytest.approx(2 + 3 / 7, abs=1e-4)
    assert plan.weeks[10].on_hand["Sales"] == 2.0
    assert plan.weeks[25].on_hand == {"Chat": 2.0, "Chat+Sales": 2.0, "Sales": 2.0}
    out = [w.terminated_out for w in plan.weeks]
    assert out == pytest.approx([0.0] * 4 + [1.0] * 5 + [1 + 4 / 7] + [2.0] * 16, abs=1e-4)
    assert [w.promoted_out for w in plan.weeks] == [0.0] * 26
    assert [(lv.person, lv.leaves_week, lv.share_of_last_week) for lv in plan.leavers] == [
        ("c5", 4, 0.0),
        ("s0", 9, pytest.approx(3 / 7)),
    ]
    assert plan.leavers[0].skills == ["Chat"]
    assert any("2 with a termination date inside the plan" in n for n in plan.notes)


def test_attrition_applies_to_a_leaver_until_the_date(session: Session) -> None:
    _centre(session)
    person = session.scalars(select(Person).where(Person.login == "c5")).one()
    person.termination_date = MONDAY + timedelta(days=14)  # Monday of week 3
    session.flush()
    data = _plan26().model_copy(update={"attrition_weekly": 0.1, "weeks": 4})
    plan = capacity_site.site_plan(session=session, data=data, scope=ALL)
    # Chat-only group: 4 x 0.9^w, less c5's 0.9^w from week index 2
    assert [w.on_hand["Chat"] for w in plan.weeks] == pytest.approx(
        [4.0, 3.6, 3 * 0.81, 3 * 0.729], abs=1e-4
    )
    assert [w.terminated_out for w in plan.weeks] == pytest.approx(
        [0.0, 0.0, 0.81, 0.729], abs=1e-4
    )


def test_the_page_lists_the_leavers_and_the_fte_gone_each_week(
    session: Session, admin_client: TestClient
) -> None:
    _centre(session)
    person = session.scalars(select(Person).where(Person.login == "c5")).one()
    person.termination_date = MONDAY + timedelta(days=28)
    session.commit()
    page = admin_client.get(
        "/capacity-plans/site",
        params={"site": "Main", "first_week": str(MONDAY), "weeks": 6, "occupancy": 1},
    )
    assert page.status_code == 200
    leavers = page.text.split('id="leavers"')[1].split("</table>")[0]
    assert '<tr data-person="c5">' in leavers and '<td data-col="week">5</td>' in leavers
    gone = page.text.split('id="site-weeks"')[1].split('data-col="terminated">')[1:]
    assert [cell.split("<")[0] for cell in gone] == ["0.0"] * 4 + ["1.0"] * 2


def test_a_termination_before_the_promotion_date_counts_the_person_out_once(
    session: Session,
) -> None:
    _centre(session)
    person = session.scalars(select(Person).where(Person.login == "c5")).one()
    # pending, recorded on MONDAY: leaves the pool 4 weeks on, in week 5
    _recommend(session, "c5", "promotion_readiness", "pending", recorded=0, decided=None)
    person.termination_date = MONDAY + timedelta(days=14)  # before that: week 3
    session.flush()
    plan = capacity_site.site_plan(session=session, data=_plan26(), scope=ALL)
    assert plan.promotions == [] and [lv.person for lv in plan.leavers] == ["c5"]
    assert [w.terminated_out for w in plan.weeks[:4]] == [0.0, 0.0, 1.0, 1.0]
    assert all(w.promoted_out == 0.0 for w in plan.weeks)
    assert _gap(plan)[:4] == [3.0, 3.0, 4.0, 4.0]
    # leaving later than the promotion: the promotion takes them out, once
    person.termination_date = MONDAY + timedelta(days=56)
    session.flush()
    plan = capacity_site.site_plan(session=session, data=_plan26(), scope=ALL)
    assert [p.person for p in plan.promotions] == ["c5"] and plan.leavers == []
    assert [w.promoted_out for w in plan.weeks[3:6]] == [0.0, 1.0, 1.0]
    assert all(w.terminated_out == 0.0 for w in plan.weeks)
    assert _gap(plan)[:6] == [3.0] * 4 + [4.0] * 2
