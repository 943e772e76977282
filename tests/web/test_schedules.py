"""Schedules with the two-site world: scope of builds, own weeks, supervisors' teams."""

from __future__ import annotations

from ccops.enums import Role
from tests.web.conftest import World

WEEK = "2026-W48"


def test_scope_and_roles(world: World) -> None:
    planner = world.client(Role.planner)
    other = planner.post("/api/v1/schedules", json={"site": "Other", "week": WEEK})
    assert other.status_code == 403 and "outside your scope" in other.json()["message"]
    agent = world.client(Role.agent)
    own = agent.get(f"/api/v1/schedules/people/alice/week?week={WEEK}")
    assert own.status_code == 200 and own.json()["schedule_id"] is None
    assert agent.get(f"/api/v1/schedules/people/bob/week?week={WEEK}").status_code == 403
    supervisor = world.client(Role.supervisor)
    assert supervisor.get(f"/api/v1/schedules/people/alice/week?week={WEEK}").status_code == 200
    assert supervisor.get(f"/api/v1/schedules/people/bob/week?week={WEEK}").status_code == 403
    assert world.client(Role.executive).get("/api/v1/schedules").status_code == 200
    page = agent.get("/schedules/my")
    assert page.status_code == 200 and "No schedule is published" in page.text
