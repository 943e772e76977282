"""The monthly voice-of-the-customer report: trend per category by an exact Poisson rate test,
dissatisfaction, repeat contact and churn by category with Wilson intervals, the changes made in
response; churn flags from a CSV on the page (SQLite and PostgreSQL).

July and August 2026 both have 31 days, so the trend test's p0 is 1/2 and its p-values are
binomial sums by hand. Wilson 95% intervals (z = 1.959964): 1 of 10 is 0.0179-0.4042, 2 of 4
is 0.1500-0.8500 (centre (p + z²/2n) / (1 + z²/n), half-width z·sqrt(p(1-p)/n + z²/4n²) /
(1 + z²/n)).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cases import report, schemas, voc
from ccops.cases import service as cases_service
from ccops.cases.models import CaseChurn
from ccops.cli import app
from ccops.errors import Invalid, NotFound
from ccops.knowledge.models import KbArticle, ProcessChange
from ccops.settings import Settings
from ccops.web.app import create_app
from tests.factories import make_token
from tests.factories.cases import add_contact, set_up_cases
from tests.factories.web import build_world, csrf_of, sign_in

TODAY = date(2026, 12, 7)
WILSON_1_10 = (0.017875, 0.404147)
WILSON_2_4 = (0.150039, 0.849961)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def open_case(
    session: Session, when: datetime, category: str, *, n: int | None = None, key: str = ""
) -> int:
    """A complaint in ``category`` opened at ``when``: from a contact of customer ``cust-n``
    arriving then (n given), else from the Sales queue with customer key ``key`` (or none)."""
    data: dict[str, object] = {"case_type": "complaint", "subject": "x", "category": category}
    if n is not None:
        data["contact_id"] = add_contact(session, "alice", when, n)
    else:
        data["queue"] = "Sales"
        if key:
            data["customer_key"] = key
    case = cases_service.open_case(
        session=session, data=schemas.CaseIn.model_validate(data), by="t", now=when
    )
    return case.contact_id or 0


@pytest.fixture
def centre(session: Session) -> Session:
    """July: Billing 2, Delivery 4. August: Billing 10 (customers cust-1..cust-10 on Monday
    3 August; cust-1 calls again on the 5th, cust-2 on the 12th, cust-3 had called on the
    morning of the 3rd; the contact data end on the 31st), Delivery 7 (customer keys d1..d6,
    one without a key). Four Billing contacts answered the survey: CSAT 1, 2, 3, 5."""
    build_world(session)
    set_up_cases(session)
    for day in (6, 20):
        open_case(session, at(7, day), "Billing", key=f"july-{day}")
    for day in (7, 8, 9, 10):
        open_case(session, at(7, day), "Delivery", key=f"dj-{day}")
    contacts = [open_case(session, at(8, 3), "Billing", n=i) for i in range(1, 11)]
    add_contact(session, "alice", at(8, 5), 1)  # 2 days later: a repeat
    add_contact(session, "alice", at(8, 12), 2)  # 9 days later: not
    add_contact(session, "alice", at(8, 3, 9), 3)  # before the case's contact: not
    add_contact(session, "alice", at(8, 31), 99)  # another customer: the data end
    for day in range(4, 10):
        open_case(session, at(8, day), "Delivery", key=f"d{day - 3}")
    open_case(session, at(8, 31, 23), "Delivery")  # no customer key
    voc.record_surveys(
        session=session,
        rows=[
            schemas.SurveyIn(contact_id=c, csat=score)
            for c, score in zip(contacts, (1, 2, 3, 5), strict=False)
        ],
    )
    session.commit()
    return session


def add_change(session: Session, title: str, published: datetime, topic: str | None = None) -> int:
    article = None
    if topic is not None:
        article = KbArticle(topic=topic, owner="lead", created_by="t")
        session.add(article)
        session.flush()
    change = ProcessChange(
        title=title,
        summary="",
        article_id=article.id if article else None,
        article_version=None,
        audience_json="{}",
        created_by="t",
        published_at=published,
    )
    session.add(change)
    session.flush()
    return change.id


def test_trend_dissatisfaction_repeats_and_churn_per_category(centre: Session) -> None:
    out = report.voc_report(session=centre, month="2026-08", today=TODAY)
    assert (out.days, out.previous_month, out.previous_days, out.repeat_days) == (
        31,
        "2026-07",
        31,
        7,
    )
    rows = {r.category: r for r in out.rows}
    assert [r.category for r in out.rows] == ["Billing", "Delivery"]
    billing, delivery = rows["Billing"], rows["Delivery"]
    # 2 -> 10: P = 2 (C(12,10) + C(12,11) + C(12,12)) / 2^12 = 158/4096.
    assert (billing.cases, billing.previous_cases) == (10, 2)
    assert billing.p_value == pytest.approx(158 / 4096, abs=1e-6)
    assert billing.trend == "up" and billing.ratio == pytest.approx(5.0)
    # 4 -> 7: P = 2 (330 + 165 + 55 + 11 + 1) / 2^11 = 1124/2048: noise, not "up".
    assert (delivery.cases, delivery.previous_cases) == (7, 4)
    assert delivery.p_value == pytest.approx(1124 / 2048, abs=1e-6)
    assert delivery.trend == "no clear change"
    # Surveys: CSAT 1 and 2 of 4 answers.
    assert (billing.surveyed, billing.dissatisfied) == (4, 2)
    assert billing.dissatisfied_share == 0.5
    assert (billing.dissatisfied_low, billing.dissatisfied_high) == pytest.approx(
        WILSON_2_4, abs=1e-5
    )
    # Repeat contact: only cust-1 called again within 7 days.
    assert (billing.repeat_judged, billing.repeats, billing.repeat_incomplete) == (10, 1, 0)
    assert billing.repeat_share == 0.1
    assert (billing.repeat_low, billing.repeat_high) == pytest.approx(WILSON_1_10, abs=1e-5)
    # Delivery: 6 with keys, none called again; the case of 31 August has no key.
    assert (delivery.repeat_judged, delivery.repeats, delivery.without_customer) == (6, 0, 1)
    # No churn recorded: no churn column.
    assert not out.churn_recorded and billing.churned is None
    assert (out.total.cases, out.total.previous_cases) == (17, 6)


def test_churn_after_the_case_and_the_windows_not_over_yet(centre: Session) -> None:
    voc.record_churn(
        session=centre,
        rows=[
            schemas.ChurnIn(customer_key="cust-1", churned_on=date(2026, 8, 20)),
            schemas.ChurnIn(customer_key="cust-2", churned_on=date(2026, 7, 1)),  # before
        ],
    )
    billing = report.voc_report(session=centre, month="2026-08", today=TODAY).rows[0]
    assert (billing.customers, billing.churned, billing.churn_share) == (10, 1, 0.1)
    assert (billing.churn_low, billing.churn_high) == pytest.approx(WILSON_1_10, abs=1e-5)
    # With a 10-day window cust-2's call on the 12th (9 days on) is a repeat too.
    wide = report.voc_report(session=centre, month="2026-08", days=10, today=TODAY).rows[0]
    assert (wide.repeat_judged, wide.repeats) == (10, 2)
    # A 30-day window from the 3rd ends on 2 September, after the last contact (31 August):
    # not judged yet.
    month = report.voc_report(session=centre, month="2026-08", days=30, today=TODAY)
    assert (month.rows[0].repeat_judged, month.rows[0].repeat_incomplete) == (0, 10)
    assert month.data_end == at(8, 31)


def test_changes_made_in_response_show_in_their_month(centre: Session) -> None:
    linked = add_change(centre, "Refund script rewritten", at(8, 20))
    add_change(centre, "An older change", at(7, 15))
    by_topic = add_change(centre, "Courier handover", at(8, 25), topic="delivery")
    old = report.link_change(
        session=centre, data=schemas.VocLinkIn(category="Billing", change_id=linked)
    )
    assert [(x.category, x.change_id) for x in old] == [("Billing", linked)]
    report.link_change(session=centre, data=schemas.VocLinkIn(category="billing", change_id=linked))
    assert len(report.list_links(session=centre)) == 1  # the same link twice is one
    with pytest.raises(NotFound):
        report.link_change(session=centre, data=schemas.VocLinkIn(category="x", change_id=999))
    rows = {
        r.category: r for r in report.voc_report(session=centre, month="2026-08", today=TODAY).rows
    }
    assert [(c.change_id, c.linked_by) for c in rows["Billing"].changes] == [(linked, "link")]
    assert [(c.change_id, c.linked_by) for c in rows["Delivery"].changes] == [(by_topic, "topic")]
    july = report.voc_report(session=centre, month="2026-07", today=TODAY)
    assert all(not r.changes for r in july.rows)
    assert report.unlink_change(session=centre, category="BILLING", change_id=linked) == []


def test_a_month_in_progress_counts_its_days_so_far_and_bad_months_are_refused(
    centre: Session,
) -> None:
    out = report.voc_report(session=centre, month="2026-08", today=date(2026, 8, 10))
    # 1-10 August: 10 days; Billing 10 cases in 10 days against 2 in July's 31.
    assert out.days == 10 and out.last_day == date(2026, 8, 10)
    assert out.rows[0].ratio == pytest.approx((10 / 10) / (2 / 31))
    for month in ("2026-13", "August", "2027-01", "0001-01", "9999-12"):
        with pytest.raises(Invalid):
            report.voc_report(session=centre, month=month, today=TODAY)


def test_the_report_in_the_api_and_the_cli(
    centre: Session, settings: Settings, cli: CliRunner
) -> None:
    token = make_token(centre, login="u-executive")
    api = TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"})
    got = api.get("/api/v1/cases/voc/report?month=2026-08")
    assert got.status_code == 200
    body = got.json()
    assert [(r["category"], r["cases"], r["trend"]) for r in body["rows"]] == [
        ("Billing", 10, "up"),
        ("Delivery", 7, "no clear change"),
    ]
    assert api.get("/api/v1/cases/voc/report?month=2026-8").status_code == 422
    assert (
        api.post("/api/v1/cases/voc/links", json={"category": "x", "change_id": 1}).status_code
        == 403
    )
    shown = cli.invoke(app, ["cases", "voc", "report", "--month", "2026-08", "--json"])
    assert shown.exit_code == 0, shown.stdout
    rows = json.loads(shown.stdout)["rows"]
    assert rows[0]["p_value"] == pytest.approx(158 / 4096, abs=1e-6)
    assert rows[0]["repeat_share"] == 0.1


def test_churn_flags_from_a_csv_on_the_voc_page(centre: Session, settings: Settings) -> None:
    client = TestClient(create_app(settings), follow_redirects=False)
    sign_in(client, "u-manager")
    page = client.get("/cases/voc?month=2026-08")
    assert page.status_code == 200
    assert 'data-category="Billing"' in page.text and "Churned after the case" not in page.text
    csrf = csrf_of(page.text)
    bad = client.post(
        "/cases/voc/churn",
        data={"csrf_token": csrf, "month": "2026-08"},
        files={
            "file": (
                "crm.csv",
                b"customer_key,churned_on\ncust-1,2026-08-20\ncust-2,2026-02-30\n,2026-08-01\n"
                b"cust-1,2026-08-21\n",
                "text/csv",
            )
        },
    )
    assert bad.status_code == 422
    assert "crm.csv: 3 problem(s) in 3 row(s); nothing stored" in bad.text
    problems = bad.text[bad.text.index('id="churn-problems"') :]
    assert '<td class="num">3</td><td>churned_on</td>' in problems
    assert '<td class="num">4</td><td>customer_key</td>' in problems
    assert "customer key &#39;cust-1&#39; is also on row 2" in problems
    assert centre.query(CaseChurn).count() == 0
    good = client.post(
        "/cases/voc/churn",
        data={"csrf_token": csrf, "month": "2026-08"},
        files={
            "file": (
                "crm.csv",
                b"\xef\xbb\xbfcustomer_key,churned_on,churned\ncust-1,2026-08-20,1\n"
                b"cust-2,2026-07-01,yes\ncust-9,,0\n",
                "text/csv",
            )
        },
    )
    assert good.status_code == 303 and good.headers["location"] == "/cases/voc?month=2026-08"
    shown = client.get("/cases/voc?month=2026-08")
    row = shown.text[shown.text.index('data-category="Billing"') :]
    row = row[: row.index("</tr>")]
    assert '<td class="churn">1 / 10 · 10.0% <span class="muted">(95% CI 1.8%–40.4%)</span>' in row
    assert "▲" in row and "p = 0.039" in row
    # Executives read the report but get no form.
    executive = TestClient(create_app(settings), follow_redirects=False)
    sign_in(executive, "u-executive")
    seen = executive.get("/cases/voc?month=2026-08")
    assert seen.status_code == 200 and 'id="churn-form"' not in seen.text
