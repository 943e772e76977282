"""Each page's main task in Chromium on the demo centre, numbers checked against the API."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from ccops.db import make_engine, make_session_factory
from ccops.enums import Role, ScopeKind
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from tests.plugins.browser import Browse, submit
from tests.plugins.data import TEST_DATA

pytestmark = pytest.mark.browser

LAUNCH_MONDAY = "2026-11-16"  # the demo's surge day (tests/conftest.py: DEMO_END 2026-11-22)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _secs(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f} s"


def _cells(page: Any, row: Any) -> dict[str, str]:
    return {
        col: row.locator(f'[data-col="{col}"]').inner_text().strip()
        for col in ("offered", "answered", "abandoned", "service_level", "asa_s")
    }


def _rows_by_start(page: Any) -> dict[datetime, dict[str, str]]:
    """The KPI table's cells by interval start (an aware instant: DST days repeat a time)."""
    found = {}
    rows = page.locator("#kpi-table tbody tr")
    for i in range(rows.count()):
        row = rows.nth(i)
        found[datetime.fromisoformat(str(row.get_attribute("data-start")))] = _cells(page, row)
    return found


def test_sign_in_refuses_a_wrong_password_and_slows_down_after_five(browse: Browse) -> None:
    """Five free tries, then waits that double: the owner is slowed down, never locked out."""
    engine = make_engine(browse.server.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        org_service.create_user(
            session=s,
            data=org_schemas.UserIn(
                login="locky",
                password="locky-pass-1",
                role=Role.qa_analyst,
                scope=ScopeKind.all,
            ),
        )
        s.commit()
    engine.dispose()
    page = browse.page()
    page.goto(browse.server.url + "/login")
    browse.shot(page, "login")
    page.get_by_label("Login").fill("locky")
    page.get_by_label("Password").fill("wrong")
    submit(page, page.get_by_role("button", name="Sign in"))
    alert = page.get_by_role("alert")
    assert "Wrong login or password." in alert.inner_text()
    assert page.get_by_label("Login").input_value() == "locky"
    browse.shot(page, "wrong-password")
    for _ in range(5):  # failures 2..6: the sixth earns a one-second wait
        page.get_by_label("Password").fill("wrong")
        submit(page, page.get_by_role("button", name="Sign in"))
    slowed = page.get_by_role("alert").inner_text()
    assert "too many failed sign-ins: try again in 1 s" in slowed, slowed
    page.get_by_label("Password").fill("wrong")
    submit(page, page.get_by_role("button", name="Sign in"))
    assert "too many failed sign-ins" in page.get_by_role("alert").inner_text()
    browse.shot(page, "slowed-down")
    page.wait_for_timeout(4500)  # longer than the wait a seventh failure can earn (2 s)
    page.get_by_label("Password").fill("locky-pass-1")
    submit(page, page.get_by_role("button", name="Sign in"))
    page.wait_for_url(browse.server.url + "/")


def test_signing_in_by_keyboard_alone(browse: Browse) -> None:
    page = browse.page()
    page.goto(browse.server.url + "/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    focused = []
    for _ in range(6):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.name"))
        if focused[-1] == "f-login":
            break
    assert focused[-1] == "f-login", focused
    page.keyboard.type("manager")
    page.keyboard.press("Tab")
    page.keyboard.type("manager-demo-pass")
    page.keyboard.press("Enter")
    page.wait_for_url(browse.server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Home")


HOMES = {
    "admin": "The installation",
    "manager": "The centre against target",
    "executive": "The centre against target",
    "planner": "Your tasks",
    "qa": "Repeat contacts over the week",
    "supervisor": "Your teams",
    "agent": "Your numbers",
}


@pytest.mark.parametrize("login", list(HOMES))
def test_each_role_lands_on_its_home(browse: Browse, login: str) -> None:
    page = browse.page()
    browse.sign_in(page, login)
    assert HOMES[login] in page.locator("main").inner_text()
    if login == "executive":
        assert page.locator(".tasks").count() == 0  # read-only: no task links
        assert page.locator('a[href="/import"]').count() == 0
    browse.shot(page, "home", full_page=True)


def test_executive_home_numbers_equal_the_api(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "executive")
    page.goto(browse.server.url + f"/?day={LAUNCH_MONDAY}")
    rows = browse.api(page, "/api/v1/kpi/intervals", **{"from": LAUNCH_MONDAY, "to": LAUNCH_MONDAY})
    for queue in ("Billing", "Sales", "Tech Support"):
        mine = [r for r in rows if r["queue"] == queue]
        offered = sum(r["offered"] for r in mine)
        short = sum(r["short_abandoned"] for r in mine)
        within = sum(r["answered_within_target"] for r in mine)
        line = page.locator(f'tr[data-queue="{queue}"]')
        assert line.locator('[data-kpi="offered-day"]').inner_text() == f"{offered:,}"
        service = line.locator('[data-kpi="sl-day"]').inner_text()
        assert service.startswith(_pct(within / (offered - short)))
        assert ("✓ met" in service) == (within / (offered - short) >= 0.8)
    browse.shot(page, "launch-monday", full_page=True)


def _import_london_contacts(page: Any, browse: Browse) -> None:
    page.goto(browse.server.url + "/import")
    page.get_by_label("What the file holds").select_option("contacts")
    page.locator("#f-file").set_input_files(TEST_DATA / "contacts_dst_london.csv")
    page.get_by_label("Format").select_option("csv")
    page.get_by_label("Site", exact=True).select_option("London")
    page.get_by_label("Create missing queues and agents").check()
    submit(page, page.get_by_role("button", name="Import", exact=True))


def test_import_a_file_then_see_its_kpis(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "planner")  # a planner imports, but may not create people or queues
    _import_london_contacts(page, browse)
    refused = page.locator("#import-refused").inner_text()
    assert "Nothing was imported" in refused and "may not create queues and agents" in refused
    assert "create_missing" in page.locator("#import-problems").inner_text()
    page.context.clear_cookies()
    browse.sign_in(page, "admin")
    _import_london_contacts(page, browse)
    report = page.locator("#import-report")
    assert page.locator("#import-accepted").is_visible()
    assert report.locator('[data-count="rows_read"]').inner_text() == "5"
    assert report.locator('[data-count="inserted"]').inner_text() in ("5", "0")
    browse.shot(page, "import-report", full_page=True)
    submit(page, page.locator("#import-coverage a").first)
    page.wait_for_url(re.compile(r".*/kpi\?queue=Sales&date=2024-10-2[67]"))
    day = page.url.split("date=")[1][:10]
    rows = browse.api(
        page, "/api/v1/kpi/intervals", **{"from": day, "to": day, "queue": "Sales", "interval": 30}
    )
    assert rows, "the API has no KPIs for the imported day"
    shown = _rows_by_start(page)
    for api_row in rows:
        cells = shown[datetime.fromisoformat(api_row["interval_start"])]
        assert cells["offered"] == str(api_row["offered"])
        assert cells["answered"] == str(api_row["answered"])
        assert cells["service_level"].split(" ")[0] == _pct(api_row["service_level"])
    browse.shot(page, "imported-kpis", full_page=True)


def test_an_import_with_bad_rows_names_each_and_stores_nothing(
    browse: Browse, tmp_path: Any
) -> None:
    bad = tmp_path / "bad_calls.csv"
    bad.write_text(
        "external_id,queue,arrival,answered_at,outcome,wait_s,talk_s\n"
        "b1,Sales,2024-01-15T09:00:00+00:00,2024-01-15T08:59:00+00:00,lost,,60\n"
        "b2,Sales,2024-01-15T09:05:00+00:00,,abandoned,-3,0\n"
        "b3,Nowhere,2024-01-15T09:06:00+00:00,,abandoned,3,0\n",
        encoding="utf-8",
    )
    page = browse.page()
    browse.sign_in(page, "manager")
    before = browse.api(page, "/api/v1/imports")
    page.goto(browse.server.url + "/import")
    page.locator("#f-file").set_input_files(bad)
    submit(page, page.get_by_role("button", name="Import", exact=True))
    assert "Nothing was imported." in page.locator("#import-refused").inner_text()
    problems = page.locator("#import-problems tbody tr")
    assert problems.count() >= 2
    text = page.locator("#import-problems").inner_text()
    assert "unknown outcome" in text
    assert browse.api(page, "/api/v1/imports") == before
    browse.shot(page, "rejected", full_page=True)


def test_kpi_dashboard_chart_table_and_definitions(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "supervisor")
    page.goto(browse.server.url + f"/kpi?queue=Billing&date={LAUNCH_MONDAY}&interval=30")
    page.wait_for_selector('.kpi-chart[data-drawn="true"] canvas')
    rows = browse.api(
        page,
        "/api/v1/kpi/intervals",
        **{"from": LAUNCH_MONDAY, "to": LAUNCH_MONDAY, "queue": "Billing", "interval": 30},
    )
    assert page.locator("#kpi-table tbody tr").count() == len(rows)
    for api_row in rows[::4]:
        row = page.locator(f'#kpi-table tr[data-interval="{api_row["interval_start"][11:16]}"]')
        cells = _cells(page, row)
        assert cells["offered"] == f"{api_row['offered']:,}"
        assert cells["service_level"].split(" ")[0] == _pct(api_row["service_level"])
        assert cells["asa_s"] == _secs(api_row["asa_s"], 1)
    assert "short abandons excluded" in page.locator(".variant").inner_text()
    browse.shot(page, "dashboard", full_page=True)
    page.get_by_label("Interval").select_option("60")
    expect(page.locator("#kpi-table tbody tr")).to_have_count(len(rows) // 2)
    page.wait_for_selector('.kpi-chart[data-drawn="true"] canvas')
    hourly = browse.api(
        page,
        "/api/v1/kpi/intervals",
        **{"from": LAUNCH_MONDAY, "to": LAUNCH_MONDAY, "queue": "Billing", "interval": 60},
    )
    first = page.locator("#kpi-table tbody tr").first
    assert _cells(page, first)["offered"] == f"{hourly[0]['offered']:,}"
    submit(page, page.locator('#kpi-table thead a[href="/kpi/definitions#service_level"]'))
    page.wait_for_url(re.compile(r".*/kpi/definitions#service_level"))
    definition = page.locator("#service_level").inner_text()
    assert "Formula" in definition and "Data source" in definition
    browse.shot(page, "definitions")


def test_staffing_calculator_follows_the_inputs_and_equals_the_api(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "planner")
    page.goto(browse.server.url + "/staffing")
    assert page.locator('[data-out="agents"]').inner_text() == "14"
    page.get_by_label("Contacts offered in the interval").fill("250")
    page.get_by_label("Average handle time, seconds").fill("240")
    page.get_by_label("Mean patience, seconds").fill("120")
    expect(page.locator(".model")).to_contain_text("Erlang A")
    csrf = page.locator('input[name="csrf_token"]').first.input_value()
    api = page.request.post(
        browse.server.url + "/api/v1/staffing",
        data={
            "calls": 250,
            "interval_s": 1800,
            "aht_s": 240,
            "target_s": 20,
            "service_level": 0.8,
            "patience_s": 120,
            "shrinkage": 0.3,
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status == 200, api.text()
    out = api.json()
    expect(page.locator('[data-out="agents"]')).to_have_text(str(out["agents"]))
    assert page.locator('[data-out="scheduled"]').inner_text() == str(out["scheduled"])
    assert page.locator('[data-out="service_level"]').inner_text() == _pct(out["service_level"])
    assert page.locator('[data-out="abandon_rate"]').inner_text() == _pct(out["abandon_rate"])
    assert page.locator('[data-out="occupancy"]').inner_text() == _pct(out["occupancy"])
    agents = [
        int(a)
        for a in page.locator("#staffing-table tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.agents)"
        )
    ]
    assert agents == [r["agents"] for r in out["table"]]
    browse.shot(page, "calculator")
    page.get_by_label("Service-level goal, % answered within T").fill("120")
    expect(page.locator("#staffing-result .alert-error")).to_contain_text(
        "Enter a percentage between 0 and 100."
    )
    refused = page.request.post(
        browse.server.url + "/api/v1/staffing", data={"calls": 1, "aht_s": 1, "asa_s": 1}
    )
    assert refused.status == 403  # a session's POST without its CSRF token


def test_admin_creates_a_queue_after_a_marked_mistake(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "admin")
    page.goto(browse.server.url + "/admin/queues")
    page.get_by_label("Name").fill("Retention")
    page.get_by_label("Channel").select_option("voice")
    page.get_by_label("Site").select_option("London")
    page.get_by_label("Service-level goal, %").fill("180")
    submit(page, page.get_by_role("button", name="Create"))
    goal = page.get_by_label("Service-level goal, %")
    assert goal.get_attribute("aria-invalid") == "true" and goal.input_value() == "180"
    assert page.get_by_label("Name").input_value() == "Retention"
    assert "Enter a percentage between 0 and 100." in page.locator("main").inner_text()
    browse.shot(page, "queue-error")
    goal.fill("85")
    submit(page, page.get_by_role("button", name="Create"))
    expect(page.get_by_role("status")).to_contain_text("Queue Retention is created.")
    expect(page.locator("#list-queues").get_by_text("Retention", exact=True)).to_have_count(1)
    queues = browse.api(page, "/api/v1/queues")
    made = next(q for q in queues if q["name"] == "Retention")
    assert (made["site"], made["service_level_goal"]) == ("London", 0.85)
    browse.shot(page, "queue-created")


def test_a_lower_role_is_refused_a_forbidden_page(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "agent")
    for path in ("/admin/users", "/staffing", "/import"):
        response = page.goto(browse.server.url + path)
        assert response is not None and response.status == 403, path
        assert "Not allowed" in page.get_by_role("heading", level=1).inner_text()
    browse.shot(page, "forbidden")
    nav = page.get_by_role("navigation", name="Main").inner_text()
    assert "Staffing" not in nav and "Import" not in nav


@pytest.mark.phone
def test_the_agents_home_reads_on_a_phone(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "agent")
    assert "Your numbers" in page.locator("main").inner_text()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page is {overflow} px wider than the phone"
    browse.shot(page, "phone", full_page=True)


# Each text drawn in the page's own font on a canvas, as pixels: a character no font holds (a
# private-use one) draws the "missing glyph" box, so a Chinese character that draws the same box,
# or two that draw the same pixels, shows the page would render boxes.
_GLYPHS = """(texts) => texts.map((text) => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 48;
  const context = canvas.getContext("2d");
  context.font = "32px " + getComputedStyle(document.body).fontFamily;
  context.fillText(text, 4, 36);
  return Array.from(context.getImageData(0, 0, 48, 48).data).join(",");
})"""


def test_language_switch_to_traditional_chinese_and_back(browse: Browse) -> None:
    page = browse.page()
    browse.sign_in(page, "qa")
    try:
        page.get_by_label("Language").select_option("zh_Hant")
        submit(page, page.get_by_role("button", name="Apply"))
        page.wait_for_selector('html[lang="zh-Hant"]')
        assert "首頁" in page.get_by_role("navigation", name="主導覽").inner_text()
        page.goto(browse.server.url + f"/kpi?queue=Billing&date={LAUNCH_MONDAY}")
        page.wait_for_selector('.kpi-chart[data-drawn="true"] canvas')
        assert "服務水準" in page.locator("main").inner_text()
        assert "2026年11月16日" in page.locator("#panel-h").inner_text()
        first, second, missing = page.evaluate(_GLYPHS, ["首", "頁", "\ue000"])
        assert first != missing and second != missing and first != second, (
            "Chinese renders as empty boxes: no CJK font (install Debian's fonts-noto-cjk)"
        )
        browse.shot(page, "zh-hant")
    finally:
        page.get_by_label("語言").select_option("en")
        submit(page, page.get_by_role("button", name="套用"))
        page.wait_for_selector('html[lang="en"]')


def test_executive_home_shows_a_long_queue_name_whole(browse: Browse) -> None:
    """A long queue name wraps inside its row header at 1366×768 instead of being cut off."""
    name = "Premium business customers - billing disputes and refunds (second line)"
    engine = make_engine(browse.server.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        org_service.create_queue(
            session=s,
            data=org_schemas.QueueIn(name=name, channel="voice", site="London"),
        )
        s.commit()
    engine.dispose()
    page = browse.page()
    browse.sign_in(page, "executive")
    header = page.locator(f'tr[data-queue="{name}"] th[scope="row"]')
    assert name in header.inner_text()
    clipped = header.evaluate("el => el.scrollWidth - el.clientWidth")
    assert clipped <= 0, f"the queue name is cut off by {clipped} px"
    lines = header.locator("a").evaluate("el => el.getClientRects().length")
    assert lines >= 2, "the long name should wrap onto more lines"
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page is {overflow} px wider than 1366"
    browse.shot(page, "long-queue-name", full_page=True)
