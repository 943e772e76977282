"""The audit trail: changes appear with actor and before → after, and nobody can change them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ccops.audit import capture, guard
from ccops.audit import service as audit_service
from ccops.audit.models import AuditEntry
from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.errors import Invalid
from ccops.settings import Settings
from tests.factories import make_org
from tests.factories.web import World, sign_in


def _entries(settings: Settings, **where: object) -> list[AuditEntry]:
    engine = make_engine(settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        stmt = sa.select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)
        found = list(s.scalars(stmt))
    engine.dispose()
    return found


def test_a_signed_in_admins_change_is_recorded_with_actor_and_before_after(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-admin")
    response = client.patch(
        "/api/v1/queues/Sales",
        json={"target_s": 30, "service_level_goal": 0.9},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    [entry] = _entries(world.settings, entity_kind="queue", action="update")
    assert (entry.actor, entry.origin) == ("u-admin", "web")
    assert json.loads(entry.changes_json) == {
        "target_s": [20.0, 30.0],
        "service_level_goal": [0.8, 0.9],
    }
    assert entry.site_id is not None

    listed = world.client(Role.admin).get("/api/v1/audit", params={"entity": "queue"}).json()
    assert listed["entries"][0]["changes"]["target_s"] == [20.0, 30.0]
    assert listed["entries"][0]["actor"] == "u-admin"
    page = client.get("/admin/audit", params={"entity": "queue"})
    assert page.status_code == 200
    assert "u-admin" in page.text and "20.0 → 30.0" in page.text


def test_api_token_changes_and_secrets_are_redacted(world: World) -> None:
    admin = world.client(Role.admin)
    response = admin.patch("/api/v1/users/u-qa", json={"password": "another-secret-9"})
    assert response.status_code == 200, response.text
    [entry] = _entries(world.settings, entity_kind="user", action="update")
    changes = json.loads(entry.changes_json)
    assert changes["password_hash"] == [capture.REDACTED, capture.REDACTED]
    assert "argon" not in entry.changes_json and "$" not in entry.changes_json
    assert (entry.actor, entry.origin) == ("u-admin", "api")


def test_non_admins_are_refused_the_trail(world: World) -> None:
    for role in (Role.manager, Role.agent, Role.executive):
        assert world.client(role).get("/api/v1/audit").status_code == 403
    client = world.client()
    sign_in(client, "u-manager")
    assert client.get("/admin/audit").status_code == 403


def test_bad_filters_get_a_clear_message(world: World) -> None:
    admin = world.client(Role.admin)
    response = admin.get("/api/v1/audit", params={"entity": "nonsense"})
    assert response.status_code == 422
    assert "unknown entity kind" in response.text
    client = world.client()
    sign_in(client, "u-admin")
    page = client.get("/admin/audit", params={"since": "yesterday", "page": "x"})
    assert page.status_code == 422
    assert "enter a date like 2026-12-01" in page.text
    assert "page: enter a whole number" in page.text


@pytest.fixture
def captured(session: Session) -> Iterator[Session]:
    capture.install()
    yield session


def test_cli_actor_and_create_delete(captured: Session) -> None:
    capture.set_actor(captured, "cli:tester", "cli")
    make_org(captured, agents=("alice",))
    captured.commit()
    created = audit_service.list_entries(session=captured, entity="person").entries
    assert [e.action for e in created] == ["create"]
    assert created[0].actor == "cli:tester" and created[0].changes["login"] == [None, "alice"]
    assert created[0].site_id is not None
    with pytest.raises(Invalid, match="since: must be before"):
        audit_service.list_entries(
            session=captured, since=created[0].at, until=created[0].at, per_page=10
        )


def test_update_and_delete_of_an_audit_entry_are_refused(captured: Session) -> None:
    entry = audit_service.record_operation(
        session=captured, entity_kind="retention", action="purge", detail={"x": 1}
    )
    captured.commit()
    engine = captured.get_bind()
    assert isinstance(engine, sa.Engine)
    for statement in (
        f"UPDATE audit_entry SET actor = 'mallory' WHERE id = {entry.id}",
        f"DELETE FROM audit_entry WHERE id = {entry.id}",
    ):
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as refused:
            conn.exec_driver_sql(statement)
        assert guard.REFUSED in str(refused.value)
    with guard.opened(captured, "test"):
        captured.execute(sa.update(AuditEntry).values(actor="purge"))
    captured.rollback()
    assert captured.get(AuditEntry, entry.id) is not None
    assert captured.scalar(sa.select(AuditEntry.actor).where(AuditEntry.id == entry.id)) == "system"
    # the opening ends with its block: the same transaction is refused again afterwards
    with guard.opened(captured, "test"):
        pass
    with pytest.raises(sa.exc.DBAPIError):
        captured.execute(sa.delete(AuditEntry))
    captured.rollback()
    assert captured.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1
