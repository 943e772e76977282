"""Demo quality data: a form with two versions, evaluations of the Billing teams, a sample, a
calibration session and disputes (deterministic for a given demo centre)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.org.models import Person, Team, User
from ccops.quality import calibration as qa_calibration
from ccops.quality import disputes as qa_disputes
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import forms as qa_forms
from ccops.quality import sampling as qa_sampling
from ccops.quality import schemas

SEED = 947
DEMO_FORM: dict[str, Any] = {
    "name": "Customer call",
    "pass_mark_pct": 80,
    "sections": [
        {
            "key": "opening",
            "title": "Opening",
            "weight_pct": 20,
            "items": [
                {"key": "greeting", "text": "Greets with name and company", "weight_pct": 50},
                {
                    "key": "verification",
                    "text": "Verifies the customer's identity",
                    "weight_pct": 50,
                    "allow_na": True,
                },
            ],
        },
        {
            "key": "resolution",
            "title": "Resolution",
            "weight_pct": 50,
            "items": [
                {
                    "key": "accuracy",
                    "text": "Gives the standard, accurate answer",
                    "scale": "one_to_five",
                    "weight_pct": 60,
                },
                {
                    "key": "ownership",
                    "text": "Takes ownership and confirms the next step",
                    "scale": "one_to_five",
                    "weight_pct": 40,
                    "allow_na": True,
                },
            ],
        },
        {
            "key": "compliance",
            "title": "Compliance",
            "weight_pct": 30,
            "items": [
                {
                    "key": "disclosure",
                    "text": "Reads the required disclosure",
                    "weight_pct": 100,
                    "critical": True,
                    "allow_na": True,
                }
            ],
        },
    ],
}


def _answers(rng: np.random.Generator, skill: float) -> list[schemas.AnswerIn]:
    """Plausible answers: mostly good, a person's ``skill`` shifting the scaled items."""
    out = [
        schemas.AnswerIn(item="greeting", value=float(rng.random() < 0.9)),
        schemas.AnswerIn(item="verification", na=True)
        if rng.random() < 0.15
        else schemas.AnswerIn(item="verification", value=float(rng.random() < 0.85)),
        schemas.AnswerIn(
            item="accuracy", value=float(np.clip(round(rng.normal(3.6 + skill, 0.8)), 1, 5))
        ),
        schemas.AnswerIn(item="ownership", na=True)
        if rng.random() < 0.1
        else schemas.AnswerIn(
            item="ownership", value=float(np.clip(round(rng.normal(3.8 + skill, 0.8)), 1, 5))
        ),
        schemas.AnswerIn(item="disclosure", na=True)
        if rng.random() < 0.1
        else schemas.AnswerIn(item="disclosure", value=float(rng.random() > 0.03)),
    ]
    return out


def _handled(session: Session, person_id: int, start: datetime, end: datetime) -> list[int]:
    return list(
        session.scalars(
            select(Contact.id)
            .where(Contact.person_id == person_id)
            .where(Contact.answered_at.is_not(None))
            .where(Contact.arrival_at >= start, Contact.arrival_at < end)
            .order_by(Contact.id)
        )
    )


def _evaluate(
    session: Session,
    contact_id: int,
    version_id: int,
    answers: list[schemas.AnswerIn],
    by: str,
    calibration_id: int | None = None,
) -> schemas.EvaluationOut:
    return qa_evaluations.evaluate(
        session=session,
        data=schemas.EvaluationIn(
            contact_id=contact_id,
            form_version_id=version_id,
            answers=answers,
            comment="",
            calibration_id=calibration_id,
        ),
        by=by,
    )


def seed_demo(session: Session, *, end: date) -> dict[str, int]:
    """Seed the quality demo into the demo centre whose last day is ``end``."""
    rng = np.random.default_rng(SEED)
    form = qa_forms.create_form(
        session=session, data=schemas.FormIn.model_validate(DEMO_FORM), by="qa"
    )
    v1 = form.versions[0].id
    window_end = datetime.combine(end + timedelta(days=1), time(0), UTC)
    change_at = window_end - timedelta(days=14)
    window_start = window_end - timedelta(days=28)
    teams = session.scalars(
        select(Team).where(Team.name.in_(["Billing 1", "Billing 2"])).order_by(Team.name)
    ).all()
    people = session.scalars(
        select(Person).where(Person.team_id.in_([t.id for t in teams])).order_by(Person.login)
    ).all()
    plan: dict[int, tuple[list[int], list[int], float]] = {}
    for person in people:
        older = _handled(session, person.id, window_start, change_at)
        newer = _handled(session, person.id, change_at, window_end)
        n_old, n_new = int(rng.integers(1, 5)), int(rng.integers(1, 6))
        picks_old = sorted(rng.choice(older, size=min(n_old, len(older)), replace=False).tolist())
        picks_new = sorted(rng.choice(newer, size=min(n_new, len(newer)), replace=False).tolist())
        plan[person.id] = (picks_old, picks_new, float(rng.normal(0, 0.3)))
    evaluations: dict[int, list[int]] = {}
    for person in people:
        for contact in plan[person.id][0]:
            out = _evaluate(session, contact, v1, _answers(rng, plan[person.id][2]), "qa")
            evaluations.setdefault(person.id, []).append(out.id)
    change = {k: v for k, v in DEMO_FORM.items() if k != "name"}
    change["sections"] = [
        {**DEMO_FORM["sections"][0], "weight_pct": 15},
        {**DEMO_FORM["sections"][1], "weight_pct": 55},
        DEMO_FORM["sections"][2],
    ]
    change["change_note"] = "more weight on resolution, after the calibration of week 45"
    form = qa_forms.publish_version(
        session=session,
        form_id=form.id,
        data=schemas.FormVersionIn.model_validate(change),
        by="qa",
    )
    v2 = form.versions[-1].id
    for person in people:
        for contact in plan[person.id][1]:
            out = _evaluate(session, contact, v2, _answers(rng, plan[person.id][2]), "qa")
            evaluations.setdefault(person.id, []).append(out.id)
    agent_user = session.scalars(select(User).where(User.login == "agent")).first()
    agent = (
        session.get(Person, agent_user.person_id) if agent_user and agent_user.person_id else None
    )
    disputes = 0
    if agent is not None:
        qa_sampling.draw_sample(
            session=session,
            data=schemas.SampleIn(
                person=agent.login,
                first_day=end - timedelta(days=13),
                last_day=end,
                method="stratified",
                size=6,
                seed=7,
            ),
            by="qa",
        )
        own = evaluations.get(agent.id, [])
        if own:
            first = qa_disputes.raise_dispute(
                session=session,
                evaluation_id=own[0],
                data=schemas.DisputeIn(
                    reason="The customer had already been verified by the IVR, so verification "
                    "should be N/A."
                ),
                by="agent",
                by_person_id=agent.id,
            )
            evaluation = qa_evaluations.get_evaluation(session=session, evaluation_id=own[0])
            amended = [
                schemas.AnswerIn(item="verification", na=True)
                if a.item == "verification"
                else schemas.AnswerIn(item=a.item, value=a.value, na=a.na)
                for a in evaluation.revisions[-1].answers
            ]
            qa_disputes.decide_dispute(
                session=session,
                dispute_id=first.id,
                data=schemas.DecisionIn(
                    decision="amend",
                    comment="IVR verification confirmed in the call log: verification N/A.",
                    answers=amended,
                ),
                by="supervisor",
            )
            disputes += 1
        if len(own) > 1:
            qa_disputes.raise_dispute(
                session=session,
                evaluation_id=own[-1],
                data=schemas.DisputeIn(reason="The answer I gave is the one in the FAQ."),
                by="agent",
                by_person_id=agent.id,
            )
            disputes += 1
    others = [p for p in people if agent is None or p.id != agent.id]
    calibration_contacts: list[int] = []
    for person in others[:4]:
        free = [
            c
            for c in _handled(session, person.id, change_at, window_end)
            if c not in plan[person.id][1]
        ]
        if free:
            calibration_contacts.append(free[0])
    if calibration_contacts:
        calibration = qa_calibration.create_calibration(
            session=session,
            data=schemas.CalibrationIn(
                name="Calibration week 47", form_version_id=v2, contact_ids=calibration_contacts
            ),
            by="qa",
        )
        for contact in calibration_contacts:
            base = _answers(rng, 0.0)
            for evaluator in ("qa", "qa.senior", "tl.billing1"):
                varied = [
                    a.model_copy(
                        update={"value": float(np.clip(a.value + rng.integers(-1, 2), 1, 5))}
                    )
                    if a.value is not None and a.item in ("accuracy", "ownership")
                    else a
                    for a in base
                ]
                _evaluate(session, contact, v2, varied, evaluator, calibration.id)
    session.flush()
    return {
        "evaluations": sum(len(v) for v in evaluations.values()),
        "disputes": disputes,
        "calibration_contacts": len(calibration_contacts),
    }
