"""The demo centre: its shape, its seasonality and the unannounced launch Monday."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from statistics import mean

import sqlalchemy as sa

from ccops import demo
from ccops.metrics import schemas as kpi_schemas
from ccops.metrics import service as kpi
from ccops.org import demo as org_demo
from ccops.org.models import Person, Queue, Site, User
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
    # the launch Monday marked on the three voice queues, the launch week forecast for all five,
    # and the interval totals counting every stored contact once
    assert (launch[0], str(launch[1]), str(launch[2])) == (
        3,
        str(LAUNCH_MONDAY),
        str(LAUNCH_MONDAY),
    )
    assert plans[0] == 5 and (str(plans[1]), str(plans[2])) == (
        str(LAUNCH_MONDAY),
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
