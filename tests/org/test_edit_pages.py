"""The edit pages of the organisation: reached from the lists, marked when wrong, saved whole."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.org import service as org_service
from tests.factories.web import PASSWORD, World, csrf_of, sign_in


def _field_marked(html: str, name: str) -> bool:
    return bool(re.search(rf'id="f-{name}"[^>]*aria-invalid="true"', html))


def _lock(world: World, login: str) -> None:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        user = org_service.get_user_by_login(session=s, login=login)
        user.locked_until = datetime.now(UTC) + timedelta(minutes=15)
        user.failed_logins = 0
        s.commit()
    engine.dispose()


def test_lists_link_to_the_edit_page_of_each_row(world: World) -> None:
    admin = world.client(Role.admin)
    for page, link in (
        ("/admin/people", "/admin/people/alice"),
        ("/admin/queues", "/admin/queues/Sales"),
        ("/admin/teams", "/admin/teams/Team%20A"),
        ("/admin/sites", "/admin/sites/Main"),
        ("/admin/users", "/admin/users/u-agent"),
    ):
        html = admin.get(page).text
        assert f'href="{link}"' in html, page
        assert admin.get(link).status_code == 200, link
    supervisor = world.client(Role.supervisor).get("/admin/people").text
    assert 'href="/admin/people/alice"' not in supervisor  # supervisors only read


def test_queue_form_marks_a_bad_goal_keeps_the_input_and_saves_a_good_one(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-admin")
    page = client.get("/admin/queues/Sales")
    assert "recomputed from the new settings" in page.text
    assert 'id="f-target_s" name="target_s" type="number" value="20"' in page.text
    form = {
        "csrf_token": csrf,
        "action": "save",
        "name": "Sales",
        "target_s": "25",
        "service_level_goal": "120",
        "short_abandon_s": "4",
        "service_level_variant": "abandons_ignored",
    }
    bad = client.post("/admin/queues/Sales", data=form)
    assert bad.status_code == 422 and _field_marked(bad.text, "service_level_goal")
    assert 'value="120"' in bad.text and 'value="25"' in bad.text
    api = world.client(Role.admin)
    (stored,) = [q for q in api.get("/api/v1/queues").json() if q["name"] == "Sales"]
    assert stored["target_s"] == 20.0  # nothing stored
    saved = client.post("/admin/queues/Sales", data=form | {"service_level_goal": "90"})
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/queues/Sales"
    (stored,) = [q for q in api.get("/api/v1/queues").json() if q["name"] == "Sales"]
    assert (stored["target_s"], stored["service_level_goal"], stored["short_abandon_s"]) == (
        25.0,
        0.9,
        4.0,
    )
    assert stored["service_level_variant"] == "abandons_ignored"


def test_leaver_recorded_on_the_page_disables_the_sign_in_and_is_undone(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-admin")
    agent = world.client(Role.agent)
    assert agent.get("/api/v1/people").status_code == 200
    missing = client.post(
        "/admin/people/alice",
        data={"csrf_token": csrf, "action": "leave", "termination_date": "2026-11-20"},
    )
    assert missing.status_code == 422 and _field_marked(missing.text, "termination_reason")
    assert 'value="2026-11-20"' in missing.text
    done = client.post(
        "/admin/people/alice",
        data={
            "csrf_token": csrf,
            "action": "leave",
            "termination_date": "2026-11-20",
            "termination_reason": "moved away",
        },
    )
    assert done.status_code == 303
    page = client.get("/admin/people/alice").text
    assert 'id="leaver-status"' in page and "moved away" in page
    assert agent.get("/api/v1/people").status_code == 401  # the linked sign-in is disabled
    users = world.client(Role.admin).get("/api/v1/users").json()
    assert [u["disabled"] for u in users if u["login"] == "u-agent"] == [True]
    client.post("/admin/people/alice", data={"csrf_token": csrf, "action": "undo_leave"})
    person = [
        p for p in world.client(Role.admin).get("/api/v1/people").json() if p["login"] == "alice"
    ]
    assert person[0]["termination_date"] is None
    assert agent.get("/api/v1/people").status_code == 200


def test_person_form_refuses_a_team_of_another_site_keeping_the_input(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-admin")
    form = {
        "csrf_token": csrf,
        "action": "save",
        "name": "Alice Cooper",
        "role": "agent",
        "site": "Main",
        "team": "Team C",
        "hire_date": "",
    }
    bad = client.post("/admin/people/alice", data=form)
    assert bad.status_code == 422 and _field_marked(bad.text, "team")
    assert 'value="Alice Cooper"' in bad.text
    saved = client.post("/admin/people/alice", data=form | {"team": "Team B"})
    assert saved.status_code == 303
    (alice,) = [
        p for p in world.client(Role.admin).get("/api/v1/people").json() if p["login"] == "alice"
    ]
    assert (alice["name"], alice["team"]) == ("Alice Cooper", "Team B")


def test_managers_edit_only_in_scope(world: World) -> None:
    manager = world.client(Role.manager)
    assert manager.get("/admin/people/alice").status_code == 200
    assert manager.get("/admin/people/carol").status_code == 404  # site Other: not in scope
    assert manager.get("/admin/queues/Support").status_code == 404
    moved = manager.patch("/api/v1/people/alice", json={"site": "Other", "team": "Team C"})
    assert moved.status_code == 403


def test_admin_unlocks_resets_password_and_cannot_disable_the_last_admin(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-admin")
    _lock(world, "u-planner")
    page = client.get("/admin/users/u-planner").text
    assert 'value="unlock"' in page
    client.post("/admin/users/u-planner", data={"csrf_token": csrf, "action": "unlock"})
    assert 'value="unlock"' not in client.get("/admin/users/u-planner").text
    short = client.post(
        "/admin/users/u-planner", data={"csrf_token": csrf, "action": "password", "password": "x"}
    )
    assert short.status_code == 422 and _field_marked(short.text, "password")
    reset = client.post(
        "/admin/users/u-planner",
        data={"csrf_token": csrf, "action": "password", "password": "temporary-pass-1"},
    )
    assert reset.status_code == 303
    planner = world.client()
    sign_in(planner, "u-planner", "temporary-pass-1")
    last = client.post("/admin/users/u-admin", data={"csrf_token": csrf, "action": "disable"})
    assert last.status_code == 422 and "last active administrator" in last.text
    demote = client.post(
        "/admin/users/u-admin",
        data={"csrf_token": csrf, "action": "save", "role": "manager", "scope": "all"},
    )
    assert demote.status_code == 422 and _field_marked(demote.text, "role")
    assert client.get("/admin/users").status_code == 200  # still an administrator


def test_a_disabled_user_is_told_so_at_sign_in(world: World) -> None:
    admin = world.client(Role.admin)
    assert admin.patch("/api/v1/users/u-qa", json={"disabled": True}).status_code == 200
    client = world.client()
    page = client.get("/login")
    refused = client.post(
        "/login",
        data={"login": "u-qa", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert refused.status_code == 401 and "This account is disabled" in refused.text


def test_the_people_list_searches_filters_and_pages(world: World) -> None:
    from datetime import date

    from ccops.org import schemas as org_schemas

    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        for i in range(120):
            org_service.create_person(
                session=s,
                data=org_schemas.PersonIn(
                    name=f"Agent {i:03d}",
                    login=f"a{i:03d}",
                    site="Main",
                    team="Team A",
                    hire_date=date(2025, 1, 6),
                    termination_date=date(2026, 3, 31) if i % 10 == 0 else None,
                ),
            )
        s.commit()
    engine.dispose()
    admin = world.client(Role.admin)
    rows = re.compile(r'<tr>\s*<th scope="row">')
    first = admin.get("/admin/people").text
    assert "(124)" in first and len(rows.findall(first)) == 50  # 120 + the world's 4
    assert "1–50 of 124" in first and 'rel="next"' in first and 'rel="prev"' not in first
    last = admin.get("/admin/people", params={"page": "9"}).text  # past the end: the last page
    assert "101–124 of 124" in last and len(rows.findall(last)) == 24
    found = admin.get("/admin/people", params={"q": "AGENT 01"}).text  # name, any case
    assert "(10)" in found and 'id="list-pager"' not in found
    assert admin.get("/admin/people", params={"q": "alic"}).text.count("/admin/people/alice") == 1
    leavers = admin.get("/admin/people", params={"status": "left"}).text
    assert "(12)" in leavers  # a000, a010, ..., a110
    current = admin.get("/admin/people", params={"status": "current", "team": "Team A"}).text
    assert "(109)" in current  # Team A: alice and 108 current agents
    assert admin.get("/admin/people", params={"page": "x", "status": "?"}).status_code == 200
