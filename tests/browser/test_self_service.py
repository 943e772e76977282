"""Agent self-service in Chromium: on a phone an agent posts a shift to trade on the swap board
and a colleague working the same shift that day takes it (coverage unchanged: approved by the
rules into a new published version); a planner sees the
effect of an overtime offer, sends it, and an agent accepts the slot on a phone.

The demo's published weeks are past, so each test publishes a week three weeks ahead (the last
published week copied forward) and picks, with the services themselves on a rolled-back trial,
a shift and a colleague (or a span) that the rules allow.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import make_engine, make_session_factory
from ccops.enums import Role
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.wfm.overtime import schemas as overtime_schemas
from ccops.wfm.overtime import service as overtime_service
from ccops.wfm.overtime.models import OvertimeOffer
from ccops.wfm.schedules import common as schedule_common
from ccops.wfm.schedules.models import ScheduledActivity, ScheduledShift
from ccops.wfm.swapboard import schemas as swap_schemas
from ccops.wfm.swapboard import service as swap_service
from tests.factories.week_ahead import publish_copy, week_ahead
from tests.plugins.browser import DESKTOP, Browse, fill_moment, submit

pytestmark = pytest.mark.browser

AGENT = "agent001"
"""The person of the demo's ``agent`` sign-in (Shanghai, Billing and Tech Support)."""
ZONE = ZoneInfo("Asia/Shanghai")


def _session(browse: Browse) -> tuple[Any, Session]:
    engine = make_engine(browse.server.settings.resolved_database_url())
    return engine, make_session_factory(engine)()


def _agent_days(s: Session, schedule_id: int) -> list[date]:
    pid = s.scalars(select(Person.id).where(Person.login == AGENT)).one()
    return sorted(
        {
            start.astimezone(ZONE).date()
            for start in s.scalars(
                select(ScheduledShift.start_at).where(
                    ScheduledShift.schedule_id == schedule_id, ScheduledShift.person_id == pid
                )
            )
        }
    )


def _day_shape(s: Session, schedule_id: int, person_id: int, day: date) -> list[tuple[Any, ...]]:
    """A person's shifts on a local day (times, queues), or [] when one holds a fixed activity
    (a meeting or training does not change hands)."""
    shifts = [
        x
        for x in s.scalars(
            select(ScheduledShift).where(
                ScheduledShift.schedule_id == schedule_id, ScheduledShift.person_id == person_id
            )
        )
        if x.start_at.astimezone(ZONE).date() == day
    ]
    fixed = s.scalars(
        select(ScheduledActivity.id).where(
            ScheduledActivity.shift_id.in_([x.id for x in shifts]),
            ScheduledActivity.kind.in_(schedule_common.FIXED_KINDS),
        )
    ).first()
    return [] if fixed else sorted((x.start_at, x.end_at, x.queues) for x in shifts)


def _swap_setup(browse: Browse) -> tuple[date, str]:
    """A day the agent works and a colleague working the very same shift that day who sees the
    agent's post (skills): a trade that keeps coverage, approved by the rules. The colleague is
    given a sign-in."""
    engine, s = _session(browse)
    try:
        ahead = publish_copy(s, site="Shanghai", week=week_ahead(3))
        s.commit()
        me = s.scalars(select(Person).where(Person.login == AGENT)).one()
        colleagues = s.scalars(
            select(Person)
            .where(Person.site_id == me.site_id, Person.role == Role.agent, Person.id != me.id)
            .order_by(Person.login)
        ).all()
        found: tuple[date, str] | None = None
        for day in _agent_days(s, ahead.id):
            shape = _day_shape(s, ahead.id, me.id, day)
            twins = [c for c in colleagues if shape and _day_shape(s, ahead.id, c.id, day) == shape]
            if not twins:
                continue
            post = swap_service.create(
                session=s, person_id=me.id, data=swap_schemas.PostIn(day=day, kind="trade")
            )
            for c in twins:
                if post.id in [p.id for p in swap_service.board(session=s, person_id=c.id)]:
                    found = (day, c.login)
                    break
            s.rollback()
            if found:
                break
        assert found is not None, "no colleague works the agent's very shift on a day"
        org_service.create_user(
            session=s,
            data=org_schemas.UserIn(
                login="swap-taker", password="swap-taker-pass-1", role=Role.agent, person=found[1]
            ),
        )
        s.commit()
        return found
    finally:
        s.close()
        engine.dispose()


@pytest.mark.phone
def test_an_agent_posts_a_shift_and_a_colleague_takes_it(browse: Browse, chromium: Any) -> None:
    day, taker = _swap_setup(browse)
    mobile = browse.page()
    browse.sign_in(mobile, "agent")
    mobile.goto(browse.server.url + "/swaps")
    form = mobile.locator("#swap-post-form")
    form.get_by_label("Shift").select_option(day.isoformat())
    form.get_by_label("I want to").select_option("trade")
    form.get_by_label("Note", exact=True).fill("Dentist that day")
    submit(mobile, form.get_by_role("button", name="Post on the board"))
    expect(mobile.get_by_role("status").first).to_contain_text(
        f"Your shift on {day.isoformat()} is on the board."
    )
    [post] = [
        p
        for p in browse.api(mobile, "/api/v1/swaps")
        if p["status"] == "open" and p["note"] == "Dentist that day"  # the demo's post is open too
    ]
    assert (post["day"], post["kind"], post["note"]) == (
        day.isoformat(),
        "trade",
        "Dentist that day",
    )
    mine = mobile.locator(f"#post-{post['id']}")
    expect(mine.locator("[data-status]")).to_have_text("open")
    overflow = mobile.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page is {overflow} px wider than the phone"
    browse.shot(mobile, "posted", full_page=True)

    context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
    other = Browse(browse.server, context, browse.name + "-taker")
    try:
        desk = other.page()
        other.sign_in(desk, "swap-taker", "swap-taker-pass-1")
        desk.goto(other.server.url + "/swaps")
        card = desk.locator(f"#post-{post['id']}")
        expect(card).to_contain_text("Dentist that day")
        expect(card.locator("[data-shift]")).to_have_text(post["shift"])
        other.shot(desk, "board")
        submit(desk, card.get_by_role("button", name=f"Take post {post['id']}"))
        expect(desk.get_by_role("status").first).to_contain_text("approved and published")
        expect(desk.locator(f"#post-{post['id']}")).to_have_count(0)
    finally:
        context.close()
    assert not other.errors, "\n".join(other.errors)

    mobile.goto(browse.server.url + "/swaps")
    mine = mobile.locator(f"#post-{post['id']}")
    expect(mine.locator("[data-status]")).to_have_text("✓ approved by the rules")
    expect(mine).to_contain_text(f"Taken by {taker}")
    browse.shot(mobile, "approved", full_page=True)


def _overtime_setup(browse: Browse) -> datetime:
    """A two-hour span (Shanghai time) in the week ahead when the agent may take Billing
    overtime, found with a trial offer rolled back."""
    engine, s = _session(browse)
    try:
        ahead = publish_copy(s, site="Shanghai", week=week_ahead(3))
        s.commit()
        me = s.scalars(select(Person).where(Person.login == AGENT)).one()
        for k in range(7):
            for hour in (10, 14, 19):
                start = datetime.combine(ahead.week_start + timedelta(days=k), time(hour), ZONE)
                offer = overtime_service.create(
                    session=s,
                    data=overtime_schemas.OfferIn(
                        site="Shanghai",
                        queue="Billing",
                        start=start,
                        end=start + timedelta(hours=2),
                        slots=1,
                        template="late",
                    ),
                    created_by="trial",
                )
                record = s.get(OvertimeOffer, offer.id)
                assert record is not None
                ok = overtime_service.why_not(s, record, me) is None
                s.rollback()
                if ok:
                    return start.replace(tzinfo=None)
        raise AssertionError("no span in the week ahead when the agent may take overtime")
    finally:
        s.close()
        engine.dispose()


def test_a_planner_offers_overtime_and_an_agent_accepts_it(browse: Browse, chromium: Any) -> None:
    start = _overtime_setup(browse)
    desk = browse.page()
    browse.sign_in(desk, "planner")
    desk.goto(browse.server.url + "/overtime")
    form = desk.locator("#offer-form")
    form.locator("#f-site").select_option("Shanghai")
    form.locator("#f-queue").select_option("Billing")
    form.locator("#f-kind").select_option("overtime")
    fill_moment(form, "f-start", f"{start:%Y-%m-%dT%H:%M}")
    fill_moment(form, "f-end", f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M}")
    form.get_by_label("Slots (people)").fill("1")
    form.get_by_label("Shift template (its cost per hour)").select_option("late")
    form.locator("#f-note").fill("Billing backlog")
    submit(desk, form.get_by_role("button", name="Show the effect"))
    quote = desk.locator("#quote")
    expect(quote).to_contain_text("1 slot(s) of 2.00 h add 2.00 agent hours on Billing.")
    expect(desk.locator("#f-note")).to_have_value("Billing backlog")
    shown = quote.locator('[data-key="cost_per_slot"]').inner_text()
    browse.shot(desk, "quoted", full_page=True)
    submit(desk, desk.locator("#offer-form").get_by_role("button", name="Send the offer"))
    expect(desk.get_by_role("status").first).to_contain_text("sent: 1 slot(s).")
    [offer] = [o for o in browse.api(desk, "/api/v1/overtime") if o["note"] == "Billing backlog"]
    assert (offer["slots"], offer["taken"], offer["status"]) == (1, 0, "open")
    assert shown == f"{offer['cost_per_slot']:,.2f}"  # the cost seen before sending

    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    phone = Browse(browse.server, context, browse.name + "-agent")
    try:
        mobile = phone.page()
        phone.sign_in(mobile, "agent")
        mobile.goto(phone.server.url + "/overtime")
        card = mobile.locator(f"#offer-{offer['id']}")
        expect(card).to_contain_text("Billing backlog")
        submit(mobile, card.get_by_role("button", name=f"Accept offer {offer['id']}"))
        expect(mobile.get_by_role("status").first).to_contain_text(
            f"You took slot 1 of 1 of offer {offer['id']}"
        )
        expect(mobile.locator(f"#offer-{offer['id']} [data-mine]")).to_be_visible()
        phone.shot(mobile, "accepted", full_page=True)
    finally:
        context.close()
    assert not phone.errors, "\n".join(phone.errors)

    desk.goto(browse.server.url + "/overtime")
    card = desk.locator(f"#offer-{offer['id']}")
    expect(card.locator("[data-status]")).to_have_text("full")
    expect(card.locator("[data-accepted]")).to_contain_text(AGENT)
