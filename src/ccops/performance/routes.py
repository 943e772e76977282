"""Performance management: the JSON API under /api/v1/performance (the pages are in ``pages``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from ccops.bounds import Day
from ccops.ids import RowId
from ccops.performance import attrition as perf_attrition
from ccops.performance import charts as perf_charts
from ccops.performance import coaching as perf_coaching
from ccops.performance import delivery as perf_delivery
from ccops.performance import floor_time as perf_floor_time
from ccops.performance import follow_ups as perf_follow_ups
from ccops.performance import periods as perf_periods
from ccops.performance import positions as perf_positions
from ccops.performance import recognition as perf_recognition
from ccops.performance import recommendations as perf_recommendations
from ccops.performance import reports as perf_reports
from ccops.performance import reviews as perf_reviews
from ccops.performance import schemas as s
from ccops.performance import scorecards as perf_scorecards
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep

router = APIRouter(prefix="/api/v1/performance", tags=["performance"])

P = permissions
CascadeReader = Annotated[Principal, Depends(require(*P.PERF_CASCADE))]
Manager = Annotated[Principal, Depends(require(*P.PERF_MANAGE, write=True))]
PersonReader = Annotated[Principal, Depends(require(*P.PERF_PERSON))]
TeamReader = Annotated[Principal, Depends(require(*P.PERF_TEAM))]
Comparer = Annotated[Principal, Depends(require(*P.PERF_COMPARE))]
CentreReader = Annotated[Principal, Depends(require(*P.PERF_CENTRE))]
Coach = Annotated[Principal, Depends(require(*P.PERF_COACH, write=True))]
PartyWriter = Annotated[Principal, Depends(require(*P.PERF_PARTY, write=True))]
ReviewReader = Annotated[Principal, Depends(require(*P.PERF_REVIEW_READ))]
Reviewer = Annotated[Principal, Depends(require(*P.PERF_REVIEW, write=True))]
ReportReader = Annotated[Principal, Depends(require(*P.PERF_REPORTS))]
LeaderWriter = Annotated[Principal, Depends(require(*P.PERF_LEADERS, write=True))]
LeaderReader = Annotated[Principal, Depends(require(*P.PERF_LEADERS))]
AttritionReader = Annotated[Principal, Depends(require(*P.PERF_ATTRITION))]
CostReader = Annotated[Principal, Depends(require(*P.PERF_ATTRITION_COST))]
Decider = Annotated[Principal, Depends(require(*P.PERF_DECIDE, write=True))]
RecommendationReader = Annotated[Principal, Depends(require(*P.PERF_REVIEW))]
PlannerKpiReader = Annotated[Principal, Depends(require(*P.PERF_PLANNER_KPIS))]
SignedIn = Annotated[Principal, Depends(require(*P.PERF_FOLLOW_UP))]
FollowUpOwner = Annotated[Principal, Depends(require(*P.PERF_FOLLOW_UP_DONE, write=True))]


# --- scorecards and cascade -------------------------------------------------------------------


@router.get("/scorecards", response_model=list[s.ScorecardOut])
def list_scorecards(session: SessionDep, _user: CascadeReader) -> list[s.ScorecardOut]:
    """List the scorecards of the cascade by name."""
    return perf_scorecards.list_scorecards(session=session)


@router.post("/scorecards", response_model=s.ScorecardOut, status_code=status.HTTP_201_CREATED)
def create_scorecard(data: s.ScorecardIn, session: SessionDep, user: Manager) -> s.ScorecardOut:
    """Create a scorecard of one cascade level (weights must sum to 100%)."""
    return perf_scorecards.create_scorecard(
        session=session, data=data, created_by=user.login, scope=user.scope
    )


@router.post("/scorecards/{name}/parent", response_model=s.ScorecardOut)
def set_parent(name: str, data: s.ParentIn, session: SessionDep, _user: Manager) -> s.ScorecardOut:
    """Cascade a scorecard from another (a cycle is refused and named)."""
    return perf_scorecards.set_parent(session=session, name=name, parent=data.parent)


@router.get("/cascade", response_model=list[s.CascadeNode])
def cascade(session: SessionDep, _user: CascadeReader) -> list[s.CascadeNode]:
    """Return the cascade centre → team → position → person as trees."""
    return perf_scorecards.cascade(session=session)


@router.get("/people/{login}/scorecard", response_model=s.ScorecardReportOut)
def person_scorecard(
    login: str,
    session: SessionDep,
    user: PersonReader,
    first: Day | None = None,
    last: Day | None = None,
) -> s.ScorecardReportOut:
    """Fill in a person's scorecard for a period, with intervals and sample sizes."""
    a, b = perf_periods.default_period(first=first, last=last)
    return perf_scorecards.person_scorecard(
        session=session, login=login, first=a, last=b, scope=user.scope
    )


@router.get("/teams/{team}/scorecard", response_model=s.ScorecardReportOut)
def team_scorecard(
    team: str,
    session: SessionDep,
    user: TeamReader,
    first: Day | None = None,
    last: Day | None = None,
) -> s.ScorecardReportOut:
    """Fill in a team's scorecard for a period."""
    a, b = perf_periods.default_period(first=first, last=last)
    return perf_scorecards.team_scorecard(
        session=session, team=team, first=a, last=b, scope=user.scope
    )


@router.get("/teams/{team}/people", response_model=list[s.PersonValue])
def team_people(
    team: str,
    session: SessionDep,
    user: Comparer,
    kpi: str = "repeat_contact_rate",
    first: Day | None = None,
    last: Day | None = None,
) -> list[s.PersonValue]:
    """One KPI of each team member with its interval, in name order (never ranked)."""
    a, b = perf_periods.default_period(first=first, last=last)
    rows = perf_scorecards.team_people_values(
        session=session, team=team, kpi=kpi, first=a, last=b, scope=user.scope
    )
    return [s.PersonValue(person=p.login, name=p.name, value=v) for p, v in rows]


@router.get("/teams/{team}/funnel", response_model=s.FunnelOut)
def funnel(
    team: str,
    session: SessionDep,
    user: Comparer,
    kpi: str = "repeat_contact_rate",
    first: Day | None = None,
    last: Day | None = None,
) -> s.FunnelOut:
    """Compare the team's people on a funnel plot (95% and 99.8% limits), in name order."""
    a, b = perf_periods.default_period(first=first, last=last)
    return perf_charts.funnel(
        session=session, team=team, kpi=kpi, first=a, last=b, scope=user.scope
    )


@router.get("/teams/{team}/training-needs", response_model=s.TrainingNeedsOut)
def team_training_needs(
    team: str,
    session: SessionDep,
    user: Comparer,
    first: Day | None = None,
    last: Day | None = None,
) -> s.TrainingNeedsOut:
    """The team's QA items clearly below the pass mark and its people's development notes."""
    a, b = perf_periods.default_period(first=first, last=last)
    return perf_coaching.team_training_needs(
        session=session, team=team, first=a, last=b, scope=user.scope
    )


@router.get("/teams/{team}/control-chart", response_model=s.ControlChartOut)
def control_chart(
    team: str,
    session: SessionDep,
    user: TeamReader,
    kpi: str = "repeat_contact_rate",
    first: Day | None = None,
    last: Day | None = None,
    days: int = 7,
) -> s.ControlChartOut:
    """Chart a team KPI over time with control limits (p-chart or XmR)."""
    a, b = perf_periods.default_period(first=first, last=last)
    return perf_charts.control_chart(
        session=session, team=team, kpi=kpi, first=a, last=b, days_per_point=days, scope=user.scope
    )


@router.get("/centre/scorecard", response_model=s.ScorecardReportOut)
def centre_scorecard(
    session: SessionDep, user: CentreReader, first: date | None = None, last: date | None = None
) -> s.ScorecardReportOut:
    """Fill in the centre's scorecard for the sites in scope (the executive summary)."""
    a, b = perf_periods.default_period(first=first, last=last)
    return perf_scorecards.centre_scorecard(session=session, first=a, last=b, scope=user.scope)


# --- coaching, reviews, recognition, development ----------------------------------------------


@router.get("/people/{login}/coaching", response_model=list[s.CoachingOut])
def list_coaching(login: str, session: SessionDep, user: PersonReader) -> list[s.CoachingOut]:
    """List a person's coaching sessions, newest first."""
    return perf_coaching.list_coaching(session=session, login=login, scope=user.scope)


@router.post("/coaching", response_model=s.CoachingOut, status_code=status.HTTP_201_CREATED)
def create_coaching(data: s.CoachingIn, session: SessionDep, user: Coach) -> s.CoachingOut:
    """Record a coaching session with a person in scope."""
    return perf_coaching.create_coaching(
        session=session, data=data, coach=user.login, scope=user.scope
    )


@router.post("/coaching/{coaching_id}/agree", response_model=s.CoachingOut)
def agree_coaching(coaching_id: RowId, session: SessionDep, user: PartyWriter) -> s.CoachingOut:
    """Agree to the action plan of one's own coaching session."""
    return perf_coaching.agree_coaching(
        session=session, coaching_id=coaching_id, person_id=user.person_id, scope=user.scope
    )


@router.post("/coaching/{coaching_id}/outcome", response_model=s.CoachingOut)
def coaching_outcome(
    coaching_id: RowId, data: s.OutcomeIn, session: SessionDep, user: Coach
) -> s.CoachingOut:
    """Record the outcome of a coaching plan at its follow-up."""
    return perf_coaching.record_outcome(
        session=session, coaching_id=coaching_id, data=data, scope=user.scope
    )


@router.get("/people/{login}/reviews", response_model=list[s.ReviewOut])
def list_reviews(login: str, session: SessionDep, user: ReviewReader) -> list[s.ReviewOut]:
    """List a person's formal reviews, newest first."""
    return perf_reviews.list_reviews(session=session, login=login, scope=user.scope)


@router.post("/reviews", response_model=s.ReviewOut, status_code=status.HTTP_201_CREATED)
def create_review(data: s.ReviewIn, session: SessionDep, user: Reviewer) -> s.ReviewOut:
    """Record a formal review of a person in scope."""
    return perf_reviews.create_review(
        session=session, data=data, reviewer=user.login, scope=user.scope
    )


@router.post("/reviews/{review_id}/sign", response_model=s.ReviewOut)
def sign_review(review_id: RowId, session: SessionDep, user: PartyWriter) -> s.ReviewOut:
    """Sign a review as the reviewed person or as the reviewer."""
    return perf_reviews.sign_review(
        session=session,
        review_id=review_id,
        login=user.login,
        person_id=user.person_id,
        scope=user.scope,
    )


@router.get("/people/{login}/recognitions", response_model=list[s.RecognitionOut])
def list_recognitions(
    login: str, session: SessionDep, user: PersonReader
) -> list[s.RecognitionOut]:
    """List a person's recognitions, newest first."""
    return perf_recognition.list_recognitions(session=session, login=login, scope=user.scope)


@router.post("/recognitions", response_model=s.RecognitionOut, status_code=status.HTTP_201_CREATED)
def create_recognition(data: s.RecognitionIn, session: SessionDep, user: Coach) -> s.RecognitionOut:
    """Record appreciation for a person in scope."""
    return perf_recognition.create_recognition(
        session=session, data=data, given_by=user.login, scope=user.scope
    )


@router.get("/people/{login}/development", response_model=list[s.NoteOut])
def list_notes(login: str, session: SessionDep, user: ReviewReader) -> list[s.NoteOut]:
    """List a person's training needs and readiness notes."""
    return perf_coaching.list_notes(session=session, login=login, scope=user.scope)


@router.post("/development", response_model=s.NoteOut, status_code=status.HTTP_201_CREATED)
def create_note(data: s.NoteIn, session: SessionDep, user: Reviewer) -> s.NoteOut:
    """Record a training need or a readiness note about a person in scope."""
    return perf_coaching.create_note(
        session=session, data=data, written_by=user.login, scope=user.scope
    )


# --- publication, leaders' time, attrition ----------------------------------------------------


@router.get("/publications", response_model=list[s.PublicationOut])
def list_publications(session: SessionDep, _user: CascadeReader) -> list[s.PublicationOut]:
    """List which KPI is published to whom, how often, and what follows."""
    return perf_reports.list_publications(session=session)


@router.post("/publications", response_model=s.PublicationOut, status_code=status.HTTP_201_CREATED)
def set_publication(data: s.PublicationIn, session: SessionDep, _user: Manager) -> s.PublicationOut:
    """Set who sees a KPI, how often, and what follows a good or bad result."""
    return perf_reports.set_publication(session=session, data=data)


@router.get("/reports/{audience}", response_model=s.LevelReportOut)
def level_report(
    audience: s.Audience,
    session: SessionDep,
    user: ReportReader,
    first: Day | None = None,
    last: Day | None = None,
) -> s.LevelReportOut:
    """Produce the report one level receives, on demand."""
    perf_reports.check_audience(role=user.role, audience=audience)
    a, b = perf_periods.default_period(first=first, last=last)
    return perf_reports.level_report(
        session=session, audience=audience, first=a, last=b, scope=user.scope
    )


@router.post("/reports/due", response_model=list[s.LevelReportOut])
def due_reports(session: SessionDep, user: Manager) -> list[s.LevelReportOut]:
    """Produce every report whose rhythm has come round."""
    return perf_reports.due_reports(session=session, scope=user.scope)


@router.post("/reports/deliver", response_model=list[s.DeliveryOut])
def deliver_reports(session: SessionDep, _user: Manager) -> list[s.DeliveryOut]:
    """Deliver each rule's report once per period by notification and email; open follow-ups."""
    return perf_delivery.deliver_due(session=session)


@router.get("/follow-ups", response_model=list[s.FollowUpTask])
def my_follow_ups(session: SessionDep, user: SignedIn) -> list[s.FollowUpTask]:
    """List your open follow-ups of reports whose result crossed their rule's threshold."""
    return perf_follow_ups.follow_ups(session=session, owner=user.login)


@router.post("/follow-ups/{action_id}/done", response_model=s.FollowUpTask)
def follow_up_done(action_id: RowId, session: SessionDep, user: FollowUpOwner) -> s.FollowUpTask:
    """Mark one of your follow-ups done."""
    return perf_follow_ups.complete(session=session, action_id=action_id, by=user.login)


@router.post(
    "/leader-activities", response_model=s.ActivityOut, status_code=status.HTTP_201_CREATED
)
def record_activity(data: s.ActivityIn, session: SessionDep, user: LeaderWriter) -> s.ActivityOut:
    """Record a team leader's minutes on floor, planning, reports or other work."""
    perf_floor_time.check_recorder(
        session=session, role=user.role, person_id=user.person_id, person=data.person
    )
    return perf_floor_time.record_activity(session=session, data=data, scope=user.scope)


@router.get("/floor-time", response_model=list[s.FloorShareOut])
def floor_time(
    session: SessionDep,
    user: LeaderReader,
    first: Day | None = None,
    last: Day | None = None,
    person: str | None = None,
) -> list[s.FloorShareOut]:
    """Each team leader's share of time on the floor, from the published schedules and from
    the recorded log side by side, against the 75% target, in name order."""
    a, b = perf_periods.default_period(first=first, last=last)
    return perf_floor_time.floor_time(
        session=session, first=a, last=b, scope=user.scope, person=person
    )


@router.get("/attrition", response_model=s.AttritionOut)
def attrition(
    session: SessionDep,
    user: AttritionReader,
    first: Day | None = None,
    last: Day | None = None,
    team: str | None = None,
) -> s.AttritionOut:
    """Leavers, monthly attrition per team with intervals, and tenure survival."""
    a, b = perf_periods.attrition_period(first=first, last=last)
    return perf_attrition.attrition(session=session, first=a, last=b, scope=user.scope, team=team)


@router.get("/attrition-cost", response_model=s.AttritionCostOut)
def attrition_cost(
    session: SessionDep, user: CostReader, last: date | None = None
) -> s.AttritionCostOut:
    """Per site in scope: leavers of the 12 months up to ``last`` (default yesterday), the
    attrition rate with its 95% interval, and the cost at the site's cost per leaver."""
    b = perf_periods.default_period(first=None, last=last)[1]
    return perf_attrition.attrition_cost(session=session, last=b, scope=user.scope)


# --- results into decisions (#25) -------------------------------------------------------------


@router.post(
    "/reviews/{review_id}/recommendations",
    response_model=s.RecommendationOut,
    status_code=status.HTTP_201_CREATED,
)
def recommend(
    review_id: RowId, data: s.RecommendationIn, session: SessionDep, user: Reviewer
) -> s.RecommendationOut:
    """Record a recommendation of a review with its evidence (at least one piece)."""
    return perf_recommendations.recommend(
        session=session, review_id=review_id, data=data, by=user.login, scope=user.scope
    )


@router.get("/recommendations", response_model=list[s.RecommendationOut])
def list_recommendations(
    session: SessionDep,
    user: RecommendationReader,
    rec_status: Annotated[str | None, Query(alias="status")] = "pending",
    person: str | None = None,
) -> list[s.RecommendationOut]:
    """List the recommendations of people in scope (pending by default), in name order."""
    return perf_recommendations.list_recommendations(
        session=session, scope=user.scope, status=rec_status or None, login=person
    )


@router.post("/recommendations/{recommendation_id}/decision", response_model=s.RecommendationOut)
def decide_recommendation(
    recommendation_id: RowId, data: s.DecisionIn, session: SessionDep, user: Decider
) -> s.RecommendationOut:
    """Accept or decline a pending recommendation of a person in scope."""
    return perf_recommendations.decide(
        session=session,
        recommendation_id=recommendation_id,
        data=data,
        by=user.login,
        scope=user.scope,
    )


@router.get("/people/{login}/forecast-skill", response_model=list[s.ForecastSkillOut])
def forecast_skill(
    login: str,
    session: SessionDep,
    user: PlannerKpiReader,
    first: Day | None = None,
    last: Day | None = None,
) -> list[s.ForecastSkillOut]:
    """A planner's forecast skill against seasonal naive, by queue and horizon (queue order)."""
    first, last = perf_periods.default_period(first=first, last=last)
    rows = perf_positions.forecast_breakdown(
        session=session, login=login, first=first, last=last, scope=user.scope
    )
    return [s.ForecastSkillOut.model_validate(r, from_attributes=True) for r in rows]


routers: tuple[APIRouter, ...] = (router,)
"""Every router of this module, for the app to include."""
