"""Voice pages: answering on a phone once and only while open, results with small groups
withheld, the huddle board."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ccops.db import utcnow
from ccops.enums import Role
from ccops.voice import schemas, surveys
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
    assert still_open.status_code == 200 and "still open" in still_open.text
    with world_session(world) as s:
        surveys.close_round(session=s, round_id=round_id)
    shown = manager.get("/surveys/results", params={"survey": "Pulse", "by": "team"})
    assert 'data-group="Team A" data-suppressed="true"' in shown.text
    assert "too few respondents" in shown.text and "zebra-comment" not in shown.text
    board = world.client(Role.supervisor).get("/huddles")
    assert board.status_code == 200 and 'id="agenda-kpis"' in board.text
