"""Time-off allowances: what a request books, the balance it leaves, automatic grants inside
the open slots (coverage against the staffing requirement), the planner's desk otherwise with
the reason, cancellations returning hours, and a request beyond the balance refused by name."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ccops.errors import Conflict, Forbidden, Invalid
from ccops.notifications.models import Notification
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person, Team
from ccops.wfm.allowances import schemas, service
from ccops.wfm.requests import service as request_service
from ccops.wfm.requests.models import ScheduleRequest
from ccops.wfm.requests.schemas import RequestIn, RequestOut
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.schedules.models import CoverageInterval, Schedule, ScheduledShift, TimeOff
from tests.wfm.requests.test_service import published  # noqa: F401  (the fixture)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the Friday before the week 2026-W48
MONDAY = date(2026, 11, 23)
TUESDAY, WEDNESDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)


def _pid(session: Session, login: str) -> int:
    return session.scalars(select(Person.id).where(Person.login == login)).one()


def _policy(session: Session, annual_h: float = 80.0, **kw: object) -> schemas.PolicyOut:
    return service.set_policy(
        session=session,
        data=schemas.PolicyIn.model_validate({"contract": "flex", "annual_h": annual_h, **kw}),
        updated_by="planner",
    )


def _ask(session: Session, login: str, first: date, last: date | None = None) -> RequestOut:
    return request_service.create(
        session=session,
        person_id=_pid(session, login),
        data=RequestIn(kind="time_off", start_day=first, end_day=last or first, reason="holiday"),
        created_by=login,
        now=NOW,
    )


def _spare_agent_on(session: Session, day: date) -> None:
    """One more agent scheduled than required in every interval of the day (UTC site)."""
    lo = datetime.combine(day, datetime.min.time(), UTC)
    session.execute(
        update(CoverageInterval)
        .where(
            CoverageInterval.interval_start >= lo,
            CoverageInterval.interval_start < lo + timedelta(days=1),
        )
        .values(scheduled=CoverageInterval.scheduled + 1)
    )


def _balance(session: Session, login: str = "alice") -> schemas.BalanceOut:
    return service.balance(session=session, login=login, year=2026, now=NOW)


def _alice_shift_days(session: Session) -> set[date]:
    return {
        s.date()
        for s in session.scalars(
            select(ScheduledShift.start_at)
            .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
            .where(
                Schedule.status == "published", ScheduledShift.person_id == _pid(session, "alice")
            )
        )
    }


@pytest.mark.usefixtures("published")
def test_a_fresh_balance_is_the_whole_allowance(session: Session) -> None:
    _policy(session, 80.0)
    out = _balance(session)
    assert (out.allowance_h, out.taken_h, out.planned_h, out.remaining_h) == (80.0, 0.0, 0.0, 80.0)
    assert out.contract == "flex" and out.accrual == "upfront"


@pytest.mark.usefixtures("published")
def test_time_off_beyond_the_balance_is_refused_naming_the_rule_and_nothing_is_stored(
    session: Session,
) -> None:
    _policy(session, 10.0)
    with pytest.raises(Conflict, match=r"beyond the balance.*15 h.*10 h.*rule: time-off allowance"):
        _ask(session, "alice", MONDAY, TUESDAY)  # two shifts of 7.5 paid hours
    assert session.scalar(select(func.count(ScheduleRequest.id))) == 0
    assert _balance(session).remaining_h == 10.0


@pytest.mark.usefixtures("published")
def test_without_an_open_slot_the_request_goes_to_the_planner_with_the_reason(
    session: Session,
) -> None:
    _policy(session, 80.0)
    out = _ask(session, "alice", MONDAY)  # coverage meets the requirement exactly: no slot
    assert out.status == "pending"
    bal = _balance(session)
    assert (bal.planned_h, bal.pending_h, bal.remaining_h) == (7.5, 7.5, 72.5)
    bodies = session.scalars(select(Notification.body)).all()
    assert any(f"no open slot on {MONDAY}" in b for b in bodies)
    assert MONDAY in _alice_shift_days(session)


@pytest.mark.usefixtures("published")
def test_inside_the_open_slots_and_the_balance_the_request_is_granted_automatically(
    session: Session,
) -> None:
    _policy(session, 80.0)
    _spare_agent_on(session, TUESDAY)
    out = _ask(session, "alice", TUESDAY)
    assert out.status == "granted" and out.decided_by == "auto-grant"
    assert out.schedule_id is not None
    assert TUESDAY not in _alice_shift_days(session)
    bal = _balance(session)
    assert (bal.taken_h, bal.planned_h, bal.pending_h, bal.remaining_h) == (0.0, 7.5, 0.0, 72.5)


@pytest.mark.usefixtures("published")
def test_automatic_grants_can_be_switched_off(session: Session) -> None:
    _policy(session, 80.0, auto_grant=False)
    _spare_agent_on(session, TUESDAY)
    assert _ask(session, "alice", TUESDAY).status == "pending"
    bodies = session.scalars(select(Notification.body)).all()
    assert any("automatic grants are off" in b for b in bodies)


@pytest.mark.usefixtures("published")
def test_a_day_without_a_shift_books_nothing(session: Session) -> None:
    _policy(session, 80.0)
    out = _ask(session, "alice", WEDNESDAY)  # alice does not work on Wednesday
    assert out.status == "granted"
    assert _balance(session).planned_h == 0.0


@pytest.mark.usefixtures("published")
def test_a_week_without_a_published_schedule_books_contract_days_and_asks_the_planner(
    session: Session,
) -> None:
    _policy(session, 80.0, hours_per_day=7.0)
    first = MONDAY + timedelta(days=7)
    out = _ask(session, "alice", first, first + timedelta(days=6))  # Mon..Sun: 5 workdays
    assert out.status == "pending"
    assert _balance(session).planned_h == 35.0
    assert any("no published schedule" in b for b in session.scalars(select(Notification.body)))


@pytest.mark.usefixtures("published")
def test_cancelling_granted_time_off_returns_the_hours(session: Session) -> None:
    _policy(session, 80.0)
    _spare_agent_on(session, TUESDAY)
    granted = _ask(session, "alice", TUESDAY)
    rid = granted.id
    with pytest.raises(Forbidden):
        request_service.withdraw(session=session, request_id=rid, person_id=_pid(session, "bob"))
    out = request_service.withdraw(
        session=session, request_id=rid, person_id=_pid(session, "alice"), now=NOW
    )
    assert out.status == "cancelled"
    assert _balance(session).remaining_h == 80.0
    off = session.get(TimeOff, granted.time_off_id)
    assert off is not None and off.status == "cancelled"


@pytest.mark.usefixtures("published")
def test_time_off_already_begun_cannot_be_cancelled(session: Session) -> None:
    _policy(session, 80.0)
    _spare_agent_on(session, TUESDAY)
    rid = _ask(session, "alice", TUESDAY).id
    with pytest.raises(Conflict, match="already begun"):
        request_service.cancel(
            session=session,
            request_id=rid,
            person_id=_pid(session, "alice"),
            now=datetime(2026, 11, 24, 10, tzinfo=UTC),
        )
    assert session.get(ScheduleRequest, rid).status == "granted"  # type: ignore[union-attr]


@pytest.mark.usefixtures("published")
def test_monthly_accrual_books_only_what_is_accrued_by_the_last_day(session: Session) -> None:
    _policy(session, 12.0, accrual="monthly")  # 1 h a month: 11 h by November
    with pytest.raises(Conflict, match="11 h of your 2026 allowance remain"):
        _ask(session, "alice", MONDAY, TUESDAY)
    bal = _balance(session)
    assert (bal.allowance_h, bal.accrued_h, bal.bookable_h) == (12.0, 11.0, 11.0)


@pytest.mark.usefixtures("published")
def test_without_a_policy_requests_go_to_the_planner_as_before(session: Session) -> None:
    assert _ask(session, "alice", MONDAY).status == "pending"
    bal = _balance(session)
    assert (bal.allowance_h, bal.planned_h, bal.contract) == (0.0, 0.0, "flex")


@pytest.mark.usefixtures("published")
def test_the_vacation_planner_shows_open_slots_from_coverage(session: Session) -> None:
    _policy(session, 80.0)
    org_service.create_team(session=session, data=org_schemas.TeamIn(name="Team A", site="Main"))
    session.flush()
    team_id = session.scalars(select(Team.id)).one()
    session.execute(
        update(Person).where(Person.login.in_(["alice", "bob"])).values(team_id=team_id)
    )
    _spare_agent_on(session, TUESDAY)
    _spare_agent_on(session, WEDNESDAY)
    _spare_agent_on(session, WEDNESDAY)
    _ask(session, "alice", MONDAY)  # waits (no slot)
    _ask(session, "bob", WEDNESDAY)  # granted (a slot)
    out = service.planner(session=session, team="Team A", week="2026-W48")
    by_day = {d.day: d for d in out.days}
    assert out.queues == ["Sales"]
    assert by_day[MONDAY].slots_open == 0 and by_day[MONDAY].waiting == ["alice"]
    assert by_day[TUESDAY].slots_open == 1 and by_day[TUESDAY].note == ""
    assert by_day[WEDNESDAY].off == ["bob"]
    assert by_day[WEDNESDAY].slots_open == 1  # two spare, bob's grant took one


@pytest.mark.usefixtures("published")
def test_bad_week_and_unknown_team_are_named(session: Session) -> None:
    with pytest.raises(Invalid, match="not an ISO week"):
        org_service.create_team(session=session, data=org_schemas.TeamIn(name="T", site="Main"))
        service.planner(session=session, team="T", week="2026-48")
    with pytest.raises(Exception, match="no team 'Nope'"):
        service.planner(session=session, team="Nope", week="2026-W48")


def test_policy_input_is_validated() -> None:
    with pytest.raises(ValueError, match="annual_h"):
        schemas.PolicyIn(contract="flex", annual_h=-1)
    with pytest.raises(ValueError, match="accrual"):
        schemas.PolicyIn.model_validate({"contract": "flex", "annual_h": 1, "accrual": "weekly"})
    assert ss.parse_week("2026-W48") == MONDAY
