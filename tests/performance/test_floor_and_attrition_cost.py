"""Floor time (scheduled beside recorded) and attrition cost per site over the API, the CLI and
the pages of the team leader, their manager and the executive."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from typer.testing import CliRunner

from ccops.cli import app
from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.org.models import Person, Site
from ccops.performance import periods as perf_periods
from ccops.wfm.schedules.models import Schedule, ScheduledActivity, ScheduledShift
from tests.factories.web import World

LONDON = ZoneInfo("Europe/London")


def _monday() -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=today.weekday())


def _seed(world: World) -> None:
    """A published day for the team leader (180 min on the queue, 60 planning, a lunch) and
    leavers at Main (2 of 4 people in the last year) and at Other (none)."""
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as session:
        lead = session.scalars(select(Person).where(Person.login == "lead")).one()
        monday = _monday()
        record = Schedule(
            site_id=lead.site_id,
            week=f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}",
            week_start=monday,
            version=1,
            status="published",
            created_by="test",
        )
        session.add(record)
        session.flush()

        def at(clock: int, minute: int = 0) -> datetime:
            return datetime(monday.year, monday.month, monday.day, clock, minute, tzinfo=LONDON)

        shift = ScheduledShift(
            schedule_id=record.id,
            person_id=lead.id,
            template="day",
            queues="Sales",
            start_at=at(9),
            end_at=at(13, 30),
            paid_h=4.0,
            cost=80.0,
        )
        session.add(shift)
        session.flush()
        for kind, start, end in (
            ("work", at(9), at(12)),
            ("lunch", at(12), at(12, 30)),
            ("planning", at(12, 30), at(13, 30)),
        ):
            session.add(
                ScheduledActivity(
                    schedule_id=record.id,
                    shift_id=shift.id,
                    person_id=lead.id,
                    kind=kind,
                    start_at=start,
                    end_at=end,
                )
            )
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        main = session.scalars(select(Person).where(Person.site_id == _site(session, "Main")))
        for k, person in enumerate(sorted(main, key=lambda p: p.login)):
            person.hire_date = date(2020, 1, 1)
            if k < 2:
                person.termination_date = yesterday - timedelta(days=30 * (k + 1))
        session.commit()
    engine.dispose()


def _site(session: object, name: str) -> int:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    return session.scalars(select(Site.id).where(Site.name == name)).one()


def test_leaver_cost_api_refuses_bad_input_and_feeds_the_executive_view(world: World) -> None:
    _seed(world)
    admin = world.client(Role.admin)
    url = "/api/v1/sites/Main/leaver-cost"
    negative = admin.post(url, json={"cost_per_leaver": -5, "currency": "GBP"})
    assert negative.status_code == 422
    assert negative.json()["problems"][0]["field"] == "cost_per_leaver"
    no_currency = admin.post(url, json={"cost_per_leaver": 5})
    assert no_currency.status_code == 422 and "give the currency" in no_currency.text
    lower = admin.post(url, json={"cost_per_leaver": 5, "currency": "gbp"})
    assert lower.status_code == 422
    unknown = admin.post(
        "/api/v1/sites/Nowhere/leaver-cost", json={"cost_per_leaver": 5, "currency": "GBP"}
    )
    assert unknown.status_code == 404
    refused = world.client(Role.manager).post(url, json={"cost_per_leaver": 5, "currency": "GBP"})
    assert refused.status_code == 403
    cost = world.client(Role.executive).get("/api/v1/performance/attrition-cost").json()
    assert [r["cost"] for r in cost["sites"]] == [None, None]  # nothing stored by bad input
    ok = admin.post(url, json={"cost_per_leaver": 4250.5, "currency": "GBP"})
    assert ok.status_code == 200
    assert ok.json() == {"site": "Main", "cost_per_leaver": 4250.5, "currency": "GBP"}
    cost = world.client(Role.executive).get("/api/v1/performance/attrition-cost").json()
    main, other = cost["sites"]
    # Main: alice, bob, lead hired 2020; alice and bob left within the year -> 3 at the start,
    # 1 at the end, average 2; cost 2 x 4250.5
    assert (main["site"], main["leavers"], main["average_headcount"]) == ("Main", 2, 2.0)
    assert main["rate"] == 1.0 and main["cost"] == 8501.0
    assert main["low"] is not None and main["high"] == 1.0
    assert (other["site"], other["leavers"], other["cost"]) == ("Other", 0, None)
    assert other["note"] == "no replacement cost per leaver set for this site"
    scoped = world.client(Role.manager).get("/api/v1/performance/attrition-cost").json()
    assert [r["site"] for r in scoped["sites"]] == ["Main"]
    assert world.client(Role.supervisor).get("/api/v1/performance/attrition-cost").status_code == (
        403
    )
    home = world.client(Role.executive).get("/")
    assert home.status_code == 200 and 'id="home-attrition-cost"' in home.text
    assert "£8,501.00" in home.text and "£4,250.50" in home.text
    assert "No cost per leaver set for this site" in home.text  # Other, said plainly
    page = world.client(Role.manager).get("/performance/attrition")
    assert 'id="attrition-cost"' in page.text and "£8,501.00" in page.text
    assert (
        'id="attrition-cost"'
        not in world.client(Role.supervisor).get("/performance/attrition").text
    )
    cleared = admin.post(url, json={"cost_per_leaver": None})
    assert cleared.json() == {"site": "Main", "cost_per_leaver": None, "currency": None}


def test_floor_time_api_and_pages_show_both_sources(world: World) -> None:
    _seed(world)
    first, last = perf_periods.floor_period()
    supervisor = world.client(Role.supervisor)
    rows = supervisor.get(f"/api/v1/performance/floor-time?first={first}&last={last}").json()
    [lead] = rows
    assert lead["person"] == "lead" and lead["target_share"] == 0.75
    assert lead["scheduled"]["share"] == 0.75
    assert (lead["scheduled"]["floor_min"], lead["scheduled"]["off_floor_min"]) == (180, 60)
    assert lead["scheduled"]["minutes"] == {"lunch": 30, "planning": 60, "work": 180}
    assert lead["recorded"]["state"] == "nothing_recorded" and lead["recorded"]["share"] is None
    missing = supervisor.get("/api/v1/performance/floor-time?person=nobody")
    assert missing.status_code == 404
    reversed_ = supervisor.get(f"/api/v1/performance/floor-time?first={last}&last={first}")
    assert reversed_.status_code == 422
    own = supervisor.get("/performance")
    assert 'id="own-floor-time"' in own.text and "Your time on the floor" in own.text
    assert 'data-share="0.750000"' in own.text and "Nothing recorded" in own.text
    assert "180 of 240 min on the floor, 1 days" in own.text
    manager = world.client(Role.manager)
    attrition = manager.get("/performance/attrition")
    assert 'id="floor-time"' in attrition.text and "Scheduled share" in attrition.text
    assert "Recorded share" in attrition.text and 'data-person="lead"' in attrition.text
    person = manager.get("/performance/people/lead")
    assert person.status_code == 200 and 'id="own-floor-time"' in person.text
    # an agent's page has no floor-time card
    assert 'id="own-floor-time"' not in manager.get("/performance/people/alice").text
    # nothing published for another period: said, not a zero
    earlier = supervisor.get("/api/v1/performance/floor-time?first=2020-01-06&last=2020-01-12")
    assert earlier.json()[0]["scheduled"]["state"] == "no_schedule"


def test_cli_sets_the_cost_and_shows_floor_time(world: World, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    _seed(world)
    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("CCOPS_SECRET_KEY", world.settings.secret_key)
    from ccops.settings import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    bad = runner.invoke(app, ["sites", "leaver-cost", "Main", "--cost", "-1", "--currency", "GBP"])
    assert bad.exit_code != 0
    neither = runner.invoke(app, ["sites", "leaver-cost", "Main"])
    assert neither.exit_code != 0 and "--cost" in neither.output
    ok = runner.invoke(
        app, ["sites", "leaver-cost", "Main", "--cost", "3000", "--currency", "EUR", "--json"]
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output) == [{"site": "Main", "cost_per_leaver": 3000.0, "currency": "EUR"}]
    first, last = perf_periods.floor_period()
    out = runner.invoke(
        app,
        ["performance", "floor-time", "--from", str(first), "--to", str(last), "--json"],
    )
    assert out.exit_code == 0, out.output
    [lead] = json.loads(out.output)
    assert lead["scheduled"]["share"] == 0.75 and lead["recorded"]["state"] == "nothing_recorded"
    table = runner.invoke(
        app, ["performance", "floor-time", "--from", str(first), "--to", str(last)]
    )
    assert "75.0%" in table.output and "180 of 240" in table.output
    assert "nothing" in table.output  # recorded: nothing recorded
    get_settings.cache_clear()
