"""Changing the organisation afterwards, on SQLite and PostgreSQL: values stored, rules kept."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.auth_hash import verify_password
from ccops.cli import app
from ccops.enums import Outcome, Role, ScopeKind, ServiceLevelVariant
from ccops.errors import Conflict, Forbidden, Invalid, NotFound
from ccops.org import changes, schemas
from ccops.org import service as org_service
from ccops.org.models import Person, User
from ccops.performance import attrition as perf_attrition
from tests.factories import make_org
from tests.factories.metrics import add_contact


def _org(session: Session, *, admin: bool = True) -> None:
    make_org(session)
    org_service.create_site(
        session=session, data=schemas.SiteIn(name="Other", timezone="Asia/Shanghai")
    )
    for team, site in (("Team A", "Main"), ("Team B", "Other")):
        org_service.create_team(session=session, data=schemas.TeamIn(name=team, site=site))
    changes.update_person(
        session=session,
        login="alice",
        data=schemas.PersonPatch(team="Team A", hire_date=date(2025, 1, 6)),
    )
    org_service.create_user(
        session=session,
        data=schemas.UserIn(
            login="alice", password="alice-pass-1", role=Role.agent, person="alice"
        ),
    )
    if admin:
        org_service.create_admin(session=session, login="root", password="root-pass-123")


def _user(session: Session, login: str) -> User:
    return org_service.get_user_by_login(session=session, login=login)


def test_queue_targets_change_and_unset_fields_stay(session: Session) -> None:
    make_org(session)
    out = changes.update_queue(
        session=session,
        name="Sales",
        data=schemas.QueuePatch(
            target_s=30,
            service_level_goal=0.9,
            service_level_variant=ServiceLevelVariant.abandons_ignored,
        ),
    )
    assert (out.target_s, out.service_level_goal, out.short_abandon_s) == (30.0, 0.9, 5.0)
    assert out.service_level_variant == ServiceLevelVariant.abandons_ignored
    (stored,) = org_service.list_queues(session=session)
    assert (stored.target_s, stored.service_level_goal) == (30.0, 0.9)
    renamed = changes.update_queue(
        session=session, name="Sales", data=schemas.QueuePatch(name="Sales UK")
    )
    assert renamed.name == "Sales UK" and renamed.target_s == 30.0
    with pytest.raises(ValidationError):
        schemas.QueuePatch(service_level_goal=1.5)
    with pytest.raises(Invalid, match="target_s cannot be empty"):
        changes.update_queue(
            session=session, name="Sales UK", data=schemas.QueuePatch(target_s=None)
        )
    with pytest.raises(NotFound):
        changes.update_queue(session=session, name="Nope", data=schemas.QueuePatch(target_s=9))


def test_queue_outside_the_managers_scope_is_refused(session: Session) -> None:
    _org(session)
    other = org_service.get_site(session=session, name="Other")
    scope = org_service.Scope(kind=ScopeKind.sites, site_ids=frozenset({other.id}))
    # out of scope answers like a missing queue: names cannot be probed
    with pytest.raises(NotFound, match="queue 'Sales' does not exist"):
        changes.update_queue(
            session=session, name="Sales", data=schemas.QueuePatch(target_s=9), scope=scope
        )


def test_site_renames_and_changes_zone_only_without_contact_data(session: Session) -> None:
    _org(session)
    out = changes.update_site(
        session=session,
        name="Main",
        data=schemas.SitePatch(name="London", timezone="Europe/Dublin"),
    )
    assert (out.name, out.timezone) == ("London", "Europe/Dublin")
    with pytest.raises(Conflict, match="already exists"):
        changes.update_site(session=session, name="London", data=schemas.SitePatch(name="Other"))
    add_contact(
        session,
        ext="c1",
        queue="Sales",
        arrival=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        outcome=Outcome.answered,
        wait_s=5,
        talk_s=100,
    )
    assert changes.site_has_contact_data(session=session, site_id=out.id)
    with pytest.raises(Conflict, match="contact data") as refused:
        changes.update_site(
            session=session, name="London", data=schemas.SitePatch(timezone="Asia/Tokyo")
        )
    assert refused.value.problems[0].field == "timezone"
    assert org_service.get_site(session=session, name="London").timezone == "Europe/Dublin"
    # the same zone again, and a rename, are still fine
    again = changes.update_site(
        session=session,
        name="London",
        data=schemas.SitePatch(name="Main", timezone="Europe/Dublin", country_code="GB"),
    )
    assert (again.name, again.country_code) == ("Main", "GB")


def test_team_moves_with_its_people_and_leader_is_set_and_cleared(session: Session) -> None:
    _org(session)
    out = changes.update_team(
        session=session,
        name="Team A",
        data=schemas.TeamPatch(name="Team Alpha", site="Other", leader="bob"),
    )
    assert (out.name, out.site, out.leader) == ("Team Alpha", "Other", "bob")
    alice = org_service.get_person(session=session, login="alice")
    other = org_service.get_site(session=session, name="Other")
    assert alice.site_id == other.id
    cleared = changes.update_team(
        session=session, name="Team Alpha", data=schemas.TeamPatch(leader=None)
    )
    assert cleared.leader is None
    with pytest.raises(NotFound):
        changes.update_team(
            session=session, name="Team Alpha", data=schemas.TeamPatch(leader="nobody")
        )
    with pytest.raises(Conflict):
        changes.update_team(
            session=session, name="Team Alpha", data=schemas.TeamPatch(name="Team B")
        )


def test_person_changes_team_role_and_name_within_their_site(session: Session) -> None:
    _org(session)
    out = changes.update_person(
        session=session,
        login="bob",
        data=schemas.PersonPatch(name="Robert Smith", role=Role.supervisor, team="Team A"),
    )
    assert (out.name, out.role, out.team, out.site) == (
        "Robert Smith",
        Role.supervisor,
        "Team A",
        "Main",
    )
    with pytest.raises(Invalid) as wrong_site:
        changes.update_person(session=session, login="bob", data=schemas.PersonPatch(team="Team B"))
    assert wrong_site.value.problems[0].field == "team"
    moved = changes.update_person(
        session=session, login="bob", data=schemas.PersonPatch(site="Other", team="Team B")
    )
    assert (moved.site, moved.team) == ("Other", "Team B")
    out_of_team = changes.update_person(
        session=session, login="bob", data=schemas.PersonPatch(team=None)
    )
    assert out_of_team.team is None and out_of_team.name == "Robert Smith"


def test_leaver_is_recorded_disables_the_sign_in_and_counts_in_attrition(
    session: Session,
) -> None:
    _org(session)
    version = _user(session, "alice").session_version
    left = date(2026, 10, 15)
    out = changes.update_person(
        session=session,
        login="alice",
        data=schemas.PersonPatch(termination_date=left, termination_reason="moved away"),
    )
    assert (out.termination_date, out.termination_reason, out.team) == (
        left,
        "moved away",
        "Team A",
    )
    user = _user(session, "alice")
    assert user.disabled_at is not None and user.disabled_reason == changes.LEAVER
    assert user.session_version == version + 1
    session.commit()  # sign_in reads and counts on connections of its own, as a request does
    refused = org_service.sign_in(session=session, login="alice", password="alice-pass-1")
    assert refused.user is None and refused.disabled
    report = perf_attrition.attrition(
        session=session,
        first=date(2026, 10, 1),
        last=date(2026, 10, 31),
        scope=org_service.EVERYTHING,
        team="Team A",
    )
    assert [(p.person, p.reason, p.termination_date) for p in report.leavers] == [
        ("alice", "moved away", left)
    ]
    assert [m.leavers for m in report.months] == [1]
    # undo the mistaken record: the date and reason go, the sign-in it disabled comes back
    undone = changes.update_person(
        session=session, login="alice", data=schemas.PersonPatch(termination_date=None)
    )
    assert (undone.termination_date, undone.termination_reason) == (None, None)
    assert _user(session, "alice").disabled_at is None
    session.commit()
    assert org_service.sign_in(session=session, login="alice", password="alice-pass-1").user
    report = perf_attrition.attrition(
        session=session,
        first=date(2026, 10, 1),
        last=date(2026, 10, 31),
        scope=org_service.EVERYTHING,
        team="Team A",
    )
    assert report.leavers == [] and [m.leavers for m in report.months] == [0]


def test_leaver_needs_a_reason_and_a_date_after_hiring(session: Session) -> None:
    _org(session)
    with pytest.raises(Invalid) as no_reason:
        changes.update_person(
            session=session,
            login="alice",
            data=schemas.PersonPatch(termination_date=date(2026, 10, 1)),
        )
    assert no_reason.value.problems[0].field == "termination_reason"
    with pytest.raises(Invalid) as early:
        changes.update_person(
            session=session,
            login="alice",
            data=schemas.PersonPatch(
                termination_date=date(2024, 12, 31), termination_reason="never started"
            ),
        )
    assert early.value.problems[0].field == "termination_date"
    alice = org_service.get_person(session=session, login="alice")
    assert alice.termination_date is None and _user(session, "alice").disabled_at is None


def test_user_role_scope_disable_unlock_and_temporary_password(session: Session) -> None:
    _org(session)
    out = changes.update_user(
        session=session,
        login="alice",
        data=schemas.UserPatch(role=Role.supervisor, scope=ScopeKind.teams, teams=["Team A"]),
    )
    assert (out.role, out.scope, out.teams, out.person) == (
        Role.supervisor,
        ScopeKind.teams,
        ["Team A"],
        "alice",
    )
    with pytest.raises(Invalid, match="scope 'sites' needs at least one site"):
        changes.update_user(
            session=session, login="alice", data=schemas.UserPatch(scope=ScopeKind.sites)
        )
    with pytest.raises(NotFound):
        changes.update_user(
            session=session, login="alice", data=schemas.UserPatch(teams=["No such team"])
        )
    assert _user(session, "alice").role == Role.supervisor  # nothing stored half
    user = _user(session, "alice")
    user.locked_until = datetime.now(UTC) + timedelta(minutes=10)
    user.failed_logins = 3
    session.flush()
    unlocked = changes.update_user(
        session=session, login="alice", data=schemas.UserPatch(unlock=True)
    )
    assert unlocked.locked_until is None and _user(session, "alice").failed_logins == 0
    version = _user(session, "alice").session_version
    changes.update_user(
        session=session, login="alice", data=schemas.UserPatch(password="temporary-pass-42")
    )
    user = _user(session, "alice")
    assert verify_password(user.password_hash, "temporary-pass-42")
    assert user.session_version == version + 1
    disabled = changes.update_user(
        session=session, login="alice", data=schemas.UserPatch(disabled=True)
    )
    assert disabled.disabled
    session.commit()
    assert org_service.sign_in(
        session=session, login="alice", password="temporary-pass-42"
    ).disabled
    enabled = changes.update_user(
        session=session, login="alice", data=schemas.UserPatch(disabled=False)
    )
    assert not enabled.disabled


def test_the_last_active_admin_keeps_their_rights(session: Session) -> None:
    _org(session)
    for patch, field in (
        (schemas.UserPatch(role=Role.manager, scope=ScopeKind.all), "role"),
        (schemas.UserPatch(disabled=True), "disabled"),
    ):
        with pytest.raises(Conflict, match="last active administrator") as refused:
            changes.update_user(session=session, login="root", data=patch)
        assert refused.value.problems[0].field == field
    assert _user(session, "root").role == Role.admin
    org_service.create_admin(session=session, login="second", password="second-pass-1")
    changes.update_user(session=session, login="second", data=schemas.UserPatch(disabled=True))
    with pytest.raises(Conflict):  # a disabled admin does not count
        changes.update_user(session=session, login="root", data=schemas.UserPatch(disabled=True))
    changes.update_user(session=session, login="second", data=schemas.UserPatch(disabled=False))
    out = changes.update_user(
        session=session, login="root", data=schemas.UserPatch(role=Role.manager)
    )
    assert out.role == Role.manager


def test_the_last_admins_person_cannot_be_recorded_as_a_leaver(session: Session) -> None:
    _org(session)
    changes.update_user(session=session, login="root", data=schemas.UserPatch(person="bob"))
    with pytest.raises(Conflict, match="last active administrator"):
        changes.update_person(
            session=session,
            login="bob",
            data=schemas.PersonPatch(termination_date=date(2026, 11, 1), termination_reason="x"),
        )
    bob = session.scalars(select(Person).where(Person.login == "bob")).one()
    assert bob.termination_date is None


def test_a_manager_neither_moves_people_into_teams_outside_scope_nor_records_an_admin_leaving(
    session: Session,
) -> None:
    """Found in review: a team-scoped manager could move a person into any team of the site,
    and record an administrator's person as a leaver (which disables the admin's sign-in)."""
    _org(session)
    org_service.create_team(session=session, data=schemas.TeamIn(name="Team C", site="Main"))
    team_a, main = session.execute(
        select(Person.team_id, Person.site_id).where(Person.login == "alice")
    ).one()
    assert team_a is not None
    scope = org_service.Scope(
        kind=ScopeKind.teams, site_ids=frozenset({main}), team_ids=frozenset({team_a})
    )
    with pytest.raises(NotFound) as outside:
        changes.update_person(
            session=session, login="alice", data=schemas.PersonPatch(team="Team C"), scope=scope
        )
    assert outside.value.problems[0].field == "team"
    org_service.create_admin(session=session, login="root2", password="root-pass-456")
    changes.update_user(session=session, login="root2", data=schemas.UserPatch(person="alice"))
    leaving = schemas.PersonPatch(termination_date=date(2026, 11, 1), termination_reason="x")
    with pytest.raises(Forbidden) as not_admin:
        changes.update_person(
            session=session, login="alice", data=leaving, scope=scope, by_admin=False
        )
    assert not_admin.value.problems[0].field == "termination_date"
    assert _user(session, "root2").disabled_at is None
    alice = session.scalars(select(Person).where(Person.login == "alice")).one()
    assert alice.termination_date is None and alice.team_id == team_a


def test_api_patch_answers_404_409_422_with_the_field(
    admin_client: TestClient, session: Session
) -> None:
    _org(session, admin=False)  # the client's administrator is "root"
    session.commit()
    missing = admin_client.patch("/api/v1/queues/Nope", json={"target_s": 10})
    assert missing.status_code == 404
    bad = admin_client.patch("/api/v1/queues/Sales", json={"target_s": -1})
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["field"] == "target_s"
    extra = admin_client.patch("/api/v1/queues/Sales", json={"patience_s": 3})
    assert extra.status_code == 422 and extra.json()["problems"][0]["field"] == "patience_s"
    ok = admin_client.patch(
        "/api/v1/queues/Sales", json={"target_s": 15, "service_level_goal": 0.85}
    )
    assert ok.status_code == 200
    assert (ok.json()["target_s"], ok.json()["service_level_goal"]) == (15.0, 0.85)
    last = admin_client.patch("/api/v1/users/root", json={"disabled": True})
    assert last.status_code == 409 and last.json()["problems"][0]["field"] == "disabled"
    add_contact(
        session,
        ext="c1",
        queue="Sales",
        arrival=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        outcome=Outcome.answered,
        wait_s=5,
        talk_s=100,
    )
    session.commit()
    zone = admin_client.patch("/api/v1/sites/Main", json={"timezone": "Asia/Tokyo"})
    assert zone.status_code == 409 and zone.json()["problems"][0]["field"] == "timezone"
    unknown_zone = admin_client.patch("/api/v1/sites/Main", json={"timezone": "Mars/Base"})
    assert unknown_zone.status_code == 422
    leaver = admin_client.patch(
        "/api/v1/people/alice",
        json={"termination_date": "2026-11-20", "termination_reason": "career change"},
    )
    assert leaver.status_code == 200 and leaver.json()["termination_date"] == "2026-11-20"
    user = admin_client.get("/api/v1/users").json()
    assert [u["disabled"] for u in user if u["login"] == "alice"] == [True]
    team = admin_client.patch("/api/v1/teams/Team%20A", json={"leader": "bob"})
    assert team.status_code == 200 and team.json()["leader"] == "bob"


def test_cli_updates_queue_person_and_user(cli: CliRunner, session: Session) -> None:
    _org(session)
    session.commit()
    queue = cli.invoke(app, ["queues", "update", "Sales", "--target-s", "40", "--json"])
    assert queue.exit_code == 0, queue.output
    assert json.loads(queue.stdout)[0]["target_s"] == 40.0
    left = cli.invoke(
        app,
        ["people", "update", "alice", "--left", "2026-11-01", "--reason", "retired", "--json"],
    )
    assert left.exit_code == 0, left.output
    assert json.loads(left.stdout)[0]["termination_reason"] == "retired"
    back = cli.invoke(app, ["people", "update", "alice", "--not-left", "--no-team", "--json"])
    (person,) = json.loads(back.stdout)
    assert (person["termination_date"], person["team"]) == (None, None)
    last = cli.invoke(app, ["users", "update", "root", "--disable"])
    assert last.exit_code == 4 and "last active administrator" in last.output
    nothing = cli.invoke(app, ["users", "update", "alice"])
    assert nothing.exit_code == 2 and "nothing to change" in nothing.output
    unknown = cli.invoke(app, ["teams", "update", "Nope", "--no-leader"])
    assert unknown.exit_code == 3
