"""The demo centre's cases and surveys: a launch-Monday wave with met and breached cases, and
CSAT that dips in the launch week."""

from __future__ import annotations

from datetime import date, timedelta

from ccops.cases import service as cases_service
from ccops.cases import voc as cases_voc
from ccops.db import make_engine, make_session_factory
from tests.plugins.demo import DEMO_END


def test_demo_has_a_launch_wave_and_a_csat_dip(demo_url: str) -> None:
    end = date.fromisoformat(DEMO_END)
    launch = end - timedelta(days=end.weekday())
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as s:
        cases = cases_service.list_cases(session=s)
        assert len(cases) == 7
        assert {c.opened_at.date() for c in cases} == {launch}
        clocks = sorted(c.clock for c in cases)
        assert clocks.count("breached") >= 2 and clocks.count("met") >= 2
        assert "paused" in clocks
        critical = next(c for c in cases if c.severity == "critical")
        assert critical.escalation_level == 2 and critical.owner == "tl.tech1"
        summary = cases_service.compliance(session=s, first_day=launch, last_day=end)
        assert summary.total.met + summary.total.breached + summary.total.pending == 7
        before = cases_voc.voc(
            session=s, first_day=launch - timedelta(days=28), last_day=launch - timedelta(days=1)
        )
        during = cases_voc.voc(session=s, first_day=launch, last_day=end)
        assert before.total.csat_mean is not None and during.total.csat_mean is not None
        assert during.total.csat_high is not None and before.total.csat_low is not None
        assert during.total.csat_high < before.total.csat_low  # the dip is beyond the noise
    engine.dispose()
