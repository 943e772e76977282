"""The overtime page: a planner sees the effect (agent hours and cost) of an offer before sending
it, sends it, and sees who accepted; an agent with the skill and free then sees it and accepts
the one slot (a new published version adds the shift); the next one comes too late and is told
the offer is full; an agent may not send offers; the planner closes an offer."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.settings import Settings
from ccops.wfm.overtime.models import OvertimeOffer
from ccops.wfm.schedules.models import Schedule, ScheduledShift
from tests.factories import make_token
from tests.factories.week_ahead import publish_copy, week_ahead
from tests.wfm.allowances.test_routes import _client
from tests.wfm.requests.test_service import published  # noqa: F401  (the fixture)
from tests.wfm.swapboard.test_pages import _follow


def _form(start: datetime, slots: int, action: str) -> dict[str, str]:
    return {
        "site": "Main",
        "queue": "Sales",
        "kind": "overtime",
        "start": f"{start:%Y-%m-%dT%H:%M}",
        "end": f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M}",
        "slots": str(slots),
        "template": "day",
        "premium": "1.5",
        "note": "Sunday backlog",
        "action": action,
    }


@pytest.mark.usefixtures("published")
def test_a_planner_quotes_and_sends_an_offer_and_an_agent_accepts_it(
    session: Session, settings: Settings
) -> None:
    ahead = publish_copy(session, site="Main", week=week_ahead(2))
    sunday = datetime.combine(ahead.week_start + timedelta(days=6), datetime.min.time())
    start = sunday.replace(hour=9)  # nobody works on Sundays; the site is on UTC
    org_service.create_user(  # zoe has no Sales skill
        session=session,
        data=org_schemas.UserIn(
            login="u-zoe", password="long-enough-pass-1", role=Role.agent, person="zoe"
        ),
    )
    session.commit()
    tokens = {u: make_token(session, login=u) for u in ("u-plan", "u-alice", "u-bob", "u-zoe")}
    planner = _client(settings, tokens["u-plan"])
    alice, bob = _client(settings, tokens["u-alice"]), _client(settings, tokens["u-bob"])

    assert alice.post("/overtime", data=_form(start, 1, "send")).status_code == 403
    page = planner.get("/overtime")
    assert page.status_code == 200 and 'id="offer-form"' in page.text
    quoted = planner.post("/overtime", data=_form(start, 3, "quote"))
    assert quoted.status_code == 200
    assert "3 slot(s) of 2.00 h add 6.00 agent hours on Sales." in quoted.text
    assert 'data-key="cost_per_slot">60.00<' in quoted.text  # 20 per hour × 2 h × 1.5
    assert 'data-key="total_cost">180.00<' in quoted.text
    assert 'value="Sunday backlog"' in quoted.text  # the form comes back as typed
    assert session.scalars(select(OvertimeOffer)).first() is None

    bad = planner.post("/overtime", data={**_form(start, 1, "send"), "end": "yesterday"})
    assert bad.status_code == 400 and "Enter a date and time." in bad.text
    sent = planner.post("/overtime", data=_form(start, 1, "send"))
    assert sent.status_code == 303
    offer = session.scalars(select(OvertimeOffer)).one()
    session.commit()
    assert (offer.slots, offer.status, offer.note) == (1, "open", "Sunday backlog")
    assert f"Offer {offer.id} sent: 1 slot(s)." in _follow(planner, sent)

    board = alice.get("/overtime").text
    assert f'aria-label="Accept offer {offer.id}"' in board and "Sunday backlog" in board
    assert f'id="offer-{offer.id}"' not in _client(settings, tokens["u-zoe"]).get("/overtime").text
    accepted = alice.post(f"/overtime/{offer.id}/accept")
    assert "You took slot 1 of 1 of offer" in _follow(alice, accepted)
    session.expire_all()
    shifts = session.scalars(
        select(ScheduledShift.start_at)
        .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
        .join(Person, Person.id == ScheduledShift.person_id)
        .where(Schedule.status == "published", Person.login == "alice")
    ).all()
    assert start in [s.replace(tzinfo=None) for s in shifts]
    assert "You accepted a slot" in alice.get("/overtime").text
    late = bob.post(f"/overtime/{offer.id}/accept")
    assert f"offer {offer.id} is full (rule: only open offers)" in _follow(bob, late)

    listing = planner.get("/overtime").text
    assert "Accepted by: alice" in listing and 'data-status="full"' in listing
    assert f"offer {offer.id} is full" in _follow(
        planner, planner.post(f"/overtime/{offer.id}/close")
    )
    planner.post("/overtime", data=_form(start + timedelta(hours=3), 2, "send"))
    second = session.scalars(select(OvertimeOffer).order_by(OvertimeOffer.id.desc())).first()
    assert second is not None and second.id != offer.id
    session.commit()
    closed = planner.post(f"/overtime/{second.id}/close")
    assert f"Offer {second.id} is closed." in _follow(planner, closed)
    assert f'aria-label="Accept offer {second.id}"' not in bob.get("/overtime").text
    assert planner.post("/overtime/99999/close").status_code == 404
    assert alice.post(f"/overtime/{2**31}/accept").status_code == 422
