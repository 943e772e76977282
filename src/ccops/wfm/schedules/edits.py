"""Editing a schedule: each edit (swap, time off granted, break moved) copies the base version
into a new draft with the change applied, its totals recomputed and an audit entry."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.engines import queueing
from ccops.errors import Conflict, NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Person, PersonSkill, Queue, Site
from ccops.wfm.schedules import common, schemas
from ccops.wfm.schedules.models import (
    ChangeRequest,
    CoverageInterval,
    PersonContract,
    Schedule,
    ScheduleAudit,
    ScheduledActivity,
    ScheduledShift,
    TimeOff,
    WorkContract,
)


def copy_version(session: Session, base: Schedule, by: str) -> Schedule:
    site = session.get(Site, base.site_id)
    assert site is not None
    new = common.new_record(
        session=session, site=site, week=base.week, created_by=by, status="draft"
    )
    new.parent_id = base.id
    new.notes = base.notes
    new.solve_s = base.solve_s
    shift_map: dict[int, int] = {}
    for s in session.scalars(select(ScheduledShift).where(ScheduledShift.schedule_id == base.id)):
        copy = ScheduledShift(
            schedule_id=new.id,
            person_id=s.person_id,
            template=s.template,
            queues=s.queues,
            start_at=s.start_at,
            end_at=s.end_at,
            paid_h=s.paid_h,
            cost=s.cost,
        )
        session.add(copy)
        session.flush()
        shift_map[s.id] = copy.id
    for a in session.scalars(
        select(ScheduledActivity).where(ScheduledActivity.schedule_id == base.id)
    ):
        session.add(
            ScheduledActivity(
                schedule_id=new.id,
                shift_id=shift_map[a.shift_id],
                person_id=a.person_id,
                kind=a.kind,
                queue_id=a.queue_id,
                start_at=a.start_at,
                end_at=a.end_at,
            )
        )
    for c in session.scalars(
        select(CoverageInterval).where(CoverageInterval.schedule_id == base.id)
    ):
        session.add(
            CoverageInterval(
                schedule_id=new.id,
                queue_id=c.queue_id,
                interval_start=c.interval_start,
                required=c.required,
                scheduled=c.scheduled,
                predicted_service_level=c.predicted_service_level,
                rate_per_s=c.rate_per_s,
                aht_s=c.aht_s,
            )
        )
    for entry in session.scalars(
        select(ScheduleAudit).where(ScheduleAudit.schedule_id == base.id).order_by(ScheduleAudit.id)
    ):
        session.add(
            ScheduleAudit(
                schedule_id=new.id,
                action=entry.action,
                detail=f"(version {base.version}) {entry.detail}",
                created_by=entry.created_by,
                created_at=entry.created_at,
            )
        )
    session.flush()
    return new


def _person_skills(session: Session, person_id: int) -> set[str]:
    return set(
        session.scalars(
            select(Queue.name)
            .join(PersonSkill, PersonSkill.queue_id == Queue.id)
            .where(PersonSkill.person_id == person_id)
        )
    )


def check_rest(session: Session, schedule_id: int, person: Person, what: str = "the swap") -> None:
    contract = session.scalars(
        select(WorkContract)
        .join(PersonContract, PersonContract.contract_id == WorkContract.id)
        .where(PersonContract.person_id == person.id)
    ).first()
    rest_h = contract.min_rest_h if contract else 0.0
    shifts = session.scalars(
        select(ScheduledShift)
        .where(ScheduledShift.schedule_id == schedule_id, ScheduledShift.person_id == person.id)
        .order_by(ScheduledShift.start_at)
    ).all()
    for a, b in zip(shifts, shifts[1:], strict=False):
        gap_h = (b.start_at - a.end_at).total_seconds() / 3600
        if gap_h < rest_h:
            raise Conflict(
                f"{what} leaves {person.login} {gap_h:.1f} h between shifts ending "
                f"{a.end_at:%Y-%m-%d %H:%M} UTC and starting {b.start_at:%Y-%m-%d %H:%M} UTC; "
                f"their contract needs {rest_h:g} h",
                [Problem(f"min_rest_h {rest_h:g}", field="login_b")],
            )


def _contract_of(session: Session, person: Person) -> WorkContract | None:
    return session.scalars(
        select(WorkContract)
        .join(PersonContract, PersonContract.contract_id == WorkContract.id)
        .where(PersonContract.person_id == person.id)
    ).first()


def _week_totals(session: Session, record: Schedule, person: Person) -> tuple[float, int]:
    """A person's paid hours and working days in a schedule version, credited time off
    included the way the build counts them."""
    site = session.get(Site, record.site_id)
    assert site is not None
    week = common.Week(site, record.week)
    shifts = session.scalars(
        select(ScheduledShift).where(
            ScheduledShift.schedule_id == record.id, ScheduledShift.person_id == person.id
        )
    ).all()
    hours = sum(s.paid_h for s in shifts)
    days = len({week.local(s.start_at).date() for s in shifts})
    for off in session.scalars(
        select(TimeOff).where(
            TimeOff.person_id == person.id,
            TimeOff.status == "approved",
            TimeOff.start_at < week.end_utc,
            TimeOff.end_at > week.start_utc,
        )
    ):
        span = common.clip(week, off.start_at, off.end_at)
        if span and off.credit_h_per_day > 0:
            n = math.ceil((span[1] - span[0]) / 1440)
            hours += off.credit_h_per_day * n
            days += n
    return hours, days


def _check_contract_week(
    session: Session, record: Schedule, person: Person, before: tuple[float, int], day: date
) -> None:
    """Refuse a swap that takes a person's week past a contract limit (or further past it)."""
    contract = _contract_of(session, person)
    if contract is None:
        return
    hours, days = _week_totals(session, record, person)
    broken: list[tuple[str, str]] = []
    if hours > contract.weekly_max_h + 1e-6 and hours > before[0] + 1e-6:
        broken.append(
            ("weekly_max_h", f"{hours:g} paid hours, above the most, {contract.weekly_max_h:g}")
        )
    if hours < contract.weekly_min_h - 1e-6 and hours < before[0] - 1e-6:
        broken.append(
            ("weekly_min_h", f"{hours:g} paid hours, below the least, {contract.weekly_min_h:g}")
        )
    if days > contract.days_max and days > before[1]:
        broken.append(("days_max", f"{days} working days, above the most, {contract.days_max}"))
    if days < contract.days_min and days < before[1]:
        broken.append(("days_min", f"{days} working days, below the least, {contract.days_min}"))
    if broken:
        rules = "; ".join(f"{text} ({rule})" for rule, text in broken)
        raise Conflict(
            f"the swap on {day} leaves {person.login} {rules} in {record.week}, against their "
            f"contract {contract.name!r}",
            [Problem(f"{rule}: {text}", field="login_b") for rule, text in broken],
        )


def _swap(session: Session, new: Schedule, data: schemas.EditIn, scope: org_service.Scope) -> str:
    assert data.login_a and data.login_b and data.day
    a, b = (
        common.person_in_scope(session, data.login_a, scope),
        common.person_in_scope(session, data.login_b, scope),
    )
    site = session.get(Site, new.site_id)
    assert site is not None
    if a.site_id != new.site_id or b.site_id != new.site_id or a.id == b.id:
        raise common.invalid("a swap needs two different people of the schedule's site", "login_b")
    zone = ZoneInfo(site.timezone)
    lo = datetime.combine(data.day, dtime(0)).replace(tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(data.day + timedelta(days=1), dtime(0)).replace(tzinfo=zone)
    hi = hi.astimezone(UTC)

    def day_shifts(person: Person) -> list[ScheduledShift]:
        return list(
            session.scalars(
                select(ScheduledShift).where(
                    ScheduledShift.schedule_id == new.id,
                    ScheduledShift.person_id == person.id,
                    ScheduledShift.start_at >= lo,
                    ScheduledShift.start_at < hi,
                )
            )
        )

    shifts_a, shifts_b = day_shifts(a), day_shifts(b)
    before = {p.id: _week_totals(session, new, p) for p in (a, b)}
    if not shifts_a and not shifts_b:
        raise common.invalid(f"neither {a.login} nor {b.login} has a shift on {data.day}", "day")
    for giver, taker, shifts in ((a, b, shifts_a), (b, a, shifts_b)):
        skills = _person_skills(session, taker.id)
        for s in shifts:
            missing = [q for q in s.queues.split(",") if q not in skills]
            if missing:
                raise Conflict(
                    f"{taker.login} has no skill for {', '.join(missing)}, the queues of "
                    f"{giver.login}'s shift on {data.day}",
                    [Problem("skill", field="login_b")],
                )
            fixed = session.scalars(
                select(ScheduledActivity).where(
                    ScheduledActivity.shift_id == s.id,
                    ScheduledActivity.kind.in_(common.FIXED_KINDS),
                )
            ).first()
            if fixed is not None:
                raise Conflict(
                    f"{giver.login}'s shift on {data.day} holds their {fixed.kind} at "
                    f"{fixed.start_at:%H:%M} UTC: it cannot go to someone else",
                    [Problem(fixed.kind, field="login_a")],
                )
    for s in shifts_a:
        s.person_id = b.id
    for s in shifts_b:
        s.person_id = a.id
    session.flush()
    moved = [s.id for s in shifts_a + shifts_b]
    for act in session.scalars(
        select(ScheduledActivity).where(ScheduledActivity.shift_id.in_(moved))
    ):
        act.person_id = a.id if act.person_id == b.id else b.id
    session.flush()
    check_rest(session, new.id, a)
    check_rest(session, new.id, b)
    for p in (a, b):
        _check_contract_week(session, new, p, before[p.id], data.day)
    return f"swapped the shifts of {a.login} and {b.login} on {data.day}"


def recover(
    session: Session,
    new: Schedule,
    removed: Iterable[ScheduledShift],
    added: Iterable[ScheduledShift],
) -> None:
    """Delete the ``removed`` shifts and count the work of both in the version's coverage.

    A work segment counts for its queue, or (a multi-skilled segment) for the shift's queues in
    proportion to their requirement, as the build counts it; the predicted service level of
    every interval touched is computed again.
    """
    queue_ids = dict(session.execute(select(Queue.name, Queue.id)).all())
    cover = {
        (c.queue_id, c.interval_start): c
        for c in session.scalars(
            select(CoverageInterval).where(CoverageInterval.schedule_id == new.id)
        )
    }
    touched: set[tuple[int, datetime]] = set()
    for sign, shifts in ((-1.0, list(removed)), (1.0, list(added))):
        for s in shifts:
            queues = [queue_ids[q] for q in s.queues.split(",") if q in queue_ids]
            for seg in session.scalars(
                select(ScheduledActivity).where(
                    ScheduledActivity.shift_id == s.id, ScheduledActivity.kind == common.WORK
                )
            ):
                at = seg.start_at.replace(minute=seg.start_at.minute // 15 * 15, second=0)
                while at < seg.end_at:
                    nxt = at + timedelta(minutes=common.STEP_MIN)
                    share = (min(nxt, seg.end_at) - max(at, seg.start_at)).total_seconds() / 900
                    targets = [seg.queue_id] if seg.queue_id is not None else queues
                    rows = [cover.get((q, at)) for q in targets]
                    need = [r.required if r else 0.0 for r in rows]
                    total = sum(need)
                    for r, n in zip(rows, need, strict=True):
                        if r is None:
                            continue
                        part = n / total if total > 0 else 1.0 / len(rows)
                        r.scheduled = max(round(r.scheduled + sign * share * part, 6), 0.0)
                        touched.add((r.queue_id, r.interval_start))
                    at = nxt
            if sign < 0:
                session.delete(s)
    session.flush()
    queues_by_id = {q.id: q for q in session.scalars(select(Queue))}
    for key in touched:
        row = cover[key]
        queue = queues_by_id[row.queue_id]
        if row.rate_per_s > 0:
            sl = queueing.service_level(
                np.array([row.scheduled]), row.rate_per_s, row.aht_s, queue.target_s
            )
            row.predicted_service_level = float(sl[0])


def _grant_time_off(
    session: Session, new: Schedule, data: schemas.EditIn, scope: org_service.Scope
) -> str:
    off = session.get(TimeOff, data.time_off_id)
    if off is None:
        raise NotFound(
            f"time off {data.time_off_id} does not exist", [Problem("unknown", "time_off_id")]
        )
    person = session.get(Person, off.person_id)
    assert person is not None
    common.person_in_scope(session, person.login, scope)
    if person.site_id != new.site_id:
        raise common.invalid(f"time off {off.id} is of a person of another site", "time_off_id")
    removed = list(
        session.scalars(
            select(ScheduledShift).where(
                ScheduledShift.schedule_id == new.id,
                ScheduledShift.person_id == person.id,
                ScheduledShift.start_at < off.end_at,
                ScheduledShift.end_at > off.start_at,
            )
        )
    )
    recover(session, new, removed, [])
    off.status = "approved"
    for req in session.scalars(
        select(ChangeRequest).where(
            ChangeRequest.time_off_id == off.id, ChangeRequest.status == "open"
        )
    ):
        req.status = "applied"
    session.flush()
    return (
        f"granted time off {off.id} of {person.login} ({off.reason}); removed {len(removed)} "
        "shift(s)"
    )


def _work_shares(
    segments: Iterable[ScheduledActivity],
) -> dict[tuple[int | None, datetime], float]:
    """Share of each 15-minute interval the work segments cover, by queue (None: the shift's)."""
    out: dict[tuple[int | None, datetime], float] = defaultdict(float)
    for seg in segments:
        at = seg.start_at.replace(minute=seg.start_at.minute // 15 * 15, second=0, microsecond=0)
        while at < seg.end_at:
            nxt = at + timedelta(minutes=common.STEP_MIN)
            out[(seg.queue_id, at)] += (
                min(nxt, seg.end_at) - max(at, seg.start_at)
            ).total_seconds() / 900
            at = nxt
    return out


def _move_break(
    session: Session, new: Schedule, data: schemas.EditIn, scope: org_service.Scope
) -> str:
    assert data.login_a and data.break_start and data.new_start
    person = common.person_in_scope(session, data.login_a, scope)
    old_at, new_at = data.break_start.astimezone(UTC), data.new_start.astimezone(UTC)
    act = session.scalars(
        select(ScheduledActivity).where(
            ScheduledActivity.schedule_id == new.id,
            ScheduledActivity.person_id == person.id,
            ScheduledActivity.start_at == old_at,
            ScheduledActivity.kind.in_(common.BREAK_KINDS),
        )
    ).first()
    if act is None:
        raise common.invalid(
            f"{person.login} has no break starting at {old_at:%Y-%m-%d %H:%M} UTC in this schedule",
            "break_start",
        )
    shift = session.get(ScheduledShift, act.shift_id)
    assert shift is not None
    window = common.break_window(session, shift, act)
    if window is None:
        raise common.invalid(
            f"{person.login}'s {act.kind} at {old_at:%H:%M} UTC has no allowed window in template "
            f"{shift.template!r}: it cannot be moved",
            "break_start",
        )
    if not window[0] <= new_at <= window[1]:
        raise common.invalid(
            f"{new_at:%H:%M} UTC is outside the allowed window {window[0]:%H:%M}–"
            f"{window[1]:%H:%M} UTC of {person.login}'s {act.kind}",
            "new_start",
        )
    new_end = new_at + (act.end_at - act.start_at)
    segments = list(
        session.scalars(
            select(ScheduledActivity)
            .where(ScheduledActivity.shift_id == shift.id)
            .order_by(ScheduledActivity.start_at)
        )
    )
    work = [a for a in segments if a.kind == common.WORK]
    others = [a for a in segments if a.kind != common.WORK and a.id != act.id]
    clash = next((o for o in others if o.start_at < new_end and o.end_at > new_at), None)
    if clash is not None or new_end > shift.end_at:
        what = f"their {clash.kind} at {clash.start_at:%H:%M} UTC" if clash else "the shift's end"
        raise Conflict(
            f"{person.login}'s {act.kind} moved to {new_at:%H:%M} UTC would overlap {what}",
            [Problem("overlap", field="new_start")],
        )
    before = _work_shares(work)
    queue_id = work[0].queue_id if work else None
    for w in work:
        session.delete(w)
    act.start_at, act.end_at = new_at, new_end
    made: list[ScheduledActivity] = []
    at = shift.start_at
    for lo, hi in sorted([(o.start_at, o.end_at) for o in others] + [(new_at, new_end)]):
        if lo > at:
            made.append(
                ScheduledActivity(
                    schedule_id=new.id,
                    shift_id=shift.id,
                    person_id=person.id,
                    kind=common.WORK,
                    queue_id=queue_id,
                    start_at=at,
                    end_at=lo,
                )
            )
        at = max(at, hi)
    if at < shift.end_at:
        made.append(
            ScheduledActivity(
                schedule_id=new.id,
                shift_id=shift.id,
                person_id=person.id,
                kind=common.WORK,
                queue_id=queue_id,
                start_at=at,
                end_at=shift.end_at,
            )
        )
    session.add_all(made)
    session.flush()
    after = _work_shares(made)
    queue_ids = dict(session.execute(select(Queue.name, Queue.id)).all())
    shift_queues = [queue_ids[q] for q in shift.queues.split(",") if q in queue_ids]
    cover = {
        (c.queue_id, c.interval_start): c
        for c in session.scalars(
            select(CoverageInterval).where(CoverageInterval.schedule_id == new.id)
        )
    }
    touched: set[tuple[int, datetime]] = set()
    for key in set(before) | set(after):
        change = after.get(key, 0.0) - before.get(key, 0.0)
        if abs(change) < 1e-12:
            continue
        qid, at_ = key
        rows = [cover.get((q, at_)) for q in ([qid] if qid is not None else shift_queues)]
        need = [r.required if r else 0.0 for r in rows]
        total = sum(need)
        for r, n in zip(rows, need, strict=True):
            if r is None:
                continue
            part = n / total if total > 0 else 1.0 / len(rows)
            r.scheduled = max(round(r.scheduled + change * part, 6), 0.0)
            touched.add((r.queue_id, r.interval_start))
    queues_by_id = {q.id: q for q in session.scalars(select(Queue))}
    for key in touched:
        row = cover[key]
        if row.rate_per_s > 0:
            sl = queueing.service_level(
                np.array([row.scheduled]),
                row.rate_per_s,
                row.aht_s,
                queues_by_id[row.queue_id].target_s,
            )
            row.predicted_service_level = float(sl[0])
    session.flush()
    return (
        f"moved {person.login}'s {act.kind} from {old_at:%Y-%m-%d %H:%M} to {new_at:%H:%M} UTC "
        f"(window {window[0]:%H:%M}–{window[1]:%H:%M})"
    )


def _add_overtime(
    session: Session, new: Schedule, data: schemas.EditIn, scope: org_service.Scope
) -> str:
    """Add an overtime shift (``login_a`` on ``queue`` from ``new_start`` to ``end``): the
    person holds the queue's skill, is not working then, and keeps rest and contract limits."""
    assert data.login_a and data.queue and data.new_start and data.end
    person = common.person_in_scope(session, data.login_a, scope)
    if person.site_id != new.site_id:
        raise common.invalid(f"{person.login} is not of the schedule's site", "login_a")
    queue = session.scalars(select(Queue).where(Queue.name == data.queue)).first()
    if queue is None:
        raise common.invalid(f"queue {data.queue!r} does not exist", "queue")
    if data.queue not in _person_skills(session, person.id):
        raise Conflict(
            f"{person.login} has no skill for {data.queue} (rule: skill)",
            [Problem("skill", field="login_a")],
        )
    start, end = data.new_start.astimezone(UTC), data.end.astimezone(UTC)
    clash = session.scalars(
        select(ScheduledShift).where(
            ScheduledShift.schedule_id == new.id,
            ScheduledShift.person_id == person.id,
            ScheduledShift.start_at < end,
            ScheduledShift.end_at > start,
        )
    ).first()
    if clash is not None:
        raise Conflict(
            f"{person.login} already works {clash.start_at:%Y-%m-%d %H:%M}-"
            f"{clash.end_at:%H:%M} UTC (rule: not already working)",
            [Problem("working", field="login_a")],
        )
    before = _week_totals(session, new, person)
    hours = (end - start).total_seconds() / 3600
    shift = ScheduledShift(
        schedule_id=new.id,
        person_id=person.id,
        template="overtime",
        queues=queue.name,
        start_at=start,
        end_at=end,
        paid_h=hours,
        cost=round(hours * data.cost_per_hour, 2),
    )
    session.add(shift)
    session.flush()
    session.add(
        ScheduledActivity(
            schedule_id=new.id,
            shift_id=shift.id,
            person_id=person.id,
            kind=common.WORK,
            queue_id=queue.id,
            start_at=start,
            end_at=end,
        )
    )
    for row in session.scalars(
        select(CoverageInterval).where(
            CoverageInterval.schedule_id == new.id,
            CoverageInterval.queue_id == queue.id,
            CoverageInterval.interval_start >= start - timedelta(minutes=common.STEP_MIN),
            CoverageInterval.interval_start < end,
        )
    ):
        lo = max(row.interval_start, start)
        hi = min(row.interval_start + timedelta(minutes=common.STEP_MIN), end)
        if hi > lo:
            row.scheduled = round(row.scheduled + (hi - lo).total_seconds() / 900, 6)
            if row.rate_per_s > 0:
                sl = queueing.service_level(
                    np.array([row.scheduled]), row.rate_per_s, row.aht_s, queue.target_s
                )
                row.predicted_service_level = float(sl[0])
    session.flush()
    check_rest(session, new.id, person)
    _check_contract_week(session, new, person, before, start.date())
    return (
        f"added overtime for {person.login} on {queue.name} {start:%Y-%m-%d %H:%M}-{end:%H:%M} UTC"
    )


def edit(
    *,
    session: Session,
    schedule_id: int,
    data: schemas.EditIn,
    edited_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.ScheduleOut:
    """Make a new draft version from ``schedule_id`` with the edit applied and audited.

    The base version (published or not) is left as it is; publishing the new version is a
    separate step.
    """
    base = common.schedule_in_scope(session, schedule_id, scope)
    if base.status not in ("draft", "published"):
        raise Conflict(
            f"schedule {schedule_id} is {base.status}: edit a draft or the published version",
            [Problem(f"status {base.status}", field="status")],
        )
    new = copy_version(session, base, edited_by)
    apply = {
        "swap": _swap,
        "time_off": _grant_time_off,
        "move_break": _move_break,
        "overtime": _add_overtime,
    }[data.kind]
    detail = apply(session, new, data, scope)
    if data.reason:
        detail += f": {data.reason}"
    return finish_edit(session, base, new, action=data.kind, detail=detail, by=edited_by)


def finish_edit(
    session: Session, base: Schedule, new: Schedule, *, action: str, detail: str, by: str
) -> schemas.ScheduleOut:
    """Close an edited version: the optimiser's figures no longer apply, totals recomputed,
    the edit audited."""
    new.objective = new.bound = new.gap = None
    new.notes = (
        f"edited from version {base.version}: objective, bound and gap belong to the optimised "
        "build and no longer apply\n" + base.notes
    )
    common.totals(session, new)
    session.add(ScheduleAudit(schedule_id=new.id, action=action, detail=detail, created_by=by))
    session.flush()
    return common.summary(session, new)
