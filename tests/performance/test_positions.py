"""Position KPIs of planners, QA analysts and team leaders (SQLite and PostgreSQL): exact values
from hand-built records, their intervals, and values withheld below the minimum sample."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.engines import stats
from ccops.enums import Outcome, Role
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Queue, Site
from ccops.performance import measures as perf_measures
from ccops.performance import models as m
from ccops.performance import positions as perf_positions
from ccops.performance import scorecards as perf_scorecards
from ccops.performance import subjects as perf_subjects
from ccops.quality import calibration as qa_calibration
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import sampling as qa_sampling
from ccops.quality import schemas as qa_schemas
from ccops.wfm.forecasts.models import Forecast, ForecastInterval
from ccops.wfm.schedules.models import CoverageInterval, Schedule
from tests.factories.performance import make_centre
from tests.factories.quality import ALL_TOP, MIXED, answers
from tests.factories.quality import make_centre as make_qa_centre

ALL = org_service.EVERYTHING
D = date(2026, 1, 5)  # a Monday; the site is on UTC
_ids = itertools.count(1)


def _person(session: Session, login: str, role: Role, site: str = "Main") -> perf_subjects.Subject:
    org_service.create_person(
        session=session,
        data=org_schemas.PersonIn(name=login.title(), login=login, site=site, role=role),
    )
    session.flush()
    return perf_subjects.person_subject(
        perf_subjects.person_in_scope(session=session, login=login, scope=ALL)
    )


# --- team leader: coaching follow-through ------------------------------------------------------


def _coaching(
    session: Session, subject: perf_subjects.Subject, coach: str, outcomes: list[bool]
) -> None:
    for i, done in enumerate(outcomes):
        session.add(
            m.CoachingSession(
                person_id=subject.person_id,
                coach=coach,
                held_on=D - timedelta(days=14),
                monitoring_points="AHT",
                gap="+60 s",
                analysis="long holds",
                action_plan="use the hold checklist",
                follow_up_on=D + timedelta(days=i % 7),
                outcome="hold time down" if done else None,
            )
        )
    session.flush()


def test_coaching_follow_through_is_the_share_of_due_follow_ups_with_an_outcome(
    session: Session,
) -> None:
    make_centre(session)
    tl = _person(session, "tl", Role.supervisor)
    alice = perf_subjects.person_in_scope(session=session, login="alice", scope=ALL)
    _coaching(session, perf_subjects.person_subject(alice), "tl", [True] * 9 + [False] * 3)
    _coaching(session, perf_subjects.person_subject(alice), "other", [False] * 5)
    got = perf_measures.measure(
        session=session, subject=tl, kpi="coaching_follow_through", first=D, last=D + timedelta(6)
    )
    ci = stats.wilson_interval(9, 12)
    assert (got.actual, got.n) == (0.75, 12)
    assert got.low == pytest.approx(ci.low) and got.high == pytest.approx(ci.high)
    assert "9 of 12 follow-ups" in got.note
    # a week later nothing is due: no value, and the reason said
    later = perf_measures.measure(
        session=session,
        subject=tl,
        kpi="coaching_follow_through",
        first=D + timedelta(7),
        last=D + timedelta(13),
    )
    assert later.actual is None and later.note.startswith("no observations")


def test_coaching_follow_through_is_withheld_below_ten_follow_ups(session: Session) -> None:
    make_centre(session)
    tl = _person(session, "tl", Role.supervisor)
    alice = perf_subjects.person_in_scope(session=session, login="alice", scope=ALL)
    _coaching(session, perf_subjects.person_subject(alice), "tl", [True] * 6)
    got = perf_measures.measure(
        session=session, subject=tl, kpi="coaching_follow_through", first=D, last=D + timedelta(6)
    )
    assert got.actual is None and got.n == 6
    assert "too few observations to show a rate: 6 (at least 10 needed)" in got.note


# --- planner: schedule fit and forecast skill ----------------------------------------------


def _coverage(session: Session, rows: dict[date, list[tuple[float, float]]], by: str) -> None:
    site = session.scalars(select(Site)).one()
    queue = session.scalars(select(Queue)).first()
    assert queue is not None
    record = Schedule(
        site_id=site.id,
        week="2026-W02",
        week_start=D,
        version=1,
        status="published",
        created_by=by,
        published_by=by,
    )
    session.add(record)
    session.flush()
    for day, pairs in rows.items():
        for i, (required, scheduled) in enumerate(pairs):
            session.add(
                CoverageInterval(
                    schedule_id=record.id,
                    queue_id=queue.id,
                    interval_start=datetime(day.year, day.month, day.day, 9, 15 * i, tzinfo=UTC),
                    required=required,
                    scheduled=scheduled,
                    predicted_service_level=0.8,
                    rate_per_s=0.01,
                    aht_s=300.0,
                )
            )
    session.flush()


def test_schedule_fit_is_coverage_error_over_the_requirement_with_its_split(
    session: Session,
) -> None:
    make_centre(session)
    planner = _person(session, "plan", Role.planner)
    rows = {
        D: [(10.0, 8.0), (10.0, 12.0)],  # |.| 4 of 20
        D + timedelta(1): [(10.0, 10.0), (10.0, 9.0)],  # 1 of 20
        D + timedelta(2): [(5.0, 8.0), (5.0, 5.0)],  # 3 of 10
    }
    _coverage(session, rows, "plan")
    got = perf_measures.measure(
        session=session, subject=planner, kpi="schedule_fit", first=D, last=D + timedelta(6)
    )
    ci = stats.ratio_interval(np.array([4.0, 1.0, 3.0]), np.array([20.0, 20.0, 10.0]))
    assert got.actual == pytest.approx(8 / 50) and got.n == 3
    assert got.low == pytest.approx(max(ci.low, 0.0)) and got.high == pytest.approx(ci.high)
    # under: 2 + 1 = 3 of 50 = 6.0%; over: 2 + 3 = 5 of 50 = 10.0%
    assert "under-coverage 6.0%, over-coverage 10.0%" in got.note
    assert "predicted 80.0%" in got.note
    # another planner's schedules are not this planner's work
    other = _person(session, "plan2", Role.planner)
    none = perf_measures.measure(
        session=session, subject=other, kpi="schedule_fit", first=D, last=D + timedelta(6)
    )
    assert none.actual is None and none.note == "no days"


def _contacts(session: Session, day: date, count: int) -> None:
    queue = session.scalars(select(Queue)).first()
    assert queue is not None
    rows = []
    for i in range(count):
        at = datetime(day.year, day.month, day.day, 9, 0, i, tzinfo=UTC)
        epoch = int(at.timestamp())
        n = next(_ids)
        rows.append(
            {
                "source": "test",
                "external_id": f"pos{n}",
                "queue_id": queue.id,
                "channel_id": queue.channel_id,
                "person_id": None,
                "arrival_at": at,
                "answered_at": at,
                "ended_at": at,
                "outcome": Outcome.answered,
                "wait_s": 5.0,
                "talk_s": 200.0,
                "hold_s": 0.0,
                "wrap_s": 0.0,
                "arrival_epoch_s": epoch,
                "arrival_local_min": epoch // 60,
                "utc_offset_min": 0,
                "content_hash": f"pos{n}",
            }
        )
    session.execute(insert(Contact), rows)
    session.flush()


def _forecast(session: Session, by: str, volume: float) -> None:
    queue = session.scalars(select(Queue)).first()
    assert queue is not None
    record = Forecast(
        queue_id=queue.id,
        method="test",
        created_by=by,
        created_at=datetime(2026, 1, 4, 12, tzinfo=UTC),
        horizon_days=7,
        interval_min=15,
        first_day=D,
        last_day=D + timedelta(6),
        history_source="contacts",
    )
    session.add(record)
    session.flush()
    for k in range(7):
        start = datetime(2026, 1, 5 + k, 9, tzinfo=UTC)
        session.add(
            ForecastInterval(
                forecast_id=record.id,
                interval_local_min=int(start.timestamp()) // 60,
                utc_offset_min=0,
                interval_start=start,
                volume=volume,
                lo80=volume,
                hi80=volume,
                lo95=volume,
                hi95=volume,
                aht_s=200.0,
            )
        )
    session.flush()


def test_forecast_skill_is_the_forecast_error_over_the_seasonal_naive_error(
    session: Session,
) -> None:
    make_centre(session)
    planner = _person(session, "plan", Role.planner)
    for k in range(7):
        _contacts(session, D - timedelta(7 - k), 10)  # the week before: 10 a day at 09:00
        _contacts(session, D + timedelta(k), 12 if k % 2 == 0 else 14)
    _forecast(session, "plan", 13.0)
    got = perf_measures.measure(
        session=session, subject=planner, kpi="forecast_skill", first=D, last=D + timedelta(6)
    )
    # forecast error 1 a day (7); naive error 2, 4, 2, 4, 2, 4, 2 (20)
    assert got.actual == pytest.approx(7 / 20) and got.n == 7
    ci = stats.ratio_interval(np.ones(7), np.array([2.0, 4, 2, 4, 2, 4, 2]))
    assert got.low == pytest.approx(max(ci.low, 0.0)) and got.high == pytest.approx(ci.high)
    # wMAPE 7 / 90 = 7.8%; naive 20 / 90 = 22.2%
    assert got.note == "wMAPE 7.8% against seasonal naive 22.2% over 7 queue-days"
    rows = perf_positions.forecast_breakdown(
        session=session, login="plan", first=D, last=D + timedelta(6), scope=ALL
    )
    assert [(r.queue, r.horizon, r.queue_days) for r in rows] == [("Sales", "1-7", 7)]
    assert rows[0].skill == pytest.approx(0.35)
    assert rows[0].wmape == pytest.approx(7 / 90)
    # a later forecast of the same days by somebody else is the one in use: not the planner's
    _forecast(session, "plan2", 12.0)
    later = perf_measures.measure(
        session=session, subject=planner, kpi="forecast_skill", first=D, last=D + timedelta(6)
    )
    assert later.actual is None and later.note == "no scored queue-days"


def test_forecast_skill_is_withheld_below_seven_queue_days(session: Session) -> None:
    make_centre(session)
    planner = _person(session, "plan", Role.planner)
    for k in range(7):
        _contacts(session, D - timedelta(7 - k), 10)
        _contacts(session, D + timedelta(k), 12)
    _forecast(session, "plan", 13.0)
    got = perf_measures.measure(
        session=session, subject=planner, kpi="forecast_skill", first=D, last=D + timedelta(2)
    )
    assert got.actual is None and got.n == 3
    assert got.note == "too few scored queue-days: 3 (at least 7 needed)"


def test_a_planner_without_a_scorecard_is_measured_on_the_planner_kpis(session: Session) -> None:
    make_centre(session)
    _person(session, "plan", Role.planner)
    _person(session, "qa", Role.qa_analyst)
    _person(session, "tl", Role.supervisor)
    kpis = {
        login: [
            v.kpi
            for v in perf_scorecards.person_scorecard(
                session=session, login=login, first=D, last=D + timedelta(6), scope=ALL
            ).values
        ]
        for login in ("plan", "qa", "tl", "alice")
    }
    assert kpis == {
        "plan": ["forecast_skill", "schedule_fit"],
        "qa": ["calibration_offset_pct", "qa_sample_completion"],
        "tl": ["coaching_follow_through", "floor_time_share"],
        "alice": ["repeat_contact_rate", "aht_s", "occupancy"],
    }


# --- QA analyst: calibration offset and sampling plan ----------------------------------------


def _evaluate(
    session: Session,
    centre: dict[str, Any],
    contact_id: int,
    pattern: Any,
    by: str,
    cal: int | None,
) -> None:
    qa_evaluations.evaluate(
        session=session,
        data=qa_schemas.EvaluationIn(
            contact_id=contact_id,
            form_version_id=centre["form"].versions[-1].id,
            answers=answers(pattern),
            calibration_id=cal,
        ),
        by=by,
    )


def test_calibration_offset_reports_the_signed_offset_and_the_session_alpha(
    session: Session,
) -> None:
    centre = make_qa_centre(session)
    qa1 = _person(session, "qa1", Role.qa_analyst)
    contacts = centre["contacts"]["amy"][:3]
    cal = qa_calibration.create_calibration(
        session=session,
        data=qa_schemas.CalibrationIn(
            name="November", form_version_id=centre["form"].versions[-1].id, contact_ids=contacts
        ),
        by="qa1",
    )
    plan = {"qa1": (ALL_TOP, MIXED, MIXED), "qa2": (ALL_TOP, ALL_TOP, MIXED)}
    for evaluator, patterns in plan.items():
        for contact, pattern in zip(contacts, patterns, strict=True):
            _evaluate(session, centre, contact, pattern, evaluator, cal.id)
    today = datetime.now(UTC).date()
    diffs, alphas = perf_positions.calibration_offsets(
        session, {"qa1"}, today - timedelta(1), today + timedelta(1)
    )
    assert diffs == [0.0, -27.5, 0.0]
    assert alphas == {"November": pytest.approx(4 / 9)}
    got = perf_measures.measure(
        session=session,
        subject=qa1,
        kpi="calibration_offset_pct",
        first=today - timedelta(1),
        last=today + timedelta(1),
    )
    # three contacts: below the minimum of ten, so no mean; the offset and alpha are still said
    assert got.actual is None and got.n == 3
    assert "signed offset -9.2 points (scores lower than colleagues); alpha: November 0.44" in (
        got.note
    )


def test_sample_completion_counts_evaluated_contacts_of_the_analysts_samples(
    session: Session,
) -> None:
    centre = make_qa_centre(session, contacts_per_agent=40)
    qa1 = _person(session, "qa1", Role.qa_analyst)
    first_day = last_day = date(2026, 11, 2)
    sample = qa_sampling.draw_sample(
        session=session,
        data=qa_schemas.SampleIn(
            person="zoe", first_day=first_day, last_day=last_day, method="random", size=32, seed=1
        ),
        by="qa1",
    )
    for c in sample.contacts[:24]:
        _evaluate(session, centre, c.contact_id, ALL_TOP, "qa1", None)
    today = datetime.now(UTC).date()
    got = perf_measures.measure(
        session=session, subject=qa1, kpi="qa_sample_completion", first=today, last=today
    )
    ci = stats.wilson_interval(24, 32)
    assert (got.actual, got.n) == (0.75, 32)
    assert got.low == pytest.approx(ci.low) and got.high == pytest.approx(ci.high)
    assert got.note == "24 of 32 sampled contacts evaluated"
