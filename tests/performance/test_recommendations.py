"""Recommendations of reviews (training, pay step, transfer, promotion readiness) with their
evidence, the pending list of a scope and the decision (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.engines import stats
from ccops.enums import ScopeKind
from ccops.errors import Conflict, Invalid, NotFound
from ccops.org import service as org_service
from ccops.org.models import Person, Team
from ccops.performance import models as m
from ccops.performance import recognition as perf_recognition
from ccops.performance import recommendations as perf_recommendations
from ccops.performance import reviews as perf_reviews
from ccops.performance import schemas as s
from tests.factories.performance import DAY, add_contacts, add_horizon, make_centre

ALL = org_service.EVERYTHING


def _team_scope(session: Session, team: str) -> org_service.Scope:
    found = session.scalars(select(Team).where(Team.name == team)).one()
    return org_service.Scope(
        kind=ScopeKind.teams, site_ids=frozenset({found.site_id}), team_ids=frozenset({found.id})
    )


def _review(session: Session, login: str) -> int:
    return perf_reviews.create_review(
        session=session,
        data=s.ReviewIn(
            person=login,
            period_first=DAY,
            period_last=DAY,
            strengths="clear answers",
            weaknesses="repeats on refunds",
            improvement_plan="refund module",
            person_commitments="take the module",
            support_commitments="book the module",
            next_review_on=DAY + timedelta(days=90),
            next_review_criteria="repeats under 8%",
        ),
        reviewer="lead",
        scope=ALL,
    ).id


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(m.Recommendation)) or 0


def test_a_recommendation_freezes_its_evidence_and_is_decided_once(session: Session) -> None:
    make_centre(session)
    add_contacts(session, login="alice", day=DAY, answered=40, repeats=4)
    add_horizon(session, DAY + timedelta(days=30))
    review_id = _review(session, "alice")
    thanks = perf_recognition.create_recognition(
        session=session,
        data=s.RecognitionIn(person="alice", given_on=DAY, text="calm with an angry caller"),
        given_by="lead",
        scope=ALL,
    )
    out = perf_recommendations.recommend(
        session=session,
        review_id=review_id,
        data=s.RecommendationIn(
            kind=s.RecommendationKind.promotion_readiness,
            rationale="steady results, mentors new hires",
            detail="team leader",
            kpis=["repeat_contact_rate"],
            recognition_ids=[thanks.id],
        ),
        by="lead",
        scope=ALL,
    )
    ci = stats.wilson_interval(4, 40)
    (kpi,) = out.evidence.kpis
    assert (kpi.kpi, kpi.actual, kpi.n) == ("repeat_contact_rate", 0.1, 40)
    assert kpi.low == pytest.approx(ci.low) and kpi.high == pytest.approx(ci.high)
    assert (kpi.first, kpi.last) == (DAY, DAY)
    assert [r.text for r in out.evidence.recognitions] == ["calm with an angry caller"]
    assert (out.status, out.person, out.team) == ("pending", "alice", "Team A")
    # the team's leader sees it pending; the other team's does not
    team_a, team_b = _team_scope(session, "Team A"), _team_scope(session, "Team B")
    pending = perf_recommendations.list_recommendations(session=session, scope=team_a)
    assert [r.id for r in pending] == [out.id]
    assert perf_recommendations.list_recommendations(session=session, scope=team_b) == []
    with pytest.raises(NotFound, match=f"recommendation {out.id} does not exist in your scope"):
        perf_recommendations.decide(
            session=session,
            recommendation_id=out.id,
            data=s.DecisionIn(decision=s.RecommendationDecision.accepted),
            by="other-lead",
            scope=team_b,
        )
    decided = perf_recommendations.decide(
        session=session,
        recommendation_id=out.id,
        data=s.DecisionIn(decision=s.RecommendationDecision.accepted, note="next cohort"),
        by="manager",
        scope=ALL,
    )
    assert (decided.status, decided.decided_by, decided.decision_note) == (
        "accepted",
        "manager",
        "next cohort",
    )
    assert perf_recommendations.list_recommendations(session=session, scope=ALL) == []
    assert [
        r.id
        for r in perf_recommendations.list_recommendations(
            session=session, scope=ALL, status="accepted"
        )
    ] == [out.id]
    with pytest.raises(Conflict, match="already accepted by manager"):
        perf_recommendations.decide(
            session=session,
            recommendation_id=out.id,
            data=s.DecisionIn(decision=s.RecommendationDecision.declined),
            by="manager",
            scope=ALL,
        )
    # the evidence is frozen: more contacts later do not change what the decision rested on
    add_contacts(session, login="alice", day=DAY, answered=40, repeats=40)
    again = perf_recommendations.get_recommendation(
        session=session, recommendation_id=out.id, scope=ALL
    )
    assert again.evidence.kpis[0].actual == 0.1


def test_a_recommendation_without_evidence_or_with_bad_evidence_is_refused(
    session: Session,
) -> None:
    make_centre(session)
    add_contacts(session, login="alice", day=DAY, answered=40, repeats=4)
    add_horizon(session, DAY + timedelta(days=30))
    review_id = _review(session, "alice")
    bobs = perf_recognition.create_recognition(
        session=session,
        data=s.RecognitionIn(person="bob", given_on=DAY, text="helped a colleague"),
        given_by="lead",
        scope=ALL,
    )

    def attempt(**evidence: object) -> None:
        perf_recommendations.recommend(
            session=session,
            review_id=review_id,
            data=s.RecommendationIn.model_validate(
                {"kind": "training", "rationale": "refund module", **evidence}
            ),
            by="lead",
            scope=ALL,
        )

    with pytest.raises(Invalid, match="a training recommendation needs evidence"):
        attempt()
    with pytest.raises(Invalid, match="KPI 'occupancy' has no value for alice .*no agent-state"):
        attempt(kpis=["occupancy"])
    with pytest.raises(Invalid, match="unknown KPI 'speed'"):
        attempt(kpis=["speed"])
    with pytest.raises(Invalid, match=f"recognition {bobs.id} is not a recognition of alice"):
        attempt(kpis=["repeat_contact_rate"], recognition_ids=[bobs.id])
    with pytest.raises(Invalid, match="evaluation 999 is not a QA evaluation of alice"):
        attempt(evaluation_ids=[999])
    with pytest.raises(NotFound, match="review 999 does not exist in your scope"):
        perf_recommendations.recommend(
            session=session,
            review_id=999,
            data=s.RecommendationIn(
                kind=s.RecommendationKind.training, rationale="x", kpis=["aht_s"]
            ),
            by="lead",
            scope=ALL,
        )
    assert _count(session) == 0
    alice = session.scalars(select(Person).where(Person.login == "alice")).one()
    assert alice.team_id is not None
