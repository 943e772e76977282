"""Awarded bid lines in a build: when a shift bid of the site has been awarded for a period that
covers the week, each agent who got a line works exactly their line's shifts that week (fixed;
their fixed activities inside them carried, the others named in the notes), and the optimiser
plans the rest of the people against the requirement net of the fixed agents' work.

The net requirement: the fixed agents' presence (work segments, 15-minute shares; a
multi-skilled line's work split over its queues in proportion to their requirement, as the build
and the edits count it) is taken from the required agents, floored at 0; the arrival rate is
scaled by the same share (the rest handle the contacts the fixed agents do not), so the
service-level weighting of under-coverage stays on the load the rest face. The stored coverage
counts everyone against the full requirement and its predicted service level is recomputed at
the total staffing (``ccops.engines.queueing.service_level``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.engines import scheduling as sch
from ccops.org.models import Person, Site
from ccops.wfm.bidding.models import BidAward, BidLine, ShiftBid
from ccops.wfm.schedules import common, lines
from ccops.wfm.schedules.models import FixedActivity, ShiftTemplate, TimeOff


@dataclass
class FixedWeek:
    """The fixed agents of a build: their line shifts, their presence per queue and interval,
    and what the planner is told."""

    shifts: dict[int, list[lines.LineShift]] = field(default_factory=dict)
    presence: np.ndarray = field(default_factory=lambda: np.zeros((0, common.N_INT)))
    notes: list[str] = field(default_factory=list)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def awarded_lines(session: Session, site: Site, week: common.Week) -> list[lines.LineWeek]:
    """The lines awarded to people of ``site`` in bids whose period touches the week; a person
    in several such bids works the line of the latest awarded one."""
    sunday = week.monday + timedelta(days=6)
    rows = session.execute(
        select(BidAward, BidLine, ShiftBid, Person.login)
        .join(BidLine, BidLine.id == BidAward.line_id)
        .join(ShiftBid, ShiftBid.id == BidAward.bid_id)
        .join(Person, Person.id == BidAward.person_id)
        .where(
            ShiftBid.site_id == site.id,
            ShiftBid.status == "awarded",
            ShiftBid.first_day <= sunday,
            ShiftBid.last_day >= week.monday,
        )
        .order_by(ShiftBid.awarded_at, ShiftBid.id)
    ).all()
    out: dict[int, lines.LineWeek] = {}
    for award, line, bid, login in rows:
        out[award.person_id] = lines.LineWeek(
            person_id=award.person_id,
            template=line.template,
            queues=tuple(q for q in line.queues.split(",") if q),
            weekdays=tuple(int(d) for d in line.weekdays.split(",") if d),
            start_min=line.start_min,
            first_day=bid.first_day,
            last_day=bid.last_day,
            label=f"{line.label} of {login} (bid {bid.id}, {bid.name})",
        )
    return list(out.values())


def fixed_week(
    session: Session,
    site: Site,
    week: common.Week,
    awarded: list[lines.LineWeek],
    requirement: sch.Requirement,
    skills: dict[int, set[str]],
) -> FixedWeek:
    """Each awarded agent's line shifts for the week and their presence on the requirement's
    queues (see the module docstring)."""
    queues = list(requirement.queues)
    agents = requirement._agents  # noqa: SLF001 - the engine's validated array
    presence = np.zeros((len(queues), agents.shape[1]))
    templates = {
        t.name: t
        for t in session.scalars(select(ShiftTemplate).where(ShiftTemplate.site_id == site.id))
    }
    out = FixedWeek(presence=presence)
    for line in awarded:
        person = session.get(Person, line.person_id)
        assert person is not None
        template = templates.get(line.template)
        if template is None:
            out.notes.append(
                f"{person.login}: awarded line {line.label} needs shift template "
                f"{line.template!r}, which no longer exists; optimised with the others"
            )
            continue
        offs = session.execute(
            select(TimeOff.start_at, TimeOff.end_at).where(
                TimeOff.person_id == line.person_id,
                TimeOff.status == "approved",
                TimeOff.start_at < week.end_utc,
                TimeOff.end_at > week.start_utc,
            )
        ).all()
        held = [
            lines.Held(a.kind, a.name, _aware(a.start_at), _aware(a.end_at))
            for a in session.scalars(
                select(FixedActivity)
                .where(
                    FixedActivity.person_id == line.person_id,
                    FixedActivity.start_at < week.end_utc,
                    FixedActivity.end_at > week.start_utc,
                )
                .order_by(FixedActivity.start_at)
            )
        ]
        own = list(line.queues) or sorted(skills.get(line.person_id, set()) & set(queues))
        shifts, left = lines.line_shifts(
            week=week,
            line=line,
            template=template,
            queues=own,
            time_off=[(_aware(lo), _aware(hi)) for lo, hi in offs],
            held=held,
        )
        out.shifts[line.person_id] = shifts
        out.notes.append(
            f"{person.login} works their awarded line {line.label}: {len(shifts)} fixed shift(s)"
        )
        for h, reason in left:
            lo, hi = week.local(h.start_at), week.local(h.end_at)
            out.notes.append(
                f"{person.login}'s {h.kind} {h.name!r} {lo:%a %H:%M}-{hi:%H:%M} is not in their "
                f"line ({reason}): plan it again"
            )
        targets = [queues.index(q) for q in own if q in queues]
        if not targets:
            continue
        for s in shifts:
            for kind, lo, hi in s.segments:
                if kind != common.WORK:
                    continue
                at = lo
                while at < hi:
                    minute = week.local_min(at)
                    idx = minute // common.STEP_MIN
                    nxt = min(
                        hi, at + timedelta(minutes=common.STEP_MIN - minute % common.STEP_MIN)
                    )
                    share = (nxt - at).total_seconds() / (common.STEP_MIN * 60)
                    if 0 <= idx < presence.shape[1]:
                        need = np.array([agents[qi, idx] for qi in targets])
                        parts = (
                            need / need.sum()
                            if need.sum() > 0
                            else np.full(len(targets), 1.0 / len(targets))
                        )
                        for qi, part in zip(targets, parts, strict=True):
                            presence[qi, idx] += share * part
                    at = nxt
    return out


def residual(requirement: sch.Requirement, presence: np.ndarray) -> sch.Requirement:
    """The requirement left to the optimised people: required agents net of the fixed agents'
    presence (>= 0), the arrival rate scaled by the same share."""
    agents = requirement._agents  # noqa: SLF001 - the engine's validated array
    left = np.maximum(agents - presence, 0.0)
    load = requirement._load  # noqa: SLF001
    if load is None:
        return sch.Requirement(
            queues=list(requirement.queues),
            agents=left,
            interval_min=requirement.interval_min,
            week_start=requirement.week_start,
        )
    rate, aht, target, patience = load
    share = np.divide(left, agents, out=np.ones_like(agents), where=agents > 0)
    return sch.Requirement(
        queues=list(requirement.queues),
        agents=left,
        interval_min=requirement.interval_min,
        week_start=requirement.week_start,
        rate_per_s=rate * share,
        aht_s=aht,
        target_s=target,
        patience_s=None if np.isinf(patience).all() else patience,
    )
