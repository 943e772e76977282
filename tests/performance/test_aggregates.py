"""The grouped SQL aggregates give the numbers of the row-by-row computation they replaced.

A seeded random world (three queues with the three service-level variants, two teams, contacts
with repeats, ties, short abandons, untrusted timing (no wait) and people nobody handled, agent
states across midnight and period ends) is measured both ways on SQLite and PostgreSQL, for every
contact and state KPI of every person, team and the centre, and for the funnel, the control
charts and the team's people.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ccops.contacts.models import AgentStateEvent, Contact
from ccops.enums import AgentState, ChannelKind, Outcome, Role, ServiceLevelVariant
from ccops.org import schemas
from ccops.org import service as org_service
from ccops.org.models import Person, Queue, Team
from ccops.performance import charts as perf_charts
from ccops.performance import measures as perf_measures
from ccops.performance import scorecards as perf_scorecards
from ccops.performance import subjects as perf_subjects
from ccops.performance import sums as perf_sums
from ccops.performance.estimates import Measure
from ccops.performance.subjects import Subject
from tests.performance import rowwise

ALL = org_service.EVERYTHING
START = date(2026, 3, 2)
DAYS = 70
TEAMS = {"Team A": ["Alice", "Bob", "Dan"], "Team B": ["Carol", "Eve"]}
CONTACT_KPIS = ("repeat_contact_rate", "aht_s", "asa_s", "abandon_rate", "service_level")
OUTCOMES = (Outcome.answered, Outcome.transferred, Outcome.abandoned, Outcome.timed_out)


def _seed(session: Session) -> None:
    org_service.create_site(session=session, data=schemas.SiteIn(name="Main", timezone="UTC"))
    org_service.create_channel(
        session=session, data=schemas.ChannelIn(name="voice", kind=ChannelKind.voice)
    )
    for i, variant in enumerate(ServiceLevelVariant):
        org_service.create_queue(
            session=session,
            data=schemas.QueueIn(
                name=f"Q{i}",
                channel="voice",
                site="Main",
                target_s=15.0 + 10 * i,
                short_abandon_s=4.0 + 3 * i,
                service_level_variant=variant,
            ),
        )
    for team, names in TEAMS.items():
        org_service.create_team(session=session, data=schemas.TeamIn(name=team, site="Main"))
        for name in names:
            org_service.create_person(
                session=session,
                data=schemas.PersonIn(
                    name=name,
                    login=name.lower(),
                    site="Main",
                    team=team,
                    role=Role.agent,
                    hire_date=date(2024, 1, 1),
                ),
            )
    session.flush()
    rng = np.random.default_rng(20261123)
    queues = list(session.scalars(select(Queue).order_by(Queue.id)))
    people: list[int | None] = [*session.scalars(select(Person.id).order_by(Person.id)), None]
    base = int(datetime.combine(START, datetime.min.time(), UTC).timestamp())
    rows: list[dict[str, object]] = []
    for n in range(6000):
        q = queues[int(rng.integers(len(queues)))]
        outcome = OUTCOMES[int(rng.choice(4, p=[0.6, 0.1, 0.25, 0.05]))]
        answered = outcome in (Outcome.answered, Outcome.transferred)
        epoch = base + int(rng.integers(DAYS * 86400))
        if n % 97 == 0 and rows:  # an exact tie with an earlier contact of the same customer
            epoch = int(rows[-1]["arrival_epoch_s"])  # type: ignore[call-overload]
        offset = int(rng.choice([0, 60, -300]))
        at = datetime.fromtimestamp(epoch, UTC)
        wait = float(rng.exponential(20.0))
        untimed = n % 13 == 5  # timing untrusted (issue #15, 5): wait unknown, outcome known
        rows.append(
            {
                "source": "agg",
                "external_id": f"a{n}",
                "queue_id": q.id,
                "channel_id": q.channel_id,
                "person_id": people[int(rng.integers(len(people)))] if answered else None,
                "arrival_at": at,
                "answered_at": at if answered else None,
                "ended_at": at,
                "outcome": outcome,
                "wait_s": None if untimed else wait,
                "timing_untrusted": "no_answer_time" if untimed else None,
                "talk_s": float(rng.gamma(4.0, 60.0)) if answered else 0.0,
                "hold_s": float(rng.exponential(10.0)) if answered else 0.0,
                "wrap_s": float(rng.exponential(30.0)) if answered else 0.0,
                "customer_hash": None if n % 11 == 0 else f"c{int(rng.integers(400))}",
                "arrival_epoch_s": epoch,
                "arrival_local_min": epoch // 60 + offset,
                "utc_offset_min": offset,
                "content_hash": f"h{n}",
            }
        )
    if rows:
        rows[1]["customer_hash"] = rows[0]["customer_hash"]
    session.execute(insert(Contact), rows)
    states = list(AgentState)
    events = []
    for pid in people[:-1]:
        t = base - 3600
        k = 0
        while t < base + DAYS * 86400:
            length = int(rng.choice([0, 300, 1800, 7200, 30000]))
            offset = int(rng.choice([0, 60, -300]))
            events.append(
                {
                    "source": "agg",
                    "external_id": f"s{pid}-{k}",
                    "person_id": pid,
                    "state": states[int(rng.integers(len(states)))],
                    "start_at": datetime.fromtimestamp(t, UTC),
                    "end_at": None if k % 50 == 7 else datetime.fromtimestamp(t + length, UTC),
                    "start_epoch_s": t,
                    "end_epoch_s": None if k % 50 == 7 else t + length,
                    "utc_offset_min": offset,
                    "content_hash": f"s{pid}-{k}",
                }
            )
            t += length + int(rng.integers(0, 600))
            k += 1
    session.execute(insert(AgentStateEvent), events)
    session.flush()


def _same(new: Measure, old: Measure) -> None:
    assert (new.n, new.enough, new.note, new.method) == (old.n, old.enough, old.note, old.method)
    if old.successes is not None:
        assert new.successes == old.successes
    for a, b in ((new.actual, old.actual), (new.low, old.low), (new.high, old.high)):
        assert (a is None) == (b is None)
        if a is not None:
            assert a == pytest.approx(b, rel=1e-9, abs=1e-12)


PERIODS = (
    (START, START + timedelta(days=DAYS - 1)),
    (START + timedelta(days=14), START + timedelta(days=41)),
    (START + timedelta(days=3), START + timedelta(days=3)),
    (START + timedelta(days=60), START + timedelta(days=90)),
)


def test_aggregates_equal_the_row_by_row_computation(session: Session) -> None:
    _seed(session)
    subjects: list[Subject] = [perf_subjects.centre_subject(ALL)]
    subjects += [perf_subjects.team_subject(t) for t in session.scalars(select(Team))]
    subjects += [perf_subjects.person_subject(p) for p in session.scalars(select(Person))]
    compared = 0
    for first, last in PERIODS:
        for subject in subjects:
            rows = rowwise._contact_rows(session, subject, first, last)
            cache: perf_sums.ContactCache = {}
            for kpi in CONTACT_KPIS:
                if kpi in perf_measures.CENTRE_ONLY and subject.kind != "centre":
                    continue
                new = perf_measures.measure(
                    session=session, subject=subject, kpi=kpi, first=first, last=last, cache=cache
                )
                _same(new, rowwise._from_contacts(kpi, rows))
                compared += 1
            for kpi in ("occupancy", "utilisation"):
                if subject.kind == "centre":
                    continue
                new = perf_measures.measure(
                    session=session, subject=subject, kpi=kpi, first=first, last=last
                )
                old = rowwise._state_measure(session, subject, kpi, first, last)
                assert isinstance(old, Measure)
                _same(new, old)
                compared += 1
    assert compared == len(PERIODS) * (5 + 4 * (len(subjects) - 1))
    # at least some values are shown, not all withheld, so the comparison is not vacuous
    whole = perf_measures.measure(
        session=session, subject=subjects[0], kpi="repeat_contact_rate", first=START, last=last
    )
    assert whole.enough and whole.successes and whole.successes > 100


def test_team_views_equal_the_row_by_row_computation(session: Session) -> None:
    _seed(session)
    first, last = START + timedelta(days=28), START + timedelta(days=55)
    for team in TEAMS:
        found = perf_subjects.team_in_scope(session=session, name=team, scope=ALL)
        subject = perf_subjects.team_subject(found)
        now_rows = rowwise._contact_rows(session, subject, first, last)
        before_rows = rowwise._contact_rows(session, subject, START, first - timedelta(1))
        cache: perf_sums.ContactCache = {}
        people = perf_scorecards.team_people_values(
            session=session, team=team, kpi="aht_s", first=first, last=last, scope=ALL, cache=cache
        )
        assert [p.name for p, _v in people] == sorted(TEAMS[team])
        for p, value in people:
            old = rowwise._from_contacts("aht_s", [r for r in now_rows if r[0] == p.id])
            before = rowwise._from_contacts("aht_s", [r for r in before_rows if r[0] == p.id])
            assert (value.n, value.low is None) == (old.n, old.low is None)
            assert value.actual == pytest.approx(old.actual)
            assert value.previous == pytest.approx(before.actual)
        fun = perf_charts.funnel(
            session=session,
            team=team,
            kpi="repeat_contact_rate",
            first=first,
            last=last,
            scope=ALL,
            cache=cache,
        )
        for point in fun.points:
            pid = session.scalars(select(Person.id).where(Person.login == point.person)).one()
            mine = [r for r in now_rows if r[0] == pid and rowwise._repeat_trial(r)]
            assert (point.successes, point.trials) == (sum(bool(r[8]) for r in mine), len(mine))
        for kpi in ("repeat_contact_rate", "aht_s"):
            chart = perf_charts.control_chart(
                session=session, team=team, kpi=kpi, first=START, last=last, scope=ALL
            )
            assert len(chart.points) == 8
            for cpoint in chart.points:
                rows = rowwise._contact_rows(session, subject, cpoint.first, cpoint.last)
                old = rowwise._from_contacts(kpi, rows)
                assert cpoint.n == old.n
                expected = (old.successes or 0) / old.n if kpi != "aht_s" else old.actual
                if kpi != "aht_s" and not old.n:
                    expected = None
                assert (cpoint.value is None) == (expected is None)
                if expected is not None:
                    assert cpoint.value == pytest.approx(expected, rel=1e-9)
