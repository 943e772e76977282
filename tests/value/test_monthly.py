"""The value trend per calendar month (GET /api/v1/value/monthly) against a hand-built history:
the summary's figures per month, partial months marked, bad input refused, scope kept."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from ccops.cli import app
from ccops.db import make_engine, make_session_factory
from ccops.enums import Outcome, Role
from ccops.settings import get_settings
from ccops.value.pages import trend_chart
from ccops.value.schemas import MonthlyOut
from tests.factories.metrics import add_contact
from tests.factories.web import World

ASSUMPTIONS = {
    "cost_per_agent_hour": (20.0, 18.0, 24.0),
    "shrinkage": (0.3, 0.3, 0.3),
    "conversion_rate": (0.2, 0.2, 0.2),
    "revenue_per_sale": (100.0, 100.0, 100.0),
    "abandon_redial_share": (0.5, 0.5, 0.5),
}
# (queue, day, abandons of the ten contacts at 10:00 UTC)
DAYS = (
    ("Sales", date(2026, 9, 30), 2),
    ("Sales", date(2026, 10, 5), 1),
    ("Sales", date(2026, 10, 20), 3),
    ("Sales", date(2026, 11, 3), 0),
    ("Support", date(2026, 10, 7), 5),
)


def _seed(world: World) -> None:
    """Ten contacts a day: the first ``a`` abandon after 60 s; of the answered, every fourth
    (k = 0, 4, 8) waits 30 s (beyond the 20 s target), the others 5 s."""
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        for queue, day, abandons in DAYS:
            for k in range(10):
                abandon = k < abandons
                add_contact(
                    s,
                    ext=f"{queue}-{day}-{k}",
                    queue=queue,
                    arrival=datetime(day.year, day.month, day.day, 10, k * 3, tzinfo=UTC),
                    outcome=Outcome.abandoned if abandon else Outcome.answered,
                    wait_s=60.0 if abandon else (30.0 if k % 4 == 0 else 5.0),
                    talk_s=0.0 if abandon else 160.0,
                    wrap_s=0.0 if abandon else 20.0,
                    customer=f"cust{k}",
                )
        s.commit()
    engine.dispose()
    admin = world.client(Role.admin)
    for key, (value, low, high) in ASSUMPTIONS.items():
        r = admin.post(
            "/api/v1/value/assumptions",
            json={
                "site": "Main",
                "key": key,
                "value": value,
                "low": low,
                "high": high,
                "source": "finance, 2026 budget",
            },
        )
        assert r.status_code == 200, r.text


def _queue(month: dict[str, Any], name: str) -> dict[str, Any]:
    return next(q for q in month["queues"] if q["queue"] == name)


def test_monthly_figures_by_hand_and_partial_months(world: World) -> None:
    _seed(world)
    executive = world.client(Role.executive)
    r = executive.get("/api/v1/value/monthly", params={"from": "2026-01-01", "to": "2026-12-31"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["first"], body["last"]) == ("2026-09-30", "2026-11-03")  # clamped to history
    months = body["months"]
    assert [(m["month"], m["first"], m["last"], m["partial"]) for m in months] == [
        ("2026-09", "2026-09-30", "2026-09-30", True),
        ("2026-10", "2026-10-01", "2026-10-31", False),
        ("2026-11", "2026-11-01", "2026-11-03", True),
    ]
    sep, oct_, nov = (_queue(m, "Sales") for m in months)
    # offered, abandoned, answered within 20 s / (offered - short abandons)
    assert (sep["offered"], sep["abandoned"], sep["answered"]) == (10, 2, 8)
    assert sep["service_level"] == pytest.approx(6 / 10)  # k = 2..9 answered, 4 and 8 late
    assert (oct_["offered"], oct_["abandoned"]) == (20, 4)
    assert oct_["service_level"] == pytest.approx((7 + 5) / 20)
    assert nov["service_level"] == pytest.approx(7 / 10) and nov["abandoned"] == 0
    assert {q["service_level_variant"] for q in (sep, oct_, nov)} == {"exclude_short_abandons"}
    # revenue = answered x conversion x revenue per sale; staff cost = paid hours x 20
    for q, answered in ((sep, 8), (oct_, 16), (nov, 10)):
        assert q["money"]["revenue"]["value"] == pytest.approx(answered * 0.2 * 100)
        assert q["money"]["staff_cost"]["value"] == pytest.approx(q["paid_hours"] * 20.0)
        low, high = q["money"]["staff_cost"]["low"], q["money"]["staff_cost"]["high"]
        assert low <= q["money"]["staff_cost"]["value"] <= high
        # lost revenue = abandoned x (1 - redial share) x conversion x revenue per sale
        assert q["money"]["lost_revenue"]["value"] == pytest.approx(
            q["abandoned"] * 0.5 * 0.2 * 100
        )
    # Support (Other) has no assumptions: counted, not costed
    support = _queue(months[1], "Support")
    assert (support["offered"], support["abandoned"], support["money"]) == (10, 5, {})
    assert "cost_per_agent_hour" in support["missing"]
    assert _queue(months[0], "Support")["offered"] == 0
    # the month is the summary's computation over the same days
    summary = executive.get(
        "/api/v1/value/summary", params={"last": "2026-10-31", "days": 31, "site": "Main"}
    ).json()
    sales = next(q for q in summary["queues"] if q["queue"] == "Sales")
    for key in ("staff_cost", "revenue", "money_lost", "contribution"):
        assert oct_["money"][key] == sales["money"][key]
        assert months[1]["totals"][""][key] == summary["totals"][""][key]
    assert sales["service_level_variant"] == "exclude_short_abandons"


def test_a_range_inside_a_month_marks_it_partial(world: World) -> None:
    _seed(world)
    executive = world.client(Role.executive)
    whole = executive.get(
        "/api/v1/value/monthly", params={"from": "2026-10-01", "to": "2026-10-31"}
    )
    assert [(m["month"], m["partial"]) for m in whole.json()["months"]] == [("2026-10", False)]
    part = executive.get("/api/v1/value/monthly", params={"from": "2026-10-10", "to": "2026-10-31"})
    (month,) = part.json()["months"]
    assert (month["first"], month["partial"], month["days"]) == ("2026-10-10", True, 22)
    assert _queue(month, "Sales")["offered"] == 10  # only 20 October
    # default: the 12 months to the latest day with contacts
    default = executive.get("/api/v1/value/monthly").json()
    assert [m["month"] for m in default["months"]] == ["2026-09", "2026-10", "2026-11"]
    # a range outside the history: no months
    empty = executive.get(
        "/api/v1/value/monthly", params={"from": "2025-01-01", "to": "2025-03-01"}
    )
    assert empty.status_code == 200 and empty.json()["months"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-11-01", "to": "2026-10-01"},
        {"from": "2026-13-01"},
        {"to": "yesterday"},
        {"from": "2026-02-30"},
        {"from": "2020-01-01", "to": "2026-12-31", "site": "Nowhere"},
    ],
)
def test_bad_input_is_refused(world: World, params: dict[str, str]) -> None:
    _seed(world)
    r = world.client(Role.executive).get("/api/v1/value/monthly", params=params)
    assert r.status_code in (404, 422) if "site" in params else r.status_code == 422, r.text


def test_no_history_and_too_many_months(world: World) -> None:
    executive = world.client(Role.executive)
    r = executive.get("/api/v1/value/monthly")
    assert r.status_code == 422 and "no contact history" in r.json()["message"]
    _seed(world)
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        add_contact(
            s,
            ext="old",
            queue="Sales",
            arrival=datetime(2020, 1, 6, 10, tzinfo=UTC),
            outcome=Outcome.answered,
            wait_s=5.0,
            talk_s=100.0,
        )
        s.commit()
    engine.dispose()
    r = executive.get("/api/v1/value/monthly", params={"from": "2020-01-01"})
    assert r.status_code == 422 and "at most 36" in r.json()["message"]


def test_scope_a_site_user_sees_only_their_site(world: World) -> None:
    _seed(world)
    for role in (Role.manager, Role.planner):  # scope: site Main
        client = world.client(role)
        r = client.get("/api/v1/value/monthly", params={"from": "2026-10-01", "to": "2026-10-31"})
        assert r.status_code == 200, r.text
        (month,) = r.json()["months"]
        assert [q["queue"] for q in month["queues"]] == ["Sales"]
        assert client.get("/api/v1/value/monthly", params={"site": "Other"}).status_code == 404
        page = client.get("/value/report", params={"month": "2026-10"})
        assert page.status_code == 200, page.text
        assert 'data-queue="Support"' not in page.text and 'data-queue="Sales"' in page.text
    # team leaders keep their operational views: no value figures
    supervisor = world.client(Role.supervisor)
    assert supervisor.get("/api/v1/value/monthly").status_code == 403
    assert supervisor.get("/value/report").status_code == 403


def test_the_page_and_the_report_show_the_months(world: World) -> None:
    _seed(world)
    executive = world.client(Role.executive)
    api = executive.get("/api/v1/value/monthly").json()
    page = executive.get("/value")
    assert page.status_code == 200, page.text
    assert 'id="value-trend-data"' in page.text and "data-value-chart" in page.text
    for m in api["months"]:
        assert f'data-month="{m["month"]}" data-queue="Sales" data-partial="true"' in page.text or (
            not m["partial"] and f'data-month="{m["month"]}" data-queue="Sales">' in page.text
        )
    # a partial month is labelled with its days and drawn pale, so its lower bars are not read
    # as a fall: September holds 1 of its 30 days, November 3 of 30
    (chart,) = trend_chart(MonthlyOut.model_validate(api), lambda text: text)["charts"]
    assert chart["labels"] == ["2026-09 (1 of 30 days)", "2026-10", "2026-11 (3 of 30 days)"]
    assert chart["partial"] == [True, False, True]
    assert "data-partial-note" in page.text and "Pale bars: partial months" in page.text
    report = executive.get("/value/report")  # default: the last complete month, October
    assert report.status_code == 200, report.text
    assert 'id="report-headline" data-month="2026-10"' in report.text
    assert 'data-month="2026-09" data-currency="" data-partial="true"' in report.text
    assert 'class="bar-staff_cost partial" data-month="2026-09"' in report.text
    assert 'class="bar-staff_cost" data-month="2026-10"' in report.text
    oct_staff = api["months"][1]["totals"][""]["staff_cost"]["value"]
    assert f'data-key="staff_cost" data-value="{oct_staff}"' in report.text
    assert 'data-key="cost_per_agent_hour"' in report.text and "finance, 2026 budget" in report.text
    assert "<script" not in report.text and "http" not in report.text.replace("http-equiv", "")
    bad = executive.get("/value/report", params={"month": "2026-13"})
    assert bad.status_code == 422 and 'id="report-problem-month"' in bad.text
    empty = executive.get("/value/report", params={"month": "2025-01"})
    assert empty.status_code == 200 and 'id="report-problem-report"' in empty.text


def test_cli_monthly_gives_the_api_months_and_refuses_a_backwards_range(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(world)
    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("CCOPS_SECRET_KEY", world.settings.secret_key)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        api = world.client(Role.executive).get("/api/v1/value/monthly").json()
        done = runner.invoke(app, ["value", "monthly", "--json"])
        assert done.exit_code == 0, done.output
        assert json.loads(done.output) == api  # everything in scope: the executive sees all
        table = runner.invoke(app, ["value", "monthly", "--site", "Main"])
        assert table.exit_code == 0, table.output
        # 1 of September's 30 days, all 31 of October, 3 of November's 30: two partial months
        assert "1/30" in table.output and "31/31" in table.output and "3/30" in table.output
        assert "* partial month" in table.output
        october = api["months"][1]["totals"][""]["staff_cost"]["value"]
        assert f"{october:.3g}" in table.output
        backwards = runner.invoke(
            app, ["value", "monthly", "--from", "2026-11-01", "--to", "2026-10-01", "--json"]
        )
        assert backwards.exit_code == 2
        assert "is after to 2026-10-01" in json.loads(backwards.output)["message"]
        bad_day = runner.invoke(app, ["value", "monthly", "--from", "2026-13-01"])
        assert bad_day.exit_code == 2 and "--from" in bad_day.output
    finally:
        get_settings.cache_clear()
