"""The adherence page of the floor: per person in scope (name order) what is planned and what
they do now, the day's adherence and conformance, out-of-adherence spans and open alerts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.org.models import Person, Site
from ccops.wfm.intraday import adherence as adherence_service
from ccops.wfm.intraday import pages as intraday_pages
from ccops.wfm.schedules import build as schedule_build
from ccops.wfm.schedules import publish as schedule_publish
from ccops.wfm.schedules import schemas as ss
from tests.factories.intraday import DAY, send
from tests.factories.schedules import FAST, make_small_site


@pytest.fixture
def published(session: Session) -> ss.ScheduleDetailOut:
    make_small_site(session, timezone="UTC")
    built = schedule_build.build_schedule(
        session=session, site="Main", week="2026-W48", created_by="planner", options=FAST
    )
    schedule_publish.publish(session=session, schedule_id=built.id, published_by="planner")
    return built


def _first_shift(built: ss.ScheduleDetailOut) -> ss.ShiftOut:
    return min(
        (s for s in built.shift_rows if s.start.date() == DAY), key=lambda s: (s.start, s.login)
    )


def _lunch_instead_of_work(session: Session, shift: ss.ShiftOut) -> tuple[datetime, datetime]:
    """The person works from the start of their shift, takes lunch 30 minutes into planned
    work and is still on it 20 minutes later (an alert is raised); return (lunch start, now)."""
    work = next(a for a in shift.activities if a.kind == "work")
    lunch_at = work.start + timedelta(minutes=30)
    now = lunch_at + timedelta(minutes=20)
    state = {
        "id": "st1",
        "type": "agent_state",
        "person": shift.login,
        "state": "lunch",
        "start": lunch_at.isoformat(),
    }
    ready = {
        **state,
        "id": "st0",
        "state": "available",
        "start": work.start.isoformat(),
        "end": lunch_at.isoformat(),
    }
    send(session, [json.dumps(ready), json.dumps(state)], lunch_at + timedelta(minutes=1))
    send(session, [json.dumps({**state, "id": "st2", "person": "zed"})], now)
    return lunch_at, now


def test_the_floor_lists_everyone_planned_in_name_order_with_now_and_the_day(
    session: Session, published: ss.ScheduleDetailOut
) -> None:
    shift = _first_shift(published)
    lunch_at, now = _lunch_instead_of_work(session, shift)
    site = session.scalars(select(Site).where(Site.name == "Main")).one()
    rows = adherence_service.floor(session=session, site_id=site.id, day=DAY, now=now)
    planned = {s.login for s in published.shift_rows if s.start.date() == DAY}
    assert [r.login for r in rows] == sorted(planned, key=lambda x: (x.title(), x))
    row = next(r for r in rows if r.login == shift.login)
    assert (row.planned_now, row.planned_queue, row.actual_now) == ("work", "Sales", "lunch")
    assert row.actual_since == lunch_at and row.out_now is True
    [span] = [s for s in row.day.spans if s.beyond_grace]
    assert (span.planned, span.actual, span.start, span.minutes) == ("work", "lunch", lunch_at, 20)
    assert row.day.adherence is not None and row.day.adherence < 1
    [alert] = row.alerts
    assert (alert.planned, alert.actual, alert.start_at) == ("work", "lunch", lunch_at)
    others = [r for r in rows if r.login != shift.login]
    assert all(not r.out_now and not r.alerts for r in others)
    # a day that is not the site's today has no "now"
    later = adherence_service.floor(
        session=session, site_id=site.id, day=DAY + timedelta(days=1), now=now
    )
    assert later and all(r.planned_now is None and r.actual_now is None for r in later)
    assert all(not r.alerts for r in later)  # the alert belongs to the day it was raised


def test_the_adherence_page_shows_the_floor_and_refreshes(
    admin_client: TestClient,
    session: Session,
    published: ss.ScheduleDetailOut,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shift = _first_shift(published)
    _lunch_at, now = _lunch_instead_of_work(session, shift)
    name = session.scalars(select(Person.name).where(Person.login == shift.login)).one()
    session.commit()
    monkeypatch.setattr(intraday_pages, "_now", lambda: now.astimezone(UTC))
    page = admin_client.get("/intraday/adherence", params={"site": "Main"})
    assert page.status_code == 200
    assert 'hx-get="/intraday/adherence/panel?site=Main' in page.text
    assert 'hx-trigger="every 30s"' in page.text
    row = page.text[page.text.index(f'data-person="{shift.login}"') :]
    row = row[: row.index("</tr>")]
    assert name in row and "out of adherence" in row and "✗" in row
    assert "planned work, actual lunch (20 min)" in row
    panel = admin_client.get("/intraday/adherence/panel", params={"site": "Main"})
    assert panel.status_code == 200 and 'id="adherence-table"' in panel.text
    assert "<html" not in panel.text
    bad = admin_client.get("/intraday/adherence", params={"site": "Main", "date": "23/11"})
    assert bad.status_code == 200 and "not a date" in bad.text
    board = admin_client.get("/intraday").text
    assert 'href="/intraday/adherence"' in board
