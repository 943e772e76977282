"""The performance records of the demo centre: a cascade, coaching, reviews, leavers."""

from __future__ import annotations

from datetime import date

import pytest

from ccops.db import make_engine, make_session_factory
from ccops.org import service as org_service
from ccops.performance import attrition as perf_attrition
from ccops.performance import coaching as perf_coaching
from ccops.performance import floor_time as perf_floor_time
from ccops.performance import recognition as perf_recognition
from ccops.performance import reviews as perf_reviews
from ccops.performance import scorecards as perf_scorecards

ALL = org_service.EVERYTHING


def test_demo_has_a_cascade_coaching_reviews_and_leavers(demo_url: str) -> None:
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        [centre] = perf_scorecards.cascade(session=session)
        assert centre.scorecard.level.value == "centre"
        assert sum(k.weight_pct for k in centre.scorecard.kpis) == 100
        perspectives = {k.perspective.value for k in centre.scorecard.kpis}
        assert perspectives == {"financial", "customer", "internal_process", "learning_growth"}
        levels = sorted(c.scorecard.level.value for c in centre.children)
        assert levels.count("team") == 10 and levels.count("position") == 4
        coaching = perf_coaching.list_coaching(session=session, login="agent001", scope=ALL)
        assert coaching and coaching[0].kpi == "repeat_contact_rate"
        assert perf_reviews.list_reviews(session=session, login="agent001", scope=ALL)
        assert perf_recognition.list_recognitions(session=session, login="agent001", scope=ALL)
        out = perf_attrition.attrition(
            session=session, first=date(2025, 11, 1), last=date(2026, 11, 22), scope=ALL
        )
        assert len(out.leavers) == 14 and all(lv.reason for lv in out.leavers)
        assert out.survival and out.survival[-1].survival < 1
        card = perf_scorecards.person_scorecard(
            session=session,
            login="agent001",
            first=date(2026, 10, 26),
            last=date(2026, 11, 22),
            scope=ALL,
        )
        assert card.scorecard == "Position: agent"
        repeat = card.values[0]
        assert repeat.n > 500 and repeat.low is not None and repeat.low < repeat.actual  # type: ignore[operator]
        floor = perf_floor_time.floor_time(
            session=session, first=date(2026, 10, 26), last=date(2026, 11, 22), scope=ALL
        )
        assert len(floor) == 10 and all(0.5 < (f.recorded.share or 0) < 0.9 for f in floor)
        # the demo's published schedules hold agents only: no leader has a scheduled share
        assert all(f.scheduled.state == "no_schedule" for f in floor)
    engine.dispose()


def test_demo_leaders_have_a_plausible_quarter_off_the_floor_scheduled(demo_url: str) -> None:
    """Each leader's huddles, planning and reports fall on two weekdays of the demo week,
    inside the leader day (09:00-17:30) and outside its fixed breaks; off the floor they take
    210-240 of the 900 working minutes, so a published week shows 73-77% on the floor."""
    from collections import defaultdict
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from ccops.org.models import Person, Site
    from ccops.wfm.schedules.models import FixedActivity

    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        zones = {s.id: ZoneInfo(s.timezone) for s in session.scalars(select(Site))}
        rows = session.execute(
            select(Person.login, Person.site_id, FixedActivity)
            .join(FixedActivity, FixedActivity.person_id == Person.id)
            .where(Person.role == "supervisor")
        ).all()
        off: dict[str, int] = defaultdict(int)
        days: dict[str, set[int]] = defaultdict(set)
        breaks = ((660, 675), (750, 780), (930, 945))
        for login, site_id, act in rows:
            start = act.start_at.astimezone(zones[site_id])
            end = act.end_at.astimezone(zones[site_id])
            lo, hi = start.hour * 60 + start.minute, end.hour * 60 + end.minute
            assert 540 <= lo < hi <= 1050 and start.weekday() < 5
            assert not any(b0 < hi and lo < b1 for b0, b1 in breaks)
            days[login].add(start.weekday())
            if act.kind in ("planning", "reports"):
                off[login] += hi - lo
        assert len(off) == 10 and all(len(d) == 2 for d in days.values())
        assert all(210 <= minutes <= 240 for minutes in off.values())
    engine.dispose()


def test_demo_has_position_scorecards_and_pending_recommendations(demo_url: str) -> None:
    from ccops.performance import recommendations as perf_recommendations

    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        pending = perf_recommendations.list_recommendations(session=session, scope=ALL)
        assert [r.kind.value for r in pending] == ["promotion_readiness", "training"]
        assert all(r.evidence.recognitions and r.person == "agent001" for r in pending)
        week = (date(2026, 11, 16), date(2026, 11, 22))
        planner = perf_scorecards.person_scorecard(
            session=session, login="planner", first=week[0], last=week[1], scope=ALL
        )
        assert planner.scorecard == "Position: planner"
        skill = {v.kpi: v for v in planner.values}["forecast_skill"]
        # the launch week was planned with seasonal naive forecasts: no better than naive
        assert skill.n == 35 and skill.actual == pytest.approx(1.0, abs=0.05), skill
        qa = perf_scorecards.person_scorecard(
            session=session, login="qa", first=week[0], last=date(2026, 12, 31), scope=ALL
        )
        assert qa.scorecard == "Position: QA analyst"
        assert [v.kpi for v in qa.values][:2] == ["qa_sample_completion", "calibration_offset_pct"]
    engine.dispose()


def test_demo_has_a_wave_in_training_and_one_nesting(demo_url: str) -> None:
    from ccops.wfm.capacity import site as capacity_site

    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        waves = capacity_site.list_waves(
            session=session, site="Shanghai", scope=ALL, on=date(2026, 11, 22)
        )
        assert {w.name: w.state for w in waves} == {
            "Tech class of October": "nesting",
            "Billing class of December": "in training",
        }
    engine.dispose()
