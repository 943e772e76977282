"""The QA pass-rate funnel: each person's evaluations passed / evaluated against the team's
pooled rate with 95% and 99.8% limits, calibration scores excluded, in name order."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.engines import stats
from ccops.errors import Invalid
from ccops.org import service as org_service
from ccops.performance import charts as perf_charts
from ccops.performance import scorecards as perf_scorecards
from ccops.quality import calibration as qa_calibration
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import schemas as qa_schemas
from tests.factories.quality import ALL_TOP, MIXED, answers, make_centre

DAY = date(2026, 11, 2)
ALL = org_service.EVERYTHING


def _score(session: Session, contact: int, version: int, pattern: dict[str, int | None]) -> None:
    qa_evaluations.evaluate(
        session=session,
        data=qa_schemas.EvaluationIn(
            contact_id=contact, form_version_id=version, answers=answers(pattern)
        ),
        by="qa1",
    )


def test_qa_funnel_counts_passes_per_person_against_the_team_rate(session: Session) -> None:
    centre = make_centre(session)
    version = centre["form"].versions[0].id
    zoe, amy = centre["contacts"]["zoe"], centre["contacts"]["amy"]
    for contact in zoe[:10]:
        _score(session, contact, version, ALL_TOP)  # 100: passes
    for n, contact in enumerate(amy[:10]):
        _score(session, contact, version, ALL_TOP if n < 2 else MIXED)  # 72.5 < 80: fails
    # a calibration score of amy's eleventh contact never counts towards her pass rate
    calibration = qa_calibration.create_calibration(
        session=session,
        data=qa_schemas.CalibrationIn(name="c", form_version_id=version, contact_ids=[amy[10]]),
        by="qa1",
    )
    qa_evaluations.evaluate(
        session=session,
        data=qa_schemas.EvaluationIn(
            contact_id=amy[10],
            form_version_id=version,
            answers=answers(ALL_TOP),
            calibration_id=calibration.id,
        ),
        by="qa1",
    )
    out = perf_charts.funnel(
        session=session, team="Red", kpi="qa_pass_rate", first=DAY, last=DAY, scope=ALL
    )
    assert out.kpi == "qa_pass_rate" and out.label == "QA pass rate"
    assert out.team_rate == pytest.approx(12 / 20)
    assert [(p.name, p.successes, p.trials) for p in out.points] == [
        ("Amy Brown", 2, 10),
        ("Zoe Adams", 10, 10),
    ]  # name order, never by rate
    amy_point, zoe_point = out.points
    assert amy_point.rate == pytest.approx(0.2) and zoe_point.rate == pytest.approx(1.0)
    l95 = stats.funnel_limits(0.6, 10, 0.95, "exact")
    l998 = stats.funnel_limits(0.6, 10, 0.998, "exact")
    assert amy_point.lower_95 == pytest.approx(l95.lower)
    assert amy_point.upper_95 == pytest.approx(l95.upper)
    assert zoe_point.lower_998 == pytest.approx(l998.lower)
    assert zoe_point.upper_998 == pytest.approx(l998.upper)
    # P(X <= 2 | n=10, p=0.6) = 0.0123 and P(X = 10) = 0.006: neither beyond the 0.1% tails
    assert not amy_point.flagged and not zoe_point.flagged
    assert "evaluations" in out.note and "0 of 2 people" in out.note
    # another day: nobody evaluated, no rate, no flag
    empty = perf_charts.funnel(
        session=session,
        team="Red",
        kpi="qa_pass_rate",
        first=DAY.replace(day=9),
        last=DAY.replace(day=9),
        scope=ALL,
    )
    assert empty.team_rate is None and all(p.rate is None for p in empty.points)
    with pytest.raises(Invalid) as refused:
        perf_charts.funnel(session=session, team="Red", kpi="aht_s", first=DAY, last=DAY, scope=ALL)
    assert refused.value.problems[0].field == "kpi"


def test_qa_pass_rate_is_a_measured_kpi_with_its_interval(session: Session) -> None:
    centre = make_centre(session)
    version = centre["form"].versions[0].id
    for n, contact in enumerate(centre["contacts"]["ben"][:8]):
        _score(session, contact, version, ALL_TOP if n < 6 else MIXED)
    for contact in centre["contacts"]["zoe"][:3]:
        _score(session, contact, version, ALL_TOP)
    [(ben, value)] = perf_scorecards.team_people_values(
        session=session, team="Blue", kpi="qa_pass_rate", first=DAY, last=DAY, scope=ALL
    )
    wilson = stats.wilson_interval(6, 8)
    assert ben.login == "ben" and value.actual == pytest.approx(0.75) and value.n == 8
    assert value.low == pytest.approx(wilson.low) and value.high == pytest.approx(wilson.high)
    assert value.unit == "fraction" and value.interval_method == "wilson"
    red = perf_scorecards.team_people_values(
        session=session, team="Red", kpi="qa_pass_rate", first=DAY, last=DAY, scope=ALL
    )
    assert [(p.login, v.n, v.actual) for p, v in red] == [("amy", 0, None), ("zoe", 3, None)]
    assert "too few" in red[1][1].note  # 3 evaluations: withheld, the reason said


def test_cli_prints_the_qa_funnel_with_its_counts(session: Session, cli: CliRunner) -> None:
    centre = make_centre(session)
    version = centre["form"].versions[0].id
    for n, contact in enumerate(centre["contacts"]["amy"][:4]):
        _score(session, contact, version, ALL_TOP if n < 3 else MIXED)
    session.commit()
    args = ["performance", "funnel", "Red", "--kpi", "qa_pass_rate"]
    result = cli.invoke(app, [*args, "--from", str(DAY), "--to", str(DAY)])
    assert result.exit_code == 0, result.output
    assert "passed/evaluated" in result.output and "3/4" in result.output
    assert "Zoe Adams" in result.output and "0/0" in result.output
