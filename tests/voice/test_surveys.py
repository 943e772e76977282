"""Anonymous staff surveys on SQLite and PostgreSQL: answering once, while open, anonymously;
results under disclosure control across every cut of a round."""

from __future__ import annotations

import json
import logging
from collections.abc import Hashable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ccops.engines import disclosure
from ccops.enums import ScopeKind
from ccops.errors import Conflict, Forbidden, Invalid, NotFound
from ccops.org.access import Scope
from ccops.org.models import Team
from ccops.voice import schemas, surveys
from ccops.voice.models import StaffSurveyBallot, StaffSurveyRespondent
from tests.factories.voice import OPENS, answers, build_org, engagement

DURING = OPENS + timedelta(days=3)


def _open(session: Session, label: str = "2026-11", survey: str = "Pulse") -> int:
    r = surveys.open_round(
        session=session,
        survey=survey,
        data=schemas.RoundIn(label=label, opens_on=OPENS, closes_on=OPENS + timedelta(days=13)),
        by="admin",
    )
    return r.id


def _used(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(StaffSurveyBallot).where(StaffSurveyBallot.used)
        )
        or 0
    )


def test_answering_twice_a_closed_round_or_wrong_answers_is_refused_and_stores_nothing(
    session: Session,
) -> None:
    ids = build_org(session, {"Team A": ("Main", 3)})
    engagement(session)
    round_id = _open(session)
    person = ids["Team A"][0]
    surveys.answer(
        session=session, round_id=round_id, person_id=person, data=answers(4), today=DURING
    )
    assert _used(session) == 1
    with pytest.raises(Conflict, match="already answered"):
        surveys.answer(
            session=session, round_id=round_id, person_id=person, data=answers(1), today=DURING
        )
    with pytest.raises(Invalid, match="proud: give a rating from 1 to 5") as bad:
        surveys.answer(
            session=session,
            round_id=round_id,
            person_id=ids["Team A"][1],
            data=schemas.AnswerIn(answers={"proud": 9, "tools": "great", "extra": 1}),
            today=DURING,
        )
    assert {p.field for p in bad.value.problems} == {"proud", "tools", "extra"}
    with pytest.raises(Conflict, match="closed"):
        surveys.answer(
            session=session,
            round_id=round_id,
            person_id=ids["Team A"][1],
            data=answers(3),
            today=OPENS + timedelta(days=30),
        )
    surveys.close_round(session=session, round_id=round_id)
    with pytest.raises(Conflict, match="closed"):
        surveys.answer(
            session=session,
            round_id=round_id,
            person_id=ids["Team A"][2],
            data=answers(3),
            today=DURING,
        )
    assert _used(session) == 1
    assert session.scalar(select(func.count()).select_from(StaffSurveyRespondent)) == 1
    # closing deletes the blank ballots: only the one answer is left
    assert session.scalar(select(func.count()).select_from(StaffSurveyBallot)) == 1


def _answer_all(session: Session, round_id: int, ids: dict[str, list[int]]) -> None:
    for team, people in ids.items():
        for i, person in enumerate(people):
            surveys.answer(
                session=session,
                round_id=round_id,
                person_id=person,
                data=answers(1 + (i + len(team)) % 5, comment=f"{team} note {i}"),
                today=DURING,
            )


def test_results_suppress_small_teams_and_the_next_smallest_and_refuse_open_rounds(
    session: Session,
) -> None:
    ids = build_org(session, {"Team A": ("Main", 12), "Team B": ("Main", 7), "Team C": ("Main", 3)})
    engagement(session)
    round_id = _open(session)
    _answer_all(session, round_id, ids)
    with pytest.raises(Conflict, match="still open"):
        surveys.results(session=session, survey="Pulse", by="team", round_label="2026-11")
    surveys.close_round(session=session, round_id=round_id)
    out = surveys.results(session=session, survey="Pulse", by="team")
    got = {g.group: (g.respondents, g.suppressed, g.reason) for g in out.groups}
    assert got == {
        "Team A": (12, False, "published"),
        "Team B": (7, True, "complementary"),
        "Team C": (3, True, "small"),
    }
    team_b = next(g for g in out.groups if g.group == "Team B")
    assert team_b.scores is None and team_b.comments is None
    team_a = next(g for g in out.groups if g.group == "Team A")
    assert team_a.scores is not None
    proud = team_a.scores["proud"]
    assert proud.n == 12 and proud.low is not None and proud.low < proud.mean < (proud.high or 0)
    assert team_a.comments is not None and len(team_a.comments) == 12
    site = surveys.results(session=session, survey="Pulse", by="site").groups
    assert [(g.group, g.respondents, g.suppressed) for g in site] == [("Main", 22, False)]
    with pytest.raises(Forbidden, match="fewer than 5 respondents"):
        surveys.cut_result(session=session, survey="Pulse", by="team", group="Team C")
    with pytest.raises(Forbidden, match="computed by subtraction"):
        surveys.cut_result(session=session, survey="Pulse", by="team", group="Team B")
    with pytest.raises(NotFound):
        surveys.cut_result(session=session, survey="Pulse", by="team", group="Team Z")


def test_no_difference_between_any_published_cuts_isolates_fewer_than_the_minimum(
    session: Session,
) -> None:
    ids = build_org(
        session,
        {
            "Team A": ("Main", 11),
            "Team B": ("Main", 6),
            "Team C": ("Main", 4),
            "Team D": ("Other", 9),
            "Team E": ("Other", 5),
        },
    )
    engagement(session)
    round_id = _open(session)
    _answer_all(session, round_id, ids)
    surveys.close_round(session=session, round_id=round_id)
    cuts = surveys.disclosed_cuts(session=session, round_id=round_id)
    counts: dict[Hashable, int] = {}
    for ballot in session.scalars(select(StaffSurveyBallot)):
        cell = (ballot.site_id, ballot.team_id, ballot.tenure_band or "unknown")
        counts[cell] = counts.get(cell, 0) + 1
    published = [d.cut.cells for d in cuts if d.scores.published]
    assert len(published) >= 8
    assert {d.cut.by for d in cuts if d.scores.published} >= {"all", "site", "team"}
    # every pair (and pair or triple of disjoint cuts) subtracted from a published cut
    smallest = disclosure.smallest_difference(published, counts)
    assert smallest is None or smallest >= 5
    for outer in published:
        for inner in published:
            if inner < outer:
                assert disclosure.size(outer - inner, counts) in (0, *range(5, 1000))
    assert disclosure.is_safe(published, counts, 5)
    # comments: the same rule with 10
    with_comments = [d.cut.cells for d in cuts if d.comments.published]
    assert disclosure.is_safe(with_comments, counts, 10)
    # what the results show agrees: every cut shown with scores is in the published family
    bys: tuple[schemas.GroupBy, ...] = ("site", "team", "tenure", "site_tenure", "team_tenure")
    for by in bys:
        for g in surveys.results(session=session, survey="Pulse", by=by).groups:
            assert g.suppressed == (g.scores is None)
            if not g.suppressed:
                assert g.respondents >= 5


def test_a_team_leader_sees_only_their_own_team_and_only_above_the_minimum(
    session: Session,
) -> None:
    ids = build_org(session, {"Team A": ("Main", 6), "Team B": ("Main", 8)})
    engagement(session)
    round_id = _open(session)
    _answer_all(session, round_id, ids)
    surveys.close_round(session=session, round_id=round_id)
    team_a = session.scalars(select(Team.id).where(Team.name == "Team A")).one()
    leader = Scope(kind=ScopeKind.teams, site_ids=frozenset({1}), team_ids=frozenset({team_a}))
    out = surveys.results(session=session, survey="Pulse", by="team", scope=leader)
    assert [(g.group, g.suppressed) for g in out.groups] == [("Team A", False)]
    with pytest.raises(Forbidden, match="in your scope"):
        surveys.results(session=session, survey="Pulse", by="site", scope=leader)


def test_trend_across_rounds_keeps_suppressed_rounds_without_scores(session: Session) -> None:
    ids = build_org(session, {"Team A": ("Main", 6), "Team B": ("Main", 8)})
    engagement(session)
    first = _open(session, "2026-10")
    _answer_all(session, first, ids)
    surveys.close_round(session=session, round_id=first)
    second = _open(session, "2026-11")
    for person in ids["Team A"][:3] + ids["Team B"]:
        surveys.answer(
            session=session, round_id=second, person_id=person, data=answers(5), today=DURING
        )
    surveys.close_round(session=session, round_id=second)
    points = surveys.trend(session=session, survey="Pulse", by="team", group="Team A")
    assert [(p.round, p.respondents, p.suppressed) for p in points] == [
        ("2026-10", 6, False),
        ("2026-11", 3, True),
    ]
    assert points[0].scores is not None and points[1].scores is None


def test_full_database_access_logs_and_insert_order_cannot_tie_an_answer_to_a_person(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    # nothing in the answer tables can name a person, a session, an address or a time
    ballot_columns = {c.name for c in inspect(StaffSurveyBallot).columns}
    assert ballot_columns == {
        "id",
        "round_id",
        "used",
        "site_id",
        "team_id",
        "tenure_band",
        "answers",
    }
    assert {c.name for c in inspect(StaffSurveyRespondent).columns} == {"round_id", "person_id"}
    ids = build_org(session, {"Team A": ("Main", 2)})
    engagement(session)
    alice, bob = ids["Team A"]

    def world(first: tuple[int, int], second: tuple[int, int], label: str) -> int:
        round_id = _open(session, label)
        for person, rating in (first, second):
            surveys.answer(
                session=session,
                round_id=round_id,
                person_id=person,
                data=answers(rating, comment=f"rated {rating}"),
                today=DURING,
            )
        return round_id

    caplog.set_level(logging.DEBUG)
    # world 1: alice answers 5 first, then bob answers 1; world 2: bob answers 5 first, then
    # alice answers 1 (each world a round of its own).
    one = world((alice, 5), (bob, 1), "one")
    two = world((bob, 5), (alice, 1), "two")
    logged = caplog.text
    assert "rated" not in logged and all(
        b.id not in logged for b in session.scalars(select(StaffSurveyBallot))
    )

    def state(round_id: int) -> tuple[list[tuple[int | None, int | None, str]], list[str]]:
        rows = sorted(
            (b.site_id, b.team_id, b.answers)
            for b in session.scalars(
                select(StaffSurveyBallot).where(
                    StaffSurveyBallot.round_id == round_id, StaffSurveyBallot.used
                )
            )
        )
        who = sorted(
            str(r.person_id)
            for r in session.scalars(
                select(StaffSurveyRespondent).where(StaffSurveyRespondent.round_id == round_id)
            )
        )
        return rows, who

    # The two worlds differ in who said what and in what order, yet everything stored about
    # the answers (less the random keys) is the same: nothing ties an answer to its author.
    rows_one, who_one = state(one)
    rows_two, who_two = state(two)
    assert who_one == who_two
    # (the tenure band, which differs between alice and bob in the factory, is left out: like
    # site and team it is a reporting group, shown only under disclosure control)
    assert rows_one == rows_two
    # ballots are made blank and shuffled when a round opens and are filled at random: the
    # keys are random and, on SQLite, the table has no rowid that would keep insert order
    keys = [b.id for b in session.scalars(select(StaffSurveyBallot))]
    assert all(len(k) == 32 and int(k, 16) >= 0 for k in keys)
    if session.get_bind().dialect.name == "sqlite":
        with pytest.raises(OperationalError, match="rowid"):
            session.execute(text("SELECT rowid FROM staff_survey_ballot"))
        with pytest.raises(OperationalError, match="rowid"):
            session.execute(text("SELECT rowid FROM staff_survey_respondent"))
    stored = [json.loads(b.answers) for b in session.scalars(select(StaffSurveyBallot)) if b.used]
    assert sorted(a["proud"] for a in stored) == [1, 1, 5, 5]
    assert date.today() not in [v for a in stored for v in a.values()]


def test_postgres_row_stamps_tie_no_ballot_to_its_respondent(session: Session) -> None:
    """PostgreSQL's ``xmin`` (the writing transaction, readable by any SQL user) is the same on
    every ballot and respondent row of a round after each answer, so it matches no ballot to a
    person; on SQLite the tables keep no rowid (above) and there is no such stamp."""
    ids = build_org(session, {"Team A": ("Main", 3)})
    engagement(session)
    round_id = _open(session)
    session.commit()
    postgres = session.get_bind().dialect.name == "postgresql"

    def stamps(table: str) -> set[str]:
        rows = session.execute(
            text(f"SELECT xmin::text FROM {table} WHERE round_id = :r"), {"r": round_id}
        )
        return {x for (x,) in rows}

    seen: list[str] = []
    for person, rating in zip(ids["Team A"], (5, 3, 1), strict=True):
        surveys.answer(
            session=session, round_id=round_id, person_id=person, data=answers(rating), today=DURING
        )
        session.commit()
        if postgres:
            ballots, respondents = stamps("staff_survey_ballot"), stamps("staff_survey_respondent")
            assert len(ballots) == 1 and ballots == respondents
            seen.append(ballots.pop())
    assert _used(session) == 3
    if postgres:
        assert len(set(seen)) == 3  # each answer's transaction restamped the whole round
