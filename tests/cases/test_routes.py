"""The cases API and pages: roles, scope, 4xx with nothing stored, the page flow."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from ccops.audit.models import AuditEntry
from ccops.db import make_engine, make_session_factory, utcnow
from ccops.enums import Role
from ccops.web.app import create_app
from tests.factories.cases import OFFICE, add_contact, set_up_cases
from tests.factories.web import World, sign_in

DAY = datetime(2026, 12, 4, 10, tzinfo=UTC)


def _seed(world: World) -> dict[str, int]:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        set_up_cases(s)
        ids = {login: add_contact(s, login, DAY) for login in ("alice", "carol")}
        s.commit()
    engine.dispose()
    return ids


def test_api_roles_scope_and_refusals(world: World) -> None:
    contacts = _seed(world)
    agent = world.client(Role.agent)
    opened = agent.post(
        "/api/v1/cases",
        json={"case_type": "complaint", "subject": "Billed twice", "contact_id": contacts["alice"]},
    )
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["owner"] == "lead" and case["team"] == "Team A" and case["status"] == "new"
    assert case["due_first_response_at"] and case["due_resolution_at"]
    # An agent cannot raise a case on someone else's contact, nor work cases.
    other = agent.post(
        "/api/v1/cases",
        json={"case_type": "complaint", "subject": "x", "contact_id": contacts["carol"]},
    )
    assert other.status_code == 404
    assert (
        agent.patch(f"/api/v1/cases/{case['id']}", json={"status": "in_progress"}).status_code
        == 403
    )
    assert agent.get(f"/api/v1/cases/{case['id']}").json()["subject"] == "Billed twice"
    assert agent.get("/api/v1/cases/compliance").status_code == 403

    unknown = agent.post(
        "/api/v1/cases",
        json={"case_type": "praise", "subject": "x", "contact_id": contacts["alice"]},
    )
    assert unknown.status_code == 422 and "case_type" in unknown.text

    supervisor = world.client(Role.supervisor)
    forbidden = supervisor.patch(f"/api/v1/cases/{case['id']}", json={"status": "closed"})
    assert forbidden.status_code == 409
    assert "cannot go from new to closed" in forbidden.json()["message"]
    moved = supervisor.patch(f"/api/v1/cases/{case['id']}", json={"status": "waiting_customer"})
    assert moved.status_code == 200 and moved.json()["clock"] == "paused"

    admin = world.client(Role.admin)
    carol_case = admin.post(
        "/api/v1/cases",
        json={"case_type": "escalation", "subject": "y", "contact_id": contacts["carol"]},
    ).json()
    manager = world.client(Role.manager)  # Main only
    assert manager.get(f"/api/v1/cases/{carol_case['id']}").status_code == 404
    assert [c["id"] for c in manager.get("/api/v1/cases").json()] == [case["id"]]
    assert manager.get("/api/v1/cases", params={"status": "lost"}).status_code == 422

    executive = world.client(Role.executive)
    assert executive.post("/api/v1/cases", json={}).status_code == 403
    summary = executive.get(
        "/api/v1/cases/compliance", params={"first_day": "2026-12-01", "last_day": "2026-12-31"}
    )
    assert summary.status_code == 200 and summary.json()["total"]["pending"] == 2

    before = admin.get("/api/v1/cases/calendars").json()
    bad = {**OFFICE, "name": "Split", "hours": {"0": [["09:00", "13:00"], ["12:00", "17:00"]]}}
    refused = manager.post("/api/v1/cases/calendars", json=bad)
    assert refused.status_code == 422 and "overlap" in refused.json()["message"]
    assert admin.get("/api/v1/cases/calendars").json() == before
    assert manager.post("/api/v1/cases/sweep").status_code == 200
    assert supervisor.post("/api/v1/cases/sweep").status_code == 403

    surveys = world.client(Role.qa_analyst).post(
        "/api/v1/cases/surveys", json=[{"contact_id": contacts["alice"], "csat": 6}]
    )
    assert surveys.status_code == 422

    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        trail = s.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.changes_json).where(
                AuditEntry.entity_kind == "case", AuditEntry.entity_id == case["id"]
            )
        ).all()
    engine.dispose()
    # the case's creation and the move to waiting (status and paused_at) are in the trail
    assert [(actor, action) for actor, action, _c in trail] == [
        ("u-agent", "create"),
        ("u-supervisor", "update"),
    ]
    assert "waiting_customer" in trail[1][2] and "paused_at" in trail[1][2]


def test_pages_raise_follow_and_work_a_case(world: World) -> None:
    contacts = _seed(world)
    agent = TestClient(create_app(world.settings), follow_redirects=False)
    csrf = sign_in(agent, "u-agent")
    page = agent.get("/cases")
    assert page.status_code == 200 and 'id="open-case-form"' in page.text
    empty = agent.post("/cases", data={"csrf_token": csrf, "case_type": "complaint", "subject": ""})
    assert empty.status_code == 422
    raised = agent.post(
        "/cases",
        data={
            "csrf_token": csrf,
            "case_type": "complaint",
            "severity": "medium",
            "subject": "Rude reply",
            "contact_id": str(contacts["alice"]),
        },
    )
    assert raised.status_code == 303, raised.text
    url = raised.headers["location"]
    detail = agent.get(url)
    assert detail.status_code == 200 and "Rude reply" in detail.text
    assert 'id="update-case-form"' not in detail.text  # agents follow, they do not work cases

    lead = TestClient(create_app(world.settings), follow_redirects=False)
    lead_csrf = sign_in(lead, "u-supervisor")
    refused = lead.post(
        url, data={"csrf_token": lead_csrf, "status": "resolved", "answer": "", "note": ""}
    )
    assert refused.status_code == 422 and "aria-invalid" in refused.text
    done = lead.post(
        url,
        data={
            "csrf_token": lead_csrf,
            "status": "resolved",
            "answer": "We apologised.",
            "note": "",
        },
    )
    assert done.status_code == 303
    assert "We apologised." in agent.get(url).text
    told = agent.get("/notifications")
    assert "is resolved" in told.text  # the agent who raised it is told
    listed = agent.get("/cases", params={"status": "resolved"})
    assert "Rude reply" in listed.text
    assert agent.get("/cases", params={"status": "lost"}).status_code == 422
    summary = lead.get("/cases/compliance", params={"first_day": "2026-01-01"})
    assert summary.status_code == 200 and 'id="compliance-table"' in summary.text
    assert lead.get("/cases/compliance", params={"first_day": "soon"}).status_code == 422


def test_statuses_api_and_page_refuse_bad_workflows_and_forbidden_moves(world: World) -> None:
    contacts = _seed(world)
    agent = world.client(Role.agent)
    assert agent.get("/api/v1/cases/statuses").json()["builtin"] is True
    assert agent.put("/api/v1/cases/statuses", json={"statuses": []}).status_code == 403
    manager = world.client(Role.manager)
    unworkable = {
        "statuses": [
            {"name": "new", "next": ["done", "lost"]},
            {"name": "done", "closes": True, "pauses": True},
        ]
    }
    refused = manager.put("/api/v1/cases/statuses", json=unworkable)
    assert refused.status_code == 422
    assert "new → lost: unknown status" in refused.json()["message"]
    assert "cannot both pause and close" in refused.json()["message"]
    assert manager.get("/api/v1/cases/statuses").json()["builtin"] is True
    own = {
        "statuses": [
            {"name": "new", "next": ["triage"]},
            {"name": "triage", "label": "Being looked at", "next": ["on_hold", "done"]},
            {"name": "on_hold", "pauses": True, "next": ["triage"]},
            {"name": "done", "closes": True},
        ]
    }
    stored = manager.put("/api/v1/cases/statuses", json=own)
    assert stored.status_code == 200, stored.text
    assert [s["final"] for s in stored.json()["statuses"]] == [False, False, False, True]

    case = agent.post(
        "/api/v1/cases",
        json={"case_type": "complaint", "subject": "Billed twice", "contact_id": contacts["alice"]},
    ).json()
    supervisor = world.client(Role.supervisor)
    jump = supervisor.patch(f"/api/v1/cases/{case['id']}", json={"status": "done"})
    assert jump.status_code == 409
    assert "cannot go from new to done (allowed: triage)" in jump.json()["message"]
    assert supervisor.get(f"/api/v1/cases/{case['id']}").json()["status"] == "new"
    moved = supervisor.patch(f"/api/v1/cases/{case['id']}", json={"status": "triage"})
    assert moved.status_code == 200
    held = supervisor.patch(f"/api/v1/cases/{case['id']}", json={"status": "on_hold"})
    assert held.json()["clock"] == "paused"
    assert manager.delete("/api/v1/cases/statuses").status_code == 409  # on_hold is in use

    page = TestClient(create_app(world.settings), follow_redirects=False)
    csrf = sign_in(page, "u-manager")
    shown = page.get("/cases/statuses")
    assert shown.status_code == 200 and 'data-status="on_hold"' in shown.text
    assert "Being looked at" in shown.text
    assert "<title>" in shown.text and shown.text.count('id="senior-table"') == 1
    title = shown.text.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "Case statuses" in title and "<section" not in title
    assert "type=complaint, severity=critical" in shown.text  # the built-in rule, as text
    bad_rule = page.post(
        "/cases/statuses",
        data={"csrf_token": csrf, "what": "senior", "senior": "type=complaint\ncolour=red"},
    )
    assert bad_rule.status_code == 422 and "rule 2 (&#39;colour=red&#39;)" in bad_rule.text
    assert "colour=red" in bad_rule.text  # as typed
    assert manager.get("/api/v1/cases/senior-rules").json()["builtin"] is True
    rules = page.post(
        "/cases/statuses",
        data={"csrf_token": csrf, "what": "senior", "senior": "category=Legal threat\n"},
    )
    assert rules.status_code == 303
    assert manager.get("/api/v1/cases/senior-rules").json() == {
        "builtin": False,
        "rules": [{"case_type": None, "severity": None, "category": "Legal threat"}],
    }
    bad = page.post(
        "/cases/statuses", data={"csrf_token": csrf, "workflow": "new -> gone\nx closes"}
    )
    assert bad.status_code == 422 and "new → gone: unknown status" in bad.text
    assert "new -&gt; gone" in bad.text  # the text comes back as typed
    detail = page.get(f"/cases/{case['id']}")
    assert 'id="case-status">on_hold<' in detail.text
    assert '<option value="triage">' in detail.text  # on_hold may only go back to triage
    assert '<option value="done">' not in detail.text
    assert 'name="to_customer"' in detail.text
    no_note = page.post(
        f"/cases/{case['id']}", data={"csrf_token": csrf, "to_customer": "1", "note": ""}
    )
    assert no_note.status_code == 422 and 'id="e-note"' in no_note.text
    sent = page.post(
        f"/cases/{case['id']}",
        data={"csrf_token": csrf, "to_customer": "1", "note": "We are on it"},
    )
    assert sent.status_code == 303
    kinds = [e["kind"] for e in manager.get(f"/api/v1/cases/{case['id']}").json()["events"]]
    assert kinds[-1] == "customer_update"
    lead = TestClient(create_app(world.settings), follow_redirects=False)
    sign_in(lead, "u-supervisor")
    assert lead.get("/cases/statuses").status_code == 403
    # Churn flags from the CRM (managers and admins) show on the categories of the report.
    today = utcnow().date().isoformat()
    assert supervisor.post("/api/v1/cases/churn", json=[]).status_code == 403
    no_day = manager.post("/api/v1/cases/churn", json=[{"customer_key": "cust-0"}])
    assert no_day.status_code == 422 and "churned_on" in no_day.text
    flagged = manager.post(
        "/api/v1/cases/churn", json=[{"customer_key": "cust-0", "churned_on": today}]
    )
    assert flagged.status_code == 200 and flagged.json()["recorded"] == 1
    rows = manager.get("/api/v1/cases/categories").json()
    assert [(r["category"], r["customers"], r["churned"]) for r in rows] == [("(none)", 1, 1)]
    report = page.get("/cases/compliance")
    assert "Customers who churned after the case" in report.text
    assert "1 / 1" in report.text
