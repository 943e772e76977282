"""Shift lines in a schedule: a person works a line (an awarded bid line) instead of their own
shifts. ``line_shifts`` turns a line into a week's shifts (pure: no database), carrying the
person's fixed activities (meetings, training, huddles...) that fall inside a new shift onto it
and naming those that no longer fall inside any; ``apply_lines`` stores that in a new draft
version. The build uses ``line_shifts`` too, to keep awarded agents on their lines
(``ccops.wfm.schedules.build``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.errors import Conflict, Problem
from ccops.org import service as org_service
from ccops.org.models import Person, PersonSkill, Queue, Site
from ccops.wfm.schedules import common, edits, schemas
from ccops.wfm.schedules.models import (
    FixedActivity,
    ScheduledActivity,
    ScheduledShift,
    ShiftTemplate,
    TimeOff,
)

OUTSIDE = "outside the new shifts"
"""Why a fixed activity was not kept: no shift of the line holds it."""
ON_BREAK = "falls on the new shift's break"
"""Why a fixed activity was not kept: every place of a break in its window overlaps it."""


@dataclass(frozen=True)
class LineWeek:
    """The shifts a person is to work in one week instead of theirs (an awarded bid line):
    the template, the queues (skills) and the local weekdays with the local start minute."""

    person_id: int
    template: str
    queues: tuple[str, ...]
    weekdays: tuple[int, ...]
    start_min: int
    first_day: date
    last_day: date
    label: str


@dataclass(frozen=True)
class Held:
    """A fixed activity of the person (a meeting, training, a huddle...), UTC."""

    kind: str
    name: str
    start_at: datetime
    end_at: datetime


@dataclass
class LineShift:
    """One shift of a line: its span (UTC), paid hours and cost, and its segments in order
    (``work``, ``break``/``lunch`` and the fixed activities it holds)."""

    template: str
    queues: tuple[str, ...]
    start_at: datetime
    end_at: datetime
    paid_h: float
    cost: float
    segments: list[tuple[str, datetime, datetime]] = field(default_factory=list)
    kept: list[Held] = field(default_factory=list)


def _paid_h(template: ShiftTemplate) -> float:
    unpaid = sum(
        int(b["length_min"]) for b in json.loads(template.breaks_json) if not b.get("paid")
    )
    return (template.length_min - unpaid) / 60.0


def _overlaps(lo: datetime, hi: datetime, held: Sequence[Held]) -> list[Held]:
    return [h for h in held if h.start_at < hi and h.end_at > lo]


def place_breaks(
    template: ShiftTemplate, start: datetime, end: datetime, held: Sequence[Held]
) -> tuple[list[tuple[str, datetime, datetime]], list[Held]]:
    """The template's breaks, each in its window on the quarter hour as near its middle as
    possible without overlapping ``held`` (the activities the shift holds); with no such place a
    break goes to the middle and the activities it overlaps are returned as not kept."""
    out: list[tuple[str, datetime, datetime]] = []
    lost: list[Held] = []
    at_least = start
    for b in json.loads(template.breaks_json):
        lo, hi = int(b["earliest_after_start_min"]), int(b["latest_after_start_min"])
        length = int(b["length_min"])
        middle = (lo + (hi - lo) // 2) // common.STEP_MIN * common.STEP_MIN
        offsets = sorted(
            range(lo // common.STEP_MIN * common.STEP_MIN, hi + 1, common.STEP_MIN),
            key=lambda m: (abs(m - middle), m),
        )
        chosen: datetime | None = None
        for m in [middle, *offsets]:
            b_start = start + timedelta(minutes=m)
            b_end = b_start + timedelta(minutes=length)
            if b_start >= at_least and b_end <= end and not _overlaps(b_start, b_end, held):
                chosen = b_start
                break
        if chosen is None:
            chosen = max(start + timedelta(minutes=middle), at_least)
            lost += [
                h
                for h in _overlaps(chosen, chosen + timedelta(minutes=length), held)
                if h not in lost
            ]
        b_end = chosen + timedelta(minutes=length)
        if b_end <= end:
            out.append(("break" if b.get("paid") else "lunch", chosen, b_end))
            at_least = b_end
    return out, lost


def line_shifts(
    *,
    week: common.Week,
    line: LineWeek,
    template: ShiftTemplate,
    queues: Sequence[str],
    time_off: Sequence[tuple[datetime, datetime]],
    held: Sequence[Held],
) -> tuple[list[LineShift], list[tuple[Held, str]]]:
    """The shifts ``line`` gives its person in ``week`` and the fixed activities left out.

    A line's day inside its period (``first_day`` to ``last_day``) becomes a shift of its
    template at the line's local start, unless approved time off overlaps it. A fixed activity
    wholly inside a new shift is carried onto it (the breaks placed around it, see
    :func:`place_breaks`); one that is not is returned with the reason (``OUTSIDE`` or
    ``ON_BREAK``), never dropped silently.
    """
    paid_h = _paid_h(template)
    shifts: list[LineShift] = []
    for d in line.weekdays:
        day = week.monday + timedelta(days=d)
        if not line.first_day <= day <= line.last_day:
            continue
        start = week.utc(d * 1440 + line.start_min)
        end = week.utc(d * 1440 + line.start_min + template.length_min)
        if any(lo < end and hi > start for lo, hi in time_off):
            continue
        inside = [h for h in held if h.start_at >= start and h.end_at <= end]
        breaks, lost = place_breaks(template, start, end, inside)
        kept = [h for h in inside if h not in lost]
        events = sorted(
            [(lo, hi, kind) for kind, lo, hi in breaks]
            + [(h.start_at, h.end_at, h.kind) for h in kept]
        )
        segments: list[tuple[str, datetime, datetime]] = []
        at = start
        for lo, hi, kind in events:
            lo, hi = max(lo, at), min(hi, end)
            if lo > at:
                segments.append((common.WORK, at, lo))
            if hi > lo:
                segments.append((kind, lo, hi))
                at = hi
        if at < end:
            segments.append((common.WORK, at, end))
        shifts.append(
            LineShift(
                template=template.name,
                queues=tuple(queues),
                start_at=start,
                end_at=end,
                paid_h=paid_h,
                cost=round(paid_h * template.cost_per_hour, 2),
                segments=segments,
                kept=kept,
            )
        )
    kept_all = [h for s in shifts for h in s.kept]
    left: list[tuple[Held, str]] = []
    for h in held:
        if h in kept_all:
            continue
        on_break = any(h.start_at >= s.start_at and h.end_at <= s.end_at for s in shifts)
        left.append((h, ON_BREAK if on_break else OUTSIDE))
    return shifts, left


def store_line_shifts(
    session: Session,
    schedule_id: int,
    person_id: int,
    shifts: Sequence[LineShift],
    queue_ids: dict[str, int],
) -> list[ScheduledShift]:
    """Store the shifts of a line with their segments (work on the line's queue when it has
    one, else on the shift's queues as the build counts it)."""
    out = []
    for s in shifts:
        shift = ScheduledShift(
            schedule_id=schedule_id,
            person_id=person_id,
            template=s.template,
            queues=",".join(s.queues),
            start_at=s.start_at,
            end_at=s.end_at,
            paid_h=s.paid_h,
            cost=s.cost,
        )
        session.add(shift)
        session.flush()
        work_queue = queue_ids[s.queues[0]] if len(s.queues) == 1 else None
        for kind, lo, hi in s.segments:
            session.add(
                ScheduledActivity(
                    schedule_id=schedule_id,
                    shift_id=shift.id,
                    person_id=person_id,
                    kind=kind,
                    queue_id=work_queue if kind == common.WORK else None,
                    start_at=lo,
                    end_at=hi,
                )
            )
        out.append(shift)
    session.flush()
    return out


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def held_in_week(
    session: Session, schedule_id: int, person_id: int, week: common.Week
) -> list[Held]:
    """The fixed activities a person holds in a schedule version, named from their records
    (a moved one keeps its name when its kind and day match; else it is named by its kind)."""
    records = session.scalars(
        select(FixedActivity).where(
            FixedActivity.person_id == person_id,
            FixedActivity.start_at < week.end_utc,
            FixedActivity.end_at > week.start_utc,
        )
    ).all()
    out = []
    for a in session.scalars(
        select(ScheduledActivity)
        .where(
            ScheduledActivity.schedule_id == schedule_id,
            ScheduledActivity.person_id == person_id,
            ScheduledActivity.kind.in_(common.FIXED_KINDS),
        )
        .order_by(ScheduledActivity.start_at)
    ):
        start, end = _aware(a.start_at), _aware(a.end_at)
        same = [r for r in records if (_aware(r.start_at), _aware(r.end_at)) == (start, end)]
        near = [
            r for r in records if r.kind == a.kind and _aware(r.start_at).date() == start.date()
        ]
        name = (same or near)[0].name if (same or near) else a.kind
        out.append(Held(a.kind, name, start, end))
    return out


def held_out(login: str, h: Held, reason: str | None = None) -> schemas.HeldActivityOut:
    """A fixed activity as the planner is told of it."""
    return schemas.HeldActivityOut(
        login=login, kind=h.kind, name=h.name, start=h.start_at, end=h.end_at, reason=reason
    )


def person_skills(session: Session, person_id: int) -> set[str]:
    """The queues a person holds the skill of."""
    return set(
        session.scalars(
            select(Queue.name)
            .join(PersonSkill, PersonSkill.queue_id == Queue.id)
            .where(PersonSkill.person_id == person_id)
        )
    )


def apply_lines(
    *,
    session: Session,
    schedule_id: int,
    lines: Sequence[LineWeek],
    action: str,
    why: str,
    edited_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.LinesAppliedOut:
    """Make a new draft version from ``schedule_id`` in which each person of ``lines`` works
    their line that week instead of their own shifts.

    A line's day inside its period (``first_day`` to ``last_day``) becomes a shift of its
    template at the line's local start, with the template's breaks as near the middle of their
    windows as the person's fixed activities allow; a day with approved time off is left off.
    The person's fixed activities (meetings, training, huddles...) that fall inside a new shift
    are carried onto it; those that do not are returned (``activities_left_out``, with the
    reason) and written in the version's notes and audit. The coverage, totals and service
    levels of the version follow, and the edit is audited (``action``, ``why``).

    Raises:
        Conflict: the base version is superseded; a person's rest between shifts would fall
            below their contract's (rule: min_rest_h); a template is missing.
        Invalid: no line touches the schedule's week.
    """
    base = common.schedule_in_scope(session, schedule_id, scope)
    if base.status not in ("draft", "published"):
        raise Conflict(
            f"schedule {schedule_id} is {base.status}: apply lines to a draft or the published "
            "version",
            [Problem(f"status {base.status}", field="schedule_id")],
        )
    site = session.get(Site, base.site_id)
    assert site is not None
    week = common.Week(site, base.week)
    sunday = week.monday + timedelta(days=6)
    inside = [x for x in lines if x.first_day <= sunday and x.last_day >= week.monday]
    if not inside:
        raise common.invalid(
            f"no line falls in {base.week}: the bid's period does not cover the schedule's week",
            "schedule_id",
        )
    new = edits.copy_version(session, base, edited_by)
    templates = {
        t.name: t
        for t in session.scalars(select(ShiftTemplate).where(ShiftTemplate.site_id == site.id))
    }
    queue_ids = dict(
        session.execute(select(Queue.name, Queue.id).where(Queue.site_id == site.id)).all()
    )
    removed: list[ScheduledShift] = []
    added: list[ScheduledShift] = []
    kept: list[schemas.HeldActivityOut] = []
    left_out: list[schemas.HeldActivityOut] = []
    for line in inside:
        template = templates.get(line.template)
        if template is None:
            raise Conflict(
                f"shift template {line.template!r} no longer exists at {site.name}",
                [Problem("unknown", field="template")],
            )
        person = session.get(Person, line.person_id)
        assert person is not None
        held = held_in_week(session, new.id, line.person_id, week)
        removed += session.scalars(
            select(ScheduledShift).where(
                ScheduledShift.schedule_id == new.id, ScheduledShift.person_id == line.person_id
            )
        ).all()
        offs = session.execute(
            select(TimeOff.start_at, TimeOff.end_at).where(
                TimeOff.person_id == line.person_id,
                TimeOff.status == "approved",
                TimeOff.start_at < week.end_utc,
                TimeOff.end_at > week.start_utc,
            )
        ).all()
        queues = list(line.queues) or sorted(
            q for q in person_skills(session, line.person_id) if q in queue_ids
        )
        shifts, left = line_shifts(
            week=week,
            line=line,
            template=template,
            queues=queues,
            time_off=[(_aware(lo), _aware(hi)) for lo, hi in offs],
            held=held,
        )
        added += store_line_shifts(session, new.id, line.person_id, shifts, queue_ids)
        kept += [held_out(person.login, h) for s in shifts for h in s.kept]
        left_out += [held_out(person.login, h, reason) for h, reason in left]
    session.flush()
    edits.recover(session, new, removed, added)
    for line in inside:
        person = session.get(Person, line.person_id)
        assert person is not None
        edits.check_rest(session, new.id, person, f"the line {line.label}")
    detail = f"{why}: {len(inside)} line(s), {len(removed)} shift(s) replaced by {len(added)}"
    if kept:
        detail += f"; {len(kept)} fixed activit{'y' if len(kept) == 1 else 'ies'} kept"
    if left_out:
        detail += "; not kept (plan them again): " + "; ".join(left_note(a, week) for a in left_out)
    out = edits.finish_edit(session, base, new, action=action, detail=detail, by=edited_by)
    if left_out:
        new.notes = (
            "fixed activities not kept by the lines (plan them again): "
            + "; ".join(left_note(a, week) for a in left_out)
            + "\n"
            + new.notes
        )
        session.flush()
        out = common.summary(session, new)
    return schemas.LinesAppliedOut(
        **out.model_dump(), activities_kept=kept, activities_left_out=left_out
    )


def left_note(a: schemas.HeldActivityOut, week: common.Week) -> str:
    """One line of the planner's note on a fixed activity not kept (local times)."""
    lo, hi = week.local(a.start), week.local(a.end)
    return f"{a.login}'s {a.kind} {a.name!r} {lo:%a %Y-%m-%d %H:%M}-{hi:%H:%M} ({a.reason})"
