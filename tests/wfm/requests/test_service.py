"""Agents' schedule requests: time off and swaps proposed from "My week", the colleague's answer,
the planner's decision applied as a published schedule version, and each refusal named."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import Role, ScopeKind
from ccops.errors import Conflict, Forbidden, Invalid
from ccops.notifications import service as notify_service
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person, User
from ccops.wfm.requests import service
from ccops.wfm.requests.schemas import RequestIn
from ccops.wfm.schedules import build as schedule_build
from ccops.wfm.schedules import publish as schedule_publish
from ccops.wfm.schedules import queries as schedule_queries
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.schedules import setup as schedule_setup
from ccops.wfm.schedules.models import TimeOff
from tests.factories.schedules import FAST, make_small_site

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the Friday before the week 2026-W48
MONDAY = date(2026, 11, 23)


@pytest.fixture
def published(session: Session) -> ss.ScheduleDetailOut:
    make_small_site(session, timezone="UTC")
    org_service.create_person(
        session=session, data=org_schemas.PersonIn(name="Zoe", login="zoe", site="Main")
    )
    for login, role, person in (
        ("u-alice", Role.agent, "alice"),
        ("u-bob", Role.agent, "bob"),
        ("u-carol", Role.agent, "carol"),
        ("u-plan", Role.planner, None),
    ):
        org_service.create_user(
            session=session,
            data=org_schemas.UserIn(
                login=login,
                password="long-enough-pass-1",
                role=role,
                person=person,
                scope=ScopeKind.sites if role == Role.planner else ScopeKind.own,
                sites=["Main"] if role == Role.planner else [],
            ),
        )
    built = schedule_build.build_schedule(
        session=session, site="Main", week="2026-W48", created_by="planner", options=FAST
    )
    schedule_publish.publish(session=session, schedule_id=built.id, published_by="planner")
    return built


def _pid(session: Session, login: str) -> int:
    return session.scalars(select(Person.id).where(Person.login == login)).one()


def _uid(session: Session, login: str) -> int:
    return session.scalars(select(User.id).where(User.login == login)).one()


def _days(built: ss.ScheduleDetailOut) -> dict[str, set[date]]:
    out: dict[str, set[date]] = {}
    for s in built.shift_rows:
        out.setdefault(s.login, set()).add(s.local_start.date())
    return out


def _giveaway(built: ss.ScheduleDetailOut) -> tuple[date, str, str]:
    """A day, someone with a shift on it and someone (with the fewest days) without one."""
    days = _days(built)
    for day in sorted({d for ds in days.values() for d in ds}):
        have = sorted(p for p, ds in days.items() if day in ds)
        free = sorted((p for p, ds in days.items() if day not in ds), key=lambda p: len(days[p]))
        if have and free and len(days[free[0]]) < 5:
            return day, have[0], free[0]
    raise AssertionError("the built week has no day to give away")


def test_time_off_is_requested_refused_on_overlap_and_granted_into_a_new_version(
    session: Session, published: ss.ScheduleDetailOut
) -> None:
    login = next(iter(sorted(_days(published))))
    days = sorted(_days(published)[login])
    pid = _pid(session, login)
    data = RequestIn(kind="time_off", start_day=days[0], end_day=days[0], reason="dentist")
    out = service.create(session=session, person_id=pid, data=data, created_by=login, now=NOW)
    assert (out.status, out.start_day, out.end_day) == ("pending", days[0], days[0])
    assert out.start == datetime.combine(days[0], datetime.min.time(), UTC)
    assert out.end == out.start + timedelta(days=1)
    planner_notes = notify_service.list_own(session=session, user_id=_uid(session, "u-plan"))
    assert any(f"Request {out.id} of" in n.subject for n in planner_notes)
    overlapping = RequestIn(
        kind="time_off", start_day=days[0] - timedelta(days=1), end_day=days[0], reason="long"
    )
    with pytest.raises(Conflict, match=f"overlaps your request {out.id}") as caught:
        service.create(session=session, person_id=pid, data=overlapping, created_by=login, now=NOW)
    assert caught.value.problems[0].field == "start_day"
    past = RequestIn(
        kind="time_off", start_day=date(2026, 11, 1), end_day=date(2026, 11, 2), reason="x"
    )
    with pytest.raises(Invalid, match="in the past"):
        service.create(session=session, person_id=pid, data=past, created_by=login, now=NOW)
    with pytest.raises(Invalid, match="not linked to a person"):
        service.create(session=session, person_id=None, data=data, created_by="u-plan", now=NOW)
    # someone else cannot withdraw it; the planner refuses only with a note
    with pytest.raises(Forbidden):
        service.withdraw(session=session, request_id=out.id, person_id=_pid(session, "zoe"))
    with pytest.raises(Invalid, match="say why"):
        service.decide(session=session, request_id=out.id, grant=False, note=" ", decided_by="p")
    [pending] = service.list_for_planner(session=session)
    assert pending.id == out.id
    with pytest.raises(Forbidden, match="someone else decides it"):  # found in review
        service.decide(
            session=session,
            request_id=out.id,
            grant=True,
            note="",
            decided_by=login,
            decider_person_id=pid,
        )
    assert service.list_for_planner(session=session)[0].status == "pending"
    granted = service.decide(
        session=session, request_id=out.id, grant=True, note="", decided_by="u-plan"
    )
    assert granted.status == "granted" and granted.schedule_id is not None
    off = session.get(TimeOff, granted.time_off_id)
    assert off is not None and off.status == "approved"
    new = schedule_queries.get_schedule(session=session, schedule_id=granted.schedule_id)
    assert new.status == "published" and new.version == published.version + 1
    assert days[0] not in {s.local_start.date() for s in new.shift_rows if s.login == login}
    assert (
        schedule_queries.get_schedule(session=session, schedule_id=published.id).status
        == "superseded"
    )
    mine = notify_service.list_own(session=session, user_id=_uid(session, f"u-{login}"))
    assert any(f"Request {out.id} is granted" in n.subject for n in mine)
    with pytest.raises(Conflict, match="only a pending request"):
        service.decide(session=session, request_id=out.id, grant=True, note="", decided_by="p")
    assert service.list_for_planner(session=session) == []


def test_a_swap_needs_the_skills_the_colleague_and_the_planner(
    session: Session, published: ss.ScheduleDetailOut
) -> None:
    day, giver, taker = _giveaway(published)
    gid, tid = _pid(session, giver), _pid(session, taker)
    # zoe has no skill for Sales: the proposal is refused naming the rule
    lacking = RequestIn(kind="swap", day=day, colleague="zoe", reason="")
    with pytest.raises(Conflict, match="zoe has no skill for Sales") as caught:
        service.create(session=session, person_id=gid, data=lacking, created_by=giver, now=NOW)
    assert caught.value.problems[0].field == "colleague"
    with pytest.raises(Invalid, match="no published shift"):
        service.create(
            session=session,
            person_id=tid,
            data=RequestIn(kind="swap", day=day, colleague=giver),
            created_by=taker,
            now=NOW,
        )
    data = RequestIn(kind="swap", day=day, colleague=taker, reason="family visit")
    out = service.create(session=session, person_id=gid, data=data, created_by=giver, now=NOW)
    assert (out.status, out.colleague) == ("awaiting_colleague", taker)
    told = notify_service.list_own(session=session, user_id=_uid(session, f"u-{taker}"))
    assert any("proposes to swap shifts" in n.subject for n in told)
    with pytest.raises(Conflict, match="still open"):
        service.create(session=session, person_id=gid, data=data, created_by=giver, now=NOW)
    # not the colleague: refused; the planner cannot decide before the colleague accepts
    with pytest.raises(Forbidden, match="not proposed to you"):
        service.answer(session=session, request_id=out.id, person_id=gid, accept=True)
    with pytest.raises(Conflict, match="awaiting colleague"):
        service.decide(session=session, request_id=out.id, grant=True, note="", decided_by="p")
    accepted = service.answer(session=session, request_id=out.id, person_id=tid, accept=True)
    assert accepted.status == "pending"
    outside = org_service.Scope(kind=ScopeKind.sites, site_ids=frozenset({999}))
    with pytest.raises(Forbidden):
        service.decide(
            session=session, request_id=out.id, grant=True, note="", decided_by="p", scope=outside
        )
    granted = service.decide(
        session=session, request_id=out.id, grant=True, note="", decided_by="u-plan"
    )
    assert granted.status == "granted" and granted.schedule_id is not None
    new = schedule_queries.get_schedule(session=session, schedule_id=granted.schedule_id)
    on_day = {s.login for s in new.shift_rows if s.local_start.date() == day}
    assert taker in on_day and giver not in on_day and new.status == "published"
    for login in (giver, taker):
        notes = notify_service.list_own(session=session, user_id=_uid(session, f"u-{login}"))
        assert any(f"Request {out.id} is granted" in n.subject for n in notes)


def test_a_swap_the_contract_refuses_is_refused_naming_the_rule(
    session: Session, published: ss.ScheduleDetailOut
) -> None:
    day, giver, taker = _giveaway(published)
    gid, tid = _pid(session, giver), _pid(session, taker)
    worked = Counter(s.login for s in published.shift_rows)[taker]
    schedule_setup.create_contract(
        session=session,
        data=ss.ContractIn(name="tight", weekly_max_h=40, days_min=0, days_max=worked),
    )
    schedule_setup.assign_contract(session=session, login=taker, contract="tight")
    data = RequestIn(kind="swap", day=day, colleague=taker)
    out = service.create(session=session, person_id=gid, data=data, created_by=giver, now=NOW)
    service.answer(session=session, request_id=out.id, person_id=tid, accept=True)
    refused = service.decide(
        session=session, request_id=out.id, grant=True, note="", decided_by="u-plan"
    )
    assert refused.status == "refused" and refused.schedule_id is None
    assert (
        "days_max" in refused.decision_note
        and "the schedule rules refuse it" in refused.decision_note
    )
    # nothing of the edit is kept: one published version, no draft
    versions = schedule_queries.list_schedules(session=session)
    assert [(v.version, v.status) for v in versions] == [(published.version, "published")]
    notes = notify_service.list_own(session=session, user_id=_uid(session, f"u-{giver}"))
    assert any(f"Request {out.id} is refused" in n.subject and "days_max" in n.body for n in notes)
