"""The demo centre: its shape, its seasonality and the unannounced launch Monday."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from statistics import mean

import sqlalchemy as sa

from ccops import demo
from ccops.db import make_engine, make_session_factory
from ccops.metrics import schemas as kpi_schemas
from ccops.metrics import service as kpi
from ccops.org import demo as org_demo
from ccops.org.models import Person, Queue, Site, User
from ccops.wfm.forecasts import demo as forecast_demo
from ccops.wfm.forecasts import service as forecast_service
from tests.plugins.demo import DEMO_END

END = date.fromisoformat(DEMO_END)
FIRST = END - timedelta(weeks=13) + timedelta(days=1)
LAUNCH_MONDAY = demo.launch_monday(END)


def test_demo_shape_sites_queues_people_users(demo_url: str) -> None:
    engine = sa.create_engine(demo_url)
    with engine.connect() as conn:
        zones = set(conn.execute(sa.select(Site.timezone)).scalars())
        queues = conn.execute(sa.select(sa.func.count()).select_from(Queue)).scalar()
        agents = conn.execute(
            sa.select(sa.func.count()).select_from(Person).where(Person.role == "agent")
        ).scalar()
        users = set(conn.execute(sa.select(User.login)).scalars())
        span = conn.execute(sa.text("SELECT min(arrival_at), max(arrival_at) FROM contact")).one()
        costs = {str(n): c for n, c in conn.execute(sa.select(Site.name, Site.currency))}
        launch = conn.execute(
            sa.text("SELECT count(*), min(day), max(day) FROM special_day WHERE kind = 'launch'")
        ).one()
        plans = conn.execute(
            sa.text("SELECT count(*), min(first_day), max(last_day) FROM forecast")
        ).one()
        totals = conn.execute(sa.text("SELECT sum(offered) FROM intraday_interval")).scalar()
        contacts = conn.execute(sa.text("SELECT count(*) FROM contact")).scalar()
    engine.dispose()
    assert costs == {"Shanghai": "CNY", "London": "GBP"}  # a leaver cost for each site
    # the launch Monday marked on the three voice queues, a forecast for all five queues made
    # before each week from the second to the launch week, and the interval totals counting
    # every stored contact once
    assert (launch[0], str(launch[1]), str(launch[2])) == (
        3,
        str(LAUNCH_MONDAY),
        str(LAUNCH_MONDAY),
    )
    weeks = forecast_demo.history_mondays(first=FIRST, launch=LAUNCH_MONDAY)
    assert weeks[0] == FIRST + timedelta(days=7) and len(weeks) == 12  # FIRST is a Monday
    assert plans[0] == 5 * len(weeks) and (str(plans[1]), str(plans[2])) == (
        str(weeks[0]),
        str(LAUNCH_MONDAY + timedelta(days=6)),
    )
    assert totals == contacts
    assert zones == {"Asia/Shanghai", "Europe/London"}
    assert queues == 5 and agents is not None and agents >= 100
    assert users == {login for login, _, _ in org_demo.DEMO_USERS}
    assert str(span[0]).startswith(str(FIRST - timedelta(days=1))) or str(span[0]).startswith(
        str(FIRST)
    )
    assert str(span[1]) < str(END + timedelta(days=1))


def _daily_offered(rows: list[kpi_schemas.QueueIntervalKpi]) -> dict[date, int]:
    days: dict[date, int] = defaultdict(int)
    for r in rows:
        days[r.interval_start.date()] += r.offered
    return days


def test_monday_peak_and_launch_monday_surge(demo_url: str) -> None:
    launch = demo.launch_monday(END)
    with kpi.source_for_database(demo_url) as source:
        rows = kpi.queue_interval_kpis(
            source=source, first=FIRST, last=END, interval_min=60, queues=["Billing"]
        )
    daily = _daily_offered(rows)
    by_weekday: dict[int, list[int]] = defaultdict(list)
    for day, n in daily.items():
        if day != launch:
            by_weekday[day.weekday()].append(n)
    assert mean(by_weekday[0]) > 1.1 * mean(by_weekday[2])  # Monday peak over Wednesday
    assert mean(by_weekday[6]) < 0.6 * mean(by_weekday[2])  # quiet Sunday

    def after_nine(day: date) -> tuple[int, float]:
        sel = [r for r in rows if r.interval_start.date() == day and r.interval_start.hour >= 9]
        answered_in_target = sum(r.answered_within_target or 0 for r in sel)
        base = sum(r.offered - r.short_abandoned for r in sel)
        return sum(r.offered for r in sel), answered_in_target / base

    previous = [launch - timedelta(weeks=k) for k in (1, 2, 3, 4)]
    launch_volume, launch_sl = after_nine(launch)
    normal = [after_nine(d) for d in previous]
    assert launch_volume > 1.2 * mean(v for v, _ in normal)
    assert launch_sl < min(sl for _, sl in normal) - 0.1
    assert min(sl for _, sl in normal) > 0.75  # normal Mondays are staffed to the goal


def test_the_agreed_exception_plan_fired_on_the_launch_monday(demo_url: str) -> None:
    """Each site agreed a plan in advance; replayed interval by interval, it opened tier 1 on
    every voice queue once the surge had run two intervals, and the owners' steps are timed."""
    engine = sa.create_engine(demo_url)
    with engine.connect() as conn:
        plans = conn.execute(
            sa.text("SELECT name FROM exception_plan WHERE active ORDER BY name")
        ).scalars()
        names = list(plans)
        fired = conn.execute(
            sa.text(
                "SELECT q.name, r.tier, r.day, r.as_of, r.status, r.recommended_extra_agents"
                " FROM exception_record r JOIN queue q ON q.id = r.queue_id"
            )
        ).all()
        trail = conn.execute(
            sa.text("SELECT action, count(*) FROM exception_action GROUP BY action")
        ).all()
    engine.dispose()
    assert names == ["London surge plan", "Shanghai surge plan"]
    tier1 = {
        str(q): (str(day), as_of, extra) for q, tier, day, as_of, _, extra in fired if tier == 1
    }
    assert set(tier1) == {"Billing", "Tech Support", "Sales"}
    assert {day for day, _, _ in tier1.values()} == {str(LAUNCH_MONDAY)}
    assert all(extra > 0 for _, _, extra in tier1.values())
    # Billing (Shanghai, UTC+8): the surge starts at 09:00, tier 1 opens at the end of the
    # second surge interval, 09:30 local = 01:30 UTC.
    assert str(tier1["Billing"][1]).startswith(f"{LAUNCH_MONDAY} 01:30")
    assert {status for *_, status, _ in fired} == {"closed"}
    counts: dict[str, int] = {str(a): int(n) for a, n in trail}
    assert counts["opened"] == counts["acknowledged"] == counts["actioned"] == len(fired)


def test_the_planner_offered_overtime_on_the_launch_monday(demo_url: str) -> None:
    """Overtime offered on Billing for the afternoon of the launch, two slots taken, each a new
    published version of the launch week at Shanghai."""
    engine = sa.create_engine(demo_url)
    with engine.connect() as conn:
        offer = conn.execute(
            sa.text(
                "SELECT id, kind, slots, status, premium FROM overtime_offer"
                " WHERE note LIKE 'Launch surge%'"  # the other is the demo agent's, days ahead
            )
        ).one()
        taken = conn.execute(sa.text("SELECT count(*) FROM overtime_acceptance")).scalar()
        versions = conn.execute(
            sa.text(
                "SELECT max(s.version) FROM schedule s JOIN site t ON t.id = s.site_id"
                " WHERE t.name = 'Shanghai' AND s.week_start = :monday"
            ),
            {"monday": LAUNCH_MONDAY},
        ).scalar()
    engine.dispose()
    assert (offer[1], offer[2], offer[3], offer[4]) == ("overtime", 4, "open", 1.5)
    assert taken == 2 and versions == 3


def test_a_forecast_was_made_before_each_history_week_and_reads_against_its_actuals(
    demo_url: str,
) -> None:
    """Every queue has one forecast per week, made (and dated) before the week it plans, so a
    past week's forecast accuracy compares what was planned with what came."""
    weeks = forecast_demo.history_mondays(first=FIRST, launch=LAUNCH_MONDAY)
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        rows = session.execute(
            sa.text(
                "SELECT q.name, f.id, f.first_day, f.last_day, f.created_at, f.method"
                " FROM forecast f JOIN queue q ON q.id = f.queue_id"
            )
        ).all()
        by_queue: dict[str, list[date]] = defaultdict(list)
        for _q, _id, first_day, last_day, created, method in rows:
            day = date.fromisoformat(str(first_day))
            by_queue[str(_q)].append(day)
            assert date.fromisoformat(str(last_day)) == day + timedelta(days=6)
            assert str(created) < str(day)  # made before its week began
            assert method == "SeasonalNaive"
        assert {q: sorted(d) for q, d in by_queue.items()} == {
            q.name: weeks for q in org_demo.QUEUES
        }
        requirements = session.execute(
            sa.text("SELECT count(*) FROM staffing_requirement")
        ).scalar()
        assert requirements == len(rows)
        # a normal week of Billing: forecast against what arrived, every interval scored
        week = weeks[-3]
        forecast_id = next(i for q, i, d, *_ in rows if q == "Billing" and str(d) == str(week))
        accuracy = forecast_service.forecast_vs_actual(session=session, forecast_id=forecast_id)
        assert accuracy.scored_intervals == 7 * 96
        assert accuracy.actual_total > 5_000 and accuracy.wmape is not None
        assert 0.02 < accuracy.wmape < 0.5  # last week repeated: near, never exact
        launch_id = next(
            i for q, i, d, *_ in rows if q == "Billing" and str(d) == str(LAUNCH_MONDAY)
        )
        launch_week = forecast_service.forecast_vs_actual(session=session, forecast_id=launch_id)
        assert launch_week.actual_total > launch_week.forecast_total  # the launch not in it
    engine.dispose()


def test_agent_states_hold_the_huddles_meetings_and_training_of_the_schedule(
    demo_url: str,
) -> None:
    """The history's schedules hold each team's huddles, weekly meeting and training as fixed
    activities; in the days with agent states, whoever was at work spent them in the meeting or
    training state, not on the queue."""
    engine = sa.create_engine(demo_url)
    with engine.connect() as conn:
        fixed: dict[str, int] = {
            str(k): int(n)
            for k, n in conn.execute(
                sa.text("SELECT kind, count(*) FROM fixed_activity GROUP BY kind")
            ).all()
        }
        states = conn.execute(
            sa.text(
                "SELECT person_id, state, start_epoch_s, end_epoch_s FROM agent_state_event"
                " WHERE state IN ('meeting', 'training')"
            )
        ).all()
        since, until = conn.execute(
            sa.text("SELECT min(start_epoch_s), max(end_epoch_s) FROM agent_state_event")
        ).one()
        segments = conn.execute(
            sa.text(
                "SELECT s.person_id, s.kind, s.start_at, s.end_at FROM scheduled_activity s"
                " JOIN schedule h ON h.id = s.schedule_id"
                " WHERE s.kind IN ('huddle', 'meeting', 'training') AND h.status = 'published'"
            )
        ).all()
        every = conn.execute(
            sa.text("SELECT person_id, start_epoch_s, end_epoch_s, state FROM agent_state_event")
        ).all()
    engine.dispose()
    assert segments  # the published history schedules hold them
    # each team's huddles on its leader's two floor days, a weekly meeting, training in turn
    assert fixed.get("huddle", 0) > 300 and fixed.get("meeting", 0) > 300
    assert fixed.get("training", 0) > 50
    state_kinds = {str(s) for _, s, _, _ in states}
    assert state_kinds == {"meeting", "training"}

    def epoch(at: object) -> int:
        text = str(at).replace("T", " ")[:19]
        return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())

    all_spans: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for p, lo, hi, state in every:
        all_spans[int(p)].append((int(lo), int(hi), str(state)))
    present = set(all_spans)
    spans: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for p, s, lo, hi in states:
        spans[int(p)].append((int(lo), int(hi), str(s)))
    planned_s = covered_s = checked = 0
    for p, kind, start, end in segments:
        lo, hi = epoch(start), epoch(end)
        if lo < since or hi > until or int(p) not in present:
            continue
        if not any(a < hi + 1800 and lo - 1800 < b for a, b, _ in all_spans[int(p)]):
            continue  # absent that day: no state at all about the shift's activity
        want = "meeting" if kind in ("huddle", "meeting") else "training"
        covered = sum(max(0, min(hi, b) - max(lo, a)) for a, b, s in spans[int(p)] if s == want)
        if covered == 0:  # missed only for a contact that ran over the whole of it
            assert any(
                a <= lo and b >= hi and s == "on_contact" for a, b, s in all_spans[int(p)]
            ), (p, kind, start)
        planned_s += hi - lo
        covered_s += covered
        checked += 1
    assert checked > 50 and covered_s >= 0.8 * planned_s


def test_the_shanghai_plan_is_short_without_its_two_classes(demo_url: str) -> None:
    """The site plan from the Monday after the demo: people count at their contract hours (half
    of Shanghai's agents are part-time), so without the waves the site falls short week by
    week; the class in training and the class nesting close the gap."""
    from ccops.db import make_engine, make_session_factory
    from ccops.org.service import EVERYTHING
    from ccops.relative_days import monday_of
    from ccops.wfm.capacity import schemas as capacity_schemas
    from ccops.wfm.capacity import site as capacity_site

    engine = make_engine(demo_url)
    with make_session_factory(engine)() as s:
        waves = capacity_site.list_waves(session=s, site="Shanghai", scope=EVERYTHING, on=END)
        plan = capacity_site.site_plan(
            session=s,
            data=capacity_schemas.SitePlanIn(
                site="Shanghai", first_week=monday_of(END + timedelta(days=1))
            ),
            scope=EVERYTHING,
        )
        people = s.scalar(
            sa.select(sa.func.count())
            .select_from(Person)
            .join(Site, Site.id == Person.site_id)
            .where(Site.name == "Shanghai", Person.termination_date.is_(None), Person.skills.any())
        )
    engine.dispose()
    assert sorted(w.state for w in waves) == ["in training", "nesting"]
    fte = sum(plan.staff.values())
    assert people is not None and fte < people - 10  # part-timers are not whole FTE
    without = [sum(w.gap_without_waves.values()) for w in plan.weeks]
    with_waves = [sum(w.gap_with_waves.values()) for w in plan.weeks]
    short = [i for i, gap in enumerate(without) if gap > 0.5]
    assert len(short) >= 8 and without[-1] > 3.0  # a gap that grows week by week
    assert all(
        later >= earlier - 1e-6
        for earlier, later in zip(without[short[0] :], without[short[0] + 1 :], strict=False)
    )
    assert max(with_waves) < 0.05  # the two classes close it
    assert [p.person for p in plan.promotions]  # the review's promotion readiness counts
