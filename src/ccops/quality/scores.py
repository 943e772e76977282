"""Statistics of QA scores: summaries, pass counts, item scores and a person's score.

Uncertainty of a person's QA score: the mean of n evaluations with its 95% t interval
mean +- t(0.975, n - 1) s / sqrt(n); the pass rate with its 95% Wilson interval. Fewer than
``MIN_EVALUATIONS`` evaluations: the score says it rests on too few.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta

import numpy as np
from scipy import stats as sp_stats
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.engines import stats
from ccops.org.models import Person, Site, Team
from ccops.org.service import EVERYTHING, Scope
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import forms as qa_forms
from ccops.quality import schemas
from ccops.quality import scoring as qa_scoring
from ccops.quality.models import (
    Evaluation,
    EvaluationAnswer,
    EvaluationRevision,
    QaForm,
    QaFormVersion,
)

MIN_EVALUATIONS = 5
"""Below this many evaluations a person's QA score is flagged as resting on too few."""


# --- statistics of scores ---------------------------------------------------------------------


def default_period(*, days: int = 28) -> tuple[date, date]:
    """The ``days`` local days up to yesterday (UTC date): a QA view's period by default."""
    last = utcnow().date() - timedelta(days=1)
    return last - timedelta(days=days - 1), last


def summarise(scores: list[float], passes: list[bool]) -> schemas.ScoreSummary:
    """A mean score with its 95% t interval and a pass rate with its 95% Wilson interval."""
    n = len(scores)
    if n == 0:
        return schemas.ScoreSummary(
            n=0,
            mean_pct=None,
            sd_pct=None,
            low_pct=None,
            high_pct=None,
            margin_pct=None,
            passes=0,
            pass_rate=None,
            pass_low=None,
            pass_high=None,
            enough=False,
            note="no evaluations",
        )
    values = np.asarray(scores, dtype=float)
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if n >= 2 else None
    margin = low = high = None
    if sd is not None:
        t_margin = float(sp_stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
        low, high = max(mean - t_margin, 0.0), min(mean + t_margin, 100.0)
        # A "± margin" is only honest while the interval fits the 0-100 scale: past an end the
        # interval is cut there and no longer symmetric, so only low-high is shown (a margin of
        # 190 points on a 100-point scale is what two scores give with the t quantile of 12.7).
        if mean - t_margin >= 0.0 and mean + t_margin <= 100.0:
            margin = t_margin
    k = sum(passes)
    wilson = stats.wilson_interval(k, n)
    enough = n >= MIN_EVALUATIONS
    note = (
        ""
        if enough
        else f"too few evaluations: {n} of the {MIN_EVALUATIONS} needed for a stable score"
    )
    return schemas.ScoreSummary(
        n=n,
        mean_pct=mean,
        sd_pct=sd,
        low_pct=low,
        high_pct=high,
        margin_pct=margin,
        passes=k,
        pass_rate=k / n,
        pass_low=float(wilson.low),
        pass_high=float(wilson.high),
        enough=enough,
        note=note,
    )


def scores_of(
    session: Session, person_ids: list[int], start: datetime, end: datetime
) -> dict[int, list[tuple[float, bool]]]:
    rows = session.execute(
        select(Evaluation.person_id, Evaluation.score_pct, Evaluation.passed)
        .where(Evaluation.person_id.in_(person_ids))
        .where(Evaluation.calibration_id.is_(None))
        .where(Evaluation.contact_at >= start, Evaluation.contact_at < end)
        .order_by(Evaluation.id)
    )
    out: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for person_id, value, passed in rows:
        out[person_id].append((value, passed))
    return out


def pass_counts(
    *, session: Session, people: list[Person], first_day: date, last_day: date
) -> dict[int, tuple[int, int]]:
    """Evaluations passed and evaluated per person over local days (calibration excluded).

    Each person's days are read in their site's time zone; the performance funnel plot
    compares people's pass rates with these counts.
    """
    qa_evaluations.check_days(first_day, last_day)
    out = {p.id: (0, 0) for p in people}
    by_site: dict[int, list[int]] = defaultdict(list)
    for p in people:
        by_site[p.site_id].append(p.id)
    passed = func.sum(case((Evaluation.passed.is_(True), 1), else_=0))
    for site_id, ids in sorted(by_site.items()):
        start, end = qa_evaluations.site_period(session, site_id, first_day, last_day)
        rows = session.execute(
            select(Evaluation.person_id, passed, func.count())
            .where(Evaluation.person_id.in_(ids))
            .where(Evaluation.calibration_id.is_(None))
            .where(Evaluation.contact_at >= start, Evaluation.contact_at < end)
            .group_by(Evaluation.person_id)
        )
        for person_id, k, n in rows:
            out[person_id] = (int(k or 0), int(n))
    return out


MIN_ITEM_ANSWERS = 10
"""Fewer applicable answers than this: an item's mean is not shown."""


def item_scores(
    *, session: Session, people: list[Person], first_day: date, last_day: date
) -> list[schemas.ItemScoreOut]:
    """Each form item as the people's evaluations over local days scored it (their latest
    revision, calibration excluded, N/A left out), in the form's own order.

    Items whose whole 95% interval lies below the form's pass mark are the group's training
    needs: a topic to train, found in the results rather than in anyone's impression.
    """
    qa_evaluations.check_days(first_day, last_day)
    earned: dict[tuple[int, str], list[float]] = defaultdict(list)
    by_site: dict[int, list[int]] = defaultdict(list)
    for p in people:
        by_site[p.site_id].append(p.id)
    for site_id, ids in sorted(by_site.items()):
        start, end = qa_evaluations.site_period(session, site_id, first_day, last_day)
        rows = session.execute(
            select(Evaluation.form_version_id, EvaluationAnswer.item_key, EvaluationAnswer.value)
            .join(
                EvaluationRevision,
                (EvaluationRevision.evaluation_id == Evaluation.id)
                & (EvaluationRevision.revision == Evaluation.revision),
            )
            .join(EvaluationAnswer, EvaluationAnswer.revision_id == EvaluationRevision.id)
            .where(Evaluation.person_id.in_(ids), Evaluation.calibration_id.is_(None))
            .where(Evaluation.contact_at >= start, Evaluation.contact_at < end)
            .where(EvaluationAnswer.not_applicable.is_(False), EvaluationAnswer.value.is_not(None))
        )
        for version_id, key, value in rows:
            if value is not None:
                earned[(version_id, key)].append(float(value))
    out: list[schemas.ItemScoreOut] = []
    versions = sorted({v for v, _k in earned})
    for version_id in versions:
        version = qa_forms.find_version(session, version_id)
        form = session.get(QaForm, version.form_id)
        definition = qa_forms.definition_of(version)
        for section in definition.sections:
            for item in section.items:
                values = earned.get((version_id, item.key), [])
                shares = [float(qa_scoring.fraction(item.scale, v)) * 100 for v in values]
                out.append(_item_score(form.name if form else "?", version, section, item, shares))
    return out


def _item_score(
    form: str,
    version: QaFormVersion,
    section: schemas.SectionIn,
    item: schemas.ItemIn,
    shares: list[float],
) -> schemas.ItemScoreOut:
    mark = version.pass_mark_pct
    name = f"{form} v{version.version}"
    if len(shares) < MIN_ITEM_ANSWERS:
        return schemas.ItemScoreOut(
            form=name,
            section=section.title,
            item=item.key,
            text=item.text,
            scale=item.scale,
            n=len(shares),
            mean_pct=None,
            low_pct=None,
            high_pct=None,
            pass_mark_pct=mark,
            training_need=False,
            note=f"too few answers to show: {len(shares)} (at least {MIN_ITEM_ANSWERS} needed)",
        )
    ci = stats.mean_interval(np.array(shares))
    # a share earned lies in [0, 100]: the t interval is cut there (it never changes a decision,
    # since a pass mark is at most 100)
    low = max(0.0, float(ci.low)) if math.isfinite(ci.low) else None
    high = min(100.0, float(ci.high)) if math.isfinite(ci.high) else None
    need = high is not None and high < mark
    return schemas.ItemScoreOut(
        form=name,
        section=section.title,
        item=item.key,
        text=item.text,
        scale=item.scale,
        n=len(shares),
        mean_pct=float(ci.point),
        low_pct=low,
        high_pct=high,
        pass_mark_pct=mark,
        training_need=need,
        note="clearly below the pass mark: a training topic" if need else "",
    )


def person_score(
    *, session: Session, person: str, first_day: date, last_day: date, scope: Scope = EVERYTHING
) -> schemas.PersonSummary:
    """Return a person's QA score in a period with its interval."""
    found = qa_evaluations.person_by_login(session, person, scope)
    start, end = qa_evaluations.person_period(session, found, first_day, last_day)
    rows = scores_of(session, [found.id], start, end).get(found.id, [])
    team = session.get(Team, found.team_id) if found.team_id else None
    return schemas.PersonSummary(
        person=found.login,
        name=found.name,
        team=team.name if team else None,
        score=summarise([r[0] for r in rows], [r[1] for r in rows]),
    )


def summary(
    *,
    session: Session,
    first_day: date,
    last_day: date,
    scope: Scope = EVERYTHING,
    with_people: bool = True,
) -> schemas.SummaryOut:
    """QA scores of the teams in scope with intervals; people listed by name, never ranked."""
    qa_evaluations.check_days(first_day, last_day)
    teams = session.scalars(select(Team).where(scope.teams_clause()).order_by(Team.name)).all()
    out: list[schemas.TeamSummary] = []
    for team in teams:
        site = session.get(Site, team.site_id)
        start, end = qa_evaluations.site_period(session, team.site_id, first_day, last_day)
        people = session.scalars(
            select(Person)
            .where(Person.team_id == team.id)
            .where(scope.people_clause())
            .order_by(Person.name, Person.login)
        ).all()
        scores = scores_of(session, [p.id for p in people], start, end)
        pooled = [r for p in people for r in scores.get(p.id, [])]
        out.append(
            schemas.TeamSummary(
                team=team.name,
                site=site.name if site else "",
                score=summarise([r[0] for r in pooled], [r[1] for r in pooled]),
                people=[
                    schemas.PersonSummary(
                        person=p.login,
                        name=p.name,
                        team=team.name,
                        score=summarise(
                            [r[0] for r in scores.get(p.id, [])],
                            [r[1] for r in scores.get(p.id, [])],
                        ),
                    )
                    for p in people
                ]
                if with_people
                else [],
            )
        )
    return schemas.SummaryOut(
        first_day=first_day, last_day=last_day, min_evaluations=MIN_EVALUATIONS, teams=out
    )
