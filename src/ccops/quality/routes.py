"""Quality: the JSON API under /api/v1/quality (the pages are in ``pages``).

Roles: QA analysts evaluate the contacts of people in their scope and draw samples; agents see
their own evaluations and dispute them; team leaders, analysts and managers decide disputes as
second evaluators and see team summaries; executives see team summaries only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from ccops.bounds import Day
from ccops.enums import Role
from ccops.errors import Forbidden, NotFound, Problem
from ccops.ids import RowId
from ccops.quality import calibration as qa_calibration
from ccops.quality import disputes as qa_disputes
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import forms as qa_forms
from ccops.quality import sampling as qa_sampling
from ccops.quality import schemas
from ccops.quality import scores as qa_scores
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep

router = APIRouter(prefix="/api/v1/quality", tags=["quality"])

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
SampleSizeReader = Annotated[Principal, Depends(require(*permissions.QA_FORMS))]


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
    first_day: Day | None = None,
    last_day: Day | None = None,
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
    first_day: Day,
    last_day: Day,
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
def list_calibrations(session: SessionDep, user: CalibrationReader) -> list[schemas.CalibrationOut]:
    """List the calibration sessions in scope (every contact's agent in scope)."""
    return qa_calibration.list_calibrations(session=session, scope=user.scope)


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
    calibration_id: RowId, session: SessionDep, user: CalibrationReader
) -> schemas.CalibrationOut:
    """Return a session's agreement: Krippendorff's alpha on totals and per item."""
    return qa_calibration.calibration_report(
        session=session, calibration_id=calibration_id, scope=user.scope
    )


@router.get("/summary", response_model=schemas.SummaryOut)
def summary(
    session: SessionDep,
    user: SummaryReader,
    first_day: Day | None = None,
    last_day: Day | None = None,
) -> schemas.SummaryOut:
    """QA scores of the teams in scope with 95% intervals; people in name order, not ranked."""
    first, last = qa_scores.default_period()
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
    first_day: Day,
    last_day: Day,
    person: str | None = None,
) -> schemas.PersonSummary:
    """A person's QA score in a period with its interval (agents: their own)."""
    login = person
    if login is None:
        own = qa_evaluations.person_login(session=session, person_id=user.person_id)
        if own is None:
            raise NotFound("you are not linked to a person: name one with ?person=")
        login = own
    return qa_scores.person_score(
        session=session, person=login, first_day=first_day, last_day=last_day, scope=user.scope
    )


routers: tuple[APIRouter, ...] = (router,)
"""Every router of this module, for the app to include."""
