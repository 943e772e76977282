"""Build and publish a schedule of a small site in Chromium; the page's numbers equal the API's."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ccops.db import make_engine, make_session_factory
from ccops.enums import Language
from ccops.jobs import service as jobs_service
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.runtime import session_factory
from ccops.web.i18n import Formats
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.schedules import setup as schedule_setup
from tests.factories.schedules import WEEK, store_requirement
from tests.plugins.browser import Browse, submit

pytestmark = pytest.mark.browser


def _tiny_site(browse: Browse) -> None:
    engine = make_engine(browse.server.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        org_service.create_site(
            session=s, data=org_schemas.SiteIn(name="Tiny", timezone="Europe/London")
        )
        org_service.create_queue(
            session=s, data=org_schemas.QueueIn(name="TinyQ", channel="voice", site="Tiny")
        )
        for login in ("tiny1", "tiny2", "tiny3"):
            org_service.create_person(
                session=s,
                data=org_schemas.PersonIn(
                    name=login.title(),
                    login=login,
                    site="Tiny",
                    skills=[org_schemas.SkillIn(queue="TinyQ")],
                ),
            )
        schedule_setup.create_template(
            session=s,
            data=ss.ShiftTemplateIn(
                site="Tiny",
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
        schedule_setup.create_contract(
            session=s, data=ss.ContractIn(name="tiny flex", weekly_max_h=40, days_max=5)
        )
        for login in ("tiny1", "tiny2", "tiny3"):
            schedule_setup.assign_contract(session=s, login=login, contract="tiny flex")
        store_requirement(s, "TinyQ")
        s.commit()
    engine.dispose()


def test_build_and_publish_a_small_site(browse: Browse) -> None:
    _tiny_site(browse)
    page = browse.page()
    browse.sign_in(page, "planner")
    page.goto(browse.server.url + "/schedules")
    page.get_by_label("Site").select_option("Tiny")
    page.get_by_label("ISO week").fill(WEEK)
    submit(page, page.get_by_role("button", name="Build schedule"))
    # The job waits for a worker (none runs yet): the page shows it, then polls its progress.
    card = page.locator(".job[data-status='queued']").first
    expect(card).to_contain_text("waiting for a worker")
    expect(card.locator("progress")).to_be_visible()
    browse.shot(page, "building")
    runner = jobs_service.Runner(lambda: session_factory(browse.server.settings), poll_s=0.1)
    runner.start()
    try:
        page.wait_for_url(re.compile(r".*/schedules/\d+$"), timeout=90_000)
    finally:
        runner.stop()
    expect(page.locator('[data-status="draft"]')).to_be_visible()
    schedule_id = page.url.rsplit("/", 1)[-1]
    expect(page.locator("[data-schedule-chart][data-drawn]")).to_have_count(1)
    browse.shot(page, "draft", full_page=True)
    submit(page, page.get_by_role("button", name="Publish version 1"))
    expect(page.get_by_role("status").first).to_contain_text("Version 1 published.")
    expect(page.locator('[data-status="published"]')).to_be_visible()
    api = browse.api(page, f"/api/v1/schedules/{schedule_id}")
    assert api["status"] == "published"
    fmt = Formats(Language.en)
    shown = {
        key: page.locator(f'[data-measure="{key}"]').inner_text().strip()
        for key in ("gap", "paid_hours", "under_coverage_h", "over_coverage_h", "objective")
    }
    assert shown == {
        "gap": fmt.pct(api["gap"], 2),
        "paid_hours": fmt.num(api["paid_hours"], 2),
        "under_coverage_h": fmt.num(api["under_coverage_h"], 2),
        "over_coverage_h": fmt.num(api["over_coverage_h"], 2),
        "objective": fmt.num(api["objective"], 2),
    }
    rows = page.locator("#week-grid tbody tr")
    assert rows.count() == len({s["login"] for s in api["shift_rows"]})
    browse.shot(page, "published", full_page=True)
