"""Calibration sessions: several evaluators score the same contacts; Krippendorff's alpha
says how far they agree.
"""

from __future__ import annotations

import math

import numpy as np
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.engines import stats
from ccops.errors import Conflict, Invalid, NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.org.service import EVERYTHING, Scope
from ccops.quality import forms as qa_forms
from ccops.quality import schemas
from ccops.quality.models import (
    CalibrationContact,
    CalibrationSession,
    Evaluation,
)
from ccops.quality.schemas import Scale

# --- calibration ------------------------------------------------------------------------------


def _sessions_reaching_outside(scope: Scope) -> Select[int]:
    """The ids of the sessions with a contact handled by someone outside ``scope``."""
    inside = select(Person.id).where(scope.people_clause())
    return (
        select(CalibrationContact.session_id)
        .join(Contact, Contact.id == CalibrationContact.contact_id)
        .where(or_(Contact.person_id.is_(None), Contact.person_id.not_in(inside)))
    )


def find_calibration(
    session: Session, calibration_id: int, scope: Scope = EVERYTHING
) -> CalibrationSession:
    """Load a session whose every contact was handled by someone in scope, else NotFound.

    A session spanning sites is shown whole or not at all: its agreement figures and the
    evaluators' scores come from every contact, so none of it is shown to a scope that does not
    reach them all. Out of scope answers like a missing id (existence is not revealed).
    """
    found = session.get(CalibrationSession, calibration_id)
    if found is not None and not scope.everything:
        outside = _sessions_reaching_outside(scope).where(
            CalibrationContact.session_id == calibration_id
        )
        if session.scalars(outside).first() is not None:
            found = None
    if found is None:
        raise NotFound(
            f"calibration session {calibration_id} does not exist",
            [Problem("unknown", field="calibration_id")],
        )
    return found


def create_calibration(
    *, session: Session, data: schemas.CalibrationIn, by: str, scope: Scope = EVERYTHING
) -> schemas.CalibrationOut:
    """Open a calibration session on contacts handled by people in scope."""
    version = qa_forms.usable_version(session, data.form_version_id)
    if session.scalar(select(CalibrationSession.id).where(CalibrationSession.name == data.name)):
        raise Conflict(
            f"calibration session {data.name!r} already exists",
            [Problem("duplicate", field="name")],
        )
    ids = sorted(set(data.contact_ids))
    for n, cid in enumerate(ids):
        contact = session.get(Contact, cid)
        # a contact out of scope answers like a missing one: ids reveal nothing
        if (
            contact is None
            or contact.person_id is None
            or not org_service.person_id_in_scope(
                session=session, scope=scope, person_id=contact.person_id
            )
        ):
            raise Invalid(
                f"contact {cid} does not exist or was not handled by an agent",
                [Problem("unknown or unhandled contact", field=f"contact_ids[{n}]")],
            )
    calibration = CalibrationSession(
        name=data.name,
        form_version_id=version.id,
        created_by=by,
        contacts=[CalibrationContact(contact_id=cid) for cid in ids],
    )
    session.add(calibration)
    session.flush()
    return calibration_report(session=session, calibration_id=calibration.id)


def check_calibration_contact(
    *, session: Session, calibration_id: int, contact_id: int, scope: Scope = EVERYTHING
) -> None:
    """Refuse a contact that is not in the session or was handled by someone out of scope.

    The scoring page shows the contact's facts (the agent's name among them), so it answers
    "not found" before showing anything a scorer's scope does not reach.
    """
    calibration = find_calibration(session, calibration_id, scope)
    contact = session.get(Contact, contact_id)
    if (
        contact is None
        or contact.person_id is None
        or contact_id not in {c.contact_id for c in calibration.contacts}
        or not org_service.person_id_in_scope(
            session=session, scope=scope, person_id=contact.person_id
        )
    ):
        raise NotFound(
            f"contact {contact_id} is not in calibration session {calibration.name!r} "
            "or is outside your scope",
            [Problem("not in the session", field="contact_id")],
        )


def list_calibrations(
    *, session: Session, scope: Scope = EVERYTHING
) -> list[schemas.CalibrationOut]:
    """List the calibration sessions in scope (``find_calibration``), newest first."""
    query = select(CalibrationSession.id).order_by(CalibrationSession.id.desc())
    if not scope.everything:
        query = query.where(CalibrationSession.id.not_in(_sessions_reaching_outside(scope)))
    ids = list(session.scalars(query))
    return [calibration_report(session=session, calibration_id=i) for i in ids]


def _alpha(matrix: np.ndarray, level: str) -> tuple[float | None, int]:
    if matrix.size == 0:
        return None, 0
    agreement = stats.krippendorff_alpha(matrix, level)  # type: ignore[arg-type]
    alpha = None if math.isnan(agreement.alpha) else float(agreement.alpha)
    return alpha, int(agreement.pairable_values)


def interpret_alpha(alpha: float | None) -> str:
    """Krippendorff's reading of an alpha (rely at >= 0.800, tentative from 0.667)."""
    if alpha is None:
        return "not enough ratings to measure agreement"
    if alpha >= 0.8:
        return "reliable agreement (alpha ≥ 0.800)"
    if alpha >= 0.667:
        return "tentative agreement (0.667 ≤ alpha < 0.800): discuss the items that differ"
    return (
        "agreement too low to rely on (alpha < 0.667): review the wording of the items that "
        "differ most and how the evaluators read them"
    )


def calibration_report(
    *, session: Session, calibration_id: int, scope: Scope = EVERYTHING
) -> schemas.CalibrationOut:
    """Agreement of a session in scope: alpha on totals (interval), per item (nominal/ordinal)."""
    calibration = find_calibration(session, calibration_id, scope)
    version = qa_forms.find_version(session, calibration.form_version_id)
    definition = qa_forms.definition_of(version)
    contact_ids = [c.contact_id for c in calibration.contacts]
    evaluations = session.scalars(
        select(Evaluation)
        .where(Evaluation.calibration_id == calibration.id)
        .order_by(Evaluation.id)
    ).all()
    evaluators = sorted({e.evaluator for e in evaluations})
    row = {cid: n for n, cid in enumerate(contact_ids)}
    col = {login: n for n, login in enumerate(evaluators)}
    totals = np.full((len(contact_ids), len(evaluators)), np.nan)
    items = [i for s in definition.sections for i in s.items]
    per_item = {i.key: np.full((len(contact_ids), len(evaluators)), np.nan) for i in items}
    totals_out: dict[int, dict[str, float]] = {cid: {} for cid in contact_ids}
    for e in evaluations:
        r, c = row[e.contact_id], col[e.evaluator]
        totals[r, c] = e.score_pct
        totals_out[e.contact_id][e.evaluator] = e.score_pct
        for a in e.revisions[-1].answers:
            if a.value is not None and a.item_key in per_item:
                per_item[a.item_key][r, c] = a.value
    total_alpha, total_pairable = _alpha(totals, "interval")
    item_rows = []
    for item in items:
        matrix = per_item[item.key]
        level = "nominal" if item.scale == Scale.yes_no else "ordinal"
        alpha, pairable = _alpha(matrix, level)
        rated = 0
        differing = 0
        spread: float | None = None
        for values in matrix:
            present = values[~np.isnan(values)]
            if len(present) >= 2:
                rated += 1
                width = float(present.max() - present.min())
                differing += width > 0
                spread = width if spread is None else max(spread, width)
        item_rows.append(
            schemas.ItemAgreement(
                item=item.key,
                text=item.text,
                level=level,
                alpha=alpha,
                pairable_values=pairable,
                contacts_disagreeing=differing,
                contacts_rated=rated,
                max_spread=spread,
            )
        )
    deviations = []
    for login, c in col.items():
        diffs = []
        for r in range(len(contact_ids)):
            own = totals[r, c]
            others = np.delete(totals[r], c)
            others = others[~np.isnan(others)]
            if not np.isnan(own) and len(others):
                diffs.append(float(own - others.mean()))
        deviations.append(
            schemas.EvaluatorDeviation(
                evaluator=login,
                contacts=len(diffs),
                mean_deviation_pct=float(np.mean(diffs)) if diffs else None,
            )
        )
    return schemas.CalibrationOut(
        id=calibration.id,
        name=calibration.name,
        form=version.form.name,
        form_version=version.version,
        form_version_id=version.id,
        created_by=calibration.created_by,
        created_at=calibration.created_at,
        contact_ids=contact_ids,
        evaluators=evaluators,
        totals=totals_out,
        total_alpha=total_alpha,
        total_pairable_values=total_pairable,
        items=item_rows,
        evaluator_deviation=deviations,
        interpretation=interpret_alpha(total_alpha),
    )
