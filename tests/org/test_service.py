"""Organisation use cases on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from ccops.auth_hash import verify_password
from ccops.enums import Role, ScopeKind
from ccops.errors import Conflict, Invalid, NotFound
from ccops.org import schemas
from ccops.org import service as org_service
from ccops.org.models import User
from tests.factories import make_org


def test_queue_keeps_target_goal_and_variant(session: Session) -> None:
    make_org(session, target_s=30.0)
    (queue,) = org_service.list_queues(session=session)
    assert (queue.name, queue.target_s, queue.short_abandon_s) == ("Sales", 30.0, 5.0)
    assert queue.service_level_variant.value == "exclude_short_abandons"
    assert queue.timezone == "Europe/London"


def test_unknown_time_zone_is_refused_with_field() -> None:
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Base'"):
        schemas.SiteIn(name="X", timezone="Mars/Base")


def test_duplicate_queue_is_a_conflict_and_unknown_channel_not_found(session: Session) -> None:
    make_org(session)
    with pytest.raises(Conflict, match="queue 'Sales' already exists"):
        org_service.create_queue(
            session=session, data=schemas.QueueIn(name="Sales", channel="voice", site="Main")
        )
    with pytest.raises(NotFound, match="channel 'fax' does not exist"):
        org_service.create_queue(
            session=session, data=schemas.QueueIn(name="Fax", channel="fax", site="Main")
        )


def test_person_skills_and_duplicate_skill_rejected(session: Session) -> None:
    make_org(session, queues=("Sales", "Support"), agents=("alice",))
    (alice,) = org_service.list_people(session=session)
    assert sorted(s.queue for s in alice.skills) == ["Sales", "Support"]
    with pytest.raises(Invalid, match="listed twice"):
        org_service.create_person(
            session=session,
            data=schemas.PersonIn(
                name="C",
                login="carol",
                site="Main",
                skills=[schemas.SkillIn(queue="Sales"), schemas.SkillIn(queue="Sales")],
            ),
        )


def test_termination_before_hire_is_invalid() -> None:
    with pytest.raises(ValidationError, match="termination_date is before hire_date"):
        schemas.PersonIn(
            name="A", login="a", site="Main", hire_date="2024-05-01", termination_date="2024-01-01"
        )


def test_user_password_is_hashed_and_scope_stored(session: Session) -> None:
    make_org(session)
    org_service.create_team(session=session, data=schemas.TeamIn(name="Red", site="Main"))
    out = org_service.create_user(
        session=session,
        data=schemas.UserIn(
            login="tl",
            password="correct horse",
            role=Role.supervisor,
            scope=ScopeKind.teams,
            teams=["Red"],
        ),
    )
    assert out.teams == ["Red"] and out.scope == ScopeKind.teams
    stored = session.get(User, out.id)
    assert stored is not None and "correct horse" not in stored.password_hash
    assert verify_password(stored.password_hash, "correct horse")
    assert not verify_password(stored.password_hash, "wrong")


def test_scope_teams_without_team_is_invalid() -> None:
    with pytest.raises(ValidationError, match="needs at least one team"):
        schemas.UserIn(login="x", password="12345678", role=Role.supervisor, scope=ScopeKind.teams)
