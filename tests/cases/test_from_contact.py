"""Raising a case from a contact (page and API): the contact's facts, the case's values and its
link to the contact, scope refusals; and the case list as a CSV and Excel download."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from ccops.cases.models import Case
from ccops.contacts.models import Contact
from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.web.app import create_app
from tests.factories.cases import add_contact, set_up_cases
from tests.factories.web import World, sign_in

DAY = datetime(2026, 12, 4, 10, tzinfo=UTC)  # a Friday: 10:00 London, 18:00 Shanghai
RAISE = {
    "case_type": "complaint",
    "severity": "high",
    "category": "billing error",
    "subject": "Charged twice for the new plan",
    "description": "The customer sent both bank lines.",
}


def _seed(world: World) -> dict[str, int]:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        set_up_cases(s)
        ids = {login: add_contact(s, login, DAY) for login in ("alice", "bob", "carol")}
        contact = s.get(Contact, ids["alice"])
        assert contact is not None
        contact.wait_s, contact.talk_s = 95.0, 312.0
        contact.reason_code, contact.topic = "BILL-DUP", "double charge"
        contact.kb_article_id, contact.kb_article_version = 77, 2
        contact.transferred, contact.escalated = True, False
        contact.csat, contact.nps = 2, 3
        s.commit()
    engine.dispose()
    return ids


def _cases(world: World) -> list[Case]:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        rows = list(s.scalars(select(Case).order_by(Case.id)))
        s.expunge_all()
    engine.dispose()
    return rows


def _count(world: World) -> int:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        n = s.scalar(select(func.count()).select_from(Case)) or 0
    engine.dispose()
    return n


def test_api_raises_a_case_linked_to_the_contact(world: World) -> None:
    contacts = _seed(world)
    agent = world.client(Role.agent)
    opened = agent.post(f"/api/v1/cases/from-contact/{contacts['alice']}", json=RAISE)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["contact_id"] == contacts["alice"]
    assert (case["case_type"], case["severity"], case["category"]) == (
        "complaint",
        "high",
        "billing error",
    )
    assert case["subject"] == "Charged twice for the new plan"
    assert case["description"] == "The customer sent both bank lines."
    # queue, site, agent and customer follow the contact; routing as any case
    assert (case["queue"], case["site"], case["agent"]) == ("Sales", "Main", "alice")
    assert case["customer_key"] == "cust-0"
    assert (case["team"], case["owner"], case["raised_by"]) == ("Team A", "lead", "u-agent")
    stored = _cases(world)
    assert [(c.id, c.contact_id, c.status) for c in stored] == [
        (case["id"], contacts["alice"], "new")
    ]
    # the cases of the contact list it, for the API's list too
    assert [c["id"] for c in agent.get("/api/v1/cases").json()] == [case["id"]]


def test_api_refuses_out_of_scope_and_bad_input_storing_nothing(world: World) -> None:
    contacts = _seed(world)
    agent = world.client(Role.agent)  # own record: alice
    supervisor = world.client(Role.supervisor)  # teams: Team A (alice), site Main
    manager = world.client(Role.manager)  # sites: Main
    url = "/api/v1/cases/from-contact/{}"
    # an agent: only their own contacts
    assert agent.post(url.format(contacts["bob"]), json=RAISE).status_code == 404
    assert agent.post(url.format(contacts["carol"]), json=RAISE).status_code == 404
    # a team leader: contacts of their team's people, not of another team at the same site
    assert supervisor.post(url.format(contacts["bob"]), json=RAISE).status_code == 404
    assert supervisor.post(url.format(contacts["carol"]), json=RAISE).status_code == 404
    assert manager.post(url.format(contacts["carol"]), json=RAISE).status_code == 404
    assert agent.post(url.format(999999), json=RAISE).status_code == 404
    assert agent.post(url.format(2**31), json=RAISE).status_code == 422
    executive = world.client(Role.executive)
    assert executive.post(url.format(contacts["alice"]), json=RAISE).status_code == 403
    unknown = agent.post(url.format(contacts["alice"]), json={**RAISE, "case_type": "praise"})
    assert unknown.status_code == 422 and "case_type" in unknown.text
    # the contact comes from the path, never the body
    named = agent.post(url.format(contacts["alice"]), json={**RAISE, "contact_id": 1})
    assert named.status_code == 422
    no_target = agent.post(url.format(contacts["alice"]), json={**RAISE, "severity": "low"})
    assert no_target.status_code == 422 and "no target" in no_target.json()["message"]
    assert _count(world) == 0
    # in scope: the team leader for alice's, the manager for bob's
    assert supervisor.post(url.format(contacts["alice"]), json=RAISE).status_code == 201
    bob_case = manager.post(url.format(contacts["bob"]), json=RAISE)
    assert bob_case.status_code == 201 and bob_case.json()["agent"] == "bob"
    assert [c.contact_id for c in _cases(world)] == [contacts["alice"], contacts["bob"]]


def test_contact_page_shows_facts_and_raises_a_linked_case(world: World) -> None:
    contacts = _seed(world)
    agent = TestClient(create_app(world.settings), follow_redirects=False)
    csrf = sign_in(agent, "u-agent")
    url = f"/cases/contacts/{contacts['alice']}"
    page = agent.get(url)
    assert page.status_code == 200, page.text
    text = page.text
    assert 'id="contact-case-form"' in text and "No case." in text
    assert "Sales · Main · voice" in text
    assert "4 Dec 2026, 10:00:00 (Europe/London, UTC)" in text
    assert '<dd id="contact-wait">95 s</dd>' in text
    assert '<dd id="contact-talk">312 s ·' in text
    assert '<dd id="contact-outcome">answered</dd>' in text
    assert '<dd id="contact-reason">BILL-DUP</dd>' in text
    assert '<dd id="contact-topic">double charge</dd>' in text
    assert 'href="/kb/articles/77">article 77</a> · version 2' in text
    assert '<dd id="contact-transferred">Yes</dd>' in text
    assert '<dd id="contact-escalated">No</dd>' in text
    assert '<dd id="contact-csat">2</dd>' in text and '<dd id="contact-nps">3</dd>' in text

    empty = agent.post(url, data={"csrf_token": csrf, "case_type": "complaint", "subject": ""})
    assert empty.status_code == 422 and "aria-invalid" in empty.text
    assert agent.post(url, data={**RAISE, "csrf_token": "wrong"}).status_code == 403
    assert _count(world) == 0
    raised = agent.post(url, data={**RAISE, "csrf_token": csrf})
    assert raised.status_code == 303, raised.text
    case_url = raised.headers["location"]
    case_id = int(case_url.rsplit("/", 1)[1])
    detail = agent.get(case_url)
    assert f'href="/cases/contacts/{contacts["alice"]}"' in detail.text  # back to the contact
    again = agent.get(url).text
    assert f'<tr data-case="{case_id}">' in again and "Charged twice for the new plan" in again
    stored = _cases(world)
    assert [(c.contact_id, c.severity, c.category, c.raised_by) for c in stored] == [
        (contacts["alice"], "high", "billing error", "u-agent")
    ]

    # out of scope: the agent gets 404 on bob's contact, page and form alike
    assert agent.get(f"/cases/contacts/{contacts['bob']}").status_code == 404
    posted = agent.post(f"/cases/contacts/{contacts['bob']}", data={**RAISE, "csrf_token": csrf})
    assert posted.status_code == 404
    assert agent.get(f"/cases/contacts/{2**31}").status_code == 422
    lead = TestClient(create_app(world.settings), follow_redirects=False)
    lead_csrf = sign_in(lead, "u-supervisor")
    assert lead.get(f"/cases/contacts/{contacts['bob']}").status_code == 404
    refused = lead.post(
        f"/cases/contacts/{contacts['bob']}", data={**RAISE, "csrf_token": lead_csrf}
    )
    assert refused.status_code == 404
    assert _count(world) == 1

    # a Shanghai contact shows its arrival in Shanghai time; executives see, never raise
    executive = TestClient(create_app(world.settings), follow_redirects=False)
    sign_in(executive, "u-executive")
    shanghai = executive.get(f"/cases/contacts/{contacts['carol']}")
    assert shanghai.status_code == 200
    assert "4 Dec 2026, 18:00:00 (Asia/Shanghai, UTC+8)" in shanghai.text
    assert 'id="contact-case-form"' not in shanghai.text


def _rows_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_case_list_downloads_as_csv_and_excel_with_the_page_filters(world: World) -> None:
    contacts = _seed(world)
    admin = world.client(Role.admin)
    url = "/api/v1/cases/from-contact/{}"
    formula = admin.post(
        url.format(contacts["alice"]),
        json={**RAISE, "subject": '=HYPERLINK("http://evil.example","click")', "category": "+1"},
    ).json()
    plain = admin.post(
        url.format(contacts["bob"]),
        json={**RAISE, "case_type": "escalation", "severity": "medium", "subject": "Late"},
    ).json()
    manager = TestClient(create_app(world.settings), follow_redirects=False)
    sign_in(manager, "u-manager")
    page = manager.get("/cases", params={"case_type": "complaint"})
    assert 'href="/cases?case_type=complaint&amp;format=csv"' in page.text
    assert 'href="/cases?case_type=complaint&amp;format=xlsx"' in page.text

    got = manager.get("/cases", params={"case_type": "complaint", "format": "csv"})
    assert got.status_code == 200
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.headers["content-disposition"].startswith('attachment; filename="cases_')
    rows = _rows_csv(got.content)
    heading = rows[0]
    assert heading[:5] == ["Case", "Type", "Category", "Severity", "Subject"]
    assert "Opened (Europe/London)" in heading
    assert len(rows) == 2  # the filter holds: the escalation is left out
    row = dict(zip(heading, rows[1], strict=True))
    assert row["Case"] == str(formula["id"])
    assert row["Subject"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["Category"] == "'+1"
    assert (row["Type"], row["Severity"], row["Status"]) == ("complaint", "high", "new")
    assert (row["Site"], row["Queue"], row["Contact"]) == ("Main", "Sales", str(contacts["alice"]))
    assert (row["Team"], row["Owner"], row["Agent"]) == ("Team A", "lead", "alice")
    every = _rows_csv(manager.get("/cases", params={"format": "csv"}).content)
    assert sorted(int(r[0]) for r in every[1:]) == sorted([formula["id"], plain["id"]])

    book = manager.get("/cases", params={"case_type": "complaint", "format": "xlsx"})
    assert book.status_code == 200
    assert book.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(book.content)).worksheets[0]
    cells = list(sheet.iter_rows(values_only=False))
    titles = [c.value for c in cells[0]]
    assert titles == heading
    assert len(cells) == 2
    by_title = dict(zip(titles, cells[1], strict=True))
    subject = by_title["Subject"]
    assert subject.data_type == "s"  # text, never a formula
    assert subject.value == '\'=HYPERLINK("http://evil.example","click")'
    assert by_title["Category"].value == "'+1" and by_title["Category"].data_type == "s"
    assert by_title["Case"].value == formula["id"]
    assert by_title["Contact"].value == contacts["alice"]
    opened = by_title["Opened (Europe/London)"].value
    assert isinstance(opened, datetime) and opened.tzinfo is None
    assert abs((opened.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds()) < 3 * 3600

    assert manager.get("/cases", params={"format": "pdf"}).status_code == 422
    assert manager.get("/cases", params={"status": "lost", "format": "csv"}).status_code == 422
    agent = TestClient(create_app(world.settings), follow_redirects=False)
    sign_in(agent, "u-agent")
    mine = _rows_csv(agent.get("/cases", params={"format": "csv"}).content)
    assert [int(r[0]) for r in mine[1:]] == [formula["id"]]  # scope holds in the file
