"""Overtime and VTO offers: the cost is known before sending; only people with the skill, free
then and with room in their contract see and accept an overtime slot; first come up to the
slots, each acceptance published as a new schedule version; a VTO releases a worked shift;
every refusal names its rule and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.errors import Conflict, Invalid
from ccops.org.models import Person
from ccops.wfm.overtime import schemas, service
from ccops.wfm.overtime.models import OvertimeOffer
from ccops.wfm.schedules.models import Schedule, ScheduledShift
from tests.wfm.requests.test_service import published  # noqa: F401  (the fixture)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _pid(session: Session, login: str) -> int:
    return session.scalars(select(Person.id).where(Person.login == login)).one()


def _offer(
    session: Session, kind: schemas.OfferKind, start: datetime, end: datetime, slots: int
) -> schemas.OfferOut:
    data = schemas.OfferIn(
        site="Main",
        queue="Sales",
        kind=kind,
        start=start,
        end=end,
        slots=slots,
        template="day",
        premium=1.5,
    )
    return service.create(session=session, data=data, created_by="u-plan", now=NOW)


def _published_shifts(session: Session, login: str) -> list[tuple[datetime, datetime]]:
    return [
        (s.start_at, s.end_at)
        for s in session.scalars(
            select(ScheduledShift)
            .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
            .where(Schedule.status == "published", ScheduledShift.person_id == _pid(session, login))
        )
    ]


def _versions(session: Session) -> int:
    return session.scalar(select(func.count(Schedule.id))) or 0


@pytest.mark.usefixtures("published")
def test_overtime_costs_are_shown_and_slots_go_first_come(session: Session) -> None:
    start = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)  # the Sunday of 2026-W48
    end = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    data = schemas.OfferIn(
        site="Main", queue="Sales", start=start, end=end, slots=1, template="day", premium=1.5
    )
    assert service.quote(session=session, data=data) == {
        "hours": 2.0,
        "cost_per_slot": 60.0,  # 20 per hour × 2 h × 1.5
        "total_cost": 60.0,
    }
    offer = _offer(session, "overtime", start, end, 1)
    assert (offer.cost_per_slot, offer.total_cost, offer.status) == (60.0, 60.0, "open")
    row = session.get(OvertimeOffer, offer.id)
    assert row is not None
    may = {
        p.login
        for p in session.scalars(select(Person))
        if service.why_not(session, row, p, NOW) is None
    }
    assert may and "zoe" not in may  # zoe has no Sales skill
    first, *rest = sorted(may)
    versions = _versions(session)
    out = service.accept(
        session=session, offer_id=offer.id, person_id=_pid(session, first), now=NOW
    )
    assert (out.accepted_by, out.taken, out.status) == ([first], 1, "full")
    assert (start, end) in _published_shifts(session, first)
    assert _versions(session) == versions + 1
    for login in rest + ["zoe"]:
        with pytest.raises(Conflict, match="offer .* is full|no skill"):
            service.accept(
                session=session, offer_id=offer.id, person_id=_pid(session, login), now=NOW
            )
    assert _versions(session) == versions + 1


@pytest.mark.usefixtures("published")
def test_refusals_name_the_rule_and_change_nothing(session: Session) -> None:
    worked = next(
        (login, s, e)
        for login in ("alice", "bob", "carol")
        for s, e in sorted(_published_shifts(session, login))
    )
    login, shift_start, shift_end = worked
    offer = _offer(session, "overtime", shift_start, shift_end, 3)
    versions = _versions(session)
    with pytest.raises(Conflict, match="already work then"):
        service.accept(session=session, offer_id=offer.id, person_id=_pid(session, login), now=NOW)
    with pytest.raises(Conflict, match="no skill for Sales"):
        service.accept(session=session, offer_id=offer.id, person_id=_pid(session, "zoe"), now=NOW)
    later = datetime(2026, 12, 1, tzinfo=UTC)
    with pytest.raises(Conflict, match="in the past"):
        service.accept(
            session=session, offer_id=offer.id, person_id=_pid(session, login), now=later
        )
    closed = service.close(session=session, offer_id=offer.id)
    assert closed.status == "closed"
    with pytest.raises(Conflict, match="is closed"):
        service.accept(session=session, offer_id=offer.id, person_id=_pid(session, login), now=NOW)
    assert _versions(session) == versions
    with pytest.raises(Invalid, match="in the past"):
        _offer(
            session,
            "overtime",
            datetime(2026, 11, 1, 9, tzinfo=UTC),
            datetime(2026, 11, 1, 10, tzinfo=UTC),
            1,
        )
    with pytest.raises(Invalid, match="no published schedule"):
        _offer(
            session,
            "overtime",
            datetime(2027, 3, 1, 9, tzinfo=UTC),
            datetime(2027, 3, 1, 10, tzinfo=UTC),
            1,
        )


@pytest.mark.usefixtures("published")
def test_vto_releases_a_worked_shift_into_a_new_version(session: Session) -> None:
    login, (start, end) = next(
        (login, sorted(_published_shifts(session, login))[0]) for login in ("alice", "bob")
    )
    offer = _offer(session, "vto", start, end, 1)
    hours = (end - start).total_seconds() / 3600
    assert offer.cost_per_slot == -round(20.0 * hours, 2)  # a saving, no premium
    out = service.accept(
        session=session, offer_id=offer.id, person_id=_pid(session, login), now=NOW
    )
    assert out.status == "full" and out.accepted_by == [login]
    assert (start, end) not in _published_shifts(session, login)
