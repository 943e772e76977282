"""The improvement records' pages: a manager opens a record through the form (each field's
problem marked), adds and completes an action, runs the measured check and reads the verdict;
a new record's form is filled in from a control chart's signal."""

from __future__ import annotations

import re

import pytest

from ccops.enums import Role
from tests.factories.web import World, sign_in
from tests.knowledge.test_improvement_kpis import PERIODS, _contacts

PLAN = {
    "title": "Slow answers on Sales",
    "kpi": "service_level",
    "topic": "",
    "kpi_other": "",
    "queue": "Sales",
    "problem_first": "2026-11-02",
    "problem_last": "2026-11-08",
    "problem": "Service level fell to 40%.",
    "whys": "Too few agents at 11:00\nThe forecast missed the campaign",
    "fishbone_process": "campaign not told to planning",
    "fishbone_people": "",
}


def test_a_manager_runs_a_cycle_through_the_pages(world: World) -> None:
    _contacts(world)
    client = world.client()
    csrf = sign_in(client, "u-manager")  # sites: Main
    # every problem is marked on its field and the input is kept
    bad = client.post(
        "/improvements",
        data=PLAN | {"title": "", "kpi": "topic", "problem_last": "2026-11-01", "csrf_token": csrf},
    )
    assert bad.status_code == 422
    for field in ("title", "topic"):
        assert f'id="e-{field}"' in bad.text, field
    assert 'value="Sales"' in bad.text
    wrong_day = client.post(
        "/improvements", data=PLAN | {"problem_last": "2026-11-01", "csrf_token": csrf}
    )
    assert wrong_day.status_code == 422 and 'id="e-problem_last"' in wrong_day.text
    outside = client.post("/improvements", data=PLAN | {"queue": "Support", "csrf_token": csrf})
    assert outside.status_code == 422 and 'id="e-queue"' in outside.text
    made = client.post("/improvements", data=PLAN | {"csrf_token": csrf})
    assert made.status_code == 303, made.text
    path = made.headers["location"]
    page = client.get(path)
    assert page.status_code == 200
    assert "Too few agents at 11:00" in page.text and "campaign not told to planning" in page.text
    # the problem period's service level with its Wilson interval: 20 / 50 [27.6%, 53.8%]
    problem = re.search(r'id="problem-interval">([^<]*)<', page.text)
    assert problem and "40.0%" in problem.group(1) and "27.6%" in problem.group(1)
    # an action: a missing owner is marked; then added and marked done
    no_owner = client.post(
        f"{path}/actions",
        data={"text": "Two agents at 11:00", "owner": "", "due": "2026-11-10", "csrf_token": csrf},
    )
    assert no_owner.status_code == 422 and 'id="e-owner"' in no_owner.text
    added = client.post(
        f"{path}/actions",
        data={
            "text": "Two agents at 11:00",
            "owner": "u-planner",
            "due": "2026-11-10",
            "csrf_token": csrf,
        },
    )
    assert added.status_code == 303
    record = world.client(Role.manager).get(f"/api/v1{path}").json()
    action = record["actions"][0]["id"]
    assert (
        client.post(f"{path}/actions/{action}/done", data={"csrf_token": csrf}).status_code == 303
    )
    assert 'data-status="done"' in client.get(path).text
    # the check: periods out of order are marked; then measured, with the verdict
    swapped = client.post(
        f"{path}/check", data=PERIODS | {"after_first": "2026-11-05", "csrf_token": csrf}
    )
    assert swapped.status_code == 422 and 'id="e-after_first"' in swapped.text
    checked = client.post(f"{path}/check", data=PERIODS | {"csrf_token": csrf})
    assert checked.status_code == 303, checked.text
    page = client.get(path).text
    assert 'data-verdict="improved"' in page
    assert "40.0%" in page and "76.9%" in page and "27.6%" in page
    listed = client.get("/improvements").text
    assert "Slow answers on Sales" in listed and 'data-verdict="improved"' in listed
    # the plan is changed through the same form, kept values shown
    edit = client.get(f"{path}/edit")
    assert edit.status_code == 200 and "Too few agents at 11:00" in edit.text
    saved = client.post(f"{path}/edit", data=PLAN | {"title": "Sales at 11:00", "csrf_token": csrf})
    assert saved.status_code == 303
    assert "Sales at 11:00" in client.get("/improvements").text


def test_a_handle_time_check_asks_which_way_is_better(world: World) -> None:
    _contacts(world)
    client = world.client()
    csrf = sign_in(client, "u-manager")
    path = client.post("/improvements", data=PLAN | {"kpi": "aht_s", "csrf_token": csrf}).headers[
        "location"
    ]
    assert 'id="f-direction"' in client.get(path).text
    undirected = client.post(f"{path}/check", data=PERIODS | {"direction": "", "csrf_token": csrf})
    assert undirected.status_code == 422 and 'id="e-direction"' in undirected.text
    done = client.post(f"{path}/check", data=PERIODS | {"direction": "lower", "csrf_token": csrf})
    assert done.status_code == 303
    page = client.get(path).text
    assert 'data-verdict="improved"' in page and "Welch" in page


@pytest.mark.parametrize("role", [Role.executive])
def test_readers_see_records_without_the_forms(world: World, role: Role) -> None:
    manager = world.client(Role.manager)
    made = manager.post(
        "/api/v1/improvements",
        json={
            "title": "Repeats",
            "kpi": "repeat_rate:log-in",
            "queue": "Sales",
            "problem_first": "2026-11-02",
            "problem_last": "2026-11-08",
            "problem": "p",
        },
    ).json()
    reader = world.client(role)
    page = reader.get(f"/improvements/{made['id']}")
    assert page.status_code == 200 and "Repeat rate of the topic log-in" in page.text
    assert 'id="check-form"' not in page.text
    assert reader.get("/improvements/new").status_code == 403


def test_a_signal_fills_in_the_new_records_form(world: World) -> None:
    manager = world.client(Role.manager)
    page = manager.get(
        "/improvements/new",
        params={
            "kpi": "repeat_contact_rate",
            "first": "2026-11-16",
            "last": "2026-11-22",
            "signal": "Special cause: Team A repeat-contact rate 31.0% above the upper limit 22.0%",
        },
    )
    assert page.status_code == 200
    assert re.search(r'<option value="repeat_contact_rate" selected', page.text)
    assert 'value="2026-11-16"' in page.text and 'value="2026-11-22"' in page.text
    assert "Special cause: Team A repeat-contact rate 31.0%" in page.text
    assert 'id="signal"' in page.text
    topic = manager.get("/improvements/new", params={"kpi": "repeat_rate:登录"}).text
    assert re.search(r'<option value="topic" selected', topic) and 'value="登录"' in topic


def test_a_special_cause_on_a_team_chart_starts_an_improvement(world: World) -> None:
    """Alice (Team A) answers 100 contacts each Monday of 12 weeks, 20 of them repeated; in the
    week from 16 November 60 are: p-bar = 280 / 1200 = 0.2333, limits for n = 100
    0.2333 -+ 3 sqrt(0.2333 * 0.7667 / 100) = [0.1065, 0.3602]; 0.6 is above them."""
    from datetime import date, timedelta

    from tests.factories.knowledge import world_session
    from tests.factories.performance import add_contacts, add_horizon

    last = date(2026, 11, 29)  # a Sunday: the chart's 12 ISO weeks end on it
    with world_session(world) as s:
        for week in range(12):
            monday = last - timedelta(days=6 + 7 * week)
            repeats = 60 if monday == date(2026, 11, 16) else 20
            add_contacts(s, login="alice", day=monday, answered=100, repeats=repeats)
        add_horizon(s, last + timedelta(days=30))
    period = {"first": "2026-11-01", "last": last.isoformat()}
    manager = world.client(Role.manager)
    page = manager.get("/performance/teams/Team A", params=period)
    assert page.status_code == 200, page.text
    links = re.findall(r'<a href="([^"]+)" data-start-improvement="([^"]+)"', page.text)
    assert [day for _href, day in links] == ["2026-11-16"]  # the one special-cause week
    href = links[0][0].replace("&amp;", "&")
    form = manager.get(href)
    assert form.status_code == 200
    assert re.search(r'<option value="repeat_contact_rate" selected', form.text)
    assert 'value="2026-11-16"' in form.text and 'value="2026-11-22"' in form.text
    signal = re.search(r'id="signal">([^<]*)<', form.text)
    assert signal is not None
    assert "Team A" in signal.group(1) and "60.0%" in signal.group(1)
    assert "above the upper limit" in signal.group(1) and "10.6% – 36.0%" in signal.group(1)
    # readers who cannot open a record see the signal without the link
    executive = world.client(Role.executive).get("/performance/teams/Team A", params=period)
    assert executive.status_code in (200, 403)
    assert "data-start-improvement" not in executive.text
