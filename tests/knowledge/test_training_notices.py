"""A new version of a training module notifies the new hires whose checklist includes it and
their team leaders, nobody else (#16); a completion refused on the checklist page says why beside
the item and records nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.enums import Role
from ccops.knowledge import schemas, training
from ccops.knowledge.models import TrainingCompletion
from ccops.notifications.models import Notification
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person, Team, User
from tests.factories.knowledge import training_modules, world_session
from tests.factories.web import PASSWORD, World, sign_in

USERS = ("u-agent", "u-bob", "u-carol", "u-dave", "u-lead-b", "u-supervisor", "u-qa")
"""Every user whose notifications the test follows (and u-manager, u-planner, u-admin)."""


def _person(s: Session, login: str) -> Person:
    return s.scalars(select(Person).where(Person.login == login)).one()


def _people(s: Session) -> None:
    """alice (Team A, user u-agent, led by u-supervisor through its scope); bob (Team B, hired
    10 days ago, u-bob) led by lead-b (u-lead-b, Team B's leader); carol (Team C at the other
    site, Support, hired 400 days ago, u-carol); dave (Team B, hired 20 days ago, left
    yesterday, his sign-in still enabled)."""
    today = utcnow().date()
    org_service.create_person(
        session=s,
        data=org_schemas.PersonIn(
            name="Dave",
            login="dave",
            site="Main",
            team="Team B",
            skills=[org_schemas.SkillIn(queue="Sales")],
        ),
    )
    org_service.create_person(
        session=s,
        data=org_schemas.PersonIn(name="Lead B", login="lead-b", site="Main", role=Role.supervisor),
    )
    for login, person, role in (
        ("u-bob", "bob", Role.agent),
        ("u-carol", "carol", Role.agent),
        ("u-dave", "dave", Role.agent),
        ("u-lead-b", "lead-b", Role.supervisor),
    ):
        org_service.create_user(
            session=s,
            data=org_schemas.UserIn(login=login, password=PASSWORD, role=role, person=person),
        )
    _person(s, "bob").hire_date = today - timedelta(days=10)
    _person(s, "carol").hire_date = today - timedelta(days=400)
    dave = _person(s, "dave")
    dave.hire_date, dave.termination_date = today - timedelta(days=20), today - timedelta(days=1)
    s.scalars(select(Team).where(Team.name == "Team B")).one().leader_id = _person(s, "lead-b").id
    s.flush()


def _modules(s: Session) -> dict[str, int]:
    """Sales basics (Sales), Company values (everyone), Support tools (Support, the other
    site's queue), each in version 1; alice completed Sales basics 1."""
    ids = training_modules(s)
    training.complete(
        session=s, login="alice", data=schemas.CompletionIn(module_id=ids["sales"]), by="u-qa"
    )
    return ids


def _inbox(s: Session) -> dict[str, list[tuple[str, str, str | None]]]:
    """Each followed user's notifications of new training versions: subject, body, link."""
    rows = s.execute(
        select(User.login, Notification.subject, Notification.body, Notification.link)
        .join(User, User.id == Notification.user_id)
        .where(Notification.kind == "training_version")
        .order_by(Notification.id)
    )
    out: dict[str, list[tuple[str, str, str | None]]] = {}
    for login, subject, body, link in rows:
        out.setdefault(login, []).append((subject, body, link))
    return out


def _publish(s: Session, module_id: int, by: str) -> int | None:
    return training.add_version(
        session=s, module_id=module_id, data=schemas.TrainingVersionIn(summary="next"), by=by
    ).notified


def test_a_new_version_notifies_new_hires_with_it_and_their_leaders_only(world: World) -> None:
    with world_session(world) as s:
        _people(s)
        ids = _modules(s)
        assert _inbox(s) == {}  # version 1 and completions notify nobody
        # Sales basics 2: alice (completed 1: again), bob (hired 10 days ago), and the leaders
        # of Team A (u-supervisor, scoped to it) and Team B (u-lead-b, its leader). Not carol
        # (another queue), dave (gone), the publisher u-qa, managers, planners, admins.
        assert _publish(s, ids["sales"], "u-qa") == 4
        inbox = _inbox(s)
        assert inbox == {
            "u-agent": [
                (
                    "Training to do again: Sales basics, version 2",
                    "You completed version 1; version 2 replaces it.",
                    "/training/checklists/alice",
                )
            ],
            "u-bob": [
                (
                    "New version of your training: Sales basics, version 2",
                    "Version 2 is now the one on your checklist.",
                    "/training/checklists/bob",
                )
            ],
            "u-lead-b": [
                (
                    "Training updated for your new hires: Sales basics, version 2",
                    "On the checklist of: bob",
                    "/training",
                )
            ],
            "u-supervisor": [
                (
                    "Training updated for your new hires: Sales basics, version 2",
                    "On the checklist of: alice",
                    "/training",
                )
            ],
        }
        # Support tools 2: carol was hired 400 days ago and has no completion: nobody
        assert _publish(s, ids["support"], "u-qa") == 0
        _person(s, "carol").hire_date = utcnow().date() - timedelta(days=30)
        assert _publish(s, ids["support"], "u-qa") == 1  # Team C has no leader
        assert [n[0] for n in _inbox(s)["u-carol"]] == [
            "New version of your training: Support tools, version 3"
        ]
        # Company values 2 (everyone's), published by u-supervisor: not told of their own
        assert _publish(s, ids["values"], "u-supervisor") == 4
        inbox = _inbox(s)
        counts = {login: len(inbox.get(login, [])) for login in USERS}
        assert counts == {
            "u-agent": 2,
            "u-bob": 2,
            "u-carol": 2,
            "u-dave": 0,
            "u-lead-b": 2,
            "u-supervisor": 1,
            "u-qa": 0,
        }
        assert inbox["u-lead-b"][-1][1] == "On the checklist of: bob"
        everyone = s.scalar(select(func.count()).select_from(Notification))
        assert everyone == 4 + 1 + 4


def test_the_api_and_the_page_say_how_many_were_notified(world: World) -> None:
    with world_session(world) as s:
        _people(s)
        ids = _modules(s)
    planner = world.client(Role.planner)
    made = planner.post(f"/api/v1/training/modules/{ids['sales']}/versions", json={"summary": "2"})
    assert made.status_code == 201, made.text
    assert (made.json()["current_version"], made.json()["notified"]) == (2, 4)
    assert planner.get(f"/api/v1/training/modules/{ids['sales']}").json()["notified"] is None
    writer = world.client()
    csrf = sign_in(writer, "u-qa")
    posted = writer.post(
        f"/training/modules/{ids['values']}/versions",
        data={"summary": "Company values v2", "version": "", "csrf_token": csrf},
    )
    assert posted.status_code == 303
    shown = writer.get(posted.headers["location"]).text
    assert "Version 2 published; 4 people notified." in shown
    with world_session(world) as s:
        assert len(_inbox(s)["u-agent"]) == 2


def _completions(world: World) -> int:
    with world_session(world) as s:
        return int(s.scalar(select(func.count()).select_from(TrainingCompletion)) or 0)


def _refusal(html: str) -> str:
    found = re.findall(r'<p class="error" role="alert" id="refusal">([^<]*)</p>', html)
    assert len(found) == 1, html
    return found[0]


def test_a_refused_completion_says_why_beside_the_item_and_records_nothing(world: World) -> None:
    with world_session(world) as s:
        ids = _modules(s)
        training.add_version(
            session=s,
            module_id=ids["sales"],
            data=schemas.TrainingVersionIn(summary="Sales basics v2"),
            by="u-qa",
        )
    trainer = world.client()
    csrf = sign_in(trainer, "u-supervisor")
    page = trainer.get("/training/checklists/alice").text
    row = page.split(f'<tr data-module="{ids["sales"]}"')[1].split("</tr>")[0]
    assert '<input type="hidden" name="version" value="2">' in row
    assert 'data-state="out of date"' in row
    with world_session(world) as s:  # published while the trainer had the page open
        training.add_version(
            session=s,
            module_id=ids["sales"],
            data=schemas.TrainingVersionIn(summary="Sales basics v3"),
            by="u-qa",
        )
    before = _completions(world)
    url = "/training/checklists/alice/complete"

    def post(module: str, version: str) -> tuple[int, str]:
        answer = trainer.post(
            url, data={"module_id": module, "version": version, "csrf_token": csrf}
        )
        return answer.status_code, answer.text

    status, html = post(str(ids["sales"]), "2")
    assert status == 422
    assert _refusal(html) == (
        "Version 2 of “Sales basics” is out of date: the current version is 3. "
        "Mark version 3 once they have completed it. Nothing was recorded."
    )
    row = html.split(f'<tr data-module="{ids["sales"]}"')[1].split("</tr>")[0]
    assert 'id="refusal"' in row and 'aria-describedby="refusal"' in row  # beside the action
    assert '<input type="hidden" name="version" value="3">' in row  # the page shows the new one
    status, html = post(str(ids["sales"]), "9")
    assert (status, _refusal(html)) == (
        404,
        "“Sales basics” has no version 9. Nothing was recorded.",
    )
    status, html = post(str(ids["support"]), "1")
    assert status == 422
    assert _refusal(html) == (
        "“Support tools” is not on the checklist of Alice: it trains a queue they are not skilled "
        "for. Nothing was recorded."
    )
    assert html.index('id="refusal"') < html.index('id="checklist"')  # above the list: no row
    status, html = post("999", "1")
    assert (status, _refusal(html)) == (
        404,
        "Training module 999 does not exist. Nothing was recorded.",
    )
    status, html = post("", "")
    assert (status, _refusal(html)) == (
        422,
        "Choose a module to mark completed. Nothing was recorded.",
    )
    assert _completions(world) == before
    assert (
        trainer.post(
            "/training/checklists/bob/complete",
            data={"module_id": str(ids["sales"]), "version": "3", "csrf_token": csrf},
        ).status_code
        == 404
    )  # bob is in Team B: outside the team leader's scope
    assert _completions(world) == before
    done = trainer.post(
        url, data={"module_id": str(ids["sales"]), "version": "3", "csrf_token": csrf}
    )
    assert done.status_code == 303
    shown = trainer.get(done.headers["location"]).text
    assert "Marked completed." in shown and 'id="refusal"' not in shown
    row = shown.split(f'<tr data-module="{ids["sales"]}"')[1].split("</tr>")[0]
    assert 'data-state="done"' in row
    assert _completions(world) == before + 1
