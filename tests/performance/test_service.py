"""Performance services on SQLite and PostgreSQL: values, honesty rules and bad input."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.enums import Role, ScopeKind
from ccops.errors import Invalid, NotFound
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.performance import attrition as perf_attrition
from ccops.performance import charts as perf_charts
from ccops.performance import coaching as perf_coaching
from ccops.performance import floor_time as perf_floor_time
from ccops.performance import measures as perf_measures
from ccops.performance import models as m
from ccops.performance import reports as perf_reports
from ccops.performance import reviews as perf_reviews
from ccops.performance import schemas as s
from ccops.performance import scorecards as perf_scorecards
from ccops.performance import subjects as perf_subjects
from tests.factories.performance import DAY, add_contacts, add_horizon, make_centre

ALL = org_service.EVERYTHING
P = s.Perspective


def _card(
    name: str, level: s.Level, weights: tuple[float, ...] = (60, 40), **kw: object
) -> s.ScorecardIn:
    kpis = [
        s.ScorecardKpiIn(
            perspective=P.customer,
            objective="first time",
            kpi="repeat_contact_rate",
            target=0.15,
            higher_is_better=False,
            weight_pct=weights[0],
        ),
        s.ScorecardKpiIn(
            perspective=P.internal_process,
            objective="handle",
            kpi="aht_s",
            target=300,
            higher_is_better=False,
            weight_pct=weights[1],
        ),
    ]
    return s.ScorecardIn(name=name, level=level, kpis=kpis, **kw)


def _own_scope(session: Session, login: str) -> org_service.Scope:
    person = session.scalars(select(Person).where(Person.login == login)).one()
    return org_service.Scope(
        kind=ScopeKind.own,
        site_ids=frozenset({person.site_id}),
        team_ids=frozenset({person.team_id}) if person.team_id else frozenset(),
        person_id=person.id,
    )


def test_person_rate_has_the_hand_computed_wilson_interval(session: Session) -> None:
    make_centre(session)
    add_contacts(session, login="alice", day=DAY, answered=40, repeats=10)
    add_horizon(session, DAY + timedelta(days=30))
    card = perf_scorecards.person_scorecard(
        session=session, login="alice", first=DAY, last=DAY, scope=ALL
    )
    repeat = next(v for v in card.values if v.kpi == "repeat_contact_rate")
    # Wilson (1927), p = 10/40, n = 40, z = 1.959964:
    # (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n) = 0.271904 -+ 0.130034
    assert repeat.actual == pytest.approx(0.25)
    assert repeat.n == 40
    assert repeat.low == pytest.approx(0.141871, abs=1e-6)
    assert repeat.high == pytest.approx(0.401940, abs=1e-6)
    assert repeat.interval_method == "wilson"
    assert repeat.status == "no_target"  # no scorecard yet: the default KPIs have no target
    assert repeat.formula.startswith("answered contacts followed by another contact")
    assert "contact records" in repeat.data_source


def test_mean_has_the_hand_computed_t_interval(session: Session) -> None:
    make_centre(session)
    add_contacts(
        session,
        login="alice",
        day=DAY,
        answered=10,
        repeats=0,
        handle_s=[100.0 + 10 * i for i in range(10)],
    )
    card = perf_scorecards.person_scorecard(
        session=session, login="alice", first=DAY, last=DAY, scope=ALL
    )
    aht = next(v for v in card.values if v.kpi == "aht_s")
    # mean 145, s = 30.2765, t(9, 0.975) = 2.262157: 145 -+ 2.262157 * 30.2765 / sqrt(10)
    assert aht.actual == pytest.approx(145.0)
    assert aht.low == pytest.approx(123.341494, abs=1e-5)
    assert aht.high == pytest.approx(166.658506, abs=1e-5)
    assert aht.n == 10


def test_untimed_answered_contacts_stay_out_of_aht_and_asa(session: Session) -> None:
    """Issue #15, point 5: three answered contacts of alice with untrusted timing (wait unknown;
    one with no service times, stored as talk 0) change neither her AHT nor her ASA, nor their
    n: the values, intervals and n are those of the ten timed contacts above (AHT 145, ASA 5),
    not (1450 + 900) / 13 = 180.8 s and 50 / 13 = 3.8 s."""
    make_centre(session)
    add_contacts(
        session,
        login="alice",
        day=DAY,
        answered=10,
        repeats=0,
        handle_s=[100.0 + 10 * i for i in range(10)],
    )
    add_contacts(session, login="alice", day=DAY, answered=3, repeats=0, handle_s=[0, 900, 0])
    untimed = session.scalars(select(Contact.id).where(Contact.talk_s.in_([0.0, 900.0]))).all()
    assert len(untimed) == 3
    session.execute(
        update(Contact)
        .where(Contact.id.in_(untimed))
        .values(wait_s=None, answered_at=None, timing_untrusted="no_answer_time")
    )
    card = perf_scorecards.person_scorecard(
        session=session, login="alice", first=DAY, last=DAY, scope=ALL
    )
    aht = next(v for v in card.values if v.kpi == "aht_s")
    assert aht.actual == pytest.approx(145.0)
    assert aht.low == pytest.approx(123.341494, abs=1e-5)
    assert aht.high == pytest.approx(166.658506, abs=1e-5)
    assert aht.n == 10
    # ASA is a queue KPI, measured for the centre (alice's contacts are all of its contacts)
    centre = perf_subjects.centre_subject(ALL)
    asa = perf_measures.measure(session=session, subject=centre, kpi="asa_s", first=DAY, last=DAY)
    assert (asa.actual, asa.n) == (pytest.approx(5.0), 10)
    aht_centre = perf_measures.measure(
        session=session, subject=centre, kpi="aht_s", first=DAY, last=DAY
    )
    assert (aht_centre.actual, aht_centre.n) == (pytest.approx(145.0), 10)


def test_too_few_observations_are_said_not_shown(session: Session) -> None:
    make_centre(session)
    add_contacts(session, login="bob", day=DAY, answered=12, repeats=6)
    add_horizon(session, DAY + timedelta(days=30))
    card = perf_scorecards.person_scorecard(
        session=session, login="bob", first=DAY, last=DAY, scope=ALL
    )
    repeat = next(v for v in card.values if v.kpi == "repeat_contact_rate")
    assert repeat.actual is None and repeat.low is None
    assert repeat.n == 12
    assert repeat.status == "too_few"
    assert "too few observations" in repeat.note and "30" in repeat.note


def test_repeats_not_yet_observable_are_left_out(session: Session) -> None:
    make_centre(session)
    add_contacts(session, login="alice", day=DAY, answered=40, repeats=10)
    # no later data: the 7-day windows are not complete, nothing can be counted yet
    card = perf_scorecards.person_scorecard(
        session=session, login="alice", first=DAY, last=DAY, scope=ALL
    )
    repeat = next(v for v in card.values if v.kpi == "repeat_contact_rate")
    assert repeat.n == 0 and repeat.status == "no_data"


def test_weights_must_sum_to_100_and_nothing_is_stored(session: Session) -> None:
    make_centre(session)
    with pytest.raises(Invalid) as err:
        perf_scorecards.create_scorecard(
            session=session, data=_card("Bad", s.Level.centre, (60, 30)), created_by="t", scope=ALL
        )
    assert "sum to 100%" in err.value.message and "sum to 90%" in err.value.message
    assert err.value.problems[0].field == "kpis.weight_pct"
    assert session.scalar(select(func.count()).select_from(m.Scorecard)) == 0


def test_unknown_kpi_is_named(session: Session) -> None:
    data = _card("X", s.Level.centre)
    data.kpis[0].kpi = "happiness"
    with pytest.raises(Invalid) as err:
        perf_scorecards.create_scorecard(session=session, data=data, created_by="t", scope=ALL)
    assert "happiness" in err.value.message
    assert err.value.problems[0].field == "kpis.0.kpi"


def test_cascade_cycle_is_refused_with_the_cycle_named(session: Session) -> None:
    make_centre(session)
    perf_scorecards.create_scorecard(
        session=session, data=_card("Centre", s.Level.centre), created_by="t", scope=ALL
    )
    perf_scorecards.create_scorecard(
        session=session,
        data=_card("Dept", s.Level.team, team="Team A", parent="Centre"),
        created_by="t",
        scope=ALL,
    )
    perf_scorecards.create_scorecard(
        session=session,
        data=_card("Team", s.Level.team, team="Team B", parent="Dept"),
        created_by="t",
        scope=ALL,
    )
    with pytest.raises(Invalid) as err:
        perf_scorecards.set_parent(session=session, name="Dept", parent="Team")
    assert "Dept → Team → Dept" in err.value.message
    assert perf_scorecards.get_scorecard(session=session, name="Dept").parent_id is not None
    tree = perf_scorecards.cascade(session=session)
    assert [n.scorecard.name for n in tree] == ["Centre"]
    assert tree[0].children[0].children[0].scorecard.name == "Team"
    assert tree[0].scorecard.kpis[0].formula  # the registry's formula is shown


def test_a_centre_cannot_be_cascaded_from_a_person(session: Session) -> None:
    make_centre(session)
    perf_scorecards.create_scorecard(
        session=session,
        data=_card("Alice", s.Level.person, person="alice"),
        created_by="t",
        scope=ALL,
    )
    with pytest.raises(Invalid) as err:
        perf_scorecards.create_scorecard(
            session=session,
            data=_card("C", s.Level.centre, parent="Alice"),
            created_by="t",
            scope=ALL,
        )
    assert "centre → team → position → person" in err.value.message


def test_position_scorecard_applies_to_the_role(session: Session) -> None:
    make_centre(session)
    perf_scorecards.create_scorecard(
        session=session,
        data=_card("Agents", s.Level.position, position=s.Position.agent),
        created_by="t",
        scope=ALL,
    )
    card = perf_scorecards.person_scorecard(
        session=session, login="carol", first=DAY, last=DAY, scope=ALL
    )
    assert card.scorecard == "Agents"
    assert [v.weight_pct for v in card.values] == [60, 40]


def test_someone_elses_records_are_not_found(session: Session) -> None:
    make_centre(session)
    coaching = perf_coaching.create_coaching(
        session=session,
        data=s.CoachingIn(
            person="bob", held_on=DAY, monitoring_points="m", gap="g", analysis="a", action_plan="p"
        ),
        coach="lead",
        scope=ALL,
    )
    alice = _own_scope(session, "alice")
    with pytest.raises(NotFound):
        perf_scorecards.person_scorecard(
            session=session, login="bob", first=DAY, last=DAY, scope=alice
        )
    with pytest.raises(NotFound):
        perf_coaching.list_coaching(session=session, login="bob", scope=alice)
    with pytest.raises(NotFound):
        perf_coaching.agree_coaching(
            session=session, coaching_id=coaching.id, person_id=alice.person_id, scope=alice
        )
    with pytest.raises(NotFound):
        perf_scorecards.team_scorecard(
            session=session, team="Team B", first=DAY, last=DAY, scope=alice
        )
    assert (
        perf_coaching.list_coaching(session=session, login="bob", scope=ALL)[0].agreed_by_person
        is False
    )


def test_coaching_and_review_are_agreed_and_signed_by_both_sides(session: Session) -> None:
    make_centre(session)
    bob = _own_scope(session, "bob")
    c = perf_coaching.create_coaching(
        session=session,
        data=s.CoachingIn(
            person="bob",
            held_on=DAY,
            kpi="repeat_contact_rate",
            reference="ticket:17",
            monitoring_points="5 calls",
            gap="repeats",
            analysis="refund answer unclear",
            action_plan="confirm dates",
            follow_up_on=DAY + timedelta(days=14),
        ),
        coach="lead",
        scope=ALL,
    )
    agreed = perf_coaching.agree_coaching(
        session=session, coaching_id=c.id, person_id=bob.person_id, scope=bob
    )
    assert agreed.agreed_by_person and agreed.reference == "ticket:17"
    done = perf_coaching.record_outcome(
        session=session, coaching_id=c.id, data=s.OutcomeIn(outcome="repeats down"), scope=ALL
    )
    assert done.outcome == "repeats down"
    r = perf_reviews.create_review(
        session=session,
        data=s.ReviewIn(
            person="bob",
            period_first=DAY,
            period_last=DAY + timedelta(days=89),
            strengths="calm",
            weaknesses="notes",
            improvement_plan="template",
            person_commitments="use it",
            support_commitments="coach weekly",
            next_review_on=DAY + timedelta(days=180),
            next_review_criteria="notes ok",
        ),
        reviewer="lead",
        scope=ALL,
    )
    with pytest.raises(Invalid):
        perf_reviews.sign_review(
            session=session, review_id=r.id, login="stranger", person_id=None, scope=ALL
        )
    perf_reviews.sign_review(
        session=session, review_id=r.id, login="u-bob", person_id=bob.person_id, scope=bob
    )
    signed = perf_reviews.sign_review(
        session=session, review_id=r.id, login="lead", person_id=None, scope=ALL
    )
    assert signed.signed_by_person_at is not None and signed.signed_by_reviewer_at is not None


def test_funnel_flags_only_outside_998_and_lists_people_by_name(session: Session) -> None:
    names = ["Zoe", "Adam", "Mia", "Ben"]
    make_centre(session, teams={"Team A": names})
    for name, (answered, repeats) in zip(
        names, [(100, 20), (100, 45), (50, 10), (200, 40)], strict=True
    ):
        add_contacts(session, login=name.lower(), day=DAY, answered=answered, repeats=repeats)
    add_horizon(session, DAY + timedelta(days=30))
    out = perf_charts.funnel(
        session=session, team="Team A", kpi="repeat_contact_rate", first=DAY, last=DAY, scope=ALL
    )
    assert [p.name for p in out.points] == ["Adam", "Ben", "Mia", "Zoe"]
    assert out.team_rate == pytest.approx(115 / 450)
    flagged = {p.name for p in out.points if p.flagged}
    assert flagged == {"Adam"}  # 45/100 against 0.2556: P(R >= 45) < 0.1%
    adam = out.points[0]
    assert "process" in adam.note and adam.rate == pytest.approx(0.45)
    assert adam.lower_95 is not None and adam.lower_998 is not None
    assert adam.lower_998 < adam.lower_95 < out.team_rate < adam.upper_95 < adam.upper_998  # type: ignore[operator]
    assert out.curve and out.curve[0].trials == 1


def test_simulated_equal_team_flags_no_more_than_the_false_alarm_rate(session: Session) -> None:
    rng = np.random.default_rng(20261123)
    teams = {f"Team {t}": [f"Agent {t}{i:02d}" for i in range(40)] for t in "ABC"}
    make_centre(session, teams=teams)
    for people in teams.values():
        for name in people:
            add_contacts(
                session,
                login=name.lower().replace(" ", "."),
                day=DAY,
                answered=100,
                repeats=int(rng.binomial(100, 0.2)),
            )
    add_horizon(session, DAY + timedelta(days=30))
    flagged = 0
    for team in teams:
        out = perf_charts.funnel(
            session=session, team=team, kpi="repeat_contact_rate", first=DAY, last=DAY, scope=ALL
        )
        assert len(out.points) == 40
        flagged += sum(p.flagged for p in out.points)
    # 120 people with the same true rate: at most 0.2% each, expected <= 0.24 flags in total
    assert flagged <= 1


def test_funnel_helper_false_alarm_rate_on_many_simulated_teams() -> None:
    rng = np.random.default_rng(7)
    flagged = total = 0
    for _team in range(300):
        trials = rng.integers(30, 400, size=40)
        people = [
            (f"p{i}", f"P {i:02d}", int(rng.binomial(n, 0.3)), int(n)) for i, n in enumerate(trials)
        ]
        _rate, points, _curve = perf_charts.funnel_points(people)
        flagged += sum(p.flagged for p in points)
        total += len(points)
    # exact test at 99.8%: at most 0.2% per person (pooled centre makes it a little lower)
    assert total == 12000
    assert flagged / total <= 0.002 + 3 * np.sqrt(0.002 / total)


def _weekly_repeat_chart(session: Session, weeks: tuple[int, ...]) -> s.ControlChartOut:
    """Alice's 100 contacts with 20 repeats on the Monday of each of ``weeks``, charted over
    four ISO weeks from DAY."""
    make_centre(session)
    for week in weeks:
        add_contacts(
            session, login="alice", day=DAY + timedelta(days=7 * week), answered=100, repeats=20
        )
    add_horizon(session, DAY + timedelta(days=60))
    return perf_charts.control_chart(
        session=session,
        team="Team A",
        kpi="repeat_contact_rate",
        first=DAY,
        last=DAY + timedelta(days=27),
        scope=ALL,
    )


def test_p_chart_limits_are_the_hand_computed_ones(session: Session) -> None:
    out = _weekly_repeat_chart(session, (0, 1, 2, 3))
    assert out.chart == "p" and len(out.points) == 4
    for p in out.points:
        # p-bar 0.2, n 100: 0.2 -+ 3 sqrt(0.2 * 0.8 / 100) = [0.08, 0.32]
        assert p.n == 100 and p.value == pytest.approx(0.2)
        assert p.lower == pytest.approx(0.08) and p.upper == pytest.approx(0.32)
        assert not p.special_cause


def test_xmr_chart_separates_a_special_cause(session: Session) -> None:
    make_centre(session)
    for week, handle in enumerate([300, 310, 295, 305, 300, 900]):
        add_contacts(
            session,
            login="alice",
            day=DAY + timedelta(days=7 * week),
            answered=10,
            repeats=0,
            handle_s=[float(handle)] * 10,
        )
    out = perf_charts.control_chart(
        session=session,
        team="Team A",
        kpi="aht_s",
        first=DAY,
        last=DAY + timedelta(days=41),
        scope=ALL,
    )
    assert out.chart == "xmr"
    assert [p.special_cause for p in out.points] == [False] * 5 + [True]


def test_weekly_points_are_iso_weeks_cut_at_the_range_ends() -> None:
    friday = date(2026, 1, 2)  # a range starting on a Friday must not make Friday weeks
    periods = perf_charts.chart_periods(friday, date(2026, 1, 20), 7)
    assert periods == [
        (date(2026, 1, 2), date(2026, 1, 4)),  # Fri-Sun: the end of ISO week 1
        (date(2026, 1, 5), date(2026, 1, 11)),
        (date(2026, 1, 12), date(2026, 1, 18)),
        (date(2026, 1, 19), date(2026, 1, 20)),  # cut at the range's end
    ]
    assert all(a.weekday() == 0 for a, _ in periods[1:])
    assert perf_charts.chart_periods(friday, date(2026, 1, 11), 3)[1] == (
        date(2026, 1, 5),
        date(2026, 1, 7),
    )


def test_a_week_without_contacts_is_no_data_and_outside_the_limits(session: Session) -> None:
    out = _weekly_repeat_chart(session, (0, 1, 3))  # the third week has no contacts
    assert [p.variation for p in out.points] == [
        "common_cause",
        "common_cause",
        "no_data",
        "common_cause",
    ]
    empty = out.points[2]
    assert (empty.n, empty.value, empty.lower, empty.upper) == (0, None, None, None)
    assert out.points[0].centre == pytest.approx(0.2)  # p-bar of the three weeks with data


def test_attrition_rate_and_survival(session: Session) -> None:
    make_centre(session, teams={"Team A": [f"P{i}" for i in range(10)]})
    for i, person in enumerate(session.scalars(select(Person).order_by(Person.login)).all()[:2]):
        person.termination_date = date(2026, 3, 10 + i)
        person.termination_reason = "moved city"
    session.flush()
    out = perf_attrition.attrition(
        session=session, first=date(2026, 3, 1), last=date(2026, 3, 31), scope=ALL
    )
    march = out.months[0]
    # 2 leavers / average headcount (10 at the start + 8 at the end) / 2 = 2 / 9
    assert march.leavers == 2 and march.average_headcount == 9
    assert march.rate == pytest.approx(2 / 9)
    assert march.low is not None and march.low < 2 / 9 < march.high  # type: ignore[operator]
    assert [lv.reason for lv in out.leavers] == ["moved city", "moved city"]
    assert out.leavers[0].tenure_days == (date(2026, 3, 10) - date(2024, 1, 1)).days
    # two events among ten at risk: S = 9/10 then 8/9 * 9/10 = 0.8
    assert [round(p.survival, 6) for p in out.survival if p.leavers] == [0.9, 0.8]


def test_floor_time_share_against_75_percent(session: Session) -> None:
    make_centre(session)
    org_service.create_person(
        session=session,
        data=org_schemas.PersonIn(name="Lead", login="lead", site="Main", role=Role.supervisor),
    )
    for kind, minutes in (("floor", 300), ("planning", 60), ("reports", 40)):
        perf_floor_time.record_activity(
            session=session,
            data=s.ActivityIn(person="lead", day=DAY, kind=s.ActivityKind(kind), minutes=minutes),
            scope=ALL,
        )
    with pytest.raises(Invalid):
        perf_floor_time.record_activity(
            session=session,
            data=s.ActivityIn(person="lead", day=DAY, kind=s.ActivityKind.floor, minutes=1100),
            scope=ALL,
        )
    [out] = perf_floor_time.floor_time(session=session, first=DAY, last=DAY, scope=ALL)
    assert out.recorded.share == pytest.approx(0.75) and out.recorded.days == 1
    assert out.target_share == 0.75 and out.scheduled.state == "no_schedule"


def test_level_report_says_what_follows(session: Session) -> None:
    make_centre(session)
    add_contacts(session, login="alice", day=DAY, answered=200, repeats=80)
    add_contacts(session, login="bob", day=DAY, answered=200, repeats=10)
    add_horizon(session, DAY + timedelta(days=30))
    perf_reports.set_publication(
        session=session,
        data=s.PublicationIn(
            kpi="repeat_contact_rate",
            audience=s.Audience.agent,
            rhythm=s.Rhythm.weekly,
            target=0.2,
            higher_is_better=False,
        ),
    )
    report = perf_reports.level_report(
        session=session, audience=s.Audience.agent, first=DAY, last=DAY, scope=ALL
    )
    by = {line.subject: line for line in report.lines}
    assert by["Alice"].result == "bad" and by["Alice"].follow_up == "coaching"
    assert by["Bob"].result == "good" and by["Bob"].follow_up == "recognition"
    assert by["Carol"].result == "no_signal"  # no contacts: nothing follows
    assert [line.subject for line in report.lines] == ["Alice", "Bob", "Carol"]
    due = perf_reports.due_reports(session=session, scope=ALL)
    assert len(due) == 1 and due[0].rhythm == s.Rhythm.weekly
    assert perf_reports.due_reports(session=session, scope=ALL) == []
