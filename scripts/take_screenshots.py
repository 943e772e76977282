"""Take the README's screenshots from a running ccops with the demo centre (`make run`).

Usage: .venv/bin/python scripts/take_screenshots.py [BASE_URL [QUEUE:DAY]]
(default http://127.0.0.1:8000 and Billing:yesterday)

Drives Debian's Chromium (/usr/bin/chromium) with Playwright at 1366×768 (the agent's pages at
390×844) and writes docs/screenshots/*.png. It imports nothing into the database: the import
screenshot shows a refused file, which changes nothing.

The forecast, schedule and intraday pages need a forecast and a published schedule; build them
first (the README's tour does): `ccops forecast build --queue Billing`,
`ccops schedule build --week 2026-W48 --site Shanghai`, `ccops schedule publish 1`. Pass the
intraday board's queue and day as INTRADAY (default Billing on yesterday).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
BAD_FILE = (
    "external_id,queue,arrival,answered_at,outcome,wait_s,talk_s\n"
    "c1,Sales,2026-11-20T09:00:00+00:00,2026-11-20T08:59:00+00:00,answered,,60\n"
    "c2,Sales,2026-11-20T09:05:00+00:00,,abandoned,-3,0\n"
    "c3,Sales,2026-11-20T09:06:00+00:00,,abandoned,3,0\n"
    "c4,Refunds,2026-11-20T09:07:00+00:00,,abandoned,3,0\n"
)


def submit(page: Page, name: str) -> None:
    """Press the button ``name`` and wait for the page it loads."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def sign_in(page: Page, base: str, login: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(f"{login}-demo-pass")
    submit(page, "Sign in")


def newest(page: Page, base: str, listing: str, pattern: str) -> str | None:
    """Return the address of the item with the highest id linked from a list page."""
    page.goto(base + listing)
    links = page.locator(f"main a[href^='{pattern}']")
    hrefs = [h for h in links.evaluate_all("els => els.map(e => e.getAttribute('href'))") if h]
    ids = sorted(
        (int(h[len(pattern) :]) for h in hrefs if h[len(pattern) :].isdigit()), reverse=True
    )
    return f"{base}{pattern}{ids[0]}" if ids else None


def main(base: str, intraday: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    monday = date.today() - timedelta(days=1)
    monday -= timedelta(days=monday.weekday())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=ARGS
        )

        def page_for(login: str, viewport: ViewportSize | None = None) -> Page:
            context = browser.new_context(
                viewport=viewport or ViewportSize(width=1366, height=768), locale="en-GB"
            )
            page = context.new_page()
            sign_in(page, base, login)
            return page

        page = page_for("executive")
        page.screenshot(path=OUT / "home-executive.png")

        page = page_for("planner")
        page.goto(f"{base}/kpi?queue=Billing&date={monday.isoformat()}&interval=30")
        page.wait_for_selector('.kpi-chart[data-drawn="true"] canvas')
        page.screenshot(path=OUT / "kpi-dashboard.png")

        page.goto(f"{base}/staffing")
        page.get_by_label("Contacts offered in the interval").fill("250")
        page.get_by_label("Average handle time, seconds").fill("240")
        page.get_by_label("Mean patience, seconds").fill("120")
        page.locator(".model").filter(has_text="Erlang A").wait_for()
        page.screenshot(path=OUT / "staffing.png")

        with tempfile.TemporaryDirectory() as tmp:
            bad = Path(tmp) / "acd-export.csv"
            bad.write_text(BAD_FILE, encoding="utf-8")
            page.goto(f"{base}/import")
            page.locator("#f-file").set_input_files(bad)
            submit(page, "Import")
            page.screenshot(path=OUT / "import-refused.png")

        page = page_for("admin")
        page.goto(f"{base}/admin/queues")
        page.get_by_label("Name").fill("Retention")
        page.get_by_label("Service-level goal, %").fill("180")
        submit(page, "Create")
        page.screenshot(path=OUT / "admin-queues.png")

        page = page_for("manager")
        page.get_by_label("Language").select_option("zh_Hans")
        submit(page, "Apply")
        page.goto(f"{base}/kpi?queue=Sales&date={monday.isoformat()}&interval=60")
        page.wait_for_selector('.kpi-chart[data-drawn="true"] canvas')
        page.screenshot(path=OUT / "kpi-zh-hans.png")
        page.get_by_label("语言").select_option("en")
        submit(page, "应用")

        page = page_for("agent", ViewportSize(width=390, height=844))
        page.screenshot(path=OUT / "home-agent-phone.png")
        first_day = monday - timedelta(days=21)
        page.goto(
            f"{base}/quality/mine?first_day={first_day}&last_day={monday + timedelta(days=6)}"
        )
        page.screenshot(path=OUT / "quality-agent-phone.png")

        page = page_for("planner")
        forecast = newest(page, base, "/forecasts", "/forecasts/")
        if forecast:
            page.goto(forecast)
            page.wait_for_selector("[data-forecast-chart][data-drawn='true']")
            page.screenshot(path=OUT / "forecast.png")
        schedule = newest(page, base, "/schedules", "/schedules/")
        if schedule:
            page.goto(schedule)
            page.wait_for_selector("[data-schedule-chart][data-drawn]")
            page.screenshot(path=OUT / "schedule.png")
        queue, _, day = intraday.partition(":")
        page.goto(f"{base}/intraday?queue={queue}&date={day or monday + timedelta(days=6)}")
        page.wait_for_selector('.kpi-chart[data-drawn="true"] canvas')
        page.screenshot(path=OUT / "intraday.png")

        page = page_for("supervisor")
        page.goto(
            f"{base}/performance/teams/Billing%201?first={monday - timedelta(days=21)}"
            f"&last={monday - timedelta(days=1)}"
        )
        page.wait_for_selector('#funnel-chart[data-drawn="true"]')
        page.wait_for_selector('#control-chart[data-drawn="true"]')
        page.get_by_role("heading", name="Funnel plot: repeat-contact rate").evaluate(
            "h => window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 8)"
        )
        page.screenshot(path=OUT / "performance-team.png")
        page.get_by_role("heading", name="Training needs of the team").evaluate(
            "h => window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 8)"
        )
        page.screenshot(path=OUT / "training-needs.png")
        page.goto(f"{base}/intraday/adherence")
        page.wait_for_selector("main h1")
        page.screenshot(path=OUT / "adherence.png")
        browser.close()
    for path in sorted(OUT.glob("*.png")):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000",
        sys.argv[2] if len(sys.argv) > 2 else "Billing",
    )
