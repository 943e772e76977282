"""Shift bidding: a planner opens a bid on lines, agents rank the lines open to them until the
close, the award follows the published rule (never a KPI) and tells each agent why; bad input is
refused naming the rule and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ccops.engines import bidding as engine
from ccops.errors import Conflict, Invalid, NotFound
from ccops.org.models import Person
from ccops.wfm.bidding import schemas, service
from ccops.wfm.bidding.models import BidRanking
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.schedules import setup as schedule_setup
from tests.factories.schedules import make_small_site
from tests.wfm.requests.test_service import published  # noqa: F401  (the fixture)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CLOSE = NOW + timedelta(days=3)
AFTER = CLOSE + timedelta(minutes=1)
HIRED = {"alice": date(2023, 1, 1), "bob": date(2020, 6, 1), "carol": date(2021, 3, 1)}


@pytest.fixture
def site(session: Session) -> None:
    make_small_site(session, timezone="UTC")
    for login, hired in HIRED.items():
        session.execute(update(Person).where(Person.login == login).values(hire_date=hired))
    session.flush()


def _pid(session: Session, login: str) -> int:
    return session.scalars(select(Person.id).where(Person.login == login)).one()


def _bid(session: Session, rule: schemas.Rule = "seniority", seed: int = 0) -> schemas.BidOut:
    return service.open_bid(
        session=session,
        data=schemas.BidIn(
            site="Main",
            name="Winter lines",
            first_day=date(2027, 1, 4),
            last_day=date(2027, 3, 28),
            rule=rule,
            seed=seed,
            closes_at=CLOSE,
            lines=[
                schemas.LineIn(template="day", start="08:00", weekdays=[0, 1, 2], queues=["Sales"]),
                schemas.LineIn(template="day", start="09:00", weekdays=[2, 3, 4], queues=["Sales"]),
                schemas.LineIn(template="day", start="10:00", weekdays=[0, 4]),
            ],
        ),
        created_by="planner",
        now=NOW,
    )


def _rank(session: Session, bid: schemas.BidOut, login: str, *picks: int) -> schemas.BidOut:
    return service.rank(
        session=session,
        bid_id=bid.id,
        person_id=_pid(session, login),
        data=schemas.RankingIn(lines=[bid.lines[k].id for k in picks]),
        now=NOW,
    )


@pytest.mark.usefixtures("site")
def test_lines_from_templates_carry_their_paid_hours(session: Session) -> None:
    bid = _bid(session)
    assert [line.label for line in bid.lines] == [
        "day 08:00 Mon Tue Wed",
        "day 09:00 Wed Thu Fri",
        "day 10:00 Mon Fri",
    ]
    assert [line.weekly_h for line in bid.lines] == [22.5, 22.5, 15.0]  # 7.5 paid h a day
    assert bid.status == "open" and bid.rule == "seniority"


@pytest.mark.usefixtures("site")
def test_seniority_awards_and_every_agent_sees_the_rule_and_their_position(
    session: Session,
) -> None:
    bid = _bid(session)
    for login in ("alice", "bob", "carol"):
        _rank(session, bid, login, 0, 1)  # everyone wants line 1 first, then line 2
    out = service.award(session=session, bid_id=bid.id, now=AFTER)
    got = {a.login: (a.line_id, a.position, a.choice) for a in out.awards}
    assert got == {
        "bob": (bid.lines[0].id, 1, 1),  # hired 2020
        "carol": (bid.lines[1].id, 2, 2),  # hired 2021
        "alice": (None, 3, None),  # hired 2023: both her choices went before her
    }
    mine = service.get_bid(
        session=session, bid_id=bid.id, person_id=_pid(session, "alice"), planner=False
    )
    assert [a.login for a in mine.awards] == ["alice"]  # an agent sees only their own award
    assert "rule: seniority" in mine.awards[0].reason
    assert "your position: 3 of 3" in mine.awards[0].reason
    assert "went to people before you" in mine.awards[0].reason


@pytest.mark.usefixtures("site")
def test_the_lottery_follows_its_published_seed(session: Session) -> None:
    bid = _bid(session, rule="lottery", seed=2026)
    for login in ("alice", "bob", "carol"):
        _rank(session, bid, login, 2)
    out = service.award(session=session, bid_id=bid.id, now=AFTER)
    order = engine.priority_order(
        [engine.Bidder(x, None, ()) for x in HIRED], rule="lottery", seed=2026
    )
    assert [a.login for a in out.awards] == order
    assert out.awards[0].line_id == bid.lines[2].id
    assert "lottery with seed 2026" in out.awards[0].reason


@pytest.mark.usefixtures("site")
def test_a_ranking_after_the_close_is_refused_naming_the_rule(session: Session) -> None:
    bid = _bid(session)
    with pytest.raises(
        Conflict, match=r"closed at .* \(rule: rankings are taken until the close\)"
    ):
        service.rank(
            session=session,
            bid_id=bid.id,
            person_id=_pid(session, "alice"),
            data=schemas.RankingIn(lines=[bid.lines[0].id]),
            now=AFTER,
        )
    assert session.scalars(select(BidRanking)).first() is None


@pytest.mark.usefixtures("site")
def test_a_bid_is_awarded_only_after_its_close_and_only_once(session: Session) -> None:
    bid = _bid(session)
    with pytest.raises(Conflict, match="awarded after the close"):
        service.award(session=session, bid_id=bid.id, now=NOW)
    service.award(session=session, bid_id=bid.id, now=AFTER)
    with pytest.raises(Conflict, match="already awarded"):
        service.award(session=session, bid_id=bid.id, now=AFTER)


def test_lines_outside_skills_or_contract_are_refused_naming_the_rule(session: Session) -> None:
    make_small_site(
        session,
        timezone="UTC",
        contract=ss.ContractIn(
            name="part", weekly_min_h=0, weekly_max_h=16, days_min=0, days_max=5
        ),
    )
    bid = _bid(session)
    with pytest.raises(Invalid, match="22.5 h a week is outside .*rule: contract hours"):
        _rank(session, bid, "alice", 0)
    assert _rank(session, bid, "alice", 2).my_ranking == [bid.lines[2].id]
    assert _rank(session, bid, "alice", 2).my_eligible == [bid.lines[2].id]
    schedule_setup.create_contract(
        session=session,
        data=ss.ContractIn(name="full", weekly_min_h=0, weekly_max_h=40, days_min=0, days_max=5),
    )
    schedule_setup.assign_contract(session=session, login="bob", contract="full")
    session.execute(
        update(Person).where(Person.login == "bob").values(site_id=Person.site_id)
    )  # bob keeps his site; drop his Sales skill:
    bob = session.get(Person, _pid(session, "bob"))
    assert bob is not None
    bob.skills.clear()
    session.flush()
    with pytest.raises(Invalid, match="needs skills Sales \\(rule: same skills\\)"):
        _rank(session, bid, "bob", 0)


@pytest.mark.usefixtures("site")
def test_bad_input_names_the_field(session: Session) -> None:
    with pytest.raises(ValueError, match="either schedule_id"):
        schemas.BidIn(
            site="Main",
            name="x",
            first_day=date(2027, 1, 4),
            last_day=date(2027, 1, 10),
            rule="seniority",
            closes_at=CLOSE,
        )
    with pytest.raises(ValueError, match="weekdays"):
        schemas.LineIn(template="day", start="08:00", weekdays=[7])
    bid = _bid(session)
    with pytest.raises(Invalid, match="ranked twice"):
        _rank(session, bid, "alice", 0, 0)
    with pytest.raises(NotFound):
        service.get_bid(session=session, bid_id=bid.id + 99)


@pytest.mark.usefixtures("published")
def test_lines_from_a_built_schedule_are_each_persons_week(session: Session) -> None:
    from ccops.wfm.schedules.models import Schedule

    schedule_id = session.scalars(select(Schedule.id)).first()
    bid = service.open_bid(
        session=session,
        data=schemas.BidIn(
            site="Main",
            name="From the schedule",
            first_day=date(2027, 1, 4),
            last_day=date(2027, 3, 28),
            rule="rotating",
            round_no=1,
            closes_at=datetime.now(UTC) + timedelta(days=1),
            schedule_id=schedule_id,
        ),
        created_by="planner",
    )
    assert len(bid.lines) == 3  # alice, bob and carol each had a week of shifts
    assert sorted(line.weekly_h for line in bid.lines) == [22.5, 22.5, 30.0]
    assert all(line.queues == ["Sales"] for line in bid.lines)
