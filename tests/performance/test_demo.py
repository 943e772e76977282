"""The performance records of the demo centre: a cascade, coaching, reviews, leavers."""

from __future__ import annotations

from datetime import date

from ccops.db import make_engine, make_session_factory
from ccops.org import service as org_service
from ccops.performance import service

ALL = org_service.EVERYTHING


def test_demo_has_a_cascade_coaching_reviews_and_leavers(demo_url: str) -> None:
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        [centre] = service.cascade(session=session)
        assert centre.scorecard.level.value == "centre"
        assert sum(k.weight_pct for k in centre.scorecard.kpis) == 100
        perspectives = {k.perspective.value for k in centre.scorecard.kpis}
        assert perspectives == {"financial", "customer", "internal_process", "learning_growth"}
        levels = sorted(c.scorecard.level.value for c in centre.children)
        assert levels.count("team") == 10 and levels.count("position") == 4
        coaching = service.list_coaching(session=session, login="agent001", scope=ALL)
        assert coaching and coaching[0].kpi == "repeat_contact_rate"
        assert service.list_reviews(session=session, login="agent001", scope=ALL)
        assert service.list_recognitions(session=session, login="agent001", scope=ALL)
        out = service.attrition(
            session=session, first=date(2025, 11, 1), last=date(2026, 11, 22), scope=ALL
        )
        assert len(out.leavers) == 14 and all(lv.reason for lv in out.leavers)
        assert out.survival and out.survival[-1].survival < 1
        card = service.person_scorecard(
            session=session,
            login="agent001",
            first=date(2026, 10, 26),
            last=date(2026, 11, 22),
            scope=ALL,
        )
        assert card.scorecard == "Position: agent"
        repeat = card.values[0]
        assert repeat.n > 500 and repeat.low is not None and repeat.low < repeat.actual  # type: ignore[operator]
        floor = service.floor_time(
            session=session, first=date(2026, 10, 26), last=date(2026, 11, 22), scope=ALL
        )
        assert len(floor) == 10 and all(0.5 < (f.recorded.share or 0) < 0.9 for f in floor)
        # no schedule is published in the demo until a planner builds one
        assert all(f.scheduled.state == "no_schedule" for f in floor)
    engine.dispose()
