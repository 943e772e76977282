"""The navigation bar: each role's entries, and personal ones only for users who are a person."""

from __future__ import annotations

from ccops.enums import Role
from ccops.org import service as org_service
from ccops.web.auth import Principal
from ccops.web.render import navigation


def _principal(role: Role, person_id: int | None) -> Principal:
    return Principal(
        user_id=1,
        login="u",
        role=role,
        scope=org_service.EVERYTHING,
        via="cookie",
        csrf_token="x",
        language=None,
        person_id=person_id,
    )


def test_my_week_is_shown_only_to_users_linked_to_a_person() -> None:
    for role in (Role.agent, Role.supervisor, Role.planner):
        linked = [i.key for i in navigation(_principal(role, person_id=7))]
        unlinked = [i.key for i in navigation(_principal(role, person_id=None))]
        assert "my-week" in linked, role
        assert "my-week" not in unlinked, role
        assert [k for k in linked if k != "my-week"] == unlinked  # nothing else changes
