"""Overtime and VTO offers: a planner offers slots on a queue for a span (its cost shown before
it is sent: template cost per hour × hours × premium); eligible people see it and accept, first
come, up to the slots. Each acceptance is a schedule edit published as a new version of the
week (the schedule's own edit and publish services: skills, rest and contract hours are their
rules). Bad input names the rule and changes nothing.

Overtime: the person holds the queue's skill, is not working then, and the extra hours keep
their contract's weekly limits. VTO: the person holds the queue's skill and works the whole
span; their shift(s) overlapping it are released as unpaid time off.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.errors import CcopsError, Conflict, Invalid, NotFound, Problem
from ccops.notifications import service as notify_service
from ccops.org import service as org_service
from ccops.org.models import Person, PersonSkill, Queue, Site
from ccops.wfm.overtime import schemas
from ccops.wfm.overtime.models import OvertimeAcceptance, OvertimeOffer
from ccops.wfm.schedules import common as schedule_common
from ccops.wfm.schedules import edits as schedule_edits
from ccops.wfm.schedules import publish as schedule_publish
from ccops.wfm.schedules import schemas as schedule_schemas
from ccops.wfm.schedules.models import (
    PersonContract,
    Schedule,
    ScheduledShift,
    ShiftTemplate,
    TimeOff,
    WorkContract,
)

BY = "overtime offer"
"""Who edits and publishes a schedule version for an accepted offer."""


def _hours(offer: OvertimeOffer) -> float:
    return (offer.end_at - offer.start_at).total_seconds() / 3600


def cost_per_slot(kind: str, cost_per_hour: float, hours: float, premium: float) -> float:
    """Overtime is paid at the premium; VTO saves the plain hourly cost (a negative cost)."""
    if kind == "vto":
        return -round(cost_per_hour * hours, 2)
    return round(cost_per_hour * hours * premium, 2)


def _published(session: Session, offer: OvertimeOffer) -> Schedule | None:
    site = session.get(Site, offer.site_id)
    assert site is not None
    return session.scalars(
        select(Schedule)
        .where(
            Schedule.site_id == offer.site_id,
            Schedule.status == "published",
            Schedule.week == _week_of(site, offer.start_at),
        )
        .order_by(Schedule.version.desc())
    ).first()


def _week_of(site: Site, at: datetime) -> str:
    year, week, _ = at.astimezone(ZoneInfo(site.timezone)).date().isocalendar()
    return f"{year}-W{week:02d}"


def _shifts(session: Session, schedule_id: int, person_id: int) -> list[ScheduledShift]:
    return list(
        session.scalars(
            select(ScheduledShift).where(
                ScheduledShift.schedule_id == schedule_id, ScheduledShift.person_id == person_id
            )
        )
    )


def why_not(
    session: Session, offer: OvertimeOffer, person: Person, now: datetime | None = None
) -> str | None:
    """Why ``person`` may not accept ``offer`` (the rule), or None when they may."""
    if offer.status != "open":
        return f"offer {offer.id} is {offer.status} (rule: only open offers)"
    if offer.start_at <= (now or utcnow()):
        return f"offer {offer.id} has started or is in the past (rule: only future offers)"
    if person.site_id != offer.site_id:
        return "the offer is for another site (rule: same site)"
    taken = session.scalars(
        select(OvertimeAcceptance.person_id).where(OvertimeAcceptance.offer_id == offer.id)
    ).all()
    if person.id in taken:
        return f"you already accepted offer {offer.id}"
    if len(taken) >= offer.slots:
        return f"all {offer.slots} slot(s) of offer {offer.id} are taken (rule: first come)"
    skill = session.scalars(
        select(PersonSkill.id).where(
            PersonSkill.person_id == person.id, PersonSkill.queue_id == offer.queue_id
        )
    ).first()
    queue = session.get(Queue, offer.queue_id)
    assert queue is not None
    if skill is None:
        return f"you have no skill for {queue.name} (rule: skill)"
    schedule = _published(session, offer)
    if schedule is None:
        return "there is no published schedule for that week (rule: published week)"
    shifts = _shifts(session, schedule.id, person.id)
    overlap = [s for s in shifts if s.start_at < offer.end_at and s.end_at > offer.start_at]
    if offer.kind == "vto":
        covered = any(s.start_at <= offer.start_at and s.end_at >= offer.end_at for s in overlap)
        if not covered:
            return "you do not work the whole span (rule: VTO releases a shift you work)"
        return None
    if overlap:
        return "you already work then (rule: not already working)"
    contract = session.scalars(
        select(WorkContract)
        .join(PersonContract, PersonContract.contract_id == WorkContract.id)
        .where(PersonContract.person_id == person.id)
    ).first()
    if contract is not None:
        hours = sum(s.paid_h for s in shifts) + _hours(offer)
        if hours > contract.weekly_max_h + 1e-6:
            return (
                f"{hours:g} paid hours that week is above your contract's "
                f"{contract.weekly_max_h:g} (rule: weekly hours)"
            )
        rest = contract.min_rest_h
        for s in shifts:
            gap = min(
                abs((offer.start_at - s.end_at).total_seconds()),
                abs((s.start_at - offer.end_at).total_seconds()),
            )
            if 0 < gap < rest * 3600:
                return (
                    f"{gap / 3600:.1f} h between the offer and your shift is below your "
                    f"contract's {rest:g} h (rule: rest)"
                )
    return None


def _out(session: Session, offer: OvertimeOffer, viewer: Person | None = None) -> schemas.OfferOut:
    site = session.get(Site, offer.site_id)
    queue = session.get(Queue, offer.queue_id)
    assert site is not None and queue is not None
    takers = session.scalars(
        select(Person.login)
        .join(OvertimeAcceptance, OvertimeAcceptance.person_id == Person.id)
        .where(OvertimeAcceptance.offer_id == offer.id)
        .order_by(OvertimeAcceptance.id)
    ).all()
    hours = _hours(offer)
    per = cost_per_slot(offer.kind, offer.cost_per_hour, hours, offer.premium)
    reason = why_not(session, offer, viewer) if viewer is not None else "not linked to a person"
    return schemas.OfferOut(
        id=offer.id,
        site=site.name,
        queue=queue.name,
        kind="vto" if offer.kind == "vto" else "overtime",
        start=offer.start_at,
        end=offer.end_at,
        hours=round(hours, 2),
        slots=offer.slots,
        taken=len(takers),
        template=offer.template,
        cost_per_hour=offer.cost_per_hour,
        premium=offer.premium,
        cost_per_slot=per,
        total_cost=round(per * offer.slots, 2),
        status=offer.status,
        note=offer.note,
        accepted_by=list(takers),
        can_accept=reason is None,
        why_not=reason,
        created_by=offer.created_by,
        created_at=offer.created_at,
    )


def _template(session: Session, site: Site, name: str) -> ShiftTemplate:
    template = session.scalars(
        select(ShiftTemplate).where(ShiftTemplate.site_id == site.id, ShiftTemplate.name == name)
    ).first()
    if template is None:
        raise Invalid(
            f"shift template {name!r} does not exist at {site.name}",
            [Problem("unknown", field="template")],
        )
    return template


def quote(
    *,
    session: Session,
    data: schemas.OfferIn,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> dict[str, float]:
    """The cost of an offer before it is sent: per slot and in all."""
    site = org_service.get_site(session=session, name=data.site)
    if not scope.allows_site(site.id):
        raise NotFound(f"site {data.site!r} does not exist", [Problem("unknown", field="site")])
    template = _template(session, site, data.template)
    hours = (data.end - data.start).total_seconds() / 3600
    per = cost_per_slot(data.kind, template.cost_per_hour, hours, data.premium)
    return {
        "hours": round(hours, 2),
        "cost_per_slot": per,
        "total_cost": round(per * data.slots, 2),
    }


def create(
    *,
    session: Session,
    data: schemas.OfferIn,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
    now: datetime | None = None,
) -> schemas.OfferOut:
    """Send an offer; the people who may accept it are told."""
    site = org_service.get_site(session=session, name=data.site)
    if not scope.allows_site(site.id):
        raise NotFound(f"site {data.site!r} does not exist", [Problem("unknown", field="site")])
    queue = session.scalars(select(Queue).where(Queue.name == data.queue)).first()
    if queue is None:
        raise Invalid(f"queue {data.queue!r} does not exist", [Problem("unknown", field="queue")])
    start, end = data.start.astimezone(UTC), data.end.astimezone(UTC)
    if start <= (now or utcnow()):
        raise Invalid(
            f"the offer starts {start:%Y-%m-%d %H:%M} UTC, in the past (rule: only future offers)",
            [Problem("past", field="start")],
        )
    template = _template(session, site, data.template)
    offer = OvertimeOffer(
        site_id=site.id,
        queue_id=queue.id,
        kind=data.kind,
        start_at=start,
        end_at=end,
        slots=data.slots,
        template=template.name,
        cost_per_hour=template.cost_per_hour,
        premium=data.premium if data.kind == "overtime" else 1.0,
        status="open",
        note=data.note.strip(),
        created_by=created_by,
    )
    if _published(session, offer) is None:
        raise Invalid(
            f"{site.name} has no published schedule for {_week_of(site, start)} "
            "(rule: published week)",
            [Problem("no schedule", field="start")],
        )
    session.add(offer)
    session.flush()
    eligible = [
        p.id
        for p in session.scalars(select(Person).where(Person.site_id == site.id))
        if why_not(session, offer, p, now) is None
    ]
    what = "Overtime" if offer.kind == "overtime" else "Voluntary time off"
    notify_service.notify(
        session=session,
        user_ids=schedule_common.users_of(session, eligible),
        kind="overtime_offer",
        subject=f"{what} on {queue.name}: {offer.slots} slot(s)",
        body=f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} UTC. {offer.note}".strip(),
        link=f"/overtime#offer-{offer.id}",
    )
    return _out(session, offer, None)


def offers(
    *,
    session: Session,
    person_id: int | None,
    scope: org_service.Scope = org_service.EVERYTHING,
    everything: bool = False,
) -> list[schemas.OfferOut]:
    """Offers in scope, newest first: all of them for a planner (``everything``), otherwise the
    open ones the person may accept and the ones they accepted."""
    person = session.get(Person, person_id) if person_id else None
    rows = session.scalars(select(OvertimeOffer).order_by(OvertimeOffer.id.desc()).limit(200))
    out = []
    for offer in rows:
        if not scope.allows_site(offer.site_id):
            continue
        view = _out(session, offer, person)
        mine = person is not None and person.login in view.accepted_by
        if everything or view.can_accept or mine:
            out.append(view)
    return out


def _get(session: Session, offer_id: int, scope: org_service.Scope) -> OvertimeOffer:
    offer = session.get(OvertimeOffer, offer_id, with_for_update=True)
    if offer is None or not scope.allows_site(offer.site_id):
        raise NotFound(f"offer {offer_id} does not exist", [Problem("unknown", field="offer_id")])
    return offer


def accept(
    *,
    session: Session,
    offer_id: int,
    person_id: int | None,
    scope: org_service.Scope = org_service.EVERYTHING,
    now: datetime | None = None,
) -> schemas.OfferOut:
    """Accept a slot: the edit (overtime shift added, or VTO shift released) is published as a
    new version of the week. Refusals name the rule and change nothing."""
    offer = _get(session, offer_id, scope)
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        raise Invalid(
            "your account is not linked to a person, so you cannot accept an offer",
            [Problem("no person", None)],
        )
    reason = why_not(session, offer, person, now)
    if reason is not None:
        raise Conflict(
            f"you cannot accept offer {offer.id}: {reason}", [Problem(reason, field="offer_id")]
        )
    schedule = _published(session, offer)
    assert schedule is not None
    queue = session.get(Queue, offer.queue_id)
    assert queue is not None
    try:
        with session.begin_nested():
            if offer.kind == "overtime":
                data = schedule_schemas.EditIn(
                    kind="overtime",
                    login_a=person.login,
                    queue=queue.name,
                    new_start=offer.start_at,
                    end=offer.end_at,
                    cost_per_hour=offer.cost_per_hour * offer.premium,
                    reason=f"overtime offer {offer.id}",
                )
            else:
                off = TimeOff(
                    person_id=person.id,
                    start_at=offer.start_at,
                    end_at=offer.end_at,
                    reason=f"VTO offer {offer.id}",
                    credit_h_per_day=0.0,
                    status="pending",
                    created_by=BY,
                )
                session.add(off)
                session.flush()
                data = schedule_schemas.EditIn(
                    kind="time_off", time_off_id=off.id, reason=f"VTO offer {offer.id}"
                )
            draft = schedule_edits.edit(
                session=session, schedule_id=schedule.id, data=data, edited_by=BY
            )
            published = schedule_publish.publish(
                session=session, schedule_id=draft.id, published_by=BY
            )
    except CcopsError as exc:
        session.refresh(offer)
        raise Conflict(
            f"the schedule rules refuse this: {exc.message} (nothing changed)",
            [Problem(exc.message, field="offer_id")],
        ) from None
    session.add(
        OvertimeAcceptance(offer_id=offer.id, person_id=person.id, schedule_id=published.id)
    )
    session.flush()
    taken = session.scalar(
        select(func.count())
        .select_from(OvertimeAcceptance)
        .where(OvertimeAcceptance.offer_id == offer.id)
    )
    if (taken or 0) >= offer.slots:
        offer.status = "full"
    session.flush()
    notify_service.notify(
        session=session,
        user_ids=schedule_common.planner_users(session, offer.site_id),
        kind="overtime_offer",
        subject=f"{person.login} accepted offer {offer.id} ({offer.kind})",
        body=f"schedule version {published.version} published",
        link=f"/overtime#offer-{offer.id}",
    )
    return _out(session, offer, person)


def close(
    *, session: Session, offer_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.OfferOut:
    """Close an open offer: nobody more may accept it."""
    offer = _get(session, offer_id, scope)
    if offer.status != "open":
        raise Conflict(f"offer {offer.id} is {offer.status}", [Problem("status")])
    offer.status = "closed"
    session.flush()
    return _out(session, offer, None)
