"""Two-way communication: the JSON API of staff surveys, suggestions and huddles.

Roles: everyone answers the survey rounds they are invited to (anonymously) and submits
suggestions; managers and admins run surveys and assess suggestions; team leaders remind their
teams and see their own team's results (only groups above the minimum); team leaders, planners,
managers and executives read huddles of teams in scope; the owner of an action marks it done.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict

from ccops.db import utcnow
from ccops.enums import Role
from ccops.errors import Forbidden, Problem
from ccops.ids import RowId
from ccops.voice import engagement as engagement_service
from ccops.voice import huddles as huddle_service
from ccops.voice import schemas as s
from ccops.voice import suggestions as suggestion_service
from ccops.voice import surveys as survey_service
from ccops.web import permissions as p
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep

surveys = APIRouter(prefix="/api/v1/staff-surveys", tags=["staff surveys"])
suggestions = APIRouter(prefix="/api/v1/suggestions", tags=["suggestions"])
suggestion_counts = APIRouter(prefix="/api/v1/suggestion-counts", tags=["suggestions"])
huddles = APIRouter(prefix="/api/v1/huddles", tags=["huddles"])
huddle_actions = APIRouter(prefix="/api/v1/huddle-actions", tags=["huddles"])

Reader = Annotated[Principal, Depends(require(*p.STAFF_SURVEYS_READ))]
Answerer = Annotated[Principal, Depends(require(*p.STAFF_SURVEYS_ANSWER))]
AnswerWriter = Annotated[Principal, Depends(require(*p.STAFF_SURVEYS_ANSWER, write=True))]
SurveyAdmin = Annotated[Principal, Depends(require(*p.STAFF_SURVEYS_ADMIN, write=True))]
Reminder = Annotated[Principal, Depends(require(*p.STAFF_SURVEYS_REMIND, write=True))]
ResultReader = Annotated[Principal, Depends(require(*p.STAFF_SURVEYS_RESULTS))]
SuggestionReader = Annotated[Principal, Depends(require(*p.SUGGESTIONS_READ))]
Submitter = Annotated[Principal, Depends(require(*p.SUGGESTIONS_SUBMIT, write=True))]
Decider = Annotated[Principal, Depends(require(*p.SUGGESTIONS_DECIDE, write=True))]
Counter = Annotated[Principal, Depends(require(*p.SUGGESTIONS_COUNTS))]
HuddleReader = Annotated[Principal, Depends(require(*p.HUDDLES_READ))]
HuddleWriter = Annotated[Principal, Depends(require(*p.HUDDLES_WRITE, write=True))]
ActionReader = Annotated[Principal, Depends(require(*p.HUDDLE_ACTIONS))]
ActionWriter = Annotated[Principal, Depends(require(*p.HUDDLE_ACTIONS, write=True))]
By = Annotated[s.GroupBy, Query()]


def _today() -> date:
    return utcnow().date()


def _person(user: Principal) -> int:
    if user.person_id is None:
        raise Forbidden(
            "this sign-in is not linked to a person of the centre", [Problem("no person")]
        )
    return user.person_id


class AnswerBody(s.AnswerIn):
    """A round and one's answers to it."""

    round_id: RowId


class RoundBody(s.RoundIn):
    """A new round of a survey."""

    survey: str


class RemindOut(BaseModel):
    """How many were reminded (never who)."""

    model_config = ConfigDict(extra="forbid")
    reminded: int


@surveys.get("", response_model=list[s.SurveySummary])
def list_surveys(session: SessionDep, _user: Reader) -> list[s.SurveySummary]:
    """List the staff surveys."""
    return survey_service.list_surveys(session=session)


@surveys.post("", response_model=s.SurveyOut, status_code=status.HTTP_201_CREATED)
def create_survey(data: s.SurveyIn, session: SessionDep, user: SurveyAdmin) -> s.SurveyOut:
    """Create a survey with its questions."""
    return survey_service.create_survey(session=session, data=data, by=user.login)


@surveys.get("/mine", response_model=list[s.OpenRound])
def my_rounds(session: SessionDep, user: Answerer) -> list[s.OpenRound]:
    """The rounds open today to which you are invited, and whether you have answered."""
    if user.person_id is None:
        return []
    return survey_service.open_rounds_for(session=session, person_id=user.person_id, today=_today())


@surveys.post("/answers", status_code=status.HTTP_204_NO_CONTENT)
def answer(data: AnswerBody, session: SessionDep, user: AnswerWriter) -> None:
    """Answer a round anonymously (once, while it is open)."""
    survey_service.answer(
        session=session,
        round_id=data.round_id,
        person_id=_person(user),
        data=s.AnswerIn(answers=data.answers),
        today=_today(),
    )


@surveys.post("/rounds", response_model=s.RoundOut, status_code=status.HTTP_201_CREATED)
def open_round(data: RoundBody, session: SessionDep, user: SurveyAdmin) -> s.RoundOut:
    """Open a round of a survey for sites and teams (none: everyone)."""
    return survey_service.open_round(
        session=session,
        survey=data.survey,
        data=s.RoundIn.model_validate(data.model_dump(exclude={"survey"})),
        by=user.login,
    )


@surveys.post("/rounds/{round_id}/close", response_model=s.RoundOut)
def close_round(round_id: RowId, session: SessionDep, _user: SurveyAdmin) -> s.RoundOut:
    """Close a round: no more answers; its results can be shown."""
    return survey_service.close_round(session=session, round_id=round_id)


@surveys.post("/rounds/{round_id}/remind", response_model=RemindOut)
def remind(round_id: RowId, session: SessionDep, user: Reminder) -> RemindOut:
    """Remind the people in your scope who have not answered (you learn only how many)."""
    return RemindOut(
        reminded=survey_service.remind(session=session, round_id=round_id, scope=user.scope)
    )


@surveys.get("/results", response_model=s.ResultsOut)
def results(
    session: SessionDep,
    user: ResultReader,
    survey: Annotated[str, Query(min_length=1, max_length=100)],
    by: By = "team",
    round: Annotated[str | None, Query(max_length=40)] = None,
) -> s.ResultsOut:
    """A closed round's results by group, small groups and their complements suppressed."""
    return survey_service.results(
        session=session, survey=survey, by=by, round_label=round, scope=user.scope
    )


@surveys.get("/engagement", response_model=s.EngagementOut)
def engagement(
    session: SessionDep,
    user: ResultReader,
    first: Annotated[date | None, Query(description="First day (default: a year back)")] = None,
    last: Annotated[date | None, Query(description="Last day (default: yesterday)")] = None,
) -> s.EngagementOut:
    """Each team's monthly attrition beside its engagement index (withheld under the minimum)."""
    return engagement_service.engagement_and_attrition(
        session=session, first=first, last=last, scope=user.scope
    )


@surveys.get("/trend", response_model=list[s.TrendPoint])
def trend(
    session: SessionDep,
    user: ResultReader,
    survey: Annotated[str, Query(min_length=1, max_length=100)],
    group: Annotated[str, Query(min_length=1, max_length=200)],
    by: By = "team",
) -> list[s.TrendPoint]:
    """A group's scores with intervals across the closed rounds."""
    return survey_service.trend(
        session=session, survey=survey, by=by, group=group, scope=user.scope
    )


@suggestions.get("", response_model=list[s.SuggestionOut])
def list_suggestions(
    session: SessionDep,
    user: SuggestionReader,
    status_: Annotated[str | None, Query(alias="status", max_length=16)] = None,
    receipt: Annotated[str | None, Query(max_length=64)] = None,
) -> list[s.SuggestionOut]:
    """Suggestions: agents their own, others those of the sites in scope; ``receipt`` finds an
    anonymous one."""
    if receipt:
        return [suggestion_service.follow(session=session, receipt=receipt)]
    if user.role == Role.agent:
        # suggestions are stored by the author's person (see ``submit``), not the sign-in
        if user.person_id is None:
            return []
        login = survey_service.person_login(session=session, person_id=user.person_id)
        return suggestion_service.list_suggestions(
            session=session, status=status_, author_login=login or user.login
        )
    return suggestion_service.list_suggestions(session=session, scope=user.scope, status=status_)


@suggestions.post("", response_model=s.SuggestionOut, status_code=status.HTTP_201_CREATED)
def submit(data: s.SuggestionIn, session: SessionDep, user: Submitter) -> s.SuggestionOut:
    """Submit a suggestion; an anonymous one comes back with a receipt code to follow it."""
    login = survey_service.person_login(session=session, person_id=_person(user))
    return suggestion_service.submit(
        session=session, data=data, author_login=login or user.login, today=_today()
    )


@suggestions.get("/{suggestion_id}", response_model=s.SuggestionOut)
def get_suggestion(
    suggestion_id: RowId, session: SessionDep, user: SuggestionReader
) -> s.SuggestionOut:
    """A suggestion (agents: their own)."""
    out = suggestion_service.get(session=session, suggestion_id=suggestion_id, scope=user.scope)
    if user.role == Role.agent and out.author != survey_service.person_login(
        session=session, person_id=user.person_id or 0
    ):
        raise Forbidden("you follow only your own suggestions", [Problem("not yours")])
    return out


@suggestions.post("/{suggestion_id}/decide", response_model=s.SuggestionOut)
def decide(
    suggestion_id: RowId, data: s.DecisionIn, session: SessionDep, user: Decider
) -> s.SuggestionOut:
    """Assess a suggestion: decision and reason (adopting one records recognition)."""
    return suggestion_service.decide(
        session=session,
        suggestion_id=suggestion_id,
        data=data,
        by=user.login,
        today=_today(),
        scope=user.scope,
    )


@suggestion_counts.get("", response_model=list[s.SuggestionMonth])
def monthly(session: SessionDep, user: Counter) -> list[s.SuggestionMonth]:
    """Monthly counts per site: submitted, answered within the target, adopted."""
    return suggestion_service.monthly(session=session, scope=user.scope)


@huddles.get("", response_model=list[s.HuddleOut])
def list_huddles(
    session: SessionDep,
    user: HuddleReader,
    team: Annotated[str, Query(min_length=1, max_length=100)],
    first: date,
    last: date,
) -> list[s.HuddleOut]:
    """A team's huddles between two days."""
    return huddle_service.list_huddles(
        session=session, team=team, first=first, last=last, today=_today(), scope=user.scope
    )


@huddles.post("", response_model=s.HuddleOut, status_code=status.HTTP_201_CREATED)
def record(data: s.HuddleIn, session: SessionDep, user: HuddleWriter) -> s.HuddleOut:
    """Record a huddle's notes, attendance and actions."""
    today = huddle_service.team_today(
        session=session, team=data.team, now=utcnow(), scope=user.scope
    )
    return huddle_service.record(
        session=session, data=data, by=user.login, today=today, scope=user.scope
    )


@huddles.get("/agenda", response_model=huddle_service.Agenda)
def agenda(
    session: SessionDep,
    user: HuddleReader,
    team: Annotated[str, Query(min_length=1, max_length=100)],
    day: date | None = None,
) -> huddle_service.Agenda:
    """The agenda of a team's huddle: KPIs with intervals, exceptions, changes, recognition."""
    if day is None:
        day = huddle_service.team_today(session=session, team=team, now=utcnow(), scope=user.scope)
    return huddle_service.agenda(session=session, team=team, day=day, scope=user.scope)


@huddles.get("/rhythm", response_model=list[s.RhythmDay])
def rhythm(
    session: SessionDep,
    user: HuddleReader,
    team: Annotated[str, Query(min_length=1, max_length=100)],
    first: date,
    last: date,
) -> list[s.RhythmDay]:
    """Floor checks, huddles and weekly meetings expected, held and missed."""
    return huddle_service.rhythm(
        session=session, team=team, first=first, last=last, scope=user.scope
    )


@huddles.get("/notes/{huddle_id}", response_model=s.HuddleOut)
def get_huddle(huddle_id: RowId, session: SessionDep, user: HuddleReader) -> s.HuddleOut:
    """A recorded huddle."""
    return huddle_service.get(
        session=session, huddle_id=huddle_id, today=_today(), scope=user.scope
    )


@huddle_actions.get("", response_model=list[s.ActionOut])
def my_actions(session: SessionDep, user: ActionReader) -> list[s.ActionOut]:
    """Your open actions from huddles."""
    if user.person_id is None:
        return []
    return huddle_service.my_actions(session=session, person_id=user.person_id, today=_today())


@huddle_actions.post("/{action_id}/done", response_model=s.ActionOut)
def done(action_id: RowId, session: SessionDep, user: ActionWriter) -> s.ActionOut:
    """Mark your action done."""
    return huddle_service.complete(
        session=session,
        action_id=action_id,
        by_person_id=user.person_id,
        by=user.login,
        today=_today(),
        scope=None if user.role == Role.agent else user.scope,
    )


routers: tuple[APIRouter, ...] = (surveys, suggestions, suggestion_counts, huddles, huddle_actions)
"""Every router of this module, for the app to include."""
