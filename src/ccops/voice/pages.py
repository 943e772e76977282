"""Voice of staff: the pages under /surveys (answering on a phone, results) and /huddles (the
huddle board on a tablet). The JSON API is in ``routes``."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ccops.db import attempt, utcnow
from ccops.errors import CcopsError
from ccops.org import service as org_service
from ccops.relative_days import monday_of
from ccops.voice import engagement as engagement_service
from ccops.voice import huddles as huddle_service
from ccops.voice import schemas as s
from ccops.voice import surveys as survey_service
from ccops.voice.huddle_pages import KIND_LABELS
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.render import gettext_for, redirect, render

survey_pages = APIRouter(prefix="/surveys", include_in_schema=False)
huddle_pages = APIRouter(prefix="/huddles", include_in_schema=False)

Answerer = Annotated[Principal, Depends(require(*permissions.STAFF_SURVEYS_ANSWER))]
AnswerWriter = Annotated[Principal, Depends(require(*permissions.STAFF_SURVEYS_ANSWER, write=True))]
ResultReader = Annotated[Principal, Depends(require(*permissions.STAFF_SURVEYS_RESULTS))]
HuddleReader = Annotated[Principal, Depends(require(*permissions.HUDDLES_READ))]
BYS: tuple[s.GroupBy, ...] = ("team", "site", "tenure", "site_tenure", "team_tenure", "all")


@survey_pages.get("", response_class=HTMLResponse)
def answer_page(request: Request, user: Answerer, session: SessionDep) -> HTMLResponse:
    """The survey rounds open to you, each a form to answer anonymously (phone-sized)."""
    rounds = (
        survey_service.open_rounds_for(
            session=session, person_id=user.person_id, today=utcnow().date()
        )
        if user.person_id is not None
        else []
    )
    return render(
        request, "voice/answer.html", {"rounds": rounds}, principal=user, active="surveys"
    )


@survey_pages.post("/answer", response_class=HTMLResponse)
def answer(
    request: Request, user: AnswerWriter, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Send your answers to a round: stored with no link to you."""
    _ = gettext_for(request, user)
    raw_round = str(form.get("round_id") or "")
    answers: dict[str, int | str] = {
        key[2:]: str(value) for key, value in form.multi_items() if key.startswith("q_")
    }
    try:
        if not raw_round.isdigit() or user.person_id is None:
            return redirect(
                request, "/surveys", flash=("error", _("Choose a survey round to answer."))
            )
        with attempt(session):
            survey_service.answer(
                session=session,
                round_id=int(raw_round),
                person_id=user.person_id,
                data=s.AnswerIn(answers=answers),
                today=utcnow().date(),
            )
    except CcopsError as exc:
        return redirect(request, "/surveys", flash=("error", exc.message))
    return redirect(
        request,
        "/surveys",
        flash=("success", _("Thank you. Your answers are stored with no link to you.")),
    )


@survey_pages.get("/results", response_class=HTMLResponse)
def results_page(request: Request, user: ResultReader, session: SessionDep) -> HTMLResponse:
    """A closed round's results by group; small groups and their complements withheld."""
    surveys = survey_service.list_surveys(session=session)
    chosen = request.query_params.get("survey") or (surveys[0].name if surveys else "")
    by_raw = request.query_params.get("by") or "team"
    by: s.GroupBy = next((b for b in BYS if b == by_raw), "team")
    out = None
    problem = None
    if chosen:
        try:
            out = survey_service.results(session=session, survey=chosen, by=by, scope=user.scope)
        except CcopsError as exc:
            problem = exc.message
    return render(
        request,
        "voice/results.html",
        {
            "surveys": surveys,
            "chosen": chosen,
            "by": by,
            "bys": BYS,
            "out": out,
            "problem": problem,
        },
        principal=user,
        active="surveys-results",
    )


@survey_pages.get("/engagement", response_class=HTMLResponse)
def engagement_page(request: Request, user: ResultReader, session: SessionDep) -> HTMLResponse:
    """Each team's monthly attrition beside its engagement index, never under the minimum."""
    out = None
    problem = None
    try:
        out = engagement_service.engagement_and_attrition(
            session=session,
            first=forms.optional_date(request.query_params.get("first")),
            last=forms.optional_date(request.query_params.get("last")),
            scope=user.scope,
        )
    except CcopsError as exc:
        problem = exc.message
    teams = sorted({r.team for r in out.months}) if out else []
    team = request.query_params.get("team") or ""
    if out is not None and team in teams:
        out = out.model_copy(update={"months": [r for r in out.months if r.team == team]})
    return render(
        request,
        "voice/engagement.html",
        {"out": out, "problem": problem, "teams": teams, "team": team},
        principal=user,
        active="surveys-results",
    )


@huddle_pages.get("", response_class=HTMLResponse)
def board(request: Request, user: HuddleReader, session: SessionDep) -> HTMLResponse:
    """The huddle board of a team (tablet-sized): agenda, open actions, this week's rhythm."""
    teams = org_service.list_teams(session=session, scope=user.scope)
    chosen = request.query_params.get("team") or (teams[0].name if teams else "")
    today = utcnow().date()
    agenda = None
    rhythm: list[s.RhythmDay] = []
    notes: list[s.HuddleOut] = []
    problem = None
    if chosen:
        try:
            today = huddle_service.team_today(
                session=session, team=chosen, now=utcnow(), scope=user.scope
            )
            agenda = huddle_service.agenda(
                session=session, team=chosen, day=today, scope=user.scope
            )
            monday = monday_of(today)
            rhythm = huddle_service.rhythm(
                session=session,
                team=chosen,
                first=monday - timedelta(days=7),
                last=today,
                scope=user.scope,
            )
            notes = huddle_service.list_huddles(
                session=session,
                team=chosen,
                first=today - timedelta(days=14),
                last=today,
                today=today,
                scope=user.scope,
            )
        except CcopsError as exc:
            problem = exc.message
    return render(
        request,
        "voice/board.html",
        {
            "teams": teams,
            "chosen": chosen,
            "agenda": agenda,
            "rhythm": rhythm,
            "notes": [n for n in notes if n.kind != "floor_check"][:5],
            "problem": problem,
            "can_record": user.role in permissions.HUDDLES_WRITE,
            "kind_labels": KIND_LABELS,
        },
        principal=user,
        active="huddles",
    )


routers: tuple[APIRouter, ...] = (survey_pages, huddle_pages)
"""Every router of this module, for the app to include."""
