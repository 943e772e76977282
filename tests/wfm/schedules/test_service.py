"""Schedule service on a tiny site (SQLite and PostgreSQL): build, publish, supersede, edits
with audit, change requests, bad input, DST weeks, the iCalendar feed and notifications."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ccops.enums import Role, ScopeKind
from ccops.errors import Conflict, Forbidden, Invalid, NotFound
from ccops.notifications import service as notify_service
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Queue, User
from ccops.wfm.schedules import build as schedule_build
from ccops.wfm.schedules import edits as schedule_edits
from ccops.wfm.schedules import feeds as schedule_feeds
from ccops.wfm.schedules import publish as schedule_publish
from ccops.wfm.schedules import queries as schedule_queries
from ccops.wfm.schedules import schemas as ss
from ccops.wfm.schedules import setup as schedule_setup
from ccops.wfm.schedules.models import ChangeRequest, Schedule, ScheduledShift
from tests.factories.schedules import FAST, WEEK, make_small_site, store_requirement


def _build(session: Session, week: str = WEEK) -> ss.ScheduleDetailOut:
    return schedule_build.build_schedule(
        session=session, site="Main", week=week, created_by="planner", options=FAST
    )


def _user(session: Session, login: str, person: str | None, role: Role = Role.agent) -> int:
    org_service.create_user(
        session=session,
        data=org_schemas.UserIn(
            login=login,
            password="long-enough-1",
            role=role,
            person=person,
            scope=ScopeKind.own if role == Role.agent else ScopeKind.all,
        ),
    )
    return session.scalars(select(User.id).where(User.login == login)).one()


def test_build_covers_the_requirement_at_the_bound(session: Session) -> None:
    make_small_site(session)
    out = _build(session)
    assert out.status == "draft" and out.version == 1
    assert out.gap is not None and 0 <= out.gap <= 0.01
    assert out.objective is not None and out.bound is not None
    assert out.objective == pytest.approx(out.bound, rel=0.01)
    assert out.under_coverage_h == pytest.approx(0.0, abs=1e-6)
    assert out.paid_hours == pytest.approx(sum(s.paid_h for s in out.shift_rows))
    sales = [r for r in out.intervals if r.queue == "Sales"]
    assert len(sales) == 7 * 96
    assert all(r.scheduled >= r.required - 1e-6 for r in sales)
    busy = [r for r in sales if r.required > 0]
    assert busy and all(r.predicted_service_level is not None for r in busy)
    for shift in out.shift_rows:
        segs = shift.activities
        assert segs[0].start == shift.start and segs[-1].end == shift.end
        assert all(a.end == b.start for a, b in zip(segs, segs[1:], strict=False))
        assert {a.kind for a in segs} <= {"work", "lunch"}
        assert shift.local_start.hour in (8, 9, 10)
    assert [a.action for a in out.audit] == ["build"]


def test_run_build_reports_progress_then_stores_a_draft(session: Session) -> None:
    make_small_site(session)
    seen: list[tuple[float, str]] = []
    out = schedule_build.run_build(
        session=session,
        data=ss.BuildIn(site="Main", week=WEEK, options=FAST),
        created_by="planner",
        progress=lambda share, message: seen.append((share, message)),
    )
    assert out.status == "draft" and out.version == 1 and out.shifts > 0
    shares = [s for s, _ in seen]
    assert shares == sorted(shares) and shares[-1] == 0.9
    assert [m for _, m in seen] == [
        "reading the requirement",
        "planning shifts and breaks for 3 people (HiGHS)",
        "giving shifts to people (CP-SAT)",
        "storing the schedule",
    ]
    with pytest.raises(NotFound, match="Nowhere"):
        schedule_build.check_build(session=session, data=ss.BuildIn(site="Nowhere", week=WEEK))
    assert session.scalar(select(func.count()).select_from(Schedule)) == 1


def test_publish_supersedes_notifies_and_feeds_intraday(session: Session) -> None:
    make_small_site(session)
    alice_user = _user(session, "u-alice", "alice")
    v1 = _build(session)
    schedule_publish.publish(session=session, schedule_id=v1.id, published_by="p")
    with pytest.raises(Conflict, match="only a complete draft"):
        schedule_publish.publish(session=session, schedule_id=v1.id, published_by="p")
    record = session.get(Schedule, v1.id)
    assert record is not None and record.status == "published"
    assert notify_service.unread_count(session=session, user_id=alice_user) == 1
    queue = session.scalars(select(Queue).where(Queue.name == "Sales")).one()
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    cover = schedule_queries.published_coverage(
        session=session, queue_id=queue.id, start=start, end=start + timedelta(hours=1)
    )
    expected = {r.interval_start: r.scheduled for r in v1.intervals if r.queue == "Sales"}
    assert list(cover) == [start + timedelta(minutes=15 * k) for k in range(4)]
    assert all(cover[k] == pytest.approx(expected[k]) for k in cover)
    alice = org_service.get_person(session=session, login="alice")
    acts = schedule_queries.published_activities(
        session=session,
        person_ids=[alice.id],
        start=start - timedelta(hours=12),
        end=start + timedelta(days=7),
    )
    shifts = [s for s in v1.shift_rows if s.login == "alice"]
    assert {a.kind for a in acts} <= {"work", "lunch"}
    assert sum((a.end - a.start).total_seconds() for a in acts) == sum(
        (s.end - s.start).total_seconds() for s in shifts
    )
    # a swap makes version 2 (a draft): nothing published changes until it is published
    day = next(s.local_start.date() for s in shifts)
    other = next(
        p
        for p in ("bob", "carol")
        if not any(s.login == p and s.local_start.date() == day for s in v1.shift_rows)
    )
    v2 = schedule_edits.edit(
        session=session,
        schedule_id=v1.id,
        data=ss.EditIn(kind="swap", day=day, login_a="alice", login_b=other, reason="dentist"),
        edited_by="planner",
    )
    assert (v2.version, v2.status, v2.parent_id) == (2, "draft", v1.id)
    assert v2.objective is None and v2.paid_hours == pytest.approx(v1.paid_hours)
    again = schedule_queries.published_activities(
        session=session,
        person_ids=[alice.id],
        start=start - timedelta(hours=12),
        end=start + timedelta(days=7),
    )
    assert again == acts
    schedule_publish.publish(session=session, schedule_id=v2.id, published_by="planner")
    assert session.get(Schedule, v1.id).status == "superseded"  # type: ignore[union-attr]
    detail = schedule_queries.get_schedule(session=session, schedule_id=v2.id)
    assert [a.action for a in detail.audit][-2:] == ["swap", "publish"]
    assert "dentist" in detail.audit[-2].detail
    moved = [s for s in detail.shift_rows if s.local_start.date() == day]
    assert "alice" not in {s.login for s in moved} and other in {s.login for s in moved}
    assert notify_service.unread_count(session=session, user_id=alice_user) == 2


def test_time_off_against_published_cover_is_a_change_request(session: Session) -> None:
    make_small_site(session)
    planner = _user(session, "u-planner", None, Role.planner)
    v1 = _build(session)
    schedule_publish.publish(session=session, schedule_id=v1.id, published_by="planner")
    shift = next(s for s in v1.shift_rows if s.login == "alice")
    out = schedule_setup.add_time_off(
        session=session,
        data=ss.TimeOffIn(login="alice", start=shift.start, end=shift.end, reason="sick child"),
        created_by="lead",
    )
    assert out.status == "pending" and out.change_request_id is not None
    assert "alice" in out.message and "overlaps published shifts" in out.message
    assert notify_service.unread_count(session=session, user_id=planner) == 1
    published = schedule_queries.get_schedule(session=session, schedule_id=v1.id)
    assert published.status == "published" and len(published.shift_rows) == len(v1.shift_rows)
    v2 = schedule_edits.edit(
        session=session,
        schedule_id=v1.id,
        data=ss.EditIn(kind="time_off", time_off_id=out.id),
        edited_by="planner",
    )
    detail = schedule_queries.get_schedule(session=session, schedule_id=v2.id)
    assert len(detail.shift_rows) == len(v1.shift_rows) - 1
    assert v1.paid_hours is not None
    assert v2.paid_hours == pytest.approx(v1.paid_hours - shift.paid_h)
    assert v2.under_coverage_h is not None and v2.under_coverage_h > 0
    assert detail.audit[-1].action == "time_off"
    request = session.get(ChangeRequest, out.change_request_id)
    assert request is not None and request.status == "applied"
    assert session.get(Schedule, v1.id).status == "published"  # type: ignore[union-attr]


def test_self_contradicting_contract_is_named(session: Session) -> None:
    make_small_site(session)
    with pytest.raises(Invalid) as caught:
        schedule_setup.create_contract(
            session=session,
            data=ss.ContractIn(
                name="bad", weekly_min_h=30, weekly_max_h=20, days_min=6, days_max=4
            ),
        )
    text = " ".join(p.message for p in caught.value.problems)
    assert "weekly_min_h 30 > weekly_max_h 20" in text and "days_min 6 > days_max 4" in text


def test_person_without_a_skill_for_any_queue_is_named(session: Session) -> None:
    make_small_site(session)
    org_service.create_person(
        session=session,
        data=org_schemas.PersonIn(name="Dan", login="dan", site="Main", skills=[]),
    )
    schedule_setup.assign_contract(session=session, login="dan", contract="flex")
    with pytest.raises(Invalid) as caught:
        _build(session)
    assert any("'dan' has no skill for any queue" in p.message for p in caught.value.problems)
    assert session.scalar(select(func.count()).select_from(Schedule)) == 0


def test_infeasible_week_lists_the_conflicting_rules(session: Session) -> None:
    make_small_site(
        session,
        agents=("alice",),
        contract=ss.ContractIn(
            name="full", weekly_min_h=30, weekly_max_h=40, days_min=5, days_max=5
        ),
    )
    schedule_setup.add_time_off(
        session=session,
        data=ss.TimeOffIn(
            login="alice",
            start=datetime(2026, 11, 24, tzinfo=UTC),
            end=datetime(2026, 11, 25, tzinfo=UTC),
            reason="vacation",
        ),
        created_by="lead",
    )
    with pytest.raises(Conflict) as caught:
        _build(session)
    assert "satisfies the rules" in caught.value.message
    assert any("days_min 5" in p.message for p in caught.value.problems)
    assert session.scalar(select(func.count()).select_from(Schedule)) == 0


def test_dst_week_has_the_real_utc_intervals(session: Session) -> None:
    make_small_site(session)
    store_requirement(session, "Sales", week="2026-W13")  # Europe/London springs forward 29 March
    out = _build(session, week="2026-W13")
    sales = [r for r in out.intervals if r.queue == "Sales"]
    assert len(sales) == 7 * 96 - 4
    monday = [s for s in out.shift_rows if s.local_start.date() == date(2026, 3, 23)]
    assert monday and all(s.start.hour == s.local_start.hour for s in monday)  # GMT = UTC
    store_requirement(session, "Sales", week="2026-W43")  # and falls back on 25 October
    autumn = _build(session, week="2026-W43")
    assert len([r for r in autumn.intervals if r.queue == "Sales"]) == 7 * 96 + 4
    monday = [s for s in autumn.shift_rows if s.local_start.date() == date(2026, 10, 19)]
    assert monday and all(s.start.hour == s.local_start.hour - 1 for s in monday)  # BST


def test_calendar_feed_shows_only_published_shifts(session: Session) -> None:
    make_small_site(session)
    alice = org_service.get_person(session=session, login="alice")
    token = schedule_feeds.create_feed(session=session, person_id=alice.id)
    v1 = _build(session)
    empty = schedule_feeds.calendar_for_token(session=session, token=token)
    assert "BEGIN:VEVENT" not in empty and empty.startswith("BEGIN:VCALENDAR\r\n")
    schedule_publish.publish(session=session, schedule_id=v1.id, published_by="planner")
    text = schedule_feeds.calendar_for_token(
        session=session, token=token, now=datetime(2026, 11, 20, 12, tzinfo=UTC)
    )
    lines = text.split("\r\n")
    assert lines[-1] == "" and lines[-2] == "END:VCALENDAR"
    assert all(len(line.encode()) <= 75 for line in lines)
    mine = [s for s in v1.shift_rows if s.login == "alice"]
    assert text.count("BEGIN:VEVENT") == len(mine)
    first = min(mine, key=lambda s: s.start)
    assert f"DTSTART:{first.start:%Y%m%dT%H%M%SZ}" in lines
    assert "DTSTAMP:20261120T120000Z" in lines and "VERSION:2.0" in lines
    schedule_feeds.revoke_feed(session=session, person_id=alice.id)
    with pytest.raises(NotFound):
        schedule_feeds.calendar_for_token(session=session, token=token)


def test_calendar_text_escapes_line_breaks_and_separators_a_stored_name_holds(
    session: Session,
) -> None:
    make_small_site(session)
    alice = org_service.get_person(session=session, login="alice")
    token = schedule_feeds.create_feed(session=session, person_id=alice.id)
    v1 = _build(session)
    schedule_publish.publish(session=session, schedule_id=v1.id, published_by="planner")
    hostile = "Early\rBEGIN:VALARM\r\nACTION:AUDIO;x,y\\z\x07" + "长" * 30
    # a name stored before names were checked; the feed must still not let it out raw
    session.execute(
        update(ScheduledShift).where(ScheduledShift.person_id == alice.id).values(template=hostile)
    )
    text = schedule_feeds.calendar_for_token(session=session, token=token)
    lines = text.split("\r\n")
    assert "\r" not in "".join(lines) and "\n" not in "".join(lines)
    assert all(len(line.encode()) <= 75 for line in lines)
    assert not any(line.startswith(("BEGIN:VALARM", "ACTION:")) for line in lines)
    unfolded = text.replace("\r\n ", "")
    summary = next(line for line in unfolded.split("\r\n") if line.startswith("SUMMARY:"))
    assert summary == (
        "SUMMARY:Shift Early\\nBEGIN:VALARM\\nACTION:AUDIO\\;x\\,y\\\\z" + "长" * 30 + " (Sales)"
    )
    assert schedule_feeds.ics_text("a\r\nb\rc\nd") == "a\\nb\\nc\\nd"


def test_notifications_are_own_and_marked_read(session: Session) -> None:
    make_small_site(session)
    a, b = _user(session, "u-a", "alice"), _user(session, "u-b", "bob")
    assert (
        notify_service.notify(
            session=session, user_ids=[a, a, b], kind="k", subject="S", body="B", link="/x"
        )
        == 2
    )
    mine = notify_service.list_own(session=session, user_id=a)
    assert [(n.subject, n.link, n.read_at) for n in mine] == [("S", "/x", None)]
    with pytest.raises(NotFound):
        notify_service.mark_read(session=session, user_id=b, notification_id=mine[0].id)
    done = notify_service.mark_read(session=session, user_id=a, notification_id=mine[0].id)
    assert done.read_at is not None
    assert notify_service.unread_count(session=session, user_id=a) == 0
    assert notify_service.unread_count(session=session, user_id=b) == 1


def test_the_build_respects_availability_set_through_the_service(session: Session) -> None:
    make_small_site(session)
    spans = [ss.AvailabilitySpanIn(weekday=d, start="07:00", end="19:00") for d in (0, 1)]
    out = schedule_setup.set_availability(
        session=session, login="alice", data=ss.AvailabilityIn(spans=spans)
    )
    assert out.any_time is False and [s.weekday for s in out.spans] == [0, 1]
    prefs = ss.PreferencesIn(preferences=[ss.PreferenceIn(weight=-5, weekday=4)])
    assert schedule_setup.set_preferences(session=session, login="bob", data=prefs).preferences == [
        ss.PreferenceIn(weight=-5, weekday=4)
    ]
    built = _build(session)
    alice = [s for s in built.shift_rows if s.login == "alice"]
    assert all(s.local_start.weekday() in (0, 1) for s in alice)
    assert {s.local_start.weekday() for s in built.shift_rows} == {0, 1, 2, 3, 4}
    outside = org_service.Scope(kind=ScopeKind.teams, site_ids=frozenset(), team_ids=frozenset())
    with pytest.raises(Forbidden, match="person 'alice' is outside your scope"):
        schedule_setup.list_availability(session=session, login="alice", scope=outside)


def test_a_swap_past_weekly_hours_or_days_of_a_contract_is_refused_by_rule(
    session: Session,
) -> None:
    make_small_site(session)
    v1 = _build(session)
    session.commit()
    worked = {
        login: {s.local_start.date() for s in v1.shift_rows if s.login == login}
        for login in ("alice", "bob", "carol")
    }
    hours = {
        login: sum(s.paid_h for s in v1.shift_rows if s.login == login)
        for login in ("alice", "bob", "carol")
    }
    giver, taker, day = next(
        (g, t, d) for g in worked for t in worked if g != t for d in sorted(worked[g] - worked[t])
    )
    swap = ss.EditIn(kind="swap", day=day, login_a=giver, login_b=taker)

    def refused(contract: ss.ContractIn, login: str) -> Conflict:
        schedule_setup.create_contract(session=session, data=contract)
        schedule_setup.assign_contract(session=session, login=login, contract=contract.name)
        session.commit()
        with pytest.raises(Conflict) as caught:
            schedule_edits.edit(session=session, schedule_id=v1.id, data=swap, edited_by="planner")
        session.rollback()
        assert session.scalar(select(func.count()).select_from(Schedule)) == 1  # nothing kept
        schedule_setup.assign_contract(session=session, login=login, contract="flex")
        session.commit()
        return caught.value

    tight = ss.ContractIn(
        name="tight", weekly_max_h=hours[taker], days_max=len(worked[taker]), days_min=0
    )
    exc = refused(tight, taker)
    assert f"leaves {taker} " in exc.message and "'tight'" in exc.message
    assert [p.message.split(":")[0] for p in exc.problems] == ["weekly_max_h", "days_max"]
    assert exc.problems[0].message == (
        f"weekly_max_h: {hours[taker] + 7.5:g} paid hours, above the most, {hours[taker]:g}"
    )
    floor = ss.ContractIn(
        name="floor",
        weekly_min_h=hours[giver],
        weekly_max_h=40,
        days_min=len(worked[giver]),
        days_max=5,
    )
    exc = refused(floor, giver)
    assert [p.message.split(":")[0] for p in exc.problems] == ["weekly_min_h", "days_min"]
    assert f"{len(worked[giver]) - 1} working days, below the least" in exc.message
    done = schedule_edits.edit(session=session, schedule_id=v1.id, data=swap, edited_by="planner")
    assert done.version == 2  # within flex (40 h, 5 days) the same swap is allowed
