"""Scope of the intraday routes: team leaders see the queues their teams work, agents nothing,
executives read only."""

from __future__ import annotations

from ccops.enums import Role
from tests.factories.web import World


def test_supervisors_see_their_teams_queues_only(world: World) -> None:
    supervisor = world.client(Role.supervisor)
    assert supervisor.get("/api/v1/intraday/status", params={"queue": "Sales"}).status_code == 200
    assert supervisor.get("/api/v1/intraday/status", params={"queue": "Support"}).status_code == 403
    agent = world.client(Role.agent)
    assert agent.get("/intraday").status_code == 403
    executive = world.client(Role.executive)
    assert executive.post("/api/v1/intraday/exceptions/1/close", json={}).status_code == 403
