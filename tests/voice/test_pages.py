"""Voice pages: answering on a phone once and only while open, results with small groups
withheld, the huddle board."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ccops.db import utcnow
from ccops.enums import Role
from ccops.voice import huddles, schemas, surveys
from ccops.voice.models import StaffSurveyBallot
from tests.factories.knowledge import world_session
from tests.factories.voice import engagement
from tests.factories.web import World


def test_an_agent_answers_once_on_the_page_and_results_withhold_small_groups(
    world: World,
) -> None:
    today = utcnow().date()
    with world_session(world) as s:
        engagement(s)
        round_id = surveys.open_round(
            session=s,
            survey="Pulse",
            data=schemas.RoundIn(
                label="now", opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=9)
            ),
            by="admin",
        ).id
    agent = world.client(Role.agent)
    page = agent.get("/surveys")
    assert page.status_code == 200 and f'data-round="{round_id}"' in page.text
    assert 'name="q_proud"' in page.text
    form = {
        "round_id": str(round_id),
        "q_proud": "4",
        "q_tools": "good",
        "q_comment": "zebra-comment",
    }
    sent = agent.post("/surveys/answer", data=form)
    assert sent.status_code == 303
    assert "stored with no link to you" in agent.get("/surveys").text
    assert "You have answered this round" in agent.get("/surveys").text
    again = agent.post("/surveys/answer", data=form)
    assert again.status_code == 303
    assert "already answered" in agent.get("/surveys").text
    with world_session(world) as s:
        used = s.scalar(
            select(func.count()).select_from(StaffSurveyBallot).where(StaffSurveyBallot.used)
        )
        assert used == 1
    manager = world.client(Role.manager)
    still_open = manager.get("/surveys/results", params={"survey": "Pulse", "by": "team"})
    assert still_open.status_code == 200 and "results are shown once" in still_open.text
    with world_session(world) as s:
        surveys.close_round(session=s, round_id=round_id)
    shown = manager.get("/surveys/results", params={"survey": "Pulse", "by": "team"})
    assert 'data-group="Team A" data-suppressed="true"' in shown.text
    assert "too few respondents" in shown.text and "zebra-comment" not in shown.text
    board = world.client(Role.supervisor).get("/huddles")
    assert board.status_code == 200 and 'id="agenda-kpis"' in board.text


def test_an_open_action_is_on_its_owners_home_page_until_done(world: World) -> None:
    today = utcnow().date()
    with world_session(world) as s:
        out = huddles.record(
            session=s,
            data=schemas.HuddleIn(
                team="Team A",
                held_on=today,
                actions=[
                    schemas.ActionIn(text="Read the zebra article", owner="alice", due_on=today)
                ],
            ),
            by="u-supervisor",
            today=today,
        )
    agent = world.client(Role.agent)
    assert "Read the zebra article" in agent.get("/").text
    done = agent.post(f"/api/v1/huddle-actions/{out.actions[0].id}/done")
    assert done.status_code == 200 and done.json()["done_on"] == today.isoformat()
    assert "Read the zebra article" not in agent.get("/").text
