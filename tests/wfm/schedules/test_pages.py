"""Schedules with the two-site world: scope of builds, own weeks, supervisors' teams."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from ccops.db import make_engine, make_session_factory
from ccops.enums import Language, Role
from ccops.web.app import create_app
from ccops.web.i18n import Formats
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.schedules import setup as schedule_setup
from tests.factories.schedules import store_requirement
from tests.factories.web import World, sign_in

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


def _prepare(world: World) -> None:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        schedule_setup.create_template(
            session=s,
            data=ss.ShiftTemplateIn(
                site="Main",
                name="day",
                first_start="08:00",
                last_start="10:00",
                step_min=60,
                weekdays=[0, 1, 2, 3, 4],
                length_min=480,
                breaks=[
                    ss.BreakIn(
                        length_min=30,
                        earliest_after_start_min=180,
                        latest_after_start_min=300,
                        paid=False,
                    )
                ],
                cost_per_hour=20.0,
            ),
        )
        schedule_setup.create_contract(session=s, data=ss.ContractIn(name="flex", weekly_max_h=40))
        for login in ("alice", "bob"):
            schedule_setup.assign_contract(session=s, login=login, contract="flex")
        store_requirement(
            s, "Sales", agents=lambda t: 1 if t.weekday() < 5 and 9 <= t.hour < 17 else 0
        )
        s.commit()
    engine.dispose()


def test_pages_build_poll_publish_and_show_the_api_numbers(world: World) -> None:
    _prepare(world)
    settings = world.settings.model_copy(update={"jobs_in_app": "after_response"})
    client = TestClient(create_app(settings), follow_redirects=False)
    csrf = sign_in(client, "u-planner")
    listed = client.get("/schedules")
    assert listed.status_code == 200 and 'id="build-form"' in listed.text
    year, week, _ = (datetime.now(UTC).date() + timedelta(weeks=1)).isocalendar()
    proposed = f'id="f-week" name="week" type="week" value="{year}-W{week:02d}"'
    assert proposed in listed.text  # the week to come, in a week picker
    bad = client.post(
        "/schedules/build", data={"site": "Main", "week": "2026-W61", "csrf_token": csrf}
    )
    assert bad.status_code == 422 and "2026-W61" in bad.text
    other = client.post(
        "/schedules/build", data={"site": "Other", "week": WEEK, "csrf_token": csrf}
    )
    assert other.status_code == 422 and "outside your scope" in other.text
    started = client.post(
        "/schedules/build", data={"site": "Main", "week": WEEK, "csrf_token": csrf}
    )
    assert started.status_code == 303
    job_id = int(started.headers["location"].rsplit("#job-", 1)[-1])
    listed = client.get("/schedules")
    assert f'id="job-{job_id}"' in listed.text and 'data-status="done"' in listed.text
    status = client.get(f"/jobs/{job_id}", headers={"HX-Request": "true"})
    assert status.status_code == 200 and f'id="job-result-{job_id}"' in status.text
    assert "hx-trigger" not in status.text
    target = status.headers["HX-Redirect"]
    schedule_id = int(target.rsplit("/", 1)[-1])
    other_planner = world.client(Role.manager)
    assert other_planner.get(f"/jobs/{job_id}").status_code == 404
    page = client.get(target)
    assert 'data-status="draft"' in page.text and 'id="publish-form"' in page.text
    published = client.post(f"/schedules/{schedule_id}/publish", data={"csrf_token": csrf})
    assert published.status_code == 303
    page = client.get(target)
    api = world.client(Role.planner).get(f"/api/v1/schedules/{schedule_id}").json()
    assert api["status"] == "published" and 'data-status="published"' in page.text
    fmt = Formats(Language.en)
    for key, text in (
        ("gap", fmt.pct(api["gap"], 2)),
        ("paid_hours", fmt.num(api["paid_hours"], 2)),
        ("under_coverage_h", fmt.num(api["under_coverage_h"], 2)),
    ):
        assert f'data-measure="{key}">{text}</dd>' in page.text, key
    again = client.post(f"/schedules/{schedule_id}/publish", data={"csrf_token": csrf})
    assert again.status_code == 303
    assert "only a complete draft" in client.get(target).text
    agent = TestClient(create_app(world.settings), follow_redirects=False)
    agent_csrf = sign_in(agent, "u-agent")
    mine = agent.get(f"/schedules/my?week={WEEK}")
    assert mine.status_code == 200 and 'id="my-shifts"' in mine.text
    assert 'data-unread="1"' in mine.text
    feed = agent.post("/schedules/my/feed", data={"csrf_token": agent_csrf})
    url = feed.text.split('id="feed-url">', 1)[1].split("<", 1)[0]
    ics = agent.get(url.replace("http://testserver", ""))
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    shifts = api["shift_rows"]
    assert ics.text.count("BEGIN:VEVENT") == sum(1 for s in shifts if s["login"] == "alice")
    revoked = agent.post("/schedules/my/feed/revoke", data={"csrf_token": agent_csrf})
    assert revoked.status_code == 303
    assert agent.get(url.replace("http://testserver", "")).status_code == 404


def test_availability_and_preferences_over_the_api_with_scope(world: World) -> None:
    _prepare(world)
    supervisor = world.client(Role.supervisor)
    body = {"spans": [{"weekday": 0, "start": "08:00", "end": "16:00"}]}
    done = supervisor.post("/api/v1/schedules/people/alice/availability", json=body)
    assert done.status_code == 200, done.text
    assert done.json() == {"login": "alice", "any_time": False, "spans": body["spans"]}
    refused = supervisor.post("/api/v1/schedules/people/bob/availability", json=body)
    assert refused.status_code == 403 and "outside your scope" in refused.json()["message"]
    assert supervisor.get("/api/v1/schedules/people/bob/preferences").status_code == 403
    agent = world.client(Role.agent)
    assert agent.post("/api/v1/schedules/people/alice/availability", json=body).status_code == 403
    executive = world.client(Role.executive)
    read = executive.get("/api/v1/schedules/people/alice/availability")
    assert read.status_code == 200 and read.json()["spans"] == body["spans"]
    late = {"spans": [{"weekday": 7, "start": "08:00", "end": "25:00"}]}
    bad = supervisor.post("/api/v1/schedules/people/alice/availability", json=late)
    assert bad.status_code == 422
    assert {p["field"] for p in bad.json()["problems"]} == {"spans.0.weekday", "spans.0.end"}
    planner = world.client(Role.planner)
    prefs = {"preferences": [{"weight": 2, "template": "nope"}]}
    unknown = planner.post("/api/v1/schedules/people/bob/preferences", json=prefs)
    assert unknown.status_code == 422
    assert unknown.json()["problems"][0]["field"] == "preferences.0.template"
    assert "template 'nope' does not exist" in unknown.json()["problems"][0]["message"]
    prefs = {"preferences": [{"weight": 2, "template": "day", "weekday": 1}]}
    stored = planner.post("/api/v1/schedules/people/bob/preferences", json=prefs)
    assert stored.status_code == 200
    assert stored.json()["preferences"] == [
        {"weight": 2.0, "template": "day", "weekday": 1, "start": None, "end": None}
    ]
    assert planner.get("/api/v1/schedules/people/bob/preferences").json() == stored.json()
    assert planner.get("/api/v1/schedules/people/ghost/preferences").status_code == 404
    unchanged = executive.get("/api/v1/schedules/people/alice/availability").json()
    assert unchanged["spans"] == body["spans"]
