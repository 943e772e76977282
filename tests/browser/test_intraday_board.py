"""The intraday board in a real browser: a planner acknowledges an open exception, marks it
actioned (a note is needed) and closes it; its history stays on the board."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from ccops.db import make_engine, make_session_factory
from ccops.org.models import Queue
from ccops.wfm.forecasts.models import Forecast, ForecastInterval
from ccops.wfm.intraday import exceptions as exception_service
from ccops.wfm.intraday import schemas, totals
from tests.plugins.browser import Browse, submit

LAUNCH = date(2026, 11, 16)


def _open_an_exception(url: str) -> int:
    """Aggregate the launch Monday's Billing contacts, give it a plain forecast (30 per interval
    from 08:00 to 20:00) and a tier-1 plan, and evaluate it at 09:30."""
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        queue = s.scalars(select(Queue).where(Queue.name == "Billing")).one()
        zone = ZoneInfo(queue.site.timezone)
        totals.rebuild_day(session=s, queue_id=queue.id, day=LAUNCH)
        record = Forecast(
            queue_id=queue.id,
            method="browser test",
            created_by="test",
            horizon_days=1,
            interval_min=15,
            first_day=LAUNCH,
            last_day=LAUNCH,
            history_source="contacts",
        )
        for i in range(48):
            local = datetime.combine(LAUNCH, time(8)) + timedelta(minutes=15 * i)
            at = local.replace(tzinfo=zone).astimezone(UTC)
            record.intervals.append(
                ForecastInterval(
                    interval_local_min=int((local - datetime(1970, 1, 1)).total_seconds() // 60),
                    utc_offset_min=480,
                    interval_start=at,
                    volume=30.0,
                    lo80=0,
                    hi80=0,
                    lo95=0,
                    hi95=0,
                    aht_s=280.0,
                )
            )
        s.add(record)
        exception_service.create_plan(
            session=s,
            data=schemas.PlanIn(
                name="Billing board plan",
                queue="Billing",
                rules=[
                    schemas.RuleIn(
                        name="Tier 1",
                        tier=1,
                        measure="volume_over",
                        threshold=0.2,
                        resources=[schemas.ResourceIn(kind="cross_skilled", name="Tech team")],
                        owners=["planner"],
                    )
                ],
            ),
            created_by="planner",
        )
        as_of = datetime.combine(LAUNCH, time(9, 30), zone).astimezone(UTC)
        [opened] = exception_service.evaluate_queue(
            session=s, queue_id=queue.id, day=LAUNCH, as_of=as_of
        )
        s.commit()
    engine.dispose()
    return opened


def test_a_planner_acknowledges_actions_and_closes_an_exception_on_the_board(
    browse: Browse,
) -> None:
    exception_id = _open_an_exception(browse.server.settings.resolved_database_url())
    page = browse.page()
    browse.sign_in(page, "planner")
    page.goto(browse.server.url + f"/intraday?queue=Billing&date={LAUNCH}")
    page.wait_for_selector('.kpi-chart[data-drawn="true"] canvas')
    item = page.locator(f'[data-exception="{exception_id}"]')
    expect(item.locator("[data-status]")).to_have_text("open")
    assert "Tech team" in item.inner_text()
    assert page.locator("#intraday-table tbody tr").count() >= 40
    browse.shot(page, "board")
    submit(page, item.get_by_role("button", name="Acknowledge"))
    item = page.locator(f'[data-exception="{exception_id}"]')
    expect(item.locator("[data-status]")).to_have_text("acknowledged")
    expect(item.get_by_role("button", name="Acknowledge")).to_have_count(0)
    trail = browse.api(page, f"/api/v1/intraday/exceptions/{exception_id}")
    assert [(a["action"], a["actor"]) for a in trail["trail"]] == [
        ("opened", "ccops"),
        ("acknowledged", "planner"),
    ]
    browse.shot(page, "acknowledged")
    # marking it actioned needs a note: the board comes back with the field marked
    submit(page, item.get_by_role("button", name=f"Mark exception {exception_id} as actioned"))
    item = page.locator(f'[data-exception="{exception_id}"]')
    expect(item.locator(".has-error")).to_contain_text("say what was done")
    item.get_by_label("Note: what was done").fill("Two agents of the Tech team moved to Billing")
    submit(page, item.get_by_role("button", name=f"Mark exception {exception_id} as actioned"))
    item = page.locator(f'[data-exception="{exception_id}"]')
    expect(item.locator("[data-status]")).to_have_text("actioned")
    item.get_by_label("Note: what was done").fill("Queue back under forecast")
    submit(page, item.get_by_role("button", name=f"Close exception {exception_id}"))
    expect(page.get_by_role("status").first).to_contain_text(f"Exception {exception_id} closed")
    closed = page.locator(f'#intraday-exceptions [data-exception="{exception_id}"]')
    expect(closed.locator("[data-status]")).to_have_text("closed")
    closed.locator("summary").click()
    expect(closed.locator("[data-trail] li")).to_have_count(4)
    expect(closed.locator("[data-trail]")).to_contain_text("Two agents of the Tech team")
    trail = browse.api(page, f"/api/v1/intraday/exceptions/{exception_id}")
    assert [(a["action"], a["note"]) for a in trail["trail"]][1:] == [
        ("acknowledged", ""),
        ("actioned", "Two agents of the Tech team moved to Billing"),
        ("closed", "Queue back under forecast"),
    ]
    browse.shot(page, "closed", full_page=True)
