"""Quality: JSON API under /api/v1/quality and the pages under /quality.

Roles: QA analysts evaluate the contacts of people in their scope and draw samples; agents see
their own evaluations and dispute them; team leaders, analysts and managers decide disputes as
second evaluators and see team summaries; executives see team summaries only.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from ccops.db import RowId, utcnow
from ccops.enums import Role
from ccops.errors import CcopsError, Forbidden, NotFound, Problem
from ccops.quality import calibration as qa_calibration
from ccops.quality import disputes as qa_disputes
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import forms as qa_forms
from ccops.quality import sampling as qa_sampling
from ccops.quality import schemas
from ccops.quality import scores as qa_scores
from ccops.quality.schemas import SCALE_VALUES
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render

router = APIRouter(prefix="/api/v1/quality", tags=["quality"])
pages = APIRouter(prefix="/quality", include_in_schema=False)

DISPUTE_STATUS = (N_("open"), N_("upheld"), N_("amended"))
"""The states of a dispute, as the pages show them."""

Reader = Annotated[Principal, Depends(require(*permissions.QA_READ))]
FormReader = Annotated[Principal, Depends(require(*(permissions.QA_FORMS | permissions.QA_READ)))]
FormWriter = Annotated[Principal, Depends(require(*permissions.QA_FORMS_WRITE, write=True))]
Evaluator = Annotated[Principal, Depends(require(*permissions.QA_EVALUATE, write=True))]
EvaluatorReader = Annotated[Principal, Depends(require(*permissions.QA_EVALUATE))]
Scorer = Annotated[
    Principal,
    Depends(require(*(permissions.QA_EVALUATE | permissions.QA_CALIBRATE), write=True)),
]
Calibrator = Annotated[Principal, Depends(require(*permissions.QA_CALIBRATE, write=True))]
CalibrationReader = Annotated[Principal, Depends(require(*permissions.QA_CALIBRATE))]
Disputer = Annotated[Principal, Depends(require(*permissions.QA_DISPUTE, write=True))]
Decider = Annotated[Principal, Depends(require(*permissions.QA_DECIDE, write=True))]
DisputeReader = Annotated[
    Principal, Depends(require(*(permissions.QA_READ | permissions.QA_DECIDE)))
]
SummaryReader = Annotated[Principal, Depends(require(*permissions.QA_SUMMARY))]
PageReader = Annotated[Principal, Depends(require(*permissions.QA_PAGES))]
SampleSizeReader = Annotated[Principal, Depends(require(*permissions.QA_FORMS))]


def default_period(days: int = 28) -> tuple[date, date]:
    """The ``days`` local days up to yesterday (UTC date)."""
    last = utcnow().date() - timedelta(days=1)
    return last - timedelta(days=days - 1), last


# --- JSON API ---------------------------------------------------------------------------------


@router.get("/forms", response_model=list[schemas.FormOut])
def list_forms(session: SessionDep, _user: FormReader) -> list[schemas.FormOut]:
    """List evaluation forms with every version."""
    return qa_forms.list_forms(session=session)


@router.post("/forms", response_model=schemas.FormOut, status_code=status.HTTP_201_CREATED)
def create_form(data: schemas.FormIn, session: SessionDep, user: FormWriter) -> schemas.FormOut:
    """Create an evaluation form (its version 1); weights must sum to 100%."""
    return qa_forms.create_form(session=session, data=data, by=user.login)


@router.get("/forms/{form_id}", response_model=schemas.FormOut)
def get_form(form_id: RowId, session: SessionDep, _user: FormReader) -> schemas.FormOut:
    """Return a form with every version."""
    return qa_forms.get_form(session=session, form_id=form_id)


@router.post("/forms/{form_id}/versions", response_model=schemas.FormOut, status_code=201)
def publish_version(
    form_id: RowId, data: schemas.FormVersionIn, session: SessionDep, user: FormWriter
) -> schemas.FormOut:
    """Publish a change as the form's next version (the previous one is retired)."""
    return qa_forms.publish_version(session=session, form_id=form_id, data=data, by=user.login)


@router.post("/forms/{form_id}/retire", response_model=schemas.FormOut)
def retire_form(form_id: RowId, session: SessionDep, _user: FormWriter) -> schemas.FormOut:
    """Retire the form's current version (no new evaluation may use it)."""
    return qa_forms.retire_form(session=session, form_id=form_id)


@router.get("/evaluations", response_model=list[schemas.EvaluationOut])
def list_evaluations(
    session: SessionDep,
    user: Reader,
    person: str | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> list[schemas.EvaluationOut]:
    """List evaluations in scope (agents: their own), newest contact first."""
    return qa_evaluations.list_evaluations(
        session=session, scope=user.scope, person=person, first_day=first_day, last_day=last_day
    )


def _check_scorer(user: Principal, data: schemas.EvaluationIn) -> None:
    if data.calibration_id is None and user.role not in permissions.QA_EVALUATE:
        raise Forbidden(
            f"the role {user.role.value} scores contacts only in calibration sessions",
            [Problem("calibration sessions only", field="calibration_id")],
        )


@router.post("/evaluations", response_model=schemas.EvaluationOut, status_code=201)
def evaluate(
    data: schemas.EvaluationIn, session: SessionDep, user: Scorer
) -> schemas.EvaluationOut:
    """Score a contact on a form version in use (or in a calibration session)."""
    _check_scorer(user, data)
    return qa_evaluations.evaluate(
        session=session, data=data, by=user.login, by_person_id=user.person_id, scope=user.scope
    )


@router.get("/evaluations/{evaluation_id}", response_model=schemas.EvaluationOut)
def get_evaluation(
    evaluation_id: RowId, session: SessionDep, user: Reader
) -> schemas.EvaluationOut:
    """Return an evaluation in scope with its revisions and disputes."""
    return qa_evaluations.get_evaluation(
        session=session,
        evaluation_id=evaluation_id,
        scope=user.scope,
        calibration=user.role != Role.agent,
    )


@router.post(
    "/evaluations/{evaluation_id}/disputes", response_model=schemas.DisputeOut, status_code=201
)
def raise_dispute(
    evaluation_id: RowId, data: schemas.DisputeIn, session: SessionDep, user: Disputer
) -> schemas.DisputeOut:
    """Dispute your own evaluation; a second evaluator decides."""
    return qa_disputes.raise_dispute(
        session=session,
        evaluation_id=evaluation_id,
        data=data,
        by=user.login,
        by_person_id=user.person_id,
    )


@router.get("/disputes", response_model=list[schemas.DisputeOut])
def list_disputes(
    session: SessionDep, user: DisputeReader, open_only: bool = False
) -> list[schemas.DisputeOut]:
    """List disputes of evaluations in scope, oldest first."""
    return qa_disputes.list_disputes(session=session, scope=user.scope, open_only=open_only)


@router.post("/disputes/{dispute_id}/decision", response_model=schemas.EvaluationOut)
def decide_dispute(
    dispute_id: RowId, data: schemas.DecisionIn, session: SessionDep, user: Decider
) -> schemas.EvaluationOut:
    """Uphold or amend a disputed evaluation (never by one who scored it)."""
    return qa_disputes.decide_dispute(
        session=session, dispute_id=dispute_id, data=data, by=user.login, scope=user.scope
    )


@router.get("/sample-size", response_model=schemas.SampleSizeOut)
def sample_size(
    session: SessionDep,
    user: SampleSizeReader,
    person: str,
    first_day: date,
    last_day: date,
    margin_pct: Annotated[float, Query(gt=0, le=50)] = 5.0,
    confidence: Annotated[float, Query(gt=0, lt=1)] = 0.95,
) -> schemas.SampleSizeOut:
    """Evaluations a person needs in a period for a margin of error on their QA score."""
    return qa_sampling.sample_size(
        session=session,
        person=person,
        first_day=first_day,
        last_day=last_day,
        margin_pct=margin_pct,
        confidence=confidence,
        scope=user.scope,
    )


@router.post("/samples", response_model=schemas.SampleOut, status_code=201)
def draw_sample(data: schemas.SampleIn, session: SessionDep, user: Evaluator) -> schemas.SampleOut:
    """Draw a seeded random or stratified sample of a person's contacts to evaluate."""
    return qa_sampling.draw_sample(session=session, data=data, by=user.login, scope=user.scope)


@router.get("/samples", response_model=list[schemas.SampleOut])
def list_samples(session: SessionDep, user: EvaluatorReader) -> list[schemas.SampleOut]:
    """List the samples of people in scope (the worklist), newest first."""
    return qa_sampling.list_samples(session=session, scope=user.scope)


@router.get("/calibrations", response_model=list[schemas.CalibrationOut])
def list_calibrations(
    session: SessionDep, _user: CalibrationReader
) -> list[schemas.CalibrationOut]:
    """List calibration sessions with their agreement."""
    return qa_calibration.list_calibrations(session=session)


@router.post("/calibrations", response_model=schemas.CalibrationOut, status_code=201)
def create_calibration(
    data: schemas.CalibrationIn, session: SessionDep, user: Calibrator
) -> schemas.CalibrationOut:
    """Open a calibration session: several evaluators score the same contacts."""
    return qa_calibration.create_calibration(
        session=session, data=data, by=user.login, scope=user.scope
    )


@router.get("/calibrations/{calibration_id}", response_model=schemas.CalibrationOut)
def calibration_report(
    calibration_id: RowId, session: SessionDep, _user: CalibrationReader
) -> schemas.CalibrationOut:
    """Return a session's agreement: Krippendorff's alpha on totals and per item."""
    return qa_calibration.calibration_report(session=session, calibration_id=calibration_id)


@router.get("/summary", response_model=schemas.SummaryOut)
def summary(
    session: SessionDep,
    user: SummaryReader,
    first_day: date | None = None,
    last_day: date | None = None,
) -> schemas.SummaryOut:
    """QA scores of the teams in scope with 95% intervals; people in name order, not ranked."""
    first, last = default_period()
    return qa_scores.summary(
        session=session,
        first_day=first_day or first,
        last_day=last_day or last,
        scope=user.scope,
        with_people=user.role != Role.executive,
    )


@router.get("/score", response_model=schemas.PersonSummary)
def person_score(
    session: SessionDep,
    user: Reader,
    first_day: date,
    last_day: date,
    person: str | None = None,
) -> schemas.PersonSummary:
    """A person's QA score in a period with its interval (agents: their own)."""
    login = person
    if login is None:
        own = _own_login(session, user)
        if own is None:
            raise NotFound("you are not linked to a person: name one with ?person=")
        login = own
    return qa_scores.person_score(
        session=session, person=login, first_day=first_day, last_day=last_day, scope=user.scope
    )


def _own_login(session: SessionDep, user: Principal) -> str | None:
    return qa_evaluations.person_login(session=session, person_id=user.person_id)


# --- pages ------------------------------------------------------------------------------------


@pages.get("", response_class=HTMLResponse)
def quality_home(request: Request, user: PageReader) -> Response:
    """Open the quality page of the user's role."""
    if user.role == Role.agent:
        target = "/quality/mine"
    elif user.role in permissions.QA_EVALUATE:
        target = "/quality/worklist"
    else:
        target = "/quality/team"
    return redirect(request, target)


def _period_args(request: Request) -> tuple[date, date, str | None]:
    first, last = default_period()
    try:
        first = date.fromisoformat(request.query_params.get("first_day") or first.isoformat())
        last = date.fromisoformat(request.query_params.get("last_day") or last.isoformat())
    except ValueError:
        return first, last, "Enter a date (YYYY-MM-DD)."
    return first, last, None


@pages.get("/mine", response_class=HTMLResponse)
def my_evaluations(request: Request, user: Reader, session: SessionDep) -> HTMLResponse:
    """Show your own evaluations, your score with its margin, and the dispute buttons."""
    _ = gettext_for(request, user)
    first, last, problem = _period_args(request)
    login = _own_login(session, user)
    score = None
    evaluations: list[schemas.EvaluationOut] = []
    if login is not None and problem is None:
        try:
            score = qa_scores.person_score(
                session=session, person=login, first_day=first, last_day=last, scope=user.scope
            )
            evaluations = qa_evaluations.list_evaluations(
                session=session, scope=user.scope, person=login, first_day=first, last_day=last
            )
        except CcopsError as exc:
            problem = exc.message
    return render(
        request,
        "quality/mine.html",
        {
            "person": login,
            "score": score,
            "evaluations": evaluations,
            "first_day": first,
            "last_day": last,
            "problem": _(problem) if problem else None,
        },
        principal=user,
        status_code=422 if problem else 200,
        active="quality",
    )


@pages.get("/evaluations/{evaluation_id}", response_class=HTMLResponse)
def evaluation_page(
    evaluation_id: RowId, request: Request, user: Reader, session: SessionDep
) -> HTMLResponse:
    """Show an evaluation: scores per item, history of revisions and disputes."""
    evaluation = qa_evaluations.get_evaluation(
        session=session,
        evaluation_id=evaluation_id,
        scope=user.scope,
        calibration=user.role != Role.agent,
    )
    return _evaluation_page(request, user, session, evaluation)


def _evaluation_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    evaluation: schemas.EvaluationOut,
    *,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    own = user.person_id is not None and _own_login(session, user) == evaluation.person
    open_dispute = next((d for d in evaluation.disputes if d.status == "open"), None)
    scorers = {r.scored_by for r in evaluation.revisions}
    version = qa_forms.get_version(session=session, version_id=evaluation.form_version_id)
    current = {a.item: a for a in evaluation.revisions[-1].answers}
    return render(
        request,
        "quality/evaluation.html",
        {
            "evaluation": evaluation,
            "version": version,
            "current": current,
            "scale_values": SCALE_VALUES,
            "can_dispute": user.role in permissions.QA_DISPUTE
            and own
            and open_dispute is None
            and evaluation.calibration_id is None,
            "open_dispute": open_dispute,
            "can_decide": open_dispute is not None
            and user.role in permissions.QA_DECIDE
            and user.login not in scorers,
            "form": state or forms.FormState(values={"reason": "", "comment": ""}),
        },
        principal=user,
        status_code=status_code,
        active="quality",
    )


@pages.post("/evaluations/{evaluation_id}/dispute", response_class=HTMLResponse)
async def dispute_page(
    evaluation_id: RowId, request: Request, user: Disputer, session: SessionDep
) -> Response:
    """Dispute your own evaluation with a reason."""
    async with request.form() as form:
        values = forms.text_values(form, ("reason",))
    _ = gettext_for(request, user)
    state = forms.FormState(values=values | {"comment": ""})
    if not values["reason"]:
        state.add("reason", _("Required."))
    else:
        try:
            with session.begin_nested():
                qa_disputes.raise_dispute(
                    session=session,
                    evaluation_id=evaluation_id,
                    data=schemas.DisputeIn(reason=values["reason"]),
                    by=user.login,
                    by_person_id=user.person_id,
                )
                return redirect(
                    request,
                    f"/quality/evaluations/{evaluation_id}",
                    flash=(
                        "success",
                        _("Your dispute is recorded: a second evaluator will decide."),
                    ),
                )
        except CcopsError as exc:
            if not isinstance(exc, Forbidden | NotFound):
                forms.domain_problems(exc, state, _)
            else:
                raise
    evaluation = qa_evaluations.get_evaluation(
        session=session, evaluation_id=evaluation_id, scope=user.scope, calibration=False
    )
    return _evaluation_page(request, user, session, evaluation, state=state, status_code=422)


def _answers_from_form(
    form: FormData, version: schemas.FormVersionOut, _: forms.Gettext, state: forms.FormState
) -> list[schemas.AnswerIn]:
    answers = []
    for section in version.sections:
        for item in section.items:
            raw = form.get(f"item-{item.key}")
            text = raw.strip() if isinstance(raw, str) else ""
            comment_raw = form.get(f"note-{item.key}")
            comment = comment_raw.strip() if isinstance(comment_raw, str) else ""
            state.values[f"item-{item.key}"] = text
            state.values[f"note-{item.key}"] = comment
            if text == "na":
                answers.append(schemas.AnswerIn(item=item.key, na=True, comment=comment))
                continue
            if text == "":
                state.add(f"item-{item.key}", _("Required."))
                continue
            try:
                value = float(text)
            except ValueError:
                state.add(f"item-{item.key}", _("Choose one of the options."))
                continue
            answers.append(schemas.AnswerIn(item=item.key, value=value, comment=comment))
    return answers


def _place_problems(exc: CcopsError, state: forms.FormState, answers: list[Any]) -> None:
    placed = False
    for problem in exc.problems:
        field = problem.field or ""
        if field.startswith("answers[") and "]" in field:
            index = int(field[len("answers[") : field.index("]")])
            if index < len(answers):
                state.add(f"item-{answers[index].item}", problem.message)
                placed = True
    if not placed:
        state.add(None, exc.message)


def _contact_facts(session: SessionDep, contact_id: int) -> dict[str, Any]:
    return qa_evaluations.contact_facts(session=session, contact_id=contact_id)


def _evaluate_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    contact_id: int,
    *,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    contact = _contact_facts(session, contact_id)
    forms_list = qa_forms.list_forms(session=session)
    active = [v for f in forms_list for v in f.versions if v.active]
    wanted = request.query_params.get("version", "")
    version = next((v for v in active if str(v.id) == wanted), active[0] if active else None)
    calibration = request.query_params.get("calibration", "")
    state = state or forms.FormState(values={"comment": ""})
    return render(
        request,
        "quality/evaluate.html",
        {
            "contact": contact,
            "versions": active,
            "version": version,
            "calibration": calibration,
            "calibration_name": None,
            "action": None,
            "scored": False,
            "scale_values": SCALE_VALUES,
            "form": state,
        },
        principal=user,
        status_code=status_code,
        active="quality",
    )


def _submit(
    session: SessionDep,
    user: Principal,
    contact_id: int,
    version_id: int,
    answers: list[schemas.AnswerIn],
    state: forms.FormState,
    calibration_id: int | None,
) -> schemas.EvaluationOut:
    """Store an evaluation (or a calibration score) from a page's form, as the signed-in user."""
    return qa_evaluations.evaluate(
        session=session,
        data=schemas.EvaluationIn(
            contact_id=contact_id,
            form_version_id=version_id,
            answers=answers,
            comment=state.values["comment"],
            calibration_id=calibration_id,
        ),
        by=user.login,
        by_person_id=user.person_id,
        scope=user.scope,
    )


@pages.get("/evaluate/{contact_id}", response_class=HTMLResponse)
def evaluate_page(
    contact_id: RowId, request: Request, user: EvaluatorReader, session: SessionDep
) -> HTMLResponse:
    """Show the evaluation form for a contact."""
    return _evaluate_page(request, user, session, contact_id)


@pages.post("/evaluate/{contact_id}", response_class=HTMLResponse)
async def evaluate_submit(
    contact_id: RowId, request: Request, user: Evaluator, session: SessionDep
) -> Response:
    """Score a contact; on a problem the form comes back with each item's problem beside it."""
    _contact_facts(session, contact_id)
    async with request.form() as form:
        version_raw = form.get("version")
        calibration_raw = form.get("calibration")
        comment_raw = form.get("comment")
        _ = gettext_for(request, user)
        state = forms.FormState(
            values={"comment": comment_raw.strip() if isinstance(comment_raw, str) else ""}
        )
        try:
            version_id = int(version_raw) if isinstance(version_raw, str) else 0
            version = qa_forms.get_version(session=session, version_id=version_id)
        except (ValueError, CcopsError):
            state.add(None, _("Choose a form version in use."))
            return _evaluate_page(request, user, session, contact_id, state=state, status_code=422)
        answers = _answers_from_form(form, version, _, state)
    calibration_id = (
        int(calibration_raw)
        if isinstance(calibration_raw, str) and calibration_raw.isdigit()
        else None
    )
    if state.ok:
        try:
            with session.begin_nested():
                out = _submit(session, user, contact_id, version.id, answers, state, calibration_id)
                target = (
                    f"/quality/calibrations/{calibration_id}"
                    if calibration_id
                    else f"/quality/evaluations/{out.id}"
                )
                return redirect(
                    request,
                    target,
                    flash=(
                        "success",
                        _("Evaluation saved: %(score)s.") % {"score": f"{out.score_pct:.1f}"},
                    ),
                )
        except CcopsError as exc:
            _place_problems(exc, state, answers)
    return _evaluate_page(request, user, session, contact_id, state=state, status_code=422)


@pages.post("/disputes/{dispute_id}/decide", response_class=HTMLResponse)
async def decide_page(
    dispute_id: RowId, request: Request, user: Decider, session: SessionDep
) -> Response:
    """Uphold or amend a disputed evaluation as the second evaluator."""
    disputes = {d.id: d for d in qa_disputes.list_disputes(session=session, scope=user.scope)}
    if dispute_id not in disputes:
        raise NotFound(f"dispute {dispute_id} does not exist")
    evaluation = qa_evaluations.get_evaluation(
        session=session, evaluation_id=disputes[dispute_id].evaluation_id, scope=user.scope
    )
    version = qa_forms.get_version(session=session, version_id=evaluation.form_version_id)
    _ = gettext_for(request, user)
    async with request.form() as form:
        decision = str(form.get("decision") or "")
        comment_raw = form.get("comment")
        state = forms.FormState(
            values={
                "decision": decision,
                "comment": comment_raw.strip() if isinstance(comment_raw, str) else "",
                "reason": "",
            }
        )
        answers = _answers_from_form(form, version, _, state) if decision == "amend" else None
    if decision not in ("uphold", "amend"):
        state.add("decision", _("Choose one of the options."))
    if not state.values["comment"]:
        state.add("comment", _("Required."))
    if state.ok:
        try:
            with session.begin_nested():
                qa_disputes.decide_dispute(
                    session=session,
                    dispute_id=dispute_id,
                    data=schemas.DecisionIn(
                        decision=decision,
                        comment=state.values["comment"],
                        answers=answers,
                    ),
                    by=user.login,
                    scope=user.scope,
                )
                return redirect(
                    request,
                    f"/quality/evaluations/{evaluation.id}",
                    flash=("success", _("The dispute is decided.")),
                )
        except CcopsError as exc:
            _place_problems(exc, state, answers or [])
    return _evaluation_page(request, user, session, evaluation, state=state, status_code=422)


@pages.get("/forms", response_class=HTMLResponse)
def forms_page(request: Request, user: SampleSizeReader, session: SessionDep) -> HTMLResponse:
    """Show the evaluation forms: sections, items, weights, scales and versions."""
    return render(
        request,
        "quality/forms.html",
        {"forms": qa_forms.list_forms(session=session)},
        principal=user,
        active="quality",
    )


def _worklist(
    request: Request,
    user: Principal,
    session: SessionDep,
    *,
    state: forms.FormState | None = None,
    size: schemas.SampleSizeOut | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    first, last = default_period()
    state = state or forms.FormState(
        values={
            "person": "",
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "method": "stratified",
            "margin_pct": "5",
            "size": "",
            "seed": "1",
        }
    )
    return render(
        request,
        "quality/worklist.html",
        {
            "form": state,
            "size": size,
            "samples": qa_sampling.list_samples(session=session, scope=user.scope),
            "disputes": qa_disputes.list_disputes(
                session=session, scope=user.scope, open_only=True
            ),
            "method_options": [
                ("stratified", gettext_for(request, user)(N_("Stratified by queue and type"))),
                ("random", gettext_for(request, user)(N_("Simple random"))),
            ],
        },
        principal=user,
        status_code=status_code,
        active="quality",
    )


@pages.get("/worklist", response_class=HTMLResponse)
def worklist(request: Request, user: EvaluatorReader, session: SessionDep) -> HTMLResponse:
    """Show the sampling worklist and the form to draw a sample."""
    return _worklist(request, user, session)


@pages.post("/worklist", response_class=HTMLResponse)
async def worklist_draw(request: Request, user: Evaluator, session: SessionDep) -> Response:
    """Draw a sample of a person's contacts (size from the margin of error unless given)."""
    names = ("person", "first_day", "last_day", "method", "margin_pct", "size", "seed")
    async with request.form() as form:
        values = forms.text_values(form, names)
    _ = gettext_for(request, user)
    state = forms.FormState(values=values)
    data = {k: v for k, v in values.items() if v != ""}
    model = forms.validate(schemas.SampleIn, data, state, _)
    size = None
    if model is not None:
        try:
            with session.begin_nested():
                size = qa_sampling.sample_size(
                    session=session,
                    person=model.person,
                    first_day=model.first_day,
                    last_day=model.last_day,
                    margin_pct=model.margin_pct,
                    scope=user.scope,
                )
                out = qa_sampling.draw_sample(
                    session=session, data=model, by=user.login, scope=user.scope
                )
                return redirect(
                    request,
                    "/quality/worklist",
                    flash=(
                        "success",
                        _("Sample drawn: %(n)s contacts of %(person)s.")
                        % {"n": len(out.contacts), "person": out.person},
                    ),
                )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    return _worklist(request, user, session, state=state, size=size, status_code=422)


def _calibrations_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    *,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    active = [v for f in qa_forms.list_forms(session=session) for v in f.versions if v.active]
    state = state or forms.FormState(
        values={"name": "", "version": str(active[0].id) if active else "", "contacts": ""}
    )
    return render(
        request,
        "quality/calibrations.html",
        {
            "sessions": qa_calibration.list_calibrations(session=session),
            "detail": None,
            "can_score": user.role in permissions.QA_CALIBRATE,
            "form": state,
            "version_options": [(str(v.id), f"{v.form} v{v.version}") for v in active],
        },
        principal=user,
        status_code=status_code,
        active="quality",
    )


@pages.get("/calibrations", response_class=HTMLResponse)
def calibrations_page(
    request: Request, user: CalibrationReader, session: SessionDep
) -> HTMLResponse:
    """Show calibration sessions, their agreement, and the form to open one."""
    return _calibrations_page(request, user, session)


CONTACT_LIST = re.compile(r"[\s,;]+")
CALIBRATION_FIELDS = {"name": "name", "form_version_id": "version", "contact_ids": "contacts"}
"""The page's field of each field of a calibration session."""


@pages.post("/calibrations", response_class=HTMLResponse)
async def calibration_open(request: Request, user: Calibrator, session: SessionDep) -> Response:
    """Open a calibration session on contacts given by number; a bad one comes back marked."""
    async with request.form() as form:
        values = forms.text_values(form, ("name", "version", "contacts"))
    _ = gettext_for(request, user)
    state = forms.FormState(values=values)
    parts = [p for p in CONTACT_LIST.split(values["contacts"]) if p]
    if not all(p.isdigit() for p in parts):
        state.add("contacts", _("Contact numbers separated by commas, e.g. 12, 15, 18."))
    if not values["version"].isdigit():
        state.add("version", _("Choose one of the options."))
    if state.ok:
        data: dict[str, Any] = {
            "name": values["name"],
            "form_version_id": int(values["version"]),
            "contact_ids": [int(p) for p in parts],
        }
        check = forms.FormState(values=dict(data))
        model = forms.validate(schemas.CalibrationIn, data, check, _)
        for key, message in check.errors.items():
            state.add(CALIBRATION_FIELDS.get(key, key), message)
        for message in check.general:
            state.add(None, message)
        if model is not None:
            try:
                with session.begin_nested():
                    out = qa_calibration.create_calibration(
                        session=session, data=model, by=user.login, scope=user.scope
                    )
                    return redirect(
                        request,
                        f"/quality/calibrations/{out.id}",
                        flash=(
                            "success",
                            _("Calibration session opened: each evaluator scores its contacts."),
                        ),
                    )
            except CcopsError as exc:
                placed = False
                for problem in exc.problems:
                    key = (problem.field or "").split("[", 1)[0]
                    if key in CALIBRATION_FIELDS:
                        message = (
                            forms.translate_problem(problem.message, _)
                            if key == "name"
                            else exc.message
                        )
                        state.add(CALIBRATION_FIELDS[key], message)
                        placed = True
                if not placed:
                    state.add(None, exc.message)
    return _calibrations_page(request, user, session, state=state, status_code=422)


@pages.get("/calibrations/{calibration_id}", response_class=HTMLResponse)
def calibration_page(
    calibration_id: RowId, request: Request, user: CalibrationReader, session: SessionDep
) -> HTMLResponse:
    """Show one calibration session: alpha on totals, per item, and each evaluator's offset."""
    detail = qa_calibration.calibration_report(session=session, calibration_id=calibration_id)
    return render(
        request,
        "quality/calibrations.html",
        {"sessions": [], "detail": detail, "can_score": user.role in permissions.QA_CALIBRATE},
        principal=user,
        active="quality",
    )


def _calibration_score_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    calibration_id: int,
    contact_id: int,
    *,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    detail = qa_calibration.calibration_report(session=session, calibration_id=calibration_id)
    version = qa_forms.get_version(session=session, version_id=detail.form_version_id)
    return render(
        request,
        "quality/evaluate.html",
        {
            "contact": _contact_facts(session, contact_id),
            "versions": [version],
            "version": version,
            "calibration": str(calibration_id),
            "calibration_name": detail.name,
            "action": f"/quality/calibrations/{calibration_id}/contacts/{contact_id}",
            "scored": user.login in detail.totals.get(contact_id, {}),
            "scale_values": SCALE_VALUES,
            "form": state or forms.FormState(values={"comment": ""}),
        },
        principal=user,
        status_code=status_code,
        active="quality",
    )


@pages.get("/calibrations/{calibration_id}/contacts/{contact_id}", response_class=HTMLResponse)
def calibration_score_page(
    calibration_id: RowId,
    contact_id: RowId,
    request: Request,
    user: CalibrationReader,
    session: SessionDep,
) -> HTMLResponse:
    """Show the session's form version for one of its contacts, to score it independently."""
    qa_calibration.check_calibration_contact(
        session=session, calibration_id=calibration_id, contact_id=contact_id, scope=user.scope
    )
    return _calibration_score_page(request, user, session, calibration_id, contact_id)


@pages.post("/calibrations/{calibration_id}/contacts/{contact_id}", response_class=HTMLResponse)
async def calibration_score_submit(
    calibration_id: RowId,
    contact_id: RowId,
    request: Request,
    user: Calibrator,
    session: SessionDep,
) -> Response:
    """Score a contact of a calibration session; a problem comes back beside its item."""
    qa_calibration.check_calibration_contact(
        session=session, calibration_id=calibration_id, contact_id=contact_id, scope=user.scope
    )
    detail = qa_calibration.calibration_report(session=session, calibration_id=calibration_id)
    version = qa_forms.get_version(session=session, version_id=detail.form_version_id)
    _ = gettext_for(request, user)
    async with request.form() as form:
        comment_raw = form.get("comment")
        state = forms.FormState(
            values={"comment": comment_raw.strip() if isinstance(comment_raw, str) else ""}
        )
        answers = _answers_from_form(form, version, _, state)
    if state.ok:
        try:
            with session.begin_nested():
                out = _submit(session, user, contact_id, version.id, answers, state, calibration_id)
                return redirect(
                    request,
                    f"/quality/calibrations/{calibration_id}",
                    flash=(
                        "success",
                        _("Calibration score saved: %(score)s.")
                        % {"score": f"{out.score_pct:.1f}"},
                    ),
                )
        except CcopsError as exc:
            _place_problems(exc, state, answers)
    return _calibration_score_page(
        request, user, session, calibration_id, contact_id, state=state, status_code=422
    )


@pages.get("/team", response_class=HTMLResponse)
def team_page(request: Request, user: SummaryReader, session: SessionDep) -> HTMLResponse:
    """Show the teams' QA scores with intervals; people in name order, never ranked."""
    first, last, problem = _period_args(request)
    _ = gettext_for(request, user)
    result = None
    if problem is None:
        try:
            result = qa_scores.summary(
                session=session,
                first_day=first,
                last_day=last,
                scope=user.scope,
                with_people=user.role != Role.executive,
            )
        except CcopsError as exc:
            problem = exc.message
    disputes = (
        qa_disputes.list_disputes(session=session, scope=user.scope, open_only=True)
        if user.role in permissions.QA_DECIDE
        else []
    )
    return render(
        request,
        "quality/team.html",
        {
            "disputes": disputes,
            "summary": result,
            "first_day": first,
            "last_day": last,
            "problem": _(problem) if problem else None,
        },
        principal=user,
        status_code=422 if problem else 200,
        active="quality",
    )


routers: tuple[APIRouter, ...] = (router, pages)
"""Every router of this module, for the app to include."""
