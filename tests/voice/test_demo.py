"""The demo voice of staff, and `ccops surveys` on it: a past engagement survey, a leader round
with a team under 5 respondents suppressed, suggestions in every state, huddles with actions."""

from __future__ import annotations

import json
from collections.abc import Hashable
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ccops.cli import app
from ccops.db import make_engine, make_session_factory
from ccops.engines import disclosure
from ccops.settings import get_settings
from ccops.voice import demo, suggestions, surveys
from ccops.voice.models import HuddleAction, StaffSurveyBallot, StaffSurveyRound


def test_demo_has_surveys_suggestions_in_every_state_and_huddle_actions(demo_url: str) -> None:
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as s:
        leader = surveys.results(session=s, survey=demo.LEADER, by="team")
        small = [g for g in leader.groups if g.respondents < 5]
        assert small and all(g.suppressed and g.scores is None for g in small)
        assert any(not g.suppressed for g in leader.groups)
        engagement = surveys.get_survey(session=s, survey=demo.ENGAGEMENT)
        assert [r.closed for r in engagement.rounds] == [True, False]
        states = {x.status for x in suggestions.list_suggestions(session=s)}
        assert states == {"submitted", "in_review", "adopted", "declined", "implemented"}
        assert any(x.anonymous for x in suggestions.list_suggestions(session=s))
        assert s.scalars(select(HuddleAction)).all()
        # every published cut of every closed round: no difference under the minimum
        for r in s.scalars(select(StaffSurveyRound).where(StaffSurveyRound.closed)):
            counts: dict[Hashable, int] = {}
            for b in s.scalars(select(StaffSurveyBallot).where(StaffSurveyBallot.round_id == r.id)):
                cell = (b.site_id, b.team_id, b.tenure_band or "unknown")
                counts[cell] = counts.get(cell, 0) + 1
            cuts = surveys.disclosed_cuts(session=s, round_id=r.id)
            published = [d.cut.cells for d in cuts if d.scores.published]
            assert disclosure.is_safe(published, counts, 5)
            smallest = disclosure.smallest_difference(published, counts)
            assert smallest is None or smallest >= 5
    engine.dispose()


def test_surveys_cli_lists_and_prints_results_per_group(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCOPS_DATABASE_URL", demo_url)
    monkeypatch.setenv("CCOPS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CCOPS_SECRET_KEY", "k")
    get_settings.cache_clear()
    runner = CliRunner()
    listed = runner.invoke(app, ["surveys", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    names = {x["name"]: x["id"] for x in json.loads(listed.stdout)}
    assert set(names) == {demo.ENGAGEMENT, demo.LEADER}
    out = runner.invoke(
        app, ["surveys", "results", str(names[demo.LEADER]), "--by", "team", "--json"]
    )
    assert out.exit_code == 0, out.output
    groups = json.loads(out.stdout)
    assert groups and all(
        {"group", "respondents", "suppressed", "scores"} <= set(g) for g in groups
    )
    assert any(g["suppressed"] and g["scores"] is None and g["respondents"] < 5 for g in groups)
    by_site = json.loads(
        runner.invoke(app, ["surveys", "results", demo.ENGAGEMENT, "--by", "site", "--json"]).stdout
    )
    assert {g["group"] for g in by_site} == {"London", "Shanghai"}
    assert all(not g["suppressed"] and g["scores"]["proud"]["n"] >= 5 for g in by_site)
    bad = runner.invoke(app, ["surveys", "results", demo.ENGAGEMENT, "--by", "queue"])
    assert bad.exit_code == 2 and "--by must be one of" in bad.output
    open_round = runner.invoke(
        app, ["surveys", "results", demo.ENGAGEMENT, "--round", "nope", "--json"]
    )
    assert open_round.exit_code == 3
    get_settings.cache_clear()
