"""Erasing a leaver: name and notes go, reviews and scores stay, the trail forgets the values."""

from __future__ import annotations

import json
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.audit.models import AuditEntry
from ccops.cli import app
from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.org.models import ApiToken, Person, User
from ccops.performance.models import CoachingSession, Review
from ccops.settings import Settings
from tests.factories import make_org
from tests.factories.web import World

TODAY = date.today()


def _add_notes(settings: Settings, login: str) -> None:
    engine = make_engine(settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        person = s.scalars(sa.select(Person).where(Person.login == login)).one()
        s.add(
            Review(
                person_id=person.id,
                reviewer="lead",
                period_first=TODAY - timedelta(days=90),
                period_last=TODAY - timedelta(days=1),
                strengths="calm with angry callers",
                weaknesses="wrap-up time",
                improvement_plan="shorter notes",
                person_commitments="x",
                support_commitments="y",
                next_review_on=TODAY,
                next_review_criteria="z",
            )
        )
        s.add(
            CoachingSession(
                person_id=person.id,
                coach="lead",
                held_on=TODAY - timedelta(days=10),
                monitoring_points="Alice Liddell talked about her divorce",
                gap="g",
                analysis="a",
                action_plan="p",
            )
        )
        s.commit()
    engine.dispose()


def test_erasing_a_leaver_keeps_reviews_and_removes_the_name(world: World) -> None:
    admin = world.client(Role.admin)
    agent = world.client(Role.agent)  # u-agent is alice's sign-in
    assert admin.patch("/api/v1/people/alice", json={"name": "Alice Liddell"}).status_code == 200
    _add_notes(world.settings, "alice")

    refused = admin.post("/api/v1/privacy/erase-leaver", json={"login": "alice"})
    assert refused.status_code == 409
    assert "'alice' has not left" in refused.json()["message"]

    left = {
        "termination_date": (TODAY - timedelta(days=1)).isoformat(),
        "termination_reason": "resigned",
    }
    assert admin.patch("/api/v1/people/alice", json=left).status_code == 200
    assert (
        world.client(Role.manager)
        .post("/api/v1/privacy/erase-leaver", json={"login": "alice"})
        .status_code
        == 403
    )

    done = admin.post("/api/v1/privacy/erase-leaver", json={"login": "alice"})
    assert done.status_code == 200, done.text
    out = done.json()
    assert out["pseudonym"] == f"leaver-{out['person_id']}"
    assert out["users_disabled"] == 1 and out["tokens_deleted"] == 1
    assert out["audit_entries_redacted"] >= 1  # the rename (and any earlier entries)

    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        person = s.get(Person, out["person_id"])
        assert person is not None
        assert (person.name, person.login) == (out["pseudonym"], out["pseudonym"])
        assert person.termination_reason == "resigned"
        review = s.scalars(sa.select(Review).where(Review.person_id == person.id)).one()
        assert review.strengths == "calm with angry callers"  # pay-relevant: kept
        coaching = s.scalars(sa.select(CoachingSession)).one()
        assert coaching.monitoring_points == "[erased]"
        user = s.scalars(sa.select(User).where(User.person_id == person.id)).one()
        assert user.login == out["pseudonym"] and user.disabled_at is not None
        assert (
            s.scalar(
                sa.select(sa.func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id)
            )
            == 0
        )
        trail = list(s.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))
        assert not [e.id for e in trail if "Alice" in e.changes_json or "alice" in e.changes_json]
        erase = trail[-1]
        assert (erase.action, erase.entity_kind, erase.entity_id) == ("erase", "person", person.id)
        assert erase.actor == "u-admin"
        assert "[erased]" in json.dumps(
            [json.loads(e.changes_json) for e in trail if e.entity_kind == "person"]
        )
    engine.dispose()
    assert agent.get("/api/v1/sites").status_code == 401  # the token is gone

    again = admin.post("/api/v1/privacy/erase-leaver", json={"login": out["pseudonym"]})
    assert again.status_code == 409 and "already erased" in again.json()["message"]


def test_cli_refuses_someone_who_has_not_left(session: Session, cli: CliRunner) -> None:
    make_org(session, agents=("bob",))
    session.commit()
    result = cli.invoke(app, ["privacy", "erase-leaver", "bob"])
    assert result.exit_code != 0
    assert "'bob' has not left" in result.output
    assert cli.invoke(app, ["privacy", "erase-leaver", "nobody"]).exit_code != 0
    person = session.scalars(sa.select(Person).where(Person.login == "bob")).one()
    person.termination_date = TODAY + timedelta(days=3)
    session.commit()
    later = cli.invoke(app, ["privacy", "erase-leaver", "bob"])
    assert "once they have left" in later.output
    person.termination_date = TODAY - timedelta(days=3)
    session.commit()
    done = cli.invoke(app, ["privacy", "erase-leaver", "bob"])
    assert done.exit_code == 0, done.output
    assert f"now 'leaver-{person.id}'" in done.output
    session.expire_all()
    assert session.get_one(Person, person.id).name == f"leaver-{person.id}"
