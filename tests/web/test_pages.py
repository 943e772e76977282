"""The pages without a browser: forms that come back marked, numbers equal to the API's."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ccops.db import make_engine, make_session_factory
from ccops.enums import Outcome, Role
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.web.render import STATIC_DIR
from tests.factories.metrics import add_contact
from tests.factories.web import World, csrf_of, sign_in
from tests.plugins.data import TEST_DATA


def _field_marked(html: str, name: str) -> bool:
    return bool(re.search(rf'id="f-{name}"[^>]*aria-invalid="true"', html))


def test_an_invalid_queue_form_comes_back_marked_with_the_input_kept(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-admin")
    response = client.post(
        "/admin/queues",
        data={
            "csrf_token": csrf,
            "name": " Bad name",
            "channel": "voice",
            "site": "Main",
            "target_s": "-5",
            "service_level_goal": "180",
            "short_abandon_s": "five",
            "service_level_variant": "exclude_short_abandons",
        },
    )
    assert response.status_code == 422
    html = response.text
    assert _field_marked(html, "service_level_goal")
    assert "Enter a percentage between 0 and 100." in html
    assert 'value="180"' in html and 'value="five"' in html and 'value="-5"' in html
    made = client.post(
        "/admin/queues",
        data={
            "csrf_token": csrf,
            "name": "Retention",
            "channel": "voice",
            "site": "Main",
            "target_s": "30",
            "service_level_goal": "85",
            "short_abandon_s": "5",
            "service_level_variant": "abandons_count_against",
        },
    )
    assert made.status_code == 303 and made.headers["location"] == "/admin/queues"
    listed = client.get("/admin/queues")
    assert "Queue Retention is created." in listed.text and ">Retention<" in listed.text
    queue = next(
        q for q in world.client(Role.admin).get("/api/v1/queues").json() if q["name"] == "Retention"
    )
    assert queue["service_level_goal"] == 0.85
    assert queue["service_level_variant"] == "abandons_count_against"
    again = client.post(
        "/admin/queues",
        data={
            "csrf_token": csrf,
            "name": "Retention",
            "channel": "voice",
            "site": "Main",
            "target_s": "30",
            "service_level_goal": "85",
            "short_abandon_s": "5",
            "service_level_variant": "exclude_short_abandons",
        },
    )
    assert again.status_code == 422 and _field_marked(again.text, "name")
    assert "Already exists." in again.text


def test_people_and_users_forms_mark_the_right_fields(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-admin")
    person = client.post(
        "/admin/people",
        data={
            "csrf_token": csrf,
            "login": "zoe",
            "name": "Zoe",
            "role": "agent",
            "site": "Main",
            "team": "Team C",
            "hire_date": "2024-02-30",
            "skills": "Sales:12",
        },
    )
    assert person.status_code == 422
    assert _field_marked(person.text, "hire_date")
    assert "Enter a date (YYYY-MM-DD)." in person.text
    assert 'value="Sales:12"' in person.text
    user = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "login": "newbie",
            "password": "long-enough-pass-1",
            "role": "supervisor",
            "scope": "teams",
        },
    )
    assert user.status_code == 422 and _field_marked(user.text, "scope")
    assert 'value="newbie"' in user.text and "long-enough-pass-1" not in user.text
    made = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "login": "newbie",
            "password": "long-enough-pass-1",
            "role": "supervisor",
            "scope": "teams",
            "teams": ["Team A", "Team B"],
        },
    )
    assert made.status_code == 303
    users = world.client(Role.admin).get("/api/v1/users").json()
    assert next(u for u in users if u["login"] == "newbie")["teams"] == ["Team A", "Team B"]


def test_a_manager_sees_the_form_but_not_other_sites(world: World) -> None:
    manager = world.client(Role.manager)
    page = manager.get("/admin/people")
    assert page.status_code == 200 and "carol" not in page.text and "alice" in page.text
    assert '<option value="Other"' not in page.text
    supervisor = world.client(Role.supervisor)
    listing = supervisor.get("/admin/people")
    assert listing.status_code == 200 and 'action="/admin/people"' in listing.text
    assert 'method="post" action="/admin/people"' not in listing.text  # no create form


def test_staffing_calculator_shows_the_apis_numbers(world: World) -> None:
    client = world.client(Role.planner)
    api = client.post(
        "/api/v1/staffing",
        json={
            "calls": 250,
            "interval_s": 1800,
            "aht_s": 240,
            "target_s": 20,
            "service_level": 0.8,
            "patience_s": 120,
            "shrinkage": 0.3,
        },
    ).json()
    page = client.get(
        "/staffing/result",
        params={
            "calls": "250",
            "interval_min": "30",
            "aht_s": "240",
            "target_s": "20",
            "goal_pct": "80",
            "patience_s": "120",
            "shrinkage_pct": "30",
        },
    )
    assert page.status_code == 200
    html = page.text
    assert f'data-out="agents">{api["agents"]}<' in html
    assert f'data-out="scheduled">{api["scheduled"]}<' in html
    assert f'data-out="service_level">{api["service_level"] * 100:.1f}%<' in html
    assert f'data-out="abandon_rate">{api["abandon_rate"] * 100:.1f}%<' in html
    assert "Erlang A" in html
    rows = re.findall(r'<tr data-agents="(\d+)"', html)
    assert [int(r) for r in rows] == [r["agents"] for r in api["table"]]
    bad = client.get("/staffing/result", params={"calls": "many", "goal_pct": "120"})
    assert "Enter a number." in bad.text and "between 0 and 100" in bad.text
    full = client.get("/staffing")
    assert full.status_code == 200 and 'data-out="agents">14<' in full.text


def test_kpi_dashboard_shows_the_apis_numbers(world: World) -> None:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        t = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
        add_contact(s, ext="1", queue="Sales", arrival=t, outcome=Outcome.answered, wait_s=5)
        add_contact(s, ext="2", queue="Sales", arrival=t, outcome=Outcome.abandoned, wait_s=50)
        add_contact(s, ext="3", queue="Sales", arrival=t, outcome=Outcome.answered, wait_s=40)
        s.commit()
    engine.dispose()
    client = world.client(Role.supervisor)
    api = client.get(
        "/api/v1/kpi/intervals",
        params={"from": "2024-01-15", "to": "2024-01-15", "queue": "Sales", "interval": 30},
    ).json()
    (row,) = api
    page = client.get("/kpi", params={"queue": "Sales", "date": "2024-01-15", "interval": "30"})
    assert page.status_code == 200
    html = page.text
    assert 'data-interval="09:00"' in html
    assert f'data-col="offered">{row["offered"]}<' in html
    assert f'data-col="service_level">{row["service_level"] * 100:.1f}%' in html
    assert "short abandons excluded" in html and "Data source: contact records." in html
    assert 'href="/kpi/definitions#service_level"' in html
    assert 'id="kpi-chart-data"' in html
    bad = client.get("/kpi", params={"queue": "Sales", "date": "15/01/2024", "interval": "7"})
    assert bad.status_code == 422
    assert "Enter a date (YYYY-MM-DD)." in bad.text and "Choose 15, 30 or 60 minutes." in bad.text
    outside = client.get("/kpi", params={"queue": "Support"})
    assert "Unknown queue, or outside your scope." in outside.text
    definitions = client.get("/kpi/definitions")
    assert 'id="service_level"' in definitions.text and "Data source" in definitions.text


def test_import_page_names_every_rejected_row_and_stores_nothing(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-admin")
    rows = (
        "external_id,queue,arrival,answered_at,outcome,wait_s,talk_s\n"
        "a1,Sales,2024-01-15T09:00:00+00:00,2024-01-15T08:59:00+00:00,lost,,60\n"
        "a2,Sales,2024-01-15T09:05:00+00:00,,abandoned,-3,0\n"
        "a3,Sales,2024-01-15T09:06:00+00:00,,abandoned,3,0\n"
    )
    refused = client.post(
        "/import",
        data={"csrf_token": csrf, "kind": "contacts", "format": "csv"},
        files={"file": ("calls.csv", rows.encode(), "text/csv")},
    )
    assert refused.status_code == 422
    html = refused.text
    assert "Nothing was imported." in html
    problems = re.findall(r'<td class="num">(\d+)</td>', html.split('id="import-problems"')[1])
    assert problems[:2] == ["2", "3"]
    assert "unknown outcome" in html
    batches = world.client(Role.admin).get("/api/v1/imports").json()
    assert batches == []
    binary = client.post(
        "/import",
        data={"csrf_token": csrf, "kind": "contacts", "format": "csv"},
        files={"file": ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "text/csv")},
    )
    assert binary.status_code == 422 and "Nothing was imported." in binary.text
    nothing = client.post("/import", data={"csrf_token": csrf, "kind": "contacts"})
    assert nothing.status_code == 422 and "Choose a file to import." in nothing.text
    good = "\n".join(rows.splitlines()[:1] + rows.splitlines()[3:]) + "\n"
    accepted = client.post(
        "/import",
        data={"csrf_token": csrf, "kind": "contacts", "format": "csv"},
        files={"file": ("calls.csv", good.encode(), "text/csv")},
    )
    assert accepted.status_code == 200 and 'data-count="inserted">1<' in accepted.text
    assert 'href="/kpi?queue=Sales&amp;date=2024-01-15"' in accepted.text


def test_each_role_has_its_own_home(world: World) -> None:
    executive = world.client(Role.executive).get("/")
    assert "The centre against target" in executive.text and "Your tasks" not in executive.text
    assert 'href="/staffing"' not in executive.text and 'data-site="Other"' in executive.text
    planner = world.client(Role.planner).get("/")
    assert "Staffing calculator" in planner.text and 'data-site="Other"' not in planner.text
    agent = world.client(Role.agent).get("/")
    assert "Your numbers" in agent.text and 'href="/import"' not in agent.text
    supervisor = world.client(Role.supervisor).get("/")
    assert "Your teams" in supervisor.text
    qa = world.client(Role.qa_analyst).get("/")
    assert qa.status_code == 200 and 'href="/admin/people"' in qa.text
    admin = world.client(Role.admin).get("/")
    assert "The installation" in admin.text and 'href="/admin/users"' in admin.text


def test_navigation_follows_the_role(world: World) -> None:
    def nav(role: Role) -> list[str]:
        html = world.client(role).get("/account").text
        block = html.split('class="mainnav"')[1].split("</nav>")[0]
        return re.findall(r'href="([^"]+)"', block)

    mine = ["/schedules/my", "/timeoff", "/swaps", "/overtime", "/notifications"]
    unlinked = ["/timeoff", "/swaps", "/overtime", "/notifications"]  # "My week": a person's
    kb = ["/kb", "/changes", "/training"]
    voice = ["/surveys", "/huddles", "/suggestions"]
    assert nav(Role.agent) == [
        "/",
        "/kpi",
        "/performance",
        "/quality",
        *kb,
        "/cases",
        "/surveys",
        "/suggestions",
        *mine,
    ]
    assert nav(Role.executive) == [
        "/",
        "/kpi",
        "/forecasts",
        "/schedules",
        "/intraday",
        "/performance",
        "/quality",
        "/kb",
        "/improvements",
        "/cases",
        "/huddles",
        "/suggestions",
        "/value",
        "/frontline",  # their own front-line shifts
        "/notifications",  # executives ask for no time off
    ]
    assert nav(Role.supervisor) == [
        "/",
        "/kpi",
        "/staffing",
        "/schedules",
        "/intraday",
        "/performance",
        "/quality",
        *kb,
        "/improvements",
        "/cases",
        *voice,
        *mine[:-1],
        "/frontline",
        "/notifications",
        "/admin/teams",
    ]
    planning = ["/", "/kpi", "/staffing", "/forecasts", "/import", "/schedules", "/intraday"]
    planner = [
        *planning,
        "/performance",
        *kb,
        "/improvements",
        "/cases",
        *voice,
        "/value",
        *unlinked[:-1],
        "/frontline",
        "/notifications",
        "/admin/sites",
    ]
    assert nav(Role.planner) == planner
    assert nav(Role.admin) == [
        *planning,
        "/performance",
        "/quality",
        *kb,
        "/improvements",
        "/cases",
        *voice,
        "/value",
        *unlinked[:-1],
        "/frontline",
        "/notifications",
        "/admin/audit",
        "/admin/sites",
    ]


def test_flash_messages_show_once(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-admin")
    client.post("/admin/sites", data={"csrf_token": csrf, "name": "Paris", "timezone": "UTC"})
    assert "Site Paris is created." in client.get("/admin/sites").text
    assert "Site Paris is created." not in client.get("/admin/sites").text
    assert csrf_of(client.get("/").text) == csrf


def test_a_daylight_saving_day_names_both_one_thirties(world: World) -> None:
    admin = world.client(Role.admin)
    path = TEST_DATA / "contacts_dst_london.csv"
    imported = admin.post(
        "/api/v1/imports/contacts",
        files={"file": (path.name, path.read_bytes(), "text/csv")},
        data={"format": "csv"},
    )
    assert imported.status_code == 200, imported.text
    page = admin.get("/kpi", params={"queue": "Sales", "date": "2024-10-27", "interval": "30"})
    assert page.status_code == 200
    assert "01:30 +01:00" in page.text and "01:30 +00:00" in page.text
    starts = re.findall(r'data-start="([^"]+)"', page.text)
    assert starts[:2] == ["2024-10-27T00:30:00+01:00", "2024-10-27T01:00:00+01:00"]
    assert len(starts) == len(set(starts)) == 6


def test_every_control_has_a_label(world: World) -> None:
    admin = world.client(Role.admin)
    pages = [
        "/",
        "/account",
        "/kpi?queue=Sales",
        "/staffing",
        "/import",
        "/overtime",
        *(f"/admin/{key}" for key in ("sites", "channels", "queues", "teams", "people", "users")),
    ]
    unlabelled = []
    for path in [*pages, "/login"]:
        client = world.client() if path == "/login" else admin
        html = client.get(path).text
        labels = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            if 'type="hidden"' in tag or "aria-label=" in tag:
                continue
            found = re.search(r'\bid="([^"]+)"', tag)
            if found is None or found.group(1) not in labels:
                unlabelled.append(f"{path}: {tag}")
    assert not unlabelled, "\n".join(unlabelled)


def test_the_dashboard_panel_keeps_the_address_in_step(world: World) -> None:
    panel = world.client(Role.planner).get(
        "/kpi/panel", params={"queue": "Sales", "date": "2024-01-15", "interval": "60"}
    )
    assert panel.headers["hx-push-url"] == "/kpi?queue=Sales&date=2024-01-15&interval=60"
    assert "<html" not in panel.text  # a fragment, not a page


def test_the_centre_table_wraps_long_queue_names_instead_of_cutting_them(world: World) -> None:
    """The executive's row headers wrap (tests/browser checks the rendering at 1366×768)."""
    css = (STATIC_DIR / "ccops.css").read_text(encoding="utf-8")
    rules = re.findall(r'table\.centre th\[scope="row"\] \{([^}]*)\}', css)
    assert rules, "the stylesheet has no rule for the centre table's row headers"
    last = rules[-1]
    assert "white-space: normal" in last and "overflow-wrap: anywhere" in last
    assert "ellipsis" not in css.split('table.centre th[scope="row"]', 1)[1].split("}", 1)[0]
    long_name = "Premium business customers - billing disputes and refunds"
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        org_service.create_queue(
            session=s, data=org_schemas.QueueIn(name=long_name, channel="voice", site="Main")
        )
        s.commit()
    engine.dispose()
    client = world.client()
    sign_in(client, "u-executive")
    page = client.get("/").text
    assert f'<tr data-queue="{long_name}">' in page and f">{long_name}</a>" in page
