"""Recording a huddle on its page: the team in scope, attendees and owners of the team, the
actions on the huddle's page and the owner's home page until the owner marks them done."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ccops.db import utcnow
from ccops.enums import Role
from ccops.org.models import Person
from ccops.voice.models import Huddle, HuddleAction
from ccops.wfm.schedules.models import FixedActivity
from tests.factories.knowledge import world_session
from tests.factories.web import World


def _team_a_today() -> date:
    """Today at Team A's site (Main, London): the day the board and the forms use."""
    return utcnow().astimezone(ZoneInfo("Europe/London")).date()


def _count(world: World) -> int:
    with world_session(world) as s:
        return int(s.scalar(select(func.count()).select_from(Huddle)) or 0)


def test_a_team_leader_records_a_huddle_and_the_owner_marks_the_action_done(
    world: World,
) -> None:
    today = _team_a_today()
    lead = world.client(Role.supervisor)
    board = lead.get("/huddles")
    assert 'href="/huddles/record?team=Team%20A"' in board.text
    form = lead.get("/huddles/record")
    assert form.status_code == 200
    # the team leader's one team, its leader and members offered (not Team B's bob)
    assert "<option selected>Team A</option>" in form.text and "Team B" not in form.text
    assert 'name="attendees" value="alice"' in form.text
    # the world's Team A has no leader named: only its member
    assert 'name="attendees" value="lead"' not in form.text
    assert 'value="bob"' not in form.text
    sent = lead.post(
        "/huddles/record",
        data={
            "team": "Team A",
            "kind": "huddle",
            "held_on": today.isoformat(),
            "notes": "Zebra launch: 30% more calls at 09:00",
            "attendees": ["alice"],
            "action_0_text": "Read the zebra article",
            "action_0_owner": "alice",
            "action_0_due": (today + timedelta(days=2)).isoformat(),
            "action_1_text": "",
            "action_1_owner": "",
            "action_1_due": "",
        },
    )
    assert sent.status_code == 303
    with world_session(world) as s:
        h = s.scalars(select(Huddle)).one()
        [action] = s.scalars(select(HuddleAction)).all()
        assert (h.kind, h.held_on, h.led_by, h.notes) == (
            "huddle",
            today,
            "u-supervisor",
            "Zebra launch: 30% more calls at 09:00",
        )
        assert (action.text, action.due_on, action.done_on) == (
            "Read the zebra article",
            today + timedelta(days=2),
            None,
        )
        huddle_id, action_id = h.id, action.id
    assert sent.headers["location"] == f"/huddles/{huddle_id}"
    page = lead.get(f"/huddles/{huddle_id}").text
    assert "<li>alice</li>" in page and "Zebra launch: 30% more calls at 09:00" in page
    assert f'id="action-{action_id}"' in page and 'data-status="open"' in page
    # the team leader does not own it: no button for them
    assert f'action="/huddles/actions/{action_id}/done"' not in page

    agent = world.client(Role.agent)
    home = agent.get("/").text
    assert "Read the zebra article" in home
    assert f'action="/huddles/actions/{action_id}/done"' in home
    # an agent does not read huddles, so is sent home after marking it done
    done = agent.post(f"/huddles/actions/{action_id}/done")
    assert done.status_code == 303 and done.headers["location"] == "/#my-actions"
    home = agent.get("/").text
    assert "Action done: Read the zebra article" in home
    assert f'data-action="{action_id}"' not in home
    with world_session(world) as s:
        done_on = s.get(HuddleAction, action_id).done_on  # type: ignore[union-attr]
        assert done_on in (today, _team_a_today())  # the test may run across midnight
    again = agent.post(f"/huddles/actions/{action_id}/done")
    assert again.status_code == 303
    assert "already done" in agent.get("/").text
    after = lead.get(f"/huddles/{huddle_id}").text
    assert 'data-status="done"' in after
    assert agent.get(f"/huddles/{huddle_id}").status_code == 403


def test_a_team_leader_cannot_record_for_another_team_nor_name_its_people(
    world: World,
) -> None:
    today = _team_a_today().isoformat()
    lead = world.client(Role.supervisor)
    other = lead.post(
        "/huddles/record",
        data={"team": "Team B", "kind": "huddle", "held_on": today, "attendees": ["bob"]},
    )
    assert other.status_code == 422 and "no team &#39;Team B&#39; in your scope" in other.text
    stranger = lead.post(
        "/huddles/record",
        data={
            "team": "Team A",
            "kind": "huddle",
            "held_on": today,
            "action_0_text": "Call back",
            "action_0_owner": "bob",
            "action_0_due": today,
        },
    )
    assert stranger.status_code == 422 and "bob is not of the team Team A" in stranger.text
    missing_day = lead.post(
        "/huddles/record",
        data={
            "team": "Team A",
            "kind": "huddle",
            "held_on": today,
            "action_0_text": "Call back",
            "action_0_owner": "alice",
        },
    )
    assert missing_day.status_code == 422
    assert 'id="f-action_0_due" name="action_0_due" type="date" value="" aria-invalid="true"' in (
        missing_day.text
    )
    future = lead.post(
        "/huddles/record",
        data={
            "team": "Team A",
            "kind": "huddle",
            "held_on": (_team_a_today() + timedelta(days=1)).isoformat(),
        },
    )
    assert future.status_code == 422 and "in the future" in future.text
    assert _count(world) == 0
    # an agent cannot record; a planner reads huddles but does not record them
    assert world.client(Role.agent).get("/huddles/record").status_code == 403
    assert world.client(Role.planner).post("/huddles/record", data={}).status_code == 403


def test_the_scheduled_huddle_is_on_the_board_and_gives_the_recorded_huddle_its_time(
    world: World,
) -> None:
    today = _team_a_today()
    london = ZoneInfo("Europe/London")  # Team A's site, Main
    with world_session(world) as s:
        alice = s.scalars(select(Person).where(Person.login == "alice")).one()
        s.add(
            FixedActivity(
                person_id=alice.id,
                kind="huddle",
                name="Team huddle",
                start_at=datetime.combine(today, time(9, 30), london),
                end_at=datetime.combine(today, time(9, 45), london),
            )
        )
        s.commit()
    lead = world.client(Role.supervisor)
    board = lead.get("/huddles?team=Team%20A").text
    shown = '<li data-kind="huddle" data-starts="09:30"><strong>09:30–09:45</strong> Team huddle'
    assert shown in board
    assert "invited: alice" in board
    api = lead.get("/api/v1/huddles/agenda", params={"team": "Team A"}).json()
    assert api["scheduled"] == [
        {
            "kind": "huddle",
            "name": "Team huddle",
            "starts": "09:30:00",
            "ends": "09:45:00",
            "invited": ["alice"],
        }
    ]
    form = lead.get("/huddles/record?team=Team%20A").text
    assert 'name="held_at" type="time"' in form and "(Team huddle 09:30)" in form

    base = {"team": "Team A", "kind": "huddle", "held_on": today.isoformat(), "notes": "n"}
    bad = lead.post("/huddles/record", data=base | {"held_at": "25:10"})
    assert bad.status_code == 422 and 'aria-describedby="e-held_at"' in bad.text
    assert _count(world) == 0
    # no time typed: the scheduled huddle's; a time typed: that one
    assert lead.post("/huddles/record", data=base | {"held_at": ""}).status_code == 303
    assert lead.post("/huddles/record", data=base | {"held_at": "10:05"}).status_code == 303
    with world_session(world) as s:
        times = [h.held_at for h in s.scalars(select(Huddle).order_by(Huddle.id))]
        first_id = s.scalars(select(Huddle.id).order_by(Huddle.id)).first()
    assert times == [time(9, 30), time(10, 5)]
    assert "<span data-held-at>09:30</span>" in lead.get(f"/huddles/{first_id}").text
    # a meeting has no scheduled time today: none is made up
    meeting = lead.post(
        "/api/v1/huddles", json={"team": "Team A", "kind": "meeting", "held_on": str(today)}
    )
    assert meeting.status_code == 201 and meeting.json()["held_at"] is None
