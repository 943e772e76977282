"""The open swap board: a shift posted to give away reaches only colleagues with the skills and
room in their contract; a take inside the rules (same skills, coverage unchanged, rest and weekly
hours kept) is approved into a new published version; a trade that would change coverage goes
to the planner; a take that breaks the rest rule is refused naming it and nothing changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ccops.errors import Conflict, Invalid
from ccops.org.models import Person
from ccops.wfm.requests.models import ScheduleRequest
from ccops.wfm.schedules.models import Schedule, ScheduledShift, WorkContract
from ccops.wfm.swapboard import schemas, service
from tests.wfm.requests.test_service import published  # noqa: F401  (the fixture)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MON, TUE = date(2026, 11, 23), date(2026, 11, 24)


def _pid(session: Session, login: str) -> int:
    return session.scalars(select(Person.id).where(Person.login == login)).one()


def _post(session: Session, login: str, day: date, kind: schemas.PostKind) -> schemas.PostOut:
    return service.create(
        session=session,
        person_id=_pid(session, login),
        data=schemas.PostIn(day=day, kind=kind, note="family"),
        now=NOW,
    )


def _works(session: Session, login: str, day: date) -> bool:
    return any(
        s.date() == day
        for s in session.scalars(
            select(ScheduledShift.start_at)
            .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
            .where(Schedule.status == "published", ScheduledShift.person_id == _pid(session, login))
        )
    )


def _versions(session: Session) -> int:
    return session.scalar(select(func.count(Schedule.id))) or 0


@pytest.mark.usefixtures("published")
def test_a_shift_given_away_is_seen_by_those_free_and_approved_when_taken(
    session: Session,
) -> None:
    post = _post(session, "alice", MON, "give")  # bob works Monday, carol does not
    assert post.queues == ["Sales"] and post.shift.startswith("09:00-17:00")
    assert [p.id for p in service.board(session=session, person_id=_pid(session, "carol"))] == [
        post.id
    ]
    assert service.board(session=session, person_id=_pid(session, "bob")) == []
    with pytest.raises(Conflict, match="already work on 2026-11-23"):
        service.take(session=session, post_id=post.id, person_id=_pid(session, "bob"))
    taken = service.take(session=session, post_id=post.id, person_id=_pid(session, "carol"))
    assert taken.status == "approved" and taken.schedule_id is not None
    assert "coverage unchanged" in taken.outcome
    assert _works(session, "carol", MON) and not _works(session, "alice", MON)


@pytest.mark.usefixtures("published")
def test_a_trade_of_the_same_shift_is_approved(session: Session) -> None:
    post = _post(session, "alice", TUE, "trade")  # alice and carol both work 09:00 Tuesday
    taken = service.take(session=session, post_id=post.id, person_id=_pid(session, "carol"))
    assert taken.status == "approved" and taken.taker == "carol"


@pytest.mark.usefixtures("published")
def test_a_trade_that_changes_coverage_goes_to_the_planner(session: Session) -> None:
    post = _post(session, "alice", MON, "trade")  # alice 09:00, bob 08:00 on Monday
    before = _versions(session)
    taken = service.take(session=session, post_id=post.id, person_id=_pid(session, "bob"))
    assert taken.status == "to_planner" and "coverage would change" in taken.outcome
    request = session.get(ScheduleRequest, taken.request_id)
    assert request is not None and (request.kind, request.status) == ("swap", "pending")
    assert _versions(session) == before  # nothing published
    assert _works(session, "alice", MON)


@pytest.mark.usefixtures("published")
def test_a_take_that_breaks_the_rest_rule_is_refused_naming_it(session: Session) -> None:
    session.execute(update(WorkContract).values(min_rest_h=20))
    post = _post(session, "alice", MON, "give")  # carol works Tuesday 09:00: 16 h of rest
    before = _versions(session)
    with pytest.raises(Conflict, match=r"contract needs 20 h \(nothing changed\)"):
        service.take(session=session, post_id=post.id, person_id=_pid(session, "carol"))
    assert _versions(session) == before
    assert service.board(session=session, person_id=_pid(session, "alice"))[0].status == "open"
    assert _works(session, "alice", MON) and not _works(session, "carol", MON)


@pytest.mark.usefixtures("published")
def test_bad_posts_and_takes_are_named(session: Session) -> None:
    with pytest.raises(Invalid, match="no published shift on 2026-11-25"):
        _post(session, "alice", date(2026, 11, 25), "give")
    post = _post(session, "alice", MON, "give")
    with pytest.raises(Conflict, match="still open"):
        _post(session, "alice", MON, "trade")
    with pytest.raises(Invalid, match="your own post"):
        service.take(session=session, post_id=post.id, person_id=_pid(session, "alice"))
    with pytest.raises(Invalid, match="only its poster"):
        service.withdraw(session=session, post_id=post.id, person_id=_pid(session, "carol"))
    out = service.withdraw(session=session, post_id=post.id, person_id=_pid(session, "alice"))
    assert out.status == "withdrawn"
    with pytest.raises(Conflict, match="withdrawn"):
        service.take(session=session, post_id=post.id, person_id=_pid(session, "carol"))
