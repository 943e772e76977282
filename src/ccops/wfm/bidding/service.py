"""Shift bidding: a planner opens a bid on shift lines for a period, agents rank the lines they
may work until the bid closes, and the planner awards them by the bid's published rule through
``ccops.engines.bidding`` (seniority, rotating priority or a seeded lottery; never a KPI). A line
is open to an agent who holds the skills of its queues and whose contract allows its weekly
hours, its number of days and its template. Every agent is told the line they got, the rule and
their position in it.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.engines import bidding as engine
from ccops.enums import Role
from ccops.errors import Conflict, Invalid, NotFound, Problem
from ccops.notifications import service as notify_service
from ccops.org import service as org_service
from ccops.org.models import Person, PersonSkill, Queue, Site
from ccops.wfm.bidding import schemas
from ccops.wfm.bidding.models import BidAward, BidLine, BidRanking, ShiftBid
from ccops.wfm.schedules import common as schedule_common
from ccops.wfm.schedules import lines as schedule_lines
from ccops.wfm.schedules import schemas as schedule_schemas
from ccops.wfm.schedules.models import (
    PersonContract,
    Schedule,
    ScheduledShift,
    ShiftTemplate,
    WorkContract,
)

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _label(template: str, start_min: int, weekdays: list[int]) -> str:
    days = " ".join(DAYS[d] for d in weekdays)
    return f"{template} {start_min // 60:02d}:{start_min % 60:02d} {days}"


def _paid_h(t: ShiftTemplate) -> float:
    unpaid = sum(int(b["length_min"]) for b in json.loads(t.breaks_json) if not b.get("paid"))
    return (t.length_min - unpaid) / 60.0


def _line_out(line: BidLine) -> schemas.LineOut:
    return schemas.LineOut(
        id=line.id,
        label=line.label,
        template=line.template,
        weekdays=[int(d) for d in line.weekdays.split(",") if d],
        start_min=line.start_min,
        length_min=line.length_min,
        queues=[q for q in line.queues.split(",") if q],
        weekly_h=line.weekly_h,
    )


def _lines_from_schedule(session: Session, bid: ShiftBid, schedule_id: int) -> list[BidLine]:
    schedule = session.get(Schedule, schedule_id)
    if schedule is None or schedule.site_id != bid.site_id:
        raise Invalid(
            f"schedule {schedule_id} is not a schedule of this bid's site",
            [Problem("unknown", field="schedule_id")],
        )
    site = session.get(Site, bid.site_id)
    assert site is not None
    zone = ZoneInfo(site.timezone)
    weeks: dict[int, list[ScheduledShift]] = {}
    for shift in session.scalars(
        select(ScheduledShift)
        .where(ScheduledShift.schedule_id == schedule_id)
        .order_by(ScheduledShift.person_id, ScheduledShift.start_at)
    ):
        weeks.setdefault(shift.person_id, []).append(shift)
    lines = []
    for shifts in weeks.values():
        local = [s.start_at.astimezone(zone) for s in shifts]
        days = sorted({t.weekday() for t in local})
        start = Counter(t.hour * 60 + t.minute for t in local).most_common(1)[0][0]
        length = int((shifts[0].end_at - shifts[0].start_at).total_seconds() // 60)
        queues = sorted({q for s in shifts for q in s.queues.split(",") if q})
        lines.append(
            BidLine(
                bid_id=bid.id,
                label=_label(shifts[0].template, start, days),
                template=shifts[0].template,
                weekdays=",".join(str(d) for d in days),
                start_min=start,
                length_min=length,
                queues=",".join(queues),
                weekly_h=round(sum(s.paid_h for s in shifts), 2),
            )
        )
    if not lines:
        raise Invalid(
            f"schedule {schedule_id} has no shifts to make lines of",
            [Problem("empty", field="schedule_id")],
        )
    return lines


def _lines_from_templates(
    session: Session, bid: ShiftBid, data: list[schemas.LineIn]
) -> list[BidLine]:
    known = set(session.scalars(select(Queue.name).where(Queue.site_id == bid.site_id)))
    lines = []
    for k, item in enumerate(data):
        t = session.scalars(
            select(ShiftTemplate).where(
                ShiftTemplate.site_id == bid.site_id, ShiftTemplate.name == item.template
            )
        ).first()
        if t is None:
            raise Invalid(
                f"line {k + 1}: no shift template {item.template!r} at this site",
                [Problem("unknown", field=f"lines.{k}.template")],
            )
        unknown = sorted(set(item.queues) - known)
        if unknown:
            raise Invalid(
                f"line {k + 1}: no queue {', '.join(unknown)} at this site",
                [Problem("unknown", field=f"lines.{k}.queues")],
            )
        start = int(item.start[:2]) * 60 + int(item.start[3:])
        lines.append(
            BidLine(
                bid_id=bid.id,
                label=_label(t.name, start, item.weekdays),
                template=t.name,
                weekdays=",".join(str(d) for d in item.weekdays),
                start_min=start,
                length_min=t.length_min,
                queues=",".join(sorted(set(item.queues))),
                weekly_h=round(_paid_h(t) * len(item.weekdays), 2),
            )
        )
    return lines


def open_bid(
    *,
    session: Session,
    data: schemas.BidIn,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
    now: datetime | None = None,
) -> schemas.BidOut:
    """Open a bid on lines from a built schedule's shifts or from templates; agents of the site
    are told."""
    site = schedule_common.site_in_scope(session, data.site, scope)
    if _aware(data.closes_at) <= (now or utcnow()):
        raise Invalid("closes_at is in the past", [Problem("past", field="closes_at")])
    bid = ShiftBid(
        site_id=site.id,
        name=data.name.strip(),
        first_day=data.first_day,
        last_day=data.last_day,
        rule=data.rule,
        seed=data.seed or 0,
        round_no=data.round_no,
        closes_at=data.closes_at.astimezone(UTC),
        status="open",
        created_by=created_by,
    )
    session.add(bid)
    session.flush()
    lines = (
        _lines_from_schedule(session, bid, data.schedule_id)
        if data.schedule_id is not None
        else _lines_from_templates(session, bid, data.lines)
    )
    session.add_all(lines)
    session.flush()
    people = [p.id for p in _bidders(session, bid)]
    notify_service.notify(
        session=session,
        user_ids=schedule_common.users_of(session, people),
        kind="shift_bid",
        subject=f"Shift bid open: {bid.name} ({bid.first_day} to {bid.last_day})",
        body=f"Rank the lines you want before {bid.closes_at:%Y-%m-%d %H:%M} UTC; lines are "
        f"awarded by {engine.RULE_LABELS[data.rule]}.",
        link=f"/api/v1/bids/{bid.id}",
    )
    return _out(session, bid, None)


def _bidders(session: Session, bid: ShiftBid) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .join(PersonContract, PersonContract.person_id == Person.id)
            .where(Person.site_id == bid.site_id, Person.role == Role.agent)
            .order_by(Person.login)
        )
    )


def _eligible(session: Session, person: Person, lines: list[BidLine]) -> dict[int, str]:
    """Each line the person may not work, with the rule that says so (empty: all allowed)."""
    skills = set(
        session.scalars(
            select(Queue.name)
            .join(PersonSkill, PersonSkill.queue_id == Queue.id)
            .where(PersonSkill.person_id == person.id)
        )
    )
    contract = session.scalars(
        select(WorkContract)
        .join(PersonContract, PersonContract.contract_id == WorkContract.id)
        .where(PersonContract.person_id == person.id)
    ).first()
    allowed = (
        None
        if contract is None or contract.templates_json is None
        else set(json.loads(contract.templates_json))
    )
    out: dict[int, str] = {}
    for line in lines:
        missing = sorted({q for q in line.queues.split(",") if q} - skills)
        days = len([d for d in line.weekdays.split(",") if d])
        if missing:
            out[line.id] = f"needs skills {', '.join(missing)} (rule: same skills)"
        elif contract is None:
            out[line.id] = "you have no contract (rule: contract)"
        elif not contract.weekly_min_h <= line.weekly_h <= contract.weekly_max_h:
            out[line.id] = (
                f"{line.weekly_h:g} h a week is outside your contract's "
                f"{contract.weekly_min_h:g}-{contract.weekly_max_h:g} h (rule: contract hours)"
            )
        elif not contract.days_min <= days <= contract.days_max:
            out[line.id] = (
                f"{days} days a week is outside your contract's {contract.days_min}-"
                f"{contract.days_max} (rule: contract days)"
            )
        elif allowed is not None and line.template not in allowed:
            out[line.id] = f"template {line.template} is not in your contract (rule: contract)"
    return out


def _get(session: Session, bid_id: int, scope: org_service.Scope) -> ShiftBid:
    bid = session.get(ShiftBid, bid_id)
    if bid is None or not scope.allows_site(bid.site_id):
        raise NotFound(f"bid {bid_id} does not exist", [Problem("unknown", field="bid_id")])
    return bid


def _lines(session: Session, bid: ShiftBid) -> list[BidLine]:
    return list(
        session.scalars(select(BidLine).where(BidLine.bid_id == bid.id).order_by(BidLine.id))
    )


def _out(session: Session, bid: ShiftBid, person: Person | None) -> schemas.BidOut:
    site = session.get(Site, bid.site_id)
    assert site is not None
    lines = _lines(session, bid)
    by_id = {line.id: line for line in lines}
    out = schemas.BidOut(
        id=bid.id,
        site=site.name,
        name=bid.name,
        first_day=bid.first_day,
        last_day=bid.last_day,
        rule="lottery"
        if bid.rule == "lottery"
        else ("rotating" if bid.rule == "rotating" else "seniority"),
        seed=bid.seed,
        round_no=bid.round_no,
        closes_at=_aware(bid.closes_at),
        status="awarded" if bid.status == "awarded" else "open",
        lines=[_line_out(line) for line in lines],
        rankings=session.scalar(
            select(func.count(BidRanking.id)).where(BidRanking.bid_id == bid.id)
        )
        or 0,
        bidders=len(_bidders(session, bid)),
    )
    if person is not None:
        refused = _eligible(session, person, lines)
        out.my_eligible = [line.id for line in lines if line.id not in refused]
        mine = session.scalars(
            select(BidRanking.ranks_json).where(
                BidRanking.bid_id == bid.id, BidRanking.person_id == person.id
            )
        ).first()
        out.my_ranking = json.loads(mine) if mine else []
    query = (
        select(BidAward, Person.login)
        .join(Person, Person.id == BidAward.person_id)
        .where(BidAward.bid_id == bid.id)
        .order_by(BidAward.position)
    )
    if person is not None:
        query = query.where(BidAward.person_id == person.id)
    out.awards = [
        schemas.AwardOut(
            login=login,
            line_id=a.line_id,
            line=by_id[a.line_id].label if a.line_id in by_id else None,
            position=a.position,
            choice=a.choice,
            reason=a.reason,
        )
        for a, login in session.execute(query)
    ]
    return out


def get_bid(
    *,
    session: Session,
    bid_id: int,
    scope: org_service.Scope = org_service.EVERYTHING,
    person_id: int | None = None,
    planner: bool = True,
) -> schemas.BidOut:
    """A bid; an agent sees the lines open to them, their ranking and only their own award."""
    bid = _get(session, bid_id, scope)
    person = session.get(Person, person_id) if person_id else None
    if not planner and person is not None and person.site_id != bid.site_id:
        raise NotFound(f"bid {bid_id} does not exist", [Problem("unknown", field="bid_id")])
    return _out(session, bid, None if planner else person)


def list_bids(
    *,
    session: Session,
    scope: org_service.Scope = org_service.EVERYTHING,
    person_id: int | None = None,
    planner: bool = True,
) -> list[schemas.BidOut]:
    """Bids of the sites in scope (a person: of their own site), newest first."""
    person = session.get(Person, person_id) if person_id else None
    query = select(ShiftBid).order_by(ShiftBid.id.desc()).limit(100)
    if not planner and person is not None:
        query = query.where(ShiftBid.site_id == person.site_id)
    return [
        _out(session, b, None if planner else person)
        for b in session.scalars(query)
        if scope.allows_site(b.site_id)
    ]


def rank(
    *,
    session: Session,
    bid_id: int,
    person_id: int | None,
    data: schemas.RankingIn,
    scope: org_service.Scope = org_service.EVERYTHING,
    now: datetime | None = None,
) -> schemas.BidOut:
    """Store (or replace) the person's ranking of a bid's lines, best first.

    Raises:
        Conflict: the bid has closed (rule: rankings are taken until the close).
        Invalid: a line not of this bid, twice, or one the person may not work (the rule named).
    """
    person = session.get(Person, person_id) if person_id else None
    bid = _get(session, bid_id, scope)
    if person is not None and person.site_id != bid.site_id:
        raise NotFound(f"bid {bid_id} does not exist", [Problem("unknown", field="bid_id")])
    if person is None:
        raise Invalid(
            "your account is not linked to a person, so you cannot rank lines",
            [Problem("no person", None)],
        )
    if person.id not in {p.id for p in _bidders(session, bid)}:
        raise Invalid(
            "only agents of the site with a contract take part in a bid (rule: bidders)",
            [Problem("not a bidder", None)],
        )
    if bid.status != "open" or (now or utcnow()) >= _aware(bid.closes_at):
        message = (
            f"bid {bid.id} closed at {_aware(bid.closes_at):%Y-%m-%d %H:%M} UTC "
            "(rule: rankings are taken until the close)"
        )
        raise Conflict(message, [Problem(message, field="lines")])
    lines = _lines(session, bid)
    ids = {line.id for line in lines}
    if len(set(data.lines)) != len(data.lines):
        raise Invalid("a line is ranked twice", [Problem("duplicate", field="lines")])
    foreign = [x for x in data.lines if x not in ids]
    if foreign:
        raise Invalid(
            f"line {foreign[0]} is not a line of bid {bid.id}", [Problem("unknown", "lines")]
        )
    refused = _eligible(session, person, lines)
    for x in data.lines:
        if x in refused:
            raise Invalid(f"line {x}: {refused[x]}", [Problem(refused[x], field="lines")])
    record = session.scalars(
        select(BidRanking).where(BidRanking.bid_id == bid.id, BidRanking.person_id == person.id)
    ).first()
    if record is None:
        record = BidRanking(bid_id=bid.id, person_id=person.id)
        session.add(record)
    record.ranks_json = json.dumps(list(data.lines))
    record.updated_at = utcnow()
    session.flush()
    return _out(session, bid, person)


def award(
    *,
    session: Session,
    bid_id: int,
    scope: org_service.Scope = org_service.EVERYTHING,
    now: datetime | None = None,
) -> schemas.BidOut:
    """Award a closed bid by its rule; each agent is told their line, the rule and position.

    Raises:
        Conflict: the bid is still open for rankings, or already awarded.
    """
    bid = _get(session, bid_id, scope)
    if bid.status == "awarded":
        raise Conflict(f"bid {bid.id} is already awarded", [Problem("awarded", "status")])
    if (now or utcnow()) < _aware(bid.closes_at):
        message = (
            f"bid {bid.id} closes at {_aware(bid.closes_at):%Y-%m-%d %H:%M} UTC: it is awarded "
            "after the close (rule: rankings are taken until the close)"
        )
        raise Conflict(message, [Problem(message, "closes_at")])
    lines = _lines(session, bid)
    people = _bidders(session, bid)
    rankings = {
        pid: json.loads(ranks)
        for pid, ranks in session.execute(
            select(BidRanking.person_id, BidRanking.ranks_json).where(BidRanking.bid_id == bid.id)
        )
    }
    ids = [line.id for line in lines]
    eligible = {p.login: frozenset(set(ids) - set(_eligible(session, p, lines))) for p in people}
    bidders = [
        engine.Bidder(p.login, p.hire_date, tuple(int(x) for x in rankings.get(p.id, [])))
        for p in people
    ]
    rule: engine.Rule = (
        "lottery"
        if bid.rule == "lottery"
        else ("rotating" if bid.rule == "rotating" else "seniority")
    )
    results = engine.award(bidders, ids, eligible, rule=rule, seed=bid.seed, round_no=bid.round_no)
    by_login = {p.login: p for p in people}
    for r in results:
        session.add(
            BidAward(
                bid_id=bid.id,
                person_id=by_login[r.login].id,
                line_id=r.line_id,
                position=r.position,
                choice=r.choice,
                reason=r.reason,
            )
        )
        notify_service.notify(
            session=session,
            user_ids=schedule_common.users_of(session, [by_login[r.login].id]),
            kind="shift_bid",
            subject=f"Shift bid {bid.name}: "
            + (f"you got line {r.line_id}" if r.line_id else "no line for you"),
            body=r.reason,
            link=f"/api/v1/bids/{bid.id}",
        )
    bid.status, bid.awarded_at = "awarded", utcnow()
    session.flush()
    return _out(session, bid, None)


def rankings(
    *, session: Session, bid_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> list[schemas.RankingOut]:
    """Every bidder of a bid (planners' view) with their ranking, best first, and the lines
    open to them; bidders who ranked nothing have an empty ranking."""
    bid = _get(session, bid_id, scope)
    lines = _lines(session, bid)
    stored = {
        pid: json.loads(ranks)
        for pid, ranks in session.execute(
            select(BidRanking.person_id, BidRanking.ranks_json).where(BidRanking.bid_id == bid.id)
        )
    }
    out = []
    for p in _bidders(session, bid):
        refused = _eligible(session, p, lines)
        out.append(
            schemas.RankingOut(
                login=p.login,
                name=p.name,
                hire_date=p.hire_date,
                ranking=[int(x) for x in stored.get(p.id, [])],
                eligible=[line.id for line in lines if line.id not in refused],
            )
        )
    return out


def apply_awards(
    *,
    session: Session,
    bid_id: int,
    schedule_id: int,
    applied_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schedule_schemas.LinesAppliedOut:
    """Apply an awarded bid to a schedule version of its site: a new draft version in which each
    agent who got a line works it that week (the days inside the bid's period, time off kept),
    the rest unchanged; publishing it is the planner's next step. Their fixed activities inside
    a new shift are carried onto it; the others are returned (``activities_left_out``).

    Raises:
        Conflict: the bid is not awarded yet (rule: lines apply once awarded); the schedule's
            version is superseded; a line would break a contract's rest.
        Invalid: the schedule is of another site, or its week is outside the bid's period.
    """
    bid = _get(session, bid_id, scope)
    if bid.status != "awarded":
        raise Conflict(
            f"bid {bid.id} is not awarded yet (rule: lines apply once awarded)",
            [Problem("not awarded", field="status")],
        )
    schedule = schedule_common.schedule_in_scope(session, schedule_id, scope)
    if schedule.site_id != bid.site_id:
        raise Invalid(
            f"schedule {schedule_id} is not a schedule of this bid's site",
            [Problem("other site", field="schedule_id")],
        )
    by_id = {line.id: line for line in _lines(session, bid)}
    awarded = [
        (a, login)
        for a, login in session.execute(
            select(BidAward, Person.login)
            .join(Person, Person.id == BidAward.person_id)
            .where(BidAward.bid_id == bid.id, BidAward.line_id.is_not(None))
            .order_by(BidAward.position)
        )
    ]
    weeks = [
        schedule_lines.LineWeek(
            person_id=a.person_id,
            template=by_id[a.line_id].template,
            queues=tuple(q for q in by_id[a.line_id].queues.split(",") if q),
            weekdays=tuple(int(d) for d in by_id[a.line_id].weekdays.split(",") if d),
            start_min=by_id[a.line_id].start_min,
            first_day=bid.first_day,
            last_day=bid.last_day,
            label=f"{by_id[a.line_id].label} of {login}",
        )
        for a, login in awarded
        if a.line_id in by_id
    ]
    if not weeks:
        raise Conflict(
            f"bid {bid.id} awarded no line: there is nothing to apply",
            [Problem("no award", field="status")],
        )
    return schedule_lines.apply_lines(
        session=session,
        schedule_id=schedule.id,
        lines=weeks,
        action="bid_lines",
        why=f"applied the lines of bid {bid.id} ({bid.name})",
        edited_by=applied_by,
        scope=scope,
    )


def target_schedules(
    *, session: Session, bid_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> list[schedule_schemas.ScheduleOut]:
    """The draft and published schedule versions of the bid's site whose week falls in the
    bid's period, the ones its lines can be applied to (newest first)."""
    bid = _get(session, bid_id, scope)
    first_monday = bid.first_day - timedelta(days=bid.first_day.weekday())
    return [
        schedule_common.summary(session, r)
        for r in session.scalars(
            select(Schedule)
            .where(
                Schedule.site_id == bid.site_id,
                Schedule.status.in_(("draft", "published")),
                Schedule.week_start >= first_monday,
                Schedule.week_start <= bid.last_day,
            )
            .order_by(Schedule.week_start, Schedule.version.desc())
            .limit(200)
        )
    ]


def line_sources(
    *, session: Session, scope: org_service.Scope = org_service.EVERYTHING, limit: int = 40
) -> list[schedule_schemas.ScheduleOut]:
    """The built schedule versions (draft or published) of the sites in scope whose shifts a
    bid's lines can be made of, newest week first."""
    out = []
    for r in session.scalars(
        select(Schedule)
        .where(Schedule.status.in_(("draft", "published")))
        .order_by(Schedule.week_start.desc(), Schedule.version.desc())
    ):
        if scope.allows_site(r.site_id):
            out.append(schedule_common.summary(session, r))
            if len(out) >= limit:
                break
    return out
