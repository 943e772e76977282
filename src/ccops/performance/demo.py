"""Demo records of performance management: a scorecard cascade, coaching, reviews, leavers."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person, Team
from ccops.performance import coaching as perf_coaching
from ccops.performance import models as m
from ccops.performance import recognition as perf_recognition
from ccops.performance import recommendations as perf_recommendations
from ccops.performance import reports as perf_reports
from ccops.performance import reviews as perf_reviews
from ccops.performance import schemas as s
from ccops.performance import scorecards as perf_scorecards

SEED = 9
P = s.Perspective
LEAVER_REASONS = (
    "pay elsewhere",
    "schedule did not fit studies",
    "moved city",
    "workload and stress",
    "promotion at another company",
    "no development path",
)


def _k(
    perspective: s.Perspective,
    objective: str,
    kpi: str,
    target: float,
    weight: float,
    *,
    higher: bool = True,
    benchmark: float | None = None,
    source: str | None = None,
) -> s.ScorecardKpiIn:
    return s.ScorecardKpiIn(
        perspective=perspective,
        objective=objective,
        kpi=kpi,
        target=target,
        higher_is_better=higher,
        benchmark=benchmark,
        benchmark_source=source,
        weight_pct=weight,
    )


def _cards(teams: list[Team]) -> list[s.ScorecardIn]:
    centre = s.ScorecardIn(
        name="Centre scorecard",
        level=s.Level.centre,
        kpis=[
            _k(
                P.financial,
                "Use paid capacity well",
                "occupancy",
                0.85,
                15,
                benchmark=0.85,
                source="common planning range 80-88%",
            ),
            _k(
                P.customer,
                "Answer customers promptly",
                "service_level",
                0.8,
                25,
                benchmark=0.8,
                source="80/20, the industry's usual voice goal",
            ),
            _k(
                P.customer,
                "Few customers give up",
                "abandon_rate",
                0.05,
                15,
                higher=False,
                benchmark=0.05,
                source="industry surveys: 5-8% typical",
            ),
            _k(
                P.internal_process,
                "Solve it the first time",
                "repeat_contact_rate",
                0.15,
                30,
                higher=False,
                benchmark=0.2,
                source="FCR 70-80% typical, so 20-30% repeats",
            ),
            _k(
                P.learning_growth,
                "Keep experienced people",
                "attrition_rate",
                0.03,
                15,
                higher=False,
                benchmark=0.03,
                source="about 30-45% a year in many centres",
            ),
        ],
    )
    cards = [centre]
    for t in teams:
        cards.append(
            s.ScorecardIn(
                name=f"Team {t.name}",
                level=s.Level.team,
                team=t.name,
                parent=centre.name,
                kpis=[
                    _k(
                        P.internal_process,
                        "Solve it the first time",
                        "repeat_contact_rate",
                        0.15,
                        40,
                        higher=False,
                    ),
                    _k(
                        P.internal_process,
                        "Handle time in the normal range",
                        "aht_s",
                        330,
                        20,
                        higher=False,
                    ),
                    _k(P.financial, "Use paid capacity well", "occupancy", 0.85, 20),
                    _k(
                        P.learning_growth,
                        "Keep experienced people",
                        "attrition_rate",
                        0.03,
                        20,
                        higher=False,
                    ),
                ],
            )
        )
    cards += [
        s.ScorecardIn(
            name="Position: agent",
            level=s.Level.position,
            position=s.Position.agent,
            parent=centre.name,
            kpis=[
                _k(
                    P.customer,
                    "Solve it the first time",
                    "repeat_contact_rate",
                    0.15,
                    60,
                    higher=False,
                ),
                _k(
                    P.internal_process,
                    "Handle time in the normal range",
                    "aht_s",
                    330,
                    20,
                    higher=False,
                ),
                _k(P.financial, "Be available when customers call", "occupancy", 0.85, 20),
            ],
        ),
        s.ScorecardIn(
            name="Position: team leader",
            level=s.Level.position,
            position=s.Position.team_leader,
            parent=centre.name,
            kpis=[
                _k(
                    P.learning_growth,
                    "Spend 75% of the time on the floor",
                    "floor_time_share",
                    0.75,
                    30,
                ),
                _k(
                    P.internal_process,
                    "Follow up every coaching plan",
                    "coaching_follow_through",
                    0.9,
                    20,
                ),
                _k(
                    P.customer,
                    "The team solves it the first time",
                    "repeat_contact_rate",
                    0.15,
                    25,
                    higher=False,
                ),
                _k(
                    P.learning_growth,
                    "Keep the team together",
                    "attrition_rate",
                    0.03,
                    25,
                    higher=False,
                ),
            ],
        ),
        s.ScorecardIn(
            name="Position: QA analyst",
            level=s.Level.position,
            position=s.Position.qa_analyst,
            parent=centre.name,
            kpis=[
                _k(
                    P.internal_process,
                    "Evaluate what the sampling plan drew",
                    "qa_sample_completion",
                    0.9,
                    40,
                ),
                _k(
                    P.internal_process,
                    "Score like the other evaluators",
                    "calibration_offset_pct",
                    5.0,
                    30,
                    higher=False,
                ),
                _k(
                    P.customer,
                    "Evaluations point at repeat causes",
                    "repeat_contact_rate",
                    0.15,
                    30,
                    higher=False,
                ),
            ],
        ),
        s.ScorecardIn(
            name="Position: planner",
            level=s.Level.position,
            position=s.Position.planner,
            parent=centre.name,
            kpis=[
                _k(
                    P.internal_process,
                    "Forecast better than repeating last week",
                    "forecast_skill",
                    0.8,
                    30,
                    higher=False,
                ),
                _k(
                    P.financial,
                    "Schedules that fit the requirement",
                    "schedule_fit",
                    0.15,
                    20,
                    higher=False,
                ),
                _k(P.customer, "Staff to the service goal", "service_level", 0.8, 30),
                _k(P.customer, "Few customers give up", "abandon_rate", 0.05, 20, higher=False),
            ],
        ),
    ]
    return cards


def seed_demo(session: Session, *, end: date) -> dict[str, int]:
    """Add the performance demo records to the demo centre (deterministic)."""
    rng = np.random.default_rng(SEED)
    scope = org_service.EVERYTHING
    teams = list(session.scalars(select(Team).order_by(Team.name)))
    for card in _cards(teams):
        perf_scorecards.create_scorecard(
            session=session, data=card, created_by="manager", scope=scope
        )
    publications = [
        ("repeat_contact_rate", s.Audience.agent, s.Rhythm.weekly, 0.15, False),
        ("aht_s", s.Audience.team, s.Rhythm.daily, 330.0, False),
        ("repeat_contact_rate", s.Audience.team, s.Rhythm.weekly, 0.15, False),
        ("service_level", s.Audience.centre, s.Rhythm.hourly, 0.8, True),
        ("abandon_rate", s.Audience.centre, s.Rhythm.daily, 0.05, False),
        ("service_level", s.Audience.executive, s.Rhythm.weekly, 0.8, True),
        ("attrition_rate", s.Audience.executive, s.Rhythm.weekly, 0.03, False),
    ]
    for kpi, audience, rhythm, target, higher in publications:
        perf_reports.set_publication(
            session=session,
            data=s.PublicationIn(
                kpi=kpi,
                audience=audience,
                rhythm=rhythm,
                target=target,
                higher_is_better=higher,
                on_good=s.FollowUp.recognition,
                on_bad=s.FollowUp.root_cause_analysis
                if audience in (s.Audience.centre, s.Audience.executive)
                else s.FollowUp.coaching,
            ),
        )
    # former agents: leavers with reason and tenure (no contacts: they left before the history)
    leavers = 0
    for i in range(14):
        team = teams[int(rng.integers(len(teams)))]
        tenure = int(rng.integers(20, 700))
        left = end - timedelta(days=int(rng.integers(95, 360)))
        org_service.create_person(
            session=session,
            data=org_schemas.PersonIn(
                name=f"Former agent {i + 1:02d}",
                login=f"former{i + 1:02d}",
                site=team.site.name,
                team=team.name,
                hire_date=left - timedelta(days=tenure),
                termination_date=left,
                termination_reason=LEAVER_REASONS[i % len(LEAVER_REASONS)],
            ),
        )
        leavers += 1
    billing = next(t for t in teams if t.name == "Billing 1")
    agents = list(
        session.scalars(
            select(Person)
            .where(Person.team_id == billing.id, Person.role == Role.agent)
            .where(Person.termination_date.is_(None))
            .order_by(Person.login)
        )
    )
    for n, person in enumerate(agents[:3]):
        held = end - timedelta(days=20 - 6 * n)
        perf_coaching.create_coaching(
            session=session,
            data=s.CoachingIn(
                person=person.login,
                held_on=held,
                kpi="repeat_contact_rate",
                reference="kpi:repeat_contact_rate",
                monitoring_points="Listened to five billing calls with repeat contacts.",
                gap="Customers call back about refunds: the refund date was not confirmed.",
                analysis="The standard answer on refunds lacks the processing time; not the "
                "agent's fault alone.",
                action_plan="Confirm the refund date on every refund call; team leader asks for "
                "the standard answer to be updated.",
                follow_up_on=held + timedelta(days=14),
            ),
            coach="supervisor",
            scope=scope,
        )
    review = perf_reviews.create_review(
        session=session,
        data=s.ReviewIn(
            person=agents[0].login,
            period_first=end - timedelta(days=90),
            period_last=end - timedelta(days=1),
            strengths="Calm with upset customers; colleagues ask for help on billing questions.",
            weaknesses="Refund calls often come back; wrap-up notes are short.",
            improvement_plan="Confirm refund dates; write wrap-up notes to the template.",
            person_commitments="Use the refund checklist on every refund call.",
            support_commitments="Team leader gets the refund answer updated and sits in weekly.",
            next_review_on=end + timedelta(days=90),
            next_review_criteria="Repeat-contact rate within the team's funnel; notes complete.",
        ),
        reviewer="supervisor",
        scope=scope,
    )
    review_row = session.get(m.Review, review.id)
    assert review_row is not None
    texts = (
        "Stayed late to help during the launch-day surge.",
        "A customer wrote in to thank them for solving a tangled billing case.",
        "Shared a better way to explain refunds at the huddle.",
        "Coached a new colleague through their first week.",
    )
    for n, text in enumerate(texts):
        perf_recognition.create_recognition(
            session=session,
            data=s.RecognitionIn(
                person=agents[n % len(agents)].login,
                given_on=end - timedelta(days=3 + 5 * n),
                text=text,
            ),
            given_by="supervisor",
            scope=scope,
        )
    perf_coaching.create_note(
        session=session,
        data=s.NoteIn(
            person=agents[1].login,
            kind=s.NoteKind.training_need,
            text="Refund process training (new finance system).",
            written_on=end - timedelta(days=10),
        ),
        written_by="supervisor",
        scope=scope,
    )
    perf_coaching.create_note(
        session=session,
        data=s.NoteIn(
            person=agents[0].login,
            kind=s.NoteKind.promotion_readiness,
            text="Ready to mentor new hires; consider for the team-leader pool.",
            written_on=end - timedelta(days=10),
        ),
        written_by="supervisor",
        scope=scope,
    )
    _seed_people_cycle(session, end=end, review_id=review.id, scope=scope)
    leaders = list(
        session.scalars(select(Person).where(Person.role == Role.supervisor).order_by(Person.login))
    )
    for leader in leaders:
        floor_mean = float(rng.uniform(280, 380))
        for back in range(28):
            day = end - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            floor = int(np.clip(rng.normal(floor_mean, 30), 180, 420))
            planning = int(rng.integers(40, 110))
            reports = int(rng.integers(20, 80))
            for kind, minutes in (("floor", floor), ("planning", planning), ("reports", reports)):
                session.add(
                    m.LeaderActivity(person_id=leader.id, day=day, kind=kind, minutes=minutes)
                )
    session.flush()
    return {"scorecards": len(teams) + 5, "leavers": leavers, "coaching": 3, "reviews": 1}


POSITION_PEOPLE = (
    ("planner", "Pat Planner", Role.planner, "Shanghai"),
    ("qa", "Quinn Quality", Role.qa_analyst, "Shanghai"),
)
"""The demo's planner and QA analyst as people (their sign-ins have the same logins), so their
position scorecards measure the forecasts, calibrations and samples those sign-ins make."""


def _seed_people_cycle(
    session: Session, *, end: date, review_id: int, scope: org_service.Scope
) -> None:
    """The planner and QA analyst as people, and the review's pending recommendations."""
    for login, name, role, site in POSITION_PEOPLE:
        org_service.create_person(
            session=session,
            data=org_schemas.PersonIn(
                name=name,
                login=login,
                site=site,
                role=role,
                hire_date=end - timedelta(days=800),
            ),
        )
    review = session.get(m.Review, review_id)
    assert review is not None
    recognitions = [
        r.id
        for r in session.scalars(
            select(m.Recognition)
            .where(m.Recognition.person_id == review.person_id)
            .order_by(m.Recognition.id)
        )
    ]
    for kind, detail, rationale in (
        (
            s.RecommendationKind.promotion_readiness,
            "team leader pool",
            "Colleagues ask them for help on billing questions; recognised for it.",
        ),
        (
            s.RecommendationKind.training,
            "refund process (new finance system)",
            "Refund calls come back; the new finance system changed the refund dates.",
        ),
    ):
        perf_recommendations.recommend(
            session=session,
            review_id=review_id,
            data=s.RecommendationIn(
                kind=kind, detail=detail, rationale=rationale, recognition_ids=recognitions
            ),
            by="supervisor",
            scope=scope,
        )
