"""Engagement beside attrition on SQLite and PostgreSQL: each team's monthly attrition next to
the engagement index of the round that closed that month, never for a group under the minimum."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.engines import stats
from ccops.enums import Role, ScopeKind
from ccops.errors import Invalid
from ccops.org.access import Scope
from ccops.org.models import Person, Team
from ccops.voice import engagement as engagement_service
from ccops.voice import schemas, surveys
from tests.factories.voice import OPENS, answers, build_org, engagement
from tests.factories.web import World

RATINGS = [1 + i % 5 for i in range(12)]
"""Team A's twelve ratings: 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2 (mean 2.75)."""


def _centre(session: Session) -> None:
    ids = build_org(session, {"Team A": ("Main", 12), "Team B": ("Main", 7), "Team C": ("Main", 3)})
    engagement(session)
    r = surveys.open_round(
        session=session,
        survey="Pulse",
        data=schemas.RoundIn(label="2026-11", opens_on=OPENS, closes_on=OPENS + timedelta(days=13)),
        by="admin",
    )
    for team, people in ids.items():
        for i, person in enumerate(people):
            rating = RATINGS[i] if team == "Team A" else 3
            surveys.answer(
                session=session,
                round_id=r.id,
                person_id=person,
                data=answers(rating),
                today=OPENS + timedelta(days=2),
            )
    surveys.close_round(session=session, round_id=r.id)
    leaver = session.get(Person, ids["Team A"][0])
    assert leaver is not None
    leaver.termination_date = date(2026, 11, 20)
    session.flush()


def test_each_team_month_shows_attrition_beside_its_engagement_index_or_why_not(
    session: Session,
) -> None:
    _centre(session)
    out = engagement_service.engagement_and_attrition(
        session=session, first=date(2026, 10, 1), last=date(2026, 11, 30)
    )
    rows = {(r.team, r.month): r for r in out.months}
    assert sorted(rows) == [
        (t, m) for t in ("Team A", "Team B", "Team C") for m in ("2026-10", "2026-11")
    ]
    a_nov = rows[("Team A", "2026-11")]
    # one leaver of 12 at the start and 11 at the end: 1 / 11.5
    assert (a_nov.leavers, a_nov.average_headcount) == (1, 11.5)
    assert a_nov.attrition == pytest.approx(1 / 11.5)
    assert a_nov.engagement is not None and a_nov.engagement.index is not None
    expected = stats.mean_interval([float(x) for x in RATINGS])
    assert a_nov.engagement.index.mean == pytest.approx(2.75)
    assert a_nov.engagement.index.low == pytest.approx(round(expected.low, 3))
    assert a_nov.engagement.index.n == 12 and (a_nov.survey, a_nov.round) == ("Pulse", "2026-11")
    # Team C has 3 respondents: withheld; Team B would reveal Team C by subtraction: withheld
    for team, reason in (("Team B", "complementary"), ("Team C", "small")):
        shown = rows[(team, "2026-11")].engagement
        assert shown is not None and shown.suppressed and shown.index is None
        assert shown.reason == reason
    # October: no round closed, attrition only
    october = rows[("Team A", "2026-10")]
    assert october.engagement is None and october.round is None and october.leavers == 0


def test_a_team_leader_sees_their_team_only_and_bad_periods_are_refused(
    session: Session,
) -> None:
    _centre(session)
    team_a = session.scalars(select(Team.id).where(Team.name == "Team A")).one()
    leader = Scope(kind=ScopeKind.teams, site_ids=frozenset({1}), team_ids=frozenset({team_a}))
    out = engagement_service.engagement_and_attrition(
        session=session, first=date(2026, 11, 1), last=date(2026, 11, 30), scope=leader
    )
    assert [(r.team, r.month) for r in out.months] == [("Team A", "2026-11")]
    with pytest.raises(Invalid, match="before it starts"):
        engagement_service.engagement_and_attrition(
            session=session, first=date(2026, 11, 30), last=date(2026, 11, 1)
        )


def test_the_page_the_api_and_the_cli_show_the_same_figures(
    session: Session, cli: CliRunner
) -> None:
    _centre(session)
    session.commit()
    done = cli.invoke(
        app, ["surveys", "engagement", "--first", "2026-11-01", "--last", "2026-11-30", "--json"]
    )
    assert done.exit_code == 0, done.output
    body = json.loads(done.stdout)
    (a_nov,) = [r for r in body["months"] if r["team"] == "Team A"]
    assert a_nov["engagement"]["index"]["mean"] == 2.75 and a_nov["leavers"] == 1
    table = cli.invoke(
        app, ["surveys", "engagement", "--first", "2026-11-01", "--last", "2026-11-30"]
    )
    assert table.exit_code == 0 and "withheld (small)" in table.stdout
    bad = cli.invoke(app, ["surveys", "engagement", "--first", "2026-13-01"])
    assert bad.exit_code == 2 and "--first" in bad.output


def test_the_page_shows_each_team_month_and_the_api_refuses_a_bad_day(world: World) -> None:
    manager = world.client(Role.manager)
    page = manager.get("/surveys/engagement?first=2026-10-01&last=2026-11-30")
    assert page.status_code == 200, page.text
    # the world's teams in the manager's scope, one row a month, no round: attrition only
    assert page.text.count('<tr data-team="Team A"') == 2
    assert 'data-month="2026-11"' in page.text and "Engagement beside attrition" in page.text
    api = manager.get("/api/v1/staff-surveys/engagement", params={"first": "2026-11-01"})
    assert api.status_code == 200 and api.json()["first"] == "2026-11-01"
    bad = manager.get("/api/v1/staff-surveys/engagement", params={"first": "2026-02-30"})
    assert bad.status_code == 422
    assert world.client(Role.agent).get("/surveys/engagement").status_code == 403
    results = manager.get("/surveys/results").text
    assert 'href="/surveys/engagement" id="engagement-link"' in results
    one = manager.get("/surveys/engagement?first=2026-10-01&last=2026-11-30&team=Team%20B").text
    assert one.count("<tr data-team=") == 2 and '<tr data-team="Team A"' not in one
    assert "<option selected>Team B</option>" in one
