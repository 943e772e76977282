"""Anonymous staff surveys: surveys, rounds, answering, reminders, results under disclosure control.

Anonymity by construction (see :mod:`ccops.voice.models`): answering fills a blank ballot picked
at random among those made, shuffled, when the round opened; who has answered is a separate
set with no time and no reference to a ballot. Nothing here logs an answer or a ballot.

Disclosure control (:mod:`ccops.engines.disclosure`): results are shown only for a closed round
(an open round's results would change with each answer, and two looks would isolate it), and
one decision covers every cut of a round at once -- the whole round, each site, team, tenure
band, site x band and team x band -- so no difference between any two cuts the system shows
isolates fewer than the minimum, whichever ``--by`` a reader asks for.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ccops.engines import disclosure
from ccops.engines import stats as engine_stats
from ccops.enums import Role, ScopeKind
from ccops.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.notifications import service as notifications_service
from ccops.org import service as org_service
from ccops.org.models import Person, Site, Team, User
from ccops.voice import models as m
from ccops.voice import schemas as s

_RNG = secrets.SystemRandom()
BLANK_BATCH = 10
"""Blank ballots added, shuffled, when a round runs out (the audience grew)."""

_ROLES = {
    "engagement": [Role.agent, Role.supervisor, Role.qa_analyst, Role.planner],
    "leader": [Role.agent],
}
"""Who is invited by survey kind: everyone on the floor, or (rating one's leader) agents."""

Cell = tuple[int | None, int | None, str]
"""(site id, team id, tenure band) of a ballot."""
GroupKey = tuple[tuple[str, int | str | None], ...]


def tenure_band(hire_date: date | None, on: date) -> str:
    """The tenure band of someone hired on ``hire_date`` at ``on``: <1y, 1-3y, 3y+ or unknown."""
    if hire_date is None:
        return "unknown"
    days = (on - hire_date).days
    if days < 365:
        return "<1y"
    if days < 3 * 365:
        return "1-3y"
    return "3y+"


# --- surveys and rounds ----------------------------------------------------------------------


def _survey(session: Session, name_or_id: str | int) -> m.StaffSurvey:
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        found = session.get(m.StaffSurvey, int(name_or_id))
        if found is not None:
            return found
    found = session.scalars(
        select(m.StaffSurvey).where(m.StaffSurvey.name == str(name_or_id))
    ).first()
    if found is None:
        raise NotFound(f"no survey {name_or_id!r}", [Problem("not found", field="survey")])
    return found


def _questions(session: Session, survey_id: int) -> list[m.StaffSurveyQuestion]:
    return list(
        session.scalars(
            select(m.StaffSurveyQuestion)
            .where(m.StaffSurveyQuestion.survey_id == survey_id)
            .order_by(m.StaffSurveyQuestion.position)
        )
    )


def _question_out(q: m.StaffSurveyQuestion) -> s.QuestionOut:
    return s.QuestionOut(
        key=q.key, text=q.text, kind=q.kind, choices=[c for c in q.choices.split("\n") if c]
    )


def create_survey(*, session: Session, data: s.SurveyIn, by: str) -> s.SurveyOut:
    """Create a survey with its questions."""
    if session.scalars(select(m.StaffSurvey.id).where(m.StaffSurvey.name == data.name)).first():
        raise Conflict(f"a survey named {data.name!r} exists", [Problem("exists", field="name")])
    keys = [q.key for q in data.questions]
    if len(set(keys)) != len(keys):
        raise Invalid("question keys must differ", [Problem("duplicate", field="questions")])
    for q in data.questions:
        if q.kind == "choice" and len(q.choices) < 2:
            raise Invalid(
                f"question {q.key!r}: a choice question needs at least two choices",
                [Problem("too few choices", field=f"questions.{q.key}")],
            )
    survey = m.StaffSurvey(
        name=data.name,
        kind=data.kind,
        description=data.description,
        min_respondents=data.min_respondents,
        min_comments=data.min_comments,
        created_by=by,
    )
    session.add(survey)
    session.flush()
    for position, q in enumerate(data.questions, start=1):
        session.add(
            m.StaffSurveyQuestion(
                survey_id=survey.id,
                position=position,
                key=q.key,
                text=q.text,
                kind=q.kind,
                choices="\n".join(q.choices) if q.kind == "choice" else "",
            )
        )
    session.flush()
    return get_survey(session=session, survey=survey.id)


def _audience_clause(session: Session, round_: m.StaffSurveyRound) -> list[Person]:
    rows = session.scalars(
        select(m.StaffSurveyAudience).where(m.StaffSurveyAudience.round_id == round_.id)
    ).all()
    site_ids = [a.site_id for a in rows if a.site_id is not None]
    team_ids = [a.team_id for a in rows if a.team_id is not None]
    query = select(Person).where(
        or_(Person.termination_date.is_(None), Person.termination_date >= round_.opens_on),
        Person.role.in_(_ROLES[session.get_one(m.StaffSurvey, round_.survey_id).kind]),
    )
    if site_ids or team_ids:
        query = query.where(or_(Person.site_id.in_(site_ids), Person.team_id.in_(team_ids)))
    return list(session.scalars(query.order_by(Person.id)))


def audience(*, session: Session, round_id: int) -> list[Person]:
    """The people invited to a round."""
    return _audience_clause(session, _round(session, round_id))


def _round(session: Session, round_id: int) -> m.StaffSurveyRound:
    found = session.get(m.StaffSurveyRound, round_id)
    if found is None:
        raise NotFound(f"no survey round {round_id}", [Problem("not found", field="round")])
    return found


def _respondent_count(session: Session, round_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(m.StaffSurveyRespondent)
            .where(m.StaffSurveyRespondent.round_id == round_id)
        )
        or 0
    )


def _round_out(session: Session, survey: m.StaffSurvey, r: m.StaffSurveyRound) -> s.RoundOut:
    aud = session.scalars(
        select(m.StaffSurveyAudience).where(m.StaffSurveyAudience.round_id == r.id)
    ).all()
    sites = [session.get(Site, a.site_id) for a in aud if a.site_id is not None]
    teams = [session.get(Team, a.team_id) for a in aud if a.team_id is not None]
    return s.RoundOut(
        id=r.id,
        survey=survey.name,
        label=r.label,
        opens_on=r.opens_on,
        closes_on=r.closes_on,
        closed=r.closed,
        invited=len(_audience_clause(session, r)),
        respondents=_respondent_count(session, r.id),
        sites=sorted(x.name for x in sites if x is not None),
        teams=sorted(x.name for x in teams if x is not None),
    )


def _rounds(session: Session, survey_id: int) -> list[m.StaffSurveyRound]:
    return list(
        session.scalars(
            select(m.StaffSurveyRound)
            .where(m.StaffSurveyRound.survey_id == survey_id)
            .order_by(m.StaffSurveyRound.opens_on, m.StaffSurveyRound.id)
        )
    )


def get_survey(*, session: Session, survey: str | int) -> s.SurveyOut:
    """A survey with its questions and rounds."""
    sv = _survey(session, survey)
    return s.SurveyOut(
        id=sv.id,
        name=sv.name,
        kind=sv.kind,
        description=sv.description,
        min_respondents=sv.min_respondents,
        min_comments=sv.min_comments,
        questions=[_question_out(q) for q in _questions(session, sv.id)],
        rounds=[_round_out(session, sv, r) for r in _rounds(session, sv.id)],
    )


def list_surveys(*, session: Session) -> list[s.SurveySummary]:
    """Every survey with its number of questions and rounds."""
    out = []
    for sv in session.scalars(select(m.StaffSurvey).order_by(m.StaffSurvey.id)):
        rounds = _rounds(session, sv.id)
        out.append(
            s.SurveySummary(
                id=sv.id,
                name=sv.name,
                kind=sv.kind,
                questions=len(_questions(session, sv.id)),
                rounds=len(rounds),
                latest_round=rounds[-1].label if rounds else None,
            )
        )
    return out


def _add_blank_ballots(session: Session, round_id: int, count: int) -> None:
    ids = [secrets.token_hex(16) for _ in range(count)]
    _RNG.shuffle(ids)
    session.add_all(m.StaffSurveyBallot(id=i, round_id=round_id, used=False) for i in ids)
    session.flush()


def open_round(*, session: Session, survey: str | int, data: s.RoundIn, by: str) -> s.RoundOut:
    """Open a round for an audience; blank ballots for everyone invited are made, shuffled."""
    sv = _survey(session, survey)
    if data.closes_on < data.opens_on:
        raise Invalid(
            "the round must close on or after the day it opens",
            [Problem("before opening", field="closes_on")],
        )
    if session.scalars(
        select(m.StaffSurveyRound.id).where(
            m.StaffSurveyRound.survey_id == sv.id, m.StaffSurveyRound.label == data.label
        )
    ).first():
        raise Conflict(
            f"survey {sv.name!r} already has a round {data.label!r}",
            [Problem("exists", field="label")],
        )
    r = m.StaffSurveyRound(
        survey_id=sv.id,
        label=data.label,
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        opened_by=by,
    )
    session.add(r)
    session.flush()
    for site in data.sites:
        site_row = session.scalars(select(Site).where(Site.name == site)).first()
        if site_row is None:
            raise NotFound(f"no site {site!r}", [Problem("not found", field="sites")])
        session.add(m.StaffSurveyAudience(round_id=r.id, site_id=site_row.id))
    for team in data.teams:
        team_row = session.scalars(select(Team).where(Team.name == team)).first()
        if team_row is None:
            raise NotFound(f"no team {team!r}", [Problem("not found", field="teams")])
        session.add(m.StaffSurveyAudience(round_id=r.id, team_id=team_row.id))
    session.flush()
    _add_blank_ballots(session, r.id, len(_audience_clause(session, r)) + BLANK_BATCH)
    return _round_out(session, sv, r)


def close_round(*, session: Session, round_id: int) -> s.RoundOut:
    """Close a round: no more answers; the blank ballots left are deleted, and a tenure band
    that fewer than the minimum share within their team is dropped from their ballots."""
    r = _round(session, round_id)
    if r.closed:
        raise Conflict(f"round {r.label!r} is already closed", [Problem("closed", field="round")])
    r.closed = True
    min_size = session.get_one(m.StaffSurvey, r.survey_id).min_respondents
    used = list(
        session.scalars(
            select(m.StaffSurveyBallot).where(
                m.StaffSurveyBallot.round_id == r.id, m.StaffSurveyBallot.used.is_(True)
            )
        )
    )
    per_cell: dict[tuple[int | None, int | None, str | None], int] = {}
    for b in used:
        key = (b.site_id, b.team_id, b.tenure_band)
        per_cell[key] = per_cell.get(key, 0) + 1
    for b in used:
        if per_cell[(b.site_id, b.team_id, b.tenure_band)] < min_size:
            b.tenure_band = None  # at rest, a band held by fewer than the minimum is dropped
    for ballot in session.scalars(
        select(m.StaffSurveyBallot).where(
            m.StaffSurveyBallot.round_id == r.id, m.StaffSurveyBallot.used.is_(False)
        )
    ):
        session.delete(ballot)
    session.flush()
    return _round_out(session, session.get_one(m.StaffSurvey, r.survey_id), r)


# --- answering -------------------------------------------------------------------------------


def _has_answered(session: Session, round_id: int, person_id: int) -> bool:
    return session.get(m.StaffSurveyRespondent, (round_id, person_id)) is not None


def open_rounds_for(*, session: Session, person_id: int, today: date) -> list[s.OpenRound]:
    """The rounds open today to which the person is invited, and whether they have answered."""
    person = session.get(Person, person_id)
    if person is None:
        return []
    out = []
    rounds = session.scalars(
        select(m.StaffSurveyRound)
        .where(
            m.StaffSurveyRound.closed.is_(False),
            m.StaffSurveyRound.opens_on <= today,
            m.StaffSurveyRound.closes_on >= today,
        )
        .order_by(m.StaffSurveyRound.closes_on, m.StaffSurveyRound.id)
    )
    for r in rounds:
        if person not in _audience_clause(session, r):
            continue
        sv = session.get_one(m.StaffSurvey, r.survey_id)
        out.append(
            s.OpenRound(
                round_id=r.id,
                survey=sv.name,
                label=r.label,
                closes_on=r.closes_on,
                answered=_has_answered(session, r.id, person_id),
                questions=[_question_out(q) for q in _questions(session, sv.id)],
            )
        )
    return out


def _validate(questions: Sequence[m.StaffSurveyQuestion], answers: dict[str, int | str]) -> str:
    known = {q.key: q for q in questions}
    problems: list[Problem] = []
    clean: dict[str, int | str] = {}
    for key in answers:
        if key not in known:
            problems.append(Problem("no such question", field=key))
    for q in questions:
        value = answers.get(q.key)
        if q.kind == "rating":
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
                problems.append(Problem("give a rating from 1 to 5", field=q.key))
            else:
                clean[q.key] = value
        elif q.kind == "choice":
            options = [c for c in q.choices.split("\n") if c]
            if value not in options:
                problems.append(Problem(f"choose one of: {', '.join(options)}", field=q.key))
            else:
                clean[q.key] = str(value)
        else:
            text = "" if value is None else str(value).strip()
            if len(text) > 2000:
                problems.append(Problem("at most 2000 characters", field=q.key))
            elif text:
                clean[q.key] = text
    if problems:
        raise Invalid(
            "the answers are incomplete or wrong: "
            + "; ".join(f"{p.field}: {p.message}" for p in problems),
            problems,
        )
    return json.dumps(clean, sort_keys=True, ensure_ascii=False)


def answer(
    *, session: Session, round_id: int, person_id: int, data: s.AnswerIn, today: date
) -> None:
    """Answer a round anonymously (once; only while it is open; only if invited).

    Returns nothing: not even the ballot's key leaves this function.
    """
    r = _round(session, round_id)
    if r.closed or today > r.closes_on:
        raise Conflict(
            f"round {r.label!r} is closed: answers are no longer taken",
            [Problem("closed", field="round")],
        )
    if today < r.opens_on:
        raise Conflict(
            f"round {r.label!r} opens on {r.opens_on.isoformat()}",
            [Problem("not open yet", field="round")],
        )
    person = session.get(Person, person_id)
    if person is None or person not in _audience_clause(session, r):
        raise Forbidden("you are not invited to this round", [Problem("not invited")])
    if _has_answered(session, r.id, person_id):
        raise Conflict(
            "you have already answered this round (answers cannot be changed: they are not "
            "linked to you)",
            [Problem("already answered", field="round")],
        )
    stored = _validate(_questions(session, r.survey_id), data.answers)
    blanks = list(
        session.scalars(
            select(m.StaffSurveyBallot.id).where(
                m.StaffSurveyBallot.round_id == r.id, m.StaffSurveyBallot.used.is_(False)
            )
        )
    )
    if not blanks:
        _add_blank_ballots(session, r.id, BLANK_BATCH)
        return answer(
            session=session, round_id=round_id, person_id=person_id, data=data, today=today
        )
    ballot = session.get_one(m.StaffSurveyBallot, _RNG.choice(blanks))
    ballot.used = True
    ballot.site_id = person.site_id
    ballot.team_id = person.team_id
    ballot.tenure_band = tenure_band(person.hire_date, r.opens_on)
    ballot.answers = stored
    session.add(m.StaffSurveyRespondent(round_id=r.id, person_id=person_id))
    session.flush()
    _rewrite_round(session, r.id)


def _rewrite_round(session: Session, round_id: int) -> None:
    """Rewrite every ballot and respondent row of the round in the answering transaction.

    PostgreSQL stamps each row version with the id of the transaction that wrote it (``xmin``,
    readable by any SQL user): the filled ballot and the new respondent row would share one that
    no other row has. Rewritten together, every row of the round carries the last answer's id,
    so the stamp ties no ballot to a person. (Old row versions stay in the table until VACUUM and
    in the write-ahead log; reading those needs the server's files or superuser tools.)
    """
    for table in (m.StaffSurveyBallot, m.StaffSurveyRespondent):
        session.execute(
            update(table)
            .where(table.round_id == round_id)
            .values(round_id=table.round_id)
            .execution_options(synchronize_session=False)
        )


def remind(*, session: Session, round_id: int, scope: org_service.Scope) -> int:
    """Notify each invited person in scope who has not answered; return how many were reminded.

    The caller learns only the number: each reminder goes to its person alone.
    """
    r = _round(session, round_id)
    if r.closed:
        raise Conflict(f"round {r.label!r} is closed", [Problem("closed", field="round")])
    answered = set(
        session.scalars(
            select(m.StaffSurveyRespondent.person_id).where(
                m.StaffSurveyRespondent.round_id == r.id
            )
        )
    )
    in_scope = set(session.scalars(select(Person.id).where(scope.people_clause())))
    pending = [
        p.id for p in _audience_clause(session, r) if p.id not in answered and p.id in in_scope
    ]
    if not pending:
        return 0
    users = session.scalars(
        select(User.id).where(User.person_id.in_(pending), User.disabled_at.is_(None))
    ).all()
    sv = session.get_one(m.StaffSurvey, r.survey_id)
    return notifications_service.notify(
        session=session,
        user_ids=users,
        kind="staff_survey_reminder",
        subject=f"Survey {sv.name} ({r.label}) closes on {r.closes_on.isoformat()}",
        body="Your answers are anonymous: they are stored with no link to you.",
        link="/surveys/answer",
    )


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ballot:
    cell: Cell
    answers: dict[str, int | str]


@dataclass(frozen=True)
class _Cut:
    by: str
    key: str
    label: str
    cells: frozenset[Hashable]


def _ballots(session: Session, round_id: int) -> list[_Ballot]:
    rows = session.scalars(
        select(m.StaffSurveyBallot).where(
            m.StaffSurveyBallot.round_id == round_id, m.StaffSurveyBallot.used.is_(True)
        )
    )
    return [
        _Ballot(
            cell=(b.site_id, b.team_id, b.tenure_band or "unknown"), answers=json.loads(b.answers)
        )
        for b in rows
    ]


def _cuts(session: Session, ballots: Sequence[_Ballot]) -> list[_Cut]:
    """Every cut a round can be shown by, in the order disclosure control considers them: the
    whole round, sites, teams, tenure bands, then site x band and team x band, each group of
    cuts largest first (so the most useful are kept and the smaller withheld)."""
    counts: dict[Hashable, int] = {}
    for b in ballots:
        counts[b.cell] = counts.get(b.cell, 0) + 1
    cells: list[Cell] = list(dict.fromkeys(b.cell for b in ballots))
    site_names = {x.id: x.name for x in session.scalars(select(Site))}
    team_names = {x.id: x.name for x in session.scalars(select(Team))}

    def name(kind: str, value: int | str | None) -> str:
        if kind == "site" and isinstance(value, int):
            return site_names.get(value, "?")
        if kind == "team" and isinstance(value, int):
            return team_names.get(value, "?")
        return str(value)

    def grouped(by: str, key_of: Callable[[Cell], GroupKey | None]) -> list[_Cut]:
        members: dict[GroupKey, set[Hashable]] = {}
        for c in cells:
            k = key_of(c)
            if k is not None:
                members.setdefault(k, set()).add(c)
        out = [
            _Cut(
                by=by,
                key=repr(k),
                label=" · ".join(name(kind, v) for kind, v in k),
                cells=frozenset(group),
            )
            for k, group in members.items()
        ]
        out.sort(key=lambda cut: (-disclosure.size(cut.cells, counts), cut.label))
        return out

    cuts = [_Cut(by="all", key="all", label="All", cells=frozenset(cells))]
    cuts += grouped("site", lambda c: (("site", c[0]),) if c[0] is not None else None)
    cuts += grouped("team", lambda c: (("team", c[1]),) if c[1] is not None else None)
    cuts += grouped("tenure", lambda c: (("band", c[2]),))
    cuts += grouped(
        "site_tenure", lambda c: (("site", c[0]), ("band", c[2])) if c[0] is not None else None
    )
    cuts += grouped(
        "team_tenure", lambda c: (("team", c[1]), ("band", c[2])) if c[1] is not None else None
    )
    return cuts


@dataclass(frozen=True)
class Disclosed:
    """Every cut of a round with its disclosure decision for scores and for comments."""

    cut: _Cut
    respondents: int
    scores: disclosure.Decision
    comments: disclosure.Decision


def disclosed_cuts(*, session: Session, round_id: int) -> list[Disclosed]:
    """Every cut of a closed round and whether its scores and comments may be shown."""
    r = _round(session, round_id)
    sv = session.get_one(m.StaffSurvey, r.survey_id)
    ballots = _ballots(session, r.id)
    text_keys = [q.key for q in _questions(session, sv.id) if q.kind == "text"]
    respondents: dict[Hashable, int] = {}
    comments: dict[Hashable, int] = {}
    for b in ballots:
        respondents[b.cell] = respondents.get(b.cell, 0) + 1
        comments[b.cell] = comments.get(b.cell, 0) + sum(1 for k in text_keys if k in b.answers)
    cuts = _cuts(session, ballots)
    pairs = [(cut.key, cut.cells) for cut in cuts]
    score_decisions = disclosure.publishable(pairs, respondents, sv.min_respondents)
    comment_decisions = disclosure.publishable(pairs, comments, sv.min_comments)
    return [
        Disclosed(
            cut=cut,
            respondents=disclosure.size(cut.cells, respondents),
            scores=sd,
            comments=cd,
        )
        for cut, sd, cd in zip(cuts, score_decisions, comment_decisions, strict=True)
    ]


def _score(values: list[float]) -> s.Score:
    iv = engine_stats.mean_interval(values)
    return s.Score(
        mean=round(iv.point, 3),
        low=None if math.isnan(iv.low) else round(iv.low, 3),
        high=None if math.isnan(iv.high) else round(iv.high, 3),
        n=iv.n,
    )


def _round_for(session: Session, sv: m.StaffSurvey, label: str | None) -> m.StaffSurveyRound:
    rounds = _rounds(session, sv.id)
    if label is None:
        closed = [r for r in rounds if r.closed]
        if not closed:
            raise Conflict(
                f"survey {sv.name!r} has no closed round: results are shown once a round closes",
                [Problem("no closed round", field="round")],
            )
        return closed[-1]
    for r in rounds:
        if r.label == label:
            if not r.closed:
                raise Conflict(
                    f"round {label!r} is still open: results are shown once it closes",
                    [Problem("open", field="round")],
                )
            return r
    raise NotFound(
        f"survey {sv.name!r} has no round {label!r}", [Problem("not found", field="round")]
    )


def _allowed(cut: _Cut, scope: org_service.Scope, team_ids: frozenset[int] | None) -> bool:
    """A team-scoped reader (a team leader) sees only the cuts of their own teams; a site-scoped
    one the whole round's cut and the cuts within their sites."""
    if scope.everything:
        return True
    cells = [c for c in cut.cells if isinstance(c, tuple)]
    if team_ids is not None:
        return cut.by in ("team", "team_tenure") and all(c[1] in team_ids for c in cells)
    if cut.by == "all":
        return True
    return all(c[0] is not None and scope.allows_site(c[0]) for c in cells)


def results(
    *,
    session: Session,
    survey: str | int,
    by: s.GroupBy = "team",
    round_label: str | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> s.ResultsOut:
    """A closed round's results by a grouping; groups too small to show, or whose showing would
    let a smaller group be computed by subtraction, are suppressed (no scores)."""
    sv = _survey(session, survey)
    r = _round_for(session, sv, round_label)
    questions = _questions(session, sv.id)
    ballots = _ballots(session, r.id)
    team_ids = (
        scope.team_ids
        if scope.kind in (ScopeKind.teams, ScopeKind.own) and not scope.everything
        else None
    )
    groups: list[s.GroupResult] = []
    for d in disclosed_cuts(session=session, round_id=r.id):
        if d.cut.by != by or not _allowed(d.cut, scope, team_ids):
            continue
        inside = [b for b in ballots if b.cell in d.cut.cells]
        if not d.scores.published:
            groups.append(
                s.GroupResult(
                    group=d.cut.label,
                    respondents=d.respondents,
                    suppressed=True,
                    reason=d.scores.reason,
                    scores=None,
                )
            )
            continue
        scores = {
            q.key: _score([float(b.answers[q.key]) for b in inside if q.key in b.answers])
            for q in questions
            if q.kind == "rating"
        }
        choices = {
            q.key: {
                c: sum(1 for b in inside if b.answers.get(q.key) == c)
                for c in q.choices.split("\n")
                if c
            }
            for q in questions
            if q.kind == "choice"
        }
        comments: list[str] | None = None
        if d.comments.published:
            comments = [
                str(b.answers[q.key])
                for b in inside
                for q in questions
                if q.kind == "text" and q.key in b.answers
            ]
            _RNG.shuffle(comments)
        groups.append(
            s.GroupResult(
                group=d.cut.label,
                respondents=d.respondents,
                suppressed=False,
                reason="published",
                scores=scores,
                choices=choices or None,
                comments=comments,
            )
        )
    if not groups and not scope.everything:
        raise Forbidden(
            "no result of this round is about a group in your scope",
            [Problem("out of scope", field="by")],
        )
    return s.ResultsOut(
        survey=sv.name,
        round=r.label,
        by=by,
        min_respondents=sv.min_respondents,
        min_comments=sv.min_comments,
        invited=len(_audience_clause(session, r)),
        respondents=len(ballots),
        groups=sorted(groups, key=lambda g: g.group),
    )


def team_engagement(
    *, session: Session, round_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> list[s.TeamEngagement]:
    """Each team's engagement index in a closed round (every rating question counts, each
    respondent weighs once), for the teams in scope; a team whose scores disclosure control
    withholds (too small, or computable by subtraction) has no index."""
    r = _round(session, round_id)
    ratings = [q.key for q in _questions(session, r.survey_id) if q.kind == "rating"]
    ballots = _ballots(session, r.id)
    team_ids = (
        scope.team_ids
        if scope.kind in (ScopeKind.teams, ScopeKind.own) and not scope.everything
        else None
    )
    out = []
    for d in disclosed_cuts(session=session, round_id=r.id):
        if d.cut.by != "team" or not _allowed(d.cut, scope, team_ids):
            continue
        index = None
        if d.scores.published:
            own = [
                [float(b.answers[k]) for k in ratings if k in b.answers]
                for b in ballots
                if b.cell in d.cut.cells
            ]
            index = _score([sum(v) / len(v) for v in own if v])
        out.append(
            s.TeamEngagement(
                team=d.cut.label,
                respondents=d.respondents,
                suppressed=not d.scores.published,
                reason=d.scores.reason if not d.scores.published else "published",
                index=index,
            )
        )
    return sorted(out, key=lambda t: t.team)


def cut_result(
    *,
    session: Session,
    survey: str | int,
    by: s.GroupBy,
    group: str,
    round_label: str | None = None,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> s.GroupResult:
    """One group's result; a suppressed group is refused with the reason, showing nothing."""
    out = results(session=session, survey=survey, by=by, round_label=round_label, scope=scope)
    for g in out.groups:
        if g.group == group:
            if g.suppressed:
                why = (
                    f"fewer than {out.min_respondents} respondents"
                    if g.reason == "small"
                    else "showing it would let a group of fewer than "
                    f"{out.min_respondents} be computed by subtraction from other results"
                )
                raise Forbidden(
                    f"the result for {group!r} is not shown: {why}",
                    [Problem(g.reason, field="group")],
                )
            return g
    raise NotFound(
        f"no group {group!r} by {by} in round {out.round!r}", [Problem("not found", field="group")]
    )


def trend(
    *,
    session: Session,
    survey: str | int,
    by: s.GroupBy,
    group: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> list[s.TrendPoint]:
    """A group's scores (with intervals) across the survey's closed rounds, suppressed rounds
    included as such."""
    sv = _survey(session, survey)
    points = []
    for r in _rounds(session, sv.id):
        if not r.closed:
            continue
        out = results(session=session, survey=sv.id, by=by, round_label=r.label, scope=scope)
        for g in out.groups:
            if g.group == group:
                points.append(
                    s.TrendPoint(
                        round=r.label,
                        opens_on=r.opens_on,
                        respondents=g.respondents,
                        suppressed=g.suppressed,
                        scores=g.scores,
                    )
                )
    return points


def person_login(*, session: Session, person_id: int) -> str | None:
    """The login of a person (None when there is none)."""
    p = session.get(Person, person_id)
    return p.login if p else None
