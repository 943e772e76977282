"""Quality: the pages under /quality and their forms (the JSON API is in ``routes``).

Agents see their own evaluations and dispute them; QA analysts work through samples and score
contacts; calibration sessions, disputes' decisions and team summaries have their pages.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from ccops.db import attempt
from ccops.enums import Role
from ccops.errors import CcopsError, Forbidden, NotFound
from ccops.exports import Column, Kind, TableExport
from ccops.ids import RowId
from ccops.org import service as org_service
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
from ccops.web.downloads import FormatQ, download, wanted_format
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, redirect, render

pages = APIRouter(prefix="/quality", include_in_schema=False)

DISPUTE_STATUS = (N_("open"), N_("upheld"), N_("amended"))
"""The states of a dispute, as the pages show them."""

Reader = Annotated[Principal, Depends(require(*permissions.QA_READ))]
Evaluator = Annotated[Principal, Depends(require(*permissions.QA_EVALUATE, write=True))]
EvaluatorReader = Annotated[Principal, Depends(require(*permissions.QA_EVALUATE))]
Calibrator = Annotated[Principal, Depends(require(*permissions.QA_CALIBRATE, write=True))]
CalibrationReader = Annotated[Principal, Depends(require(*permissions.QA_CALIBRATE))]
Disputer = Annotated[Principal, Depends(require(*permissions.QA_DISPUTE, write=True))]
Decider = Annotated[Principal, Depends(require(*permissions.QA_DECIDE, write=True))]
SummaryReader = Annotated[Principal, Depends(require(*permissions.QA_SUMMARY))]
PageReader = Annotated[Principal, Depends(require(*permissions.QA_PAGES))]
SampleSizeReader = Annotated[Principal, Depends(require(*permissions.QA_FORMS))]


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
    first, last = qa_scores.default_period()
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
    login = qa_evaluations.person_login(session=session, person_id=user.person_id)
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
            "zones": org_service.queue_time_zones(session=session),
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
    own = (
        user.person_id is not None
        and qa_evaluations.person_login(session=session, person_id=user.person_id)
        == evaluation.person
    )
    open_dispute = next((d for d in evaluation.disputes if d.status == "open"), None)
    scorers = {r.scored_by for r in evaluation.revisions}
    version = qa_forms.get_version(session=session, version_id=evaluation.form_version_id)
    current = {a.item: a for a in evaluation.revisions[-1].answers}
    return render(
        request,
        "quality/evaluation.html",
        {
            "zones": org_service.queue_time_zones(session=session),
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
def dispute_page(
    evaluation_id: RowId,
    request: Request,
    user: Disputer,
    session: SessionDep,
    form: forms.PostedForm,
) -> Response:
    """Dispute your own evaluation with a reason."""
    values = forms.text_values(form, ("reason",))
    _ = gettext_for(request, user)
    state = forms.FormState(values=values | {"comment": ""})
    if not values["reason"]:
        state.add("reason", _("Required."))
    else:
        try:
            with attempt(session):
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


def _contact_facts(session: SessionDep, user: Principal, contact_id: int) -> dict[str, Any]:
    return qa_evaluations.contact_facts(session=session, contact_id=contact_id, scope=user.scope)


def _evaluate_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    contact_id: int,
    *,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    contact = _contact_facts(session, user, contact_id)
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
            "zones": org_service.queue_time_zones(session=session),
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
def evaluate_submit(
    contact_id: RowId,
    request: Request,
    user: Evaluator,
    session: SessionDep,
    form: forms.PostedForm,
) -> Response:
    """Score a contact; on a problem the form comes back with each item's problem beside it."""
    _contact_facts(session, user, contact_id)
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
            with attempt(session):
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
def decide_page(
    dispute_id: RowId, request: Request, user: Decider, session: SessionDep, form: forms.PostedForm
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
            with attempt(session):
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
    first, last = qa_scores.default_period()
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
            "zones": org_service.queue_time_zones(session=session),
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
def worklist_draw(
    request: Request, user: Evaluator, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Draw a sample of a person's contacts (size from the margin of error unless given)."""
    names = ("person", "first_day", "last_day", "method", "margin_pct", "size", "seed")
    values = forms.text_values(form, names)
    _ = gettext_for(request, user)
    state = forms.FormState(values=values)
    data = {k: v for k, v in values.items() if v != ""}
    model = forms.validate(schemas.SampleIn, data, state, _)
    size = None
    if model is not None:
        try:
            with attempt(session):
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
            "sessions": qa_calibration.list_calibrations(session=session, scope=user.scope),
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
def calibration_open(
    request: Request, user: Calibrator, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Open a calibration session on contacts given by number; a bad one comes back marked."""
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
                with attempt(session):
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
    detail = qa_calibration.calibration_report(
        session=session, calibration_id=calibration_id, scope=user.scope
    )
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
    detail = qa_calibration.calibration_report(
        session=session, calibration_id=calibration_id, scope=user.scope
    )
    version = qa_forms.get_version(session=session, version_id=detail.form_version_id)
    return render(
        request,
        "quality/evaluate.html",
        {
            "zones": org_service.queue_time_zones(session=session),
            "contact": _contact_facts(session, user, contact_id),
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
def calibration_score_submit(
    calibration_id: RowId,
    contact_id: RowId,
    request: Request,
    user: Calibrator,
    session: SessionDep,
    form: forms.PostedForm,
) -> Response:
    """Score a contact of a calibration session; a problem comes back beside its item."""
    qa_calibration.check_calibration_contact(
        session=session, calibration_id=calibration_id, contact_id=contact_id, scope=user.scope
    )
    detail = qa_calibration.calibration_report(
        session=session, calibration_id=calibration_id, scope=user.scope
    )
    version = qa_forms.get_version(session=session, version_id=detail.form_version_id)
    _ = gettext_for(request, user)
    comment_raw = form.get("comment")
    state = forms.FormState(
        values={"comment": comment_raw.strip() if isinstance(comment_raw, str) else ""}
    )
    answers = _answers_from_form(form, version, _, state)
    if state.ok:
        try:
            with attempt(session):
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


def summary_export(result: schemas.SummaryOut, _: forms.Gettext) -> TableExport:
    """The team QA summary as a download: a row per team, then its people in name order."""
    columns = [
        Column(_("Team")),
        Column(_("Site")),
        Column(_("Person")),
        Column(_("Login")),
        Column(_("Evaluations"), Kind.INTEGER),
        Column(_("QA score (0-100)"), Kind.NUMBER, 1),
        Column(_("Interval low (95%)"), Kind.NUMBER, 1),
        Column(_("Interval high (95%)"), Kind.NUMBER, 1),
        Column(_("Passed"), Kind.INTEGER),
        Column(_("Pass rate"), Kind.PERCENT, 1),
        Column(_("Pass rate, interval low (95%)"), Kind.PERCENT, 1),
        Column(_("Pass rate, interval high (95%)"), Kind.PERCENT, 1),
        Column(_("Enough evaluations")),
    ]

    def cells(score: schemas.ScoreSummary) -> list[object]:
        return [
            score.n,
            score.mean_pct,
            score.low_pct,
            score.high_pct,
            score.passes,
            score.pass_rate,
            score.pass_low,
            score.pass_high,
            _("yes") if score.enough else _("no"),
        ]

    rows: list[list[object]] = []
    for team in result.teams:
        rows.append([team.team, team.site, _("(whole team)"), None, *cells(team.score)])
        for person in team.people:
            rows.append([team.team, team.site, person.name, person.person, *cells(person.score)])
    period = f"{result.first_day.isoformat()} {result.last_day.isoformat()}"
    return TableExport(
        title=_("Team QA summary"),
        columns=columns,
        rows=rows,
        file_stem=f"qa team summary {period}",
        notes=[_("Team QA summary") + f" · {period}"],
    )


@pages.get("/team", response_class=HTMLResponse)
def team_page(
    request: Request, user: SummaryReader, session: SessionDep, file_format: FormatQ = ""
) -> Response:
    """Show the teams' QA scores with intervals; people in name order, never ranked;
    ``?format=csv`` or ``xlsx`` answers the scores as a file."""
    chosen = wanted_format(file_format)
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
    if chosen and result is not None:
        return download(summary_export(result, _), chosen)
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


routers: tuple[APIRouter, ...] = (pages,)
"""Every router of this module, for the app to include."""
