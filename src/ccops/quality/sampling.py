"""QA sampling: how many contacts to evaluate, and drawing the sample.

Sample size for a margin of error E (points of 100) on a person's mean score:
n0 = (z s / E)^2 and, with N contacts handled in the period, n = n0 / (1 + (n0 - 1)/N)
(finite-population correction), rounded up; s is the person's observed standard deviation
when they have ``scores.MIN_EVALUATIONS`` evaluations in the period, else an assumed one
(15 points).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime
from fractions import Fraction

import numpy as np
from scipy import stats as sp_stats
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.errors import Invalid, Problem
from ccops.org.models import Channel, Person, Queue
from ccops.org.service import EVERYTHING, Scope
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import schemas
from ccops.quality import scores as qa_scores
from ccops.quality.models import (
    Evaluation,
    QaSample,
    QaSampleContact,
)

ASSUMED_SD_PCT = 15.0
"""Standard deviation of evaluation scores assumed for sample sizes before enough are observed."""
SAMPLE_SIZE_FORMULA = "n0 = (z·s/E)²; n = ⌈n0 / (1 + (n0 − 1)/N)⌉"


# --- sampling ---------------------------------------------------------------------------------


def required_sample_size(
    *, sd_pct: float, margin_pct: float, population: int, confidence: float = 0.95
) -> tuple[float, int, float]:
    """Evaluations needed so the mean score's interval is +-``margin_pct`` points.

    n0 = (z s / E)^2 (z the two-sided normal quantile), then the finite-population correction
    n = n0 / (1 + (n0 - 1) / N) for N contacts, rounded up and at most N.

    Returns:
        (n0, n, z)
    """
    if margin_pct <= 0:
        raise Invalid("the margin of error must be positive", [Problem("> 0", field="margin_pct")])
    z = float(sp_stats.norm.ppf(0.5 + confidence / 2))
    n0 = (z * sd_pct / margin_pct) ** 2
    if population <= 0:
        return n0, 0, z
    n = n0 / (1 + (n0 - 1) / population)
    return n0, min(population, max(1, math.ceil(n - 1e-9))), z


def _handled_contacts(
    session: Session, person: Person, start: datetime, end: datetime
) -> list[tuple[int, str, str, datetime]]:
    rows = session.execute(
        select(Contact.id, Queue.name, Channel.kind, Contact.arrival_at)
        .join(Queue, Queue.id == Contact.queue_id)
        .join(Channel, Channel.id == Contact.channel_id)
        .where(Contact.person_id == person.id)
        .where(Contact.answered_at.is_not(None))
        .where(Contact.arrival_at >= start, Contact.arrival_at < end)
        .order_by(Contact.id)
    )
    return [(cid, queue, str(kind.value), at) for cid, queue, kind, at in rows]


def sample_size(
    *,
    session: Session,
    person: str,
    first_day: date,
    last_day: date,
    margin_pct: float = 5.0,
    confidence: float = 0.95,
    scope: Scope = EVERYTHING,
) -> schemas.SampleSizeOut:
    """How many evaluations a person needs in a period for a margin of error on their score."""
    if not 0 < confidence < 1:
        raise Invalid(
            "the confidence must be between 0 and 1", [Problem("(0, 1)", field="confidence")]
        )
    found = qa_evaluations.person_by_login(session, person, scope)
    start, end = qa_evaluations.person_period(session, found, first_day, last_day)
    population = len(_handled_contacts(session, found, start, end))
    rows = qa_scores.scores_of(session, [found.id], start, end).get(found.id, [])
    observed = len(rows) >= qa_scores.MIN_EVALUATIONS
    sd = float(np.std([r[0] for r in rows], ddof=1)) if observed else ASSUMED_SD_PCT
    n0, n, z = required_sample_size(
        sd_pct=sd, margin_pct=margin_pct, population=population, confidence=confidence
    )
    return schemas.SampleSizeOut(
        person=found.login,
        first_day=first_day,
        last_day=last_day,
        margin_pct=margin_pct,
        confidence=confidence,
        z=z,
        sd_pct=sd,
        sd_source="observed" if observed else "assumed",
        population=population,
        n_infinite=n0,
        n_required=n,
        evaluated=len(rows),
        still_needed=max(0, n - len(rows)),
        formula=SAMPLE_SIZE_FORMULA,
    )


def _allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Proportional allocation with the largest remainders (ties: stratum name)."""
    population = sum(sizes.values())
    exact = {k: Fraction(total * v, population) for k, v in sizes.items()}
    quota = {k: math.floor(v) for k, v in exact.items()}
    left = total - sum(quota.values())
    order = sorted(sizes, key=lambda k: (-(exact[k] - quota[k]), k))
    for key in order[:left]:
        quota[key] += 1
    return quota


def draw_sample(
    *, session: Session, data: schemas.SampleIn, by: str, scope: Scope = EVERYTHING
) -> schemas.SampleOut:
    """Draw a seeded random or stratified (queue x contact type) sample of unevaluated contacts."""
    found = qa_evaluations.person_by_login(session, data.person, scope)
    start, end = qa_evaluations.person_period(session, found, data.first_day, data.last_day)
    handled = _handled_contacts(session, found, start, end)
    evaluated = set(
        session.scalars(
            select(Evaluation.contact_id)
            .where(Evaluation.person_id == found.id)
            .where(Evaluation.calibration_id.is_(None))
        )
    )
    pool = [row for row in handled if row[0] not in evaluated]
    if not pool:
        raise Invalid(
            f"{found.login} has no unevaluated handled contacts from {data.first_day} to "
            f"{data.last_day}",
            [Problem("no contacts to sample", field="person")],
        )
    size = data.size
    if size is None:
        need = sample_size(
            session=session,
            person=found.login,
            first_day=data.first_day,
            last_day=data.last_day,
            margin_pct=data.margin_pct,
            scope=scope,
        )
        size = need.still_needed
        if size == 0:
            raise Invalid(
                f"{found.login} already has {need.evaluated} evaluations, enough for "
                f"±{data.margin_pct:g} points: give a size to draw more",
                [Problem("already enough", field="size")],
            )
    size = min(size, len(pool))
    rng = np.random.default_rng(data.seed)
    chosen: list[tuple[int, str]] = []
    if data.method == "random":
        picks = sorted(int(i) for i in rng.choice(len(pool), size=size, replace=False))
        chosen = [(pool[i][0], f"{pool[i][1]} · {pool[i][2]}") for i in picks]
    else:
        strata: dict[str, list[int]] = defaultdict(list)
        for cid, queue, kind, _at in pool:
            strata[f"{queue} · {kind}"].append(cid)
        quota = _allocate({k: len(v) for k, v in strata.items()}, size)
        for key in sorted(strata):
            members = strata[key]
            if quota[key]:
                picks = sorted(
                    int(i) for i in rng.choice(len(members), size=quota[key], replace=False)
                )
                chosen.extend((members[i], key) for i in picks)
    sample = QaSample(
        person_id=found.id,
        first_day=data.first_day,
        last_day=data.last_day,
        method=data.method,
        seed=data.seed,
        population=len(handled),
        created_by=by,
        contacts=[QaSampleContact(contact_id=cid, stratum=key) for cid, key in chosen],
    )
    session.add(sample)
    session.flush()
    return _sample_out(session, sample)


def _sample_out(session: Session, sample: QaSample) -> schemas.SampleOut:
    person = session.get(Person, sample.person_id)
    ids = [c.contact_id for c in sample.contacts]
    info = {
        cid: (queue, str(kind.value), at)
        for cid, queue, kind, at in session.execute(
            select(Contact.id, Queue.name, Channel.kind, Contact.arrival_at)
            .join(Queue, Queue.id == Contact.queue_id)
            .join(Channel, Channel.id == Contact.channel_id)
            .where(Contact.id.in_(ids))
        )
    }
    done = dict(
        session.execute(
            select(Evaluation.contact_id, Evaluation.id)
            .where(Evaluation.contact_id.in_(ids))
            .where(Evaluation.calibration_id.is_(None))
        ).all()
    )
    strata: dict[str, int] = defaultdict(int)
    for c in sample.contacts:
        strata[c.stratum] += 1
    return schemas.SampleOut(
        id=sample.id,
        person=person.login if person else "",
        person_name=person.name if person else "",
        first_day=sample.first_day,
        last_day=sample.last_day,
        method=sample.method,
        seed=sample.seed,
        population=sample.population,
        strata=dict(sorted(strata.items())),
        created_by=sample.created_by,
        created_at=sample.created_at,
        contacts=[
            schemas.SampleContactOut(
                contact_id=c.contact_id,
                stratum=c.stratum,
                queue=info[c.contact_id][0],
                contact_type=info[c.contact_id][1],
                arrival_at=info[c.contact_id][2],
                evaluation_id=done.get(c.contact_id),
            )
            for c in sample.contacts
        ],
    )


def list_samples(*, session: Session, scope: Scope = EVERYTHING) -> list[schemas.SampleOut]:
    """List the samples of the people in scope (the worklist), newest first."""
    query = (
        select(QaSample)
        .join(Person, Person.id == QaSample.person_id)
        .where(scope.people_clause())
        .order_by(QaSample.id.desc())
        .limit(100)
    )
    return [_sample_out(session, s) for s in session.scalars(query)]
