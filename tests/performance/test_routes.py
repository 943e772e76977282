"""The performance API, pages and CLI: roles, scopes, bad input and values."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from tests.factories.performance import DAY, add_contacts, add_horizon, make_centre
from tests.factories.web import World

KPIS = [
    {
        "perspective": "customer",
        "objective": "first time",
        "kpi": "repeat_contact_rate",
        "target": 0.15,
        "higher_is_better": False,
        "weight_pct": 70,
    },
    {
        "perspective": "internal_process",
        "objective": "handle",
        "kpi": "aht_s",
        "target": 300,
        "higher_is_better": False,
        "weight_pct": 30,
    },
]
Q = f"?first={DAY}&last={DAY}"


def _seed(world: World) -> None:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as session:
        add_contacts(session, login="alice", day=DAY, answered=50, repeats=10)
        add_horizon(session, DAY + timedelta(days=30))
        session.commit()
    engine.dispose()


def test_weights_not_100_are_a_422_naming_the_field(world: World) -> None:
    admin = world.client(Role.admin)
    bad = {"name": "Centre", "level": "centre", "kpis": [dict(KPIS[0], weight_pct=50), KPIS[1]]}
    response = admin.post("/api/v1/performance/scorecards", json=bad)
    assert response.status_code == 422
    assert "sum to 80%" in response.json()["message"]
    assert response.json()["problems"][0]["field"] == "kpis.weight_pct"
    assert admin.get("/api/v1/performance/scorecards").json() == []
    good = {"name": "Centre", "level": "centre", "kpis": KPIS}
    assert admin.post("/api/v1/performance/scorecards", json=good).status_code == 201
    team = {"name": "A", "level": "team", "team": "Team A", "parent": "Centre", "kpis": KPIS}
    assert admin.post("/api/v1/performance/scorecards", json=team).status_code == 201
    cycle = admin.post("/api/v1/performance/scorecards/Centre/parent", json={"parent": "A"})
    assert cycle.status_code == 422  # a centre below a team: refused before any cycle forms
    tree = admin.get("/api/v1/performance/cascade").json()
    assert tree[0]["scorecard"]["name"] == "Centre"
    assert tree[0]["children"][0]["scorecard"]["kpis"][0]["data_source"].startswith("contact")
    page = world.client(Role.manager).get("/performance/cascade")
    assert page.status_code == 200 and "Internal process" in page.text and "70%" in page.text
    assert world.client(Role.manager).get("/performance/attrition").status_code == 200
    assert world.client(Role.executive).get(f"/performance{Q}").status_code == 200
    planner = world.client(Role.planner).get(f"/performance{Q}")  # no team page: no team links
    assert planner.status_code == 200 and "/performance/teams/" not in planner.text
    assert "/performance/teams/Team%20A" in world.client(Role.supervisor).get("/performance").text


def test_agents_see_their_own_records_only(world: World) -> None:
    _seed(world)
    admin = world.client(Role.admin)
    coaching = {
        "person": "bob",
        "held_on": str(DAY),
        "monitoring_points": "m",
        "gap": "g",
        "analysis": "a",
        "action_plan": "p",
    }
    bob_session = admin.post("/api/v1/performance/coaching", json=coaching).json()
    review = {
        "person": "alice",
        "period_first": str(DAY),
        "period_last": str(DAY),
        "strengths": "s",
        "weaknesses": "w",
        "improvement_plan": "i",
        "person_commitments": "p",
        "support_commitments": "c",
        "next_review_on": str(DAY + timedelta(days=90)),
        "next_review_criteria": "c",
    }
    alice_review = admin.post("/api/v1/performance/reviews", json=review).json()
    agent = world.client(Role.agent)  # alice
    own = agent.get(f"/api/v1/performance/people/alice/scorecard{Q}")
    assert own.status_code == 200
    repeat = own.json()["values"][0]
    assert repeat["kpi"] == "repeat_contact_rate" and repeat["n"] == 50
    assert repeat["actual"] == 0.2 and repeat["low"] < 0.2 < repeat["high"]
    assert agent.get(f"/api/v1/performance/people/bob/scorecard{Q}").status_code == 404
    assert agent.get("/api/v1/performance/people/bob/coaching").status_code == 404
    agreed = agent.post(f"/api/v1/performance/coaching/{bob_session['id']}/agree")
    assert agreed.status_code == 404
    signed = agent.post(f"/api/v1/performance/reviews/{alice_review['id']}/sign")
    assert signed.status_code == 200 and signed.json()["signed_by_person_at"]
    assert agent.get("/performance").status_code == 200
    page = agent.get(f"/performance/people/alice{Q.replace('?', '?')}")
    assert page.status_code == 200 and "Alice" in page.text and "n = 50" in page.text
    assert agent.get("/performance/people/bob").status_code == 404


def test_supervisors_and_managers_reach_their_scope_only(world: World) -> None:
    _seed(world)
    supervisor = world.client(Role.supervisor)  # Team A
    funnel = supervisor.get(f"/api/v1/performance/teams/Team A/funnel{Q}")
    assert funnel.status_code == 200 and [p["person"] for p in funnel.json()["points"]] == ["alice"]
    assert supervisor.get(f"/api/v1/performance/teams/Team B/funnel{Q}").status_code == 404
    page = supervisor.get(f"/performance/teams/Team A{Q}")
    assert page.status_code == 200 and 'id="funnel-chart"' in page.text
    manager = world.client(Role.manager)  # site Main
    assert manager.get(f"/api/v1/performance/teams/Team C/scorecard{Q}").status_code == 404
    assert manager.get(f"/api/v1/performance/teams/Team B/scorecard{Q}").status_code == 200
    executive = world.client(Role.executive)
    assert executive.get(f"/api/v1/performance/reports/team{Q}").status_code == 403
    assert executive.get(f"/api/v1/performance/reports/executive{Q}").status_code == 200
    assert executive.get(f"/api/v1/performance/centre/scorecard{Q}").status_code == 200
    assert supervisor.get(f"/api/v1/performance/reports/centre{Q}").status_code == 403
    bad = supervisor.get("/api/v1/performance/teams/Team A/funnel?first=0001-01-01")
    assert bad.status_code == 422


def test_cli_refuses_bad_weights_and_shows_values(
    session: Session, cli: CliRunner, tmp_path: Path
) -> None:
    make_centre(session)
    add_contacts(session, login="alice", day=DAY, answered=40, repeats=10)
    add_horizon(session, DAY + timedelta(days=30))
    session.commit()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "C", "level": "centre", "kpis": [KPIS[0]]}))
    result = cli.invoke(app, ["performance", "scorecard-create", str(bad)])
    assert result.exit_code == 2 and "sum to 100%" in result.output
    good = tmp_path / "good.json"
    good.write_text(json.dumps([{"name": "C", "level": "centre", "kpis": KPIS}]))
    assert cli.invoke(app, ["performance", "scorecard-create", str(good)]).exit_code == 0
    out = cli.invoke(app, ["performance", "cascade", "--json"])
    assert json.loads(out.stdout)[0]["scorecard"]["name"] == "C"
    card = cli.invoke(
        app,
        [
            "performance",
            "scorecard",
            "--person",
            "alice",
            "--from",
            str(DAY),
            "--to",
            str(DAY),
            "--json",
        ],
    )
    assert card.exit_code == 0, card.output
    values = json.loads(card.stdout)["values"]
    assert values[0]["actual"] == 0.25 and round(values[0]["low"], 6) == 0.141871
    table = cli.invoke(
        app,
        ["performance", "scorecard", "--person", "alice", "--from", str(DAY), "--to", str(DAY)],
        env={"COLUMNS": "200"},
    )
    assert table.exit_code == 0, table.output
    # rates print as the pages print them: percentages, gaps in points, never raw fractions
    assert "25.0%" in table.output and "14.2%–" in table.output
    assert "0.25 " not in table.output and "0.1419" not in table.output
    funnel = cli.invoke(
        app, ["performance", "funnel", "Team A", "--from", str(DAY), "--to", str(DAY), "--json"]
    )
    assert [p["name"] for p in json.loads(funnel.stdout)["points"]] == ["Alice", "Bob"]
    limits = json.loads(funnel.stdout)["points"][0]
    funnel_table = cli.invoke(
        app,
        ["performance", "funnel", "Team A", "--from", str(DAY), "--to", str(DAY)],
        env={"COLUMNS": "200"},
    )
    assert funnel_table.exit_code == 0, funnel_table.output
    alice = next(line for line in funnel_table.stdout.splitlines() if "Alice" in line)
    # the funnel's rate and limits are percentages too (was 0.250, 0.061–0.395)
    assert "10/40" in alice and "25.0%" in alice
    assert f"{limits['lower_998']:.1%}–{limits['upper_998']:.1%}" in alice
    assert "0.250" not in funnel_table.stdout
    missing = cli.invoke(app, ["performance", "funnel", "Nope", "--json"])
    assert missing.exit_code == 3 and "Nope" in missing.output
    publish = cli.invoke(
        app,
        [
            "performance",
            "publish",
            "repeat_contact_rate",
            "--audience",
            "agent",
            "--rhythm",
            "weekly",
            "--target",
            "0.2",
            "--lower-is-better",
        ],
    )
    assert publish.exit_code == 0, publish.output
    agent_report = cli.invoke(
        app,
        ["performance", "report", "agent", "--from", str(DAY), "--to", str(DAY)],
        env={"COLUMNS": "200"},
    )
    assert agent_report.exit_code == 0, agent_report.output
    line = next(row for row in agent_report.stdout.splitlines() if "alice" in row.lower())
    assert "repeat_contact_rate" in line and "25.0%" in line and "0.25 " not in line
    due = cli.invoke(app, ["performance", "reports-due", "--json"])
    assert due.exit_code == 0 and json.loads(due.stdout)[0]["audience"] == "agent"
    again = cli.invoke(app, ["performance", "reports-due", "--json"])
    assert json.loads(again.stdout) == []
    # delivered once per period: the agent report goes to the team leaders (none here)
    delivered = cli.invoke(app, ["performance", "reports-deliver", "--json"])
    assert delivered.exit_code == 0, delivered.output
    [d] = json.loads(delivered.stdout)
    assert (d["kpi"], d["audience"], d["rhythm"], d["recipients"]) == (
        "repeat_contact_rate",
        "agent",
        "weekly",
        0,
    )
    assert date.fromisoformat(d["first"]).weekday() == 0
    assert json.loads(cli.invoke(app, ["performance", "reports-deliver", "--json"]).stdout) == []
    queued = cli.invoke(app, ["performance", "reports-deliver", "--as-job", "--json"])
    assert json.loads(queued.stdout)["kind"] == "performance.reports_deliver"


def test_supervisor_records_coaching_from_the_person_page(world: World) -> None:
    from tests.factories.web import sign_in

    client = world.client()
    csrf = sign_in(client, "u-supervisor")
    page = client.get("/performance/people/alice")
    assert page.status_code == 200 and "Record a coaching session" in page.text
    form = {
        "csrf_token": csrf,
        "person": "alice",
        "held_on": str(DAY),
        "kpi": "repeat_contact_rate",
        "monitoring_points": "listened to 5 calls",
        "gap": "refund callbacks",
        "analysis": "answer lacks the refund date",
        "action_plan": "confirm the date",
        "follow_up_on": str(DAY + timedelta(days=14)),
    }
    response = client.post("/performance/coaching", data=form)
    assert response.status_code == 303
    stored = world.client(Role.admin).get("/api/v1/performance/people/alice/coaching").json()
    assert [c["action_plan"] for c in stored] == ["confirm the date"]
    assert stored[0]["coach"] == "u-supervisor" and stored[0]["agreed_by_person"] is False
    bad = client.post("/performance/coaching", data=dict(form, person="carol"))  # Team C
    assert bad.status_code == 404
    assert world.client(Role.admin).get("/api/v1/performance/people/carol/coaching").json() == []


def test_monthly_attrition_shows_every_month_not_only_those_with_a_leaver(world: World) -> None:
    _seed(world)
    page = world.client(Role.manager).get("/performance/attrition")
    assert page.status_code == 200
    row = page.text.split('<tr data-team="Team A">', 1)[1].split("</tr>", 1)[0]
    months = row.count("data-month=")
    assert months >= 12  # a year of months up to yesterday, each one shown
    assert row.count('data-leavers="0"') == months  # no one left Team A, and every month says so
