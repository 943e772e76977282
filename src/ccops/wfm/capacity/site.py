"""A site's capacity plan over all its queues together, skills shared, with hiring waves.

The requirement of each queue comes from its latest forecast (the weekly workload, as in the
single-queue plan; weeks past the forecast repeat the mean of its whole weeks); the staff on
hand are the site's current people grouped by the set of queues they are skilled for; each wave
adds its graduates from go-live, nesting first. People with a pending or accepted
promotion-readiness recommendation leave the agent pool (their skill set) ``promotion_weeks``
after it (after its decision when accepted); people with a termination date inside the plan
count until that date (``_leavers``). The gap is computed week by week without the
waves, with each wave alone and with all of them (``engines.hiring``). The plan is computed
from what is in the database and the waves given; ``ccops.wfm.capacity.saved`` keeps one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ccops.engines import hiring
from ccops.errors import Conflict, Invalid, NotFound, Problem
from ccops.knowledge import training
from ccops.org import service as org_service
from ccops.org.models import Person, PersonSkill, Queue, Site
from ccops.performance.models import Recommendation
from ccops.wfm.capacity import schemas
from ccops.wfm.capacity.models import HiringWave
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.forecasts.models import Forecast
from ccops.wfm.schedules.models import PersonContract, WorkContract


def _weekly_required(
    session: Session, record: Forecast, data: schemas.SitePlanIn
) -> tuple[list[float], str]:
    day0 = forecast_service.day_start_min(data.first_week)
    volume = np.array([iv.volume for iv in record.intervals]) * forecast_service.adjustment_factors(
        record, [iv.interval_local_min for iv in record.intervals]
    )
    aht = np.array([iv.aht_s for iv in record.intervals], dtype=np.float64)
    local = np.array([iv.interval_local_min for iv in record.intervals])
    week = (local - day0) // (7 * forecast_service.MIN_PER_DAY)
    hours = volume * aht / 3600.0 / data.occupancy
    per_fte = data.hours_per_fte_week * (1.0 - data.shrinkage)
    full = [w for w in range(data.weeks) if (week == w).sum() * record.interval_min >= 7 * 1440]
    workload = {w: float(hours[week == w].sum()) for w in full}
    if not workload:
        whole = record.horizon_days // 7
        first_full = (local - forecast_service.day_start_min(record.first_day)) // (7 * 1440)
        mean = (
            float(sum(hours[first_full == w].sum() for w in range(whole)) / whole) if whole else 0.0
        )
        note = f"forecast {record.id} does not cover the plan's weeks: its weekly mean is used"
    else:
        mean = sum(workload.values()) / len(workload)
        note = (
            f"forecast {record.id}: weeks {len(workload)} of {data.weeks} from it, the rest repeat "
            "its mean"
            if len(workload) < data.weeks
            else f"forecast {record.id}"
        )
    return [workload.get(w, mean) / per_fte for w in range(data.weeks)], note


def _check_waves(
    data: schemas.SitePlanIn, queues: dict[str, int]
) -> list[tuple[schemas.WaveIn, int, int]]:
    problems: list[Problem] = []
    out = []
    names = Counter(w.name for w in data.waves)
    for i, wave in enumerate(data.waves):
        where = f"waves.{i}"
        if names[wave.name] > 1:
            problems.append(Problem(f"wave {wave.name!r} is named twice", f"{where}.name"))
        if wave.class_end < wave.class_start:
            problems.append(
                Problem(
                    f"wave {wave.name!r}: the class ends ({wave.class_end}) before it starts "
                    f"({wave.class_start})",
                    f"{where}.class_end",
                )
            )
        if wave.go_live < wave.class_end:
            problems.append(
                Problem(
                    f"wave {wave.name!r}: go-live ({wave.go_live}) comes before the class ends "
                    f"({wave.class_end})",
                    f"{where}.go_live",
                )
            )
        unknown = [q for q in [*wave.skills, wave.queue] if q not in queues]
        if unknown:
            problems.append(
                Problem(
                    f"wave {wave.name!r}: no queue {', '.join(sorted(set(unknown)))} at site "
                    f"{data.site}",
                    f"{where}.skills",
                )
            )
        elif wave.queue not in wave.skills:
            problems.append(
                Problem(
                    f"wave {wave.name!r} joins {wave.queue} but is trained for "
                    f"{', '.join(wave.skills)} only: graduates need the skill of the queue they "
                    "join",
                    f"{where}.queue",
                )
            )
        start = (wave.class_start - data.first_week).days // 7
        live = (wave.go_live - data.first_week).days // 7
        out.append((wave, start, live))
    if problems:
        raise Invalid("; ".join(p.message for p in problems), problems)
    return out


def site_plan(
    *, session: Session, data: schemas.SitePlanIn, scope: org_service.Scope
) -> schemas.SitePlanOut:
    """Plan a site's capacity over all its queues with shared skills, without and with each
    hiring wave (the site's stored waves and those given; a given wave replaces a stored one of
    the same name); bad waves are refused with every problem named, nothing computed."""
    site = org_service.get_site(session=session, name=data.site)
    if not scope.allows_site(site.id):
        raise NotFound(f"no site {data.site!r} in your scope", [Problem("outside scope", "site")])
    if data.first_week.weekday() != 0:
        raise Invalid(
            f"first_week {data.first_week} is not a Monday", [Problem("not a Monday", "first_week")]
        )
    queue_rows = list(
        session.scalars(select(Queue).where(Queue.site_id == site.id).order_by(Queue.name))
    )
    index = {q.name: i for i, q in enumerate(queue_rows)}
    stored = [
        schemas.WaveIn.model_validate_json(w.wave_json)
        for w in session.scalars(
            select(HiringWave).where(HiringWave.site_id == site.id).order_by(HiringWave.id)
        )
    ]
    given = {w.name for w in data.waves}
    data = data.model_copy(
        update={"waves": [w for w in stored if w.name not in given] + data.waves}
    )
    waves = _check_waves(data, index)
    required = np.zeros((data.weeks, len(queue_rows)))
    queues_out = []
    for i, queue in enumerate(queue_rows):
        record = session.scalars(
            select(Forecast)
            .where(Forecast.queue_id == queue.id)
            .order_by(Forecast.created_at.desc(), Forecast.id.desc())
        ).first()
        if record is None:
            queues_out.append(
                schemas.SiteQueueOut(
                    queue=queue.name, forecast_id=None, note="no forecast: no requirement counted"
                )
            )
            continue
        column, note = _weekly_required(session, record, data)
        required[:, i] = column
        queues_out.append(schemas.SiteQueueOut(queue=queue.name, forecast_id=record.id, note=note))
    people = session.scalars(
        select(Person).where(
            Person.site_id == site.id,
            or_(Person.termination_date.is_(None), Person.termination_date > data.first_week),
        )
    ).all()
    skills: dict[int, set[int]] = {}
    for person_id, queue_id in session.execute(
        select(PersonSkill.person_id, PersonSkill.queue_id).where(
            PersonSkill.person_id.in_([p.id for p in people])
        )
    ):
        skills.setdefault(person_id, set()).add(queue_id)
    by_queue_id = {q.id: i for i, q in enumerate(queue_rows)}
    fte = person_fte(session, [p.id for p in people], data.hours_per_fte_week)
    counts: dict[frozenset[int], float] = {}
    for p in people:
        held = frozenset(by_queue_id[q] for q in skills.get(p.id, set()) if q in by_queue_id)
        if held:
            counts[held] = counts.get(held, 0.0) + fte.get(p.id, 1.0)
    groups = sorted(counts, key=lambda g: sorted(g))
    staff = [round(counts[g], 6) for g in groups]
    names = [q.name for q in queue_rows]
    promotions = _promotions(session, data, people, skills, by_queue_id, names, fte)
    leavers = _leavers(data, people, skills, by_queue_id, names, fte)
    # whoever goes first: a termination before the promotion's date takes the person out then
    ends = {lv.person: lv.termination_date for lv in leavers}
    promotions = [p for p in promotions if p.person not in ends or p.leaves_on < ends[p.person]]
    promoted = {p.person for p in promotions}
    leavers = [lv for lv in leavers if lv.person not in promoted]
    departures = [
        (groups.index(frozenset(index[q] for q in p.skills)), p.leaves_week, p.fte)
        for p in promotions
    ]
    terminations: list[tuple[int, int, float]] = []
    for lv in leavers:
        g = groups.index(frozenset(index[q] for q in lv.skills))
        terminations.append((g, lv.leaves_week, lv.fte * (1.0 - lv.share_of_last_week)))
        if lv.share_of_last_week > 0:
            terminations.append((g, lv.leaves_week + 1, lv.fte * lv.share_of_last_week))
    departures += terminations
    engine_waves = [
        hiring.Wave(
            hires=w.hires,
            skills=frozenset(index[q] for q in w.skills),
            start=start,
            live=live,
            nesting=hiring.nesting_yield(w.nesting_occupancy / data.occupancy, w.aht_ramp),
        )
        for w, start, live in waves
    ]
    a = data.attrition_weekly
    without = hiring.gap(required, groups, staff, a, [], departures)
    with_all = hiring.gap(required, groups, staff, a, engine_waves, departures)
    alone = {
        w.name: hiring.gap(required, groups, staff, a, [ew], departures).sum(axis=1)
        for (w, _s, _l), ew in zip(waves, engine_waves, strict=True)
    }
    added = {
        w.name: hiring.wave_fte(ew, data.weeks, a)
        for (w, _s, _l), ew in zip(waves, engine_waves, strict=True)
    }
    on_hand = hiring.on_hand(data.weeks, staff, a, departures)
    before = hiring.on_hand(data.weeks, staff, a)
    after_promotions = hiring.on_hand(data.weeks, staff, a, departures[: len(promotions)])
    group_names = ["+".join(names[q] for q in sorted(g)) for g in groups]

    def per_queue(row: np.ndarray) -> dict[str, float]:
        return {n: round(float(v), 4) for n, v in zip(names, row, strict=True)}

    weeks_out = [
        schemas.SiteWeekOut(
            week_index=w,
            week_start=data.first_week + timedelta(days=7 * w),
            required_fte=per_queue(required[w]),
            gap_without_waves=per_queue(without[w]),
            gap_with_waves=per_queue(with_all[w]),
            gap_with_each_wave={k: round(float(v[w]), 4) for k, v in alone.items()},
            wave_fte={k: round(float(v[w]), 4) for k, v in added.items()},
            on_hand={n: round(float(v), 4) for n, v in zip(group_names, on_hand[w], strict=True)},
            promoted_out=round(float(before[w].sum() - after_promotions[w].sum()), 4),
            terminated_out=round(float(after_promotions[w].sum() - on_hand[w].sum()), 4),
        )
        for w in range(data.weeks)
    ]
    notes = []
    for w, start, live in waves:
        if start < 0:
            notes.append(f"wave {w.name!r} started its class before the plan's first week")
        if live >= data.weeks:
            notes.append(f"wave {w.name!r} goes live after the plan's last week")
    if promotions:
        notes.append(
            f"{len(promotions)} ready for promotion leave the agent pool "
            f"{data.promotion_weeks} weeks after their recommendation"
        )
    if leavers:
        notes.append(
            f"{len(leavers)} with a termination date inside the plan count until that date "
            "(the week of it in part)"
        )
    short = [w + 1 for w in range(data.weeks) if with_all[w].sum() > 1e-6]
    if short:
        notes.append("short with every wave in weeks " + ", ".join(map(str, short)))
    return schemas.SitePlanOut(
        site=site.name,
        first_week=data.first_week,
        staff=dict(zip(group_names, staff, strict=True)),
        queues=queues_out,
        waves=[
            schemas.WaveOut(
                **w.model_dump(),
                start_week=start,
                live_week=live,
                nesting_yield=list(ew.nesting),
            )
            for (w, start, live), ew in zip(waves, engine_waves, strict=True)
        ],
        weeks=weeks_out,
        notes=notes,
        promotions=promotions,
        leavers=leavers,
    )


def person_fte(
    session: Session, person_ids: Sequence[int], hours_per_fte_week: float
) -> dict[int, float]:
    """The FTE of each person with a work contract: its weekly maximum hours / the plan's paid
    hours per FTE-week, at most 1 (a part-time contract of 28 h is 0.7 of a 40-h FTE); people
    without a contract are left out (they count as a whole FTE)."""
    rows = session.execute(
        select(PersonContract.person_id, WorkContract.weekly_max_h)
        .join(WorkContract, WorkContract.id == PersonContract.contract_id)
        .where(PersonContract.person_id.in_(list(person_ids)))
    ).all()
    return {pid: min(1.0, float(hours) / hours_per_fte_week) for pid, hours in rows}


def _promotions(
    session: Session,
    data: schemas.SitePlanIn,
    people: Sequence[Person],
    skills: dict[int, set[int]],
    by_queue_id: dict[int, int],
    names: list[str],
    fte: dict[int, float],
) -> list[schemas.PromotionOut]:
    """The people of the pool (skilled for a queue of the site) ready for promotion: a pending
    or accepted promotion-readiness recommendation; each leaves ``promotion_weeks`` after it
    (its decision when accepted), counted once, from the earliest such date."""
    if not data.count_promotions:
        return []
    pool = {p.id: p for p in people if any(q in by_queue_id for q in skills.get(p.id, set()))}
    rows = session.scalars(
        select(Recommendation)
        .where(
            Recommendation.kind == "promotion_readiness",
            Recommendation.status.in_(("pending", "accepted")),
            Recommendation.person_id.in_(list(pool)),
        )
        .order_by(Recommendation.id)
    ).all()
    chosen: dict[int, tuple[date, Recommendation]] = {}
    for r in rows:
        since = r.decided_at if r.status == "accepted" and r.decided_at else r.recorded_at
        leaves = since.date() + timedelta(days=7 * data.promotion_weeks)
        if r.person_id not in chosen or leaves < chosen[r.person_id][0]:
            chosen[r.person_id] = (leaves, r)
    out = []
    for person_id, (leaves, r) in chosen.items():
        person = pool[person_id]
        held = sorted(by_queue_id[q] for q in skills[person_id] if q in by_queue_id)
        out.append(
            schemas.PromotionOut(
                recommendation_id=r.id,
                person=person.login,
                person_name=person.name,
                status=r.status,
                skills=[names[q] for q in held],
                detail=r.detail,
                fte=round(fte.get(person_id, 1.0), 6),
                leaves_on=leaves,
                leaves_week=-(-(leaves - data.first_week).days // 7),
            )
        )
    return sorted(out, key=lambda p: (p.leaves_on, p.person_name, p.person))


def _leavers(
    data: schemas.SitePlanIn,
    people: Sequence[Person],
    skills: dict[int, set[int]],
    by_queue_id: dict[int, int],
    names: list[str],
    fte: dict[int, float],
) -> list[schemas.LeaverOut]:
    """The people of the pool (skilled for a queue of the site) whose termination date falls
    inside the plan: each counts up to the day before it, not for the whole plan.

    The plan is weekly, so the week of the date is pro-rated by calendar days: a person whose
    termination date is day d of week w (d = 0 on its Monday) counts d/7 of their FTE in week w
    and nothing after (one leaving on the Monday of week 5 counts in weeks 1-4 only). Attrition
    applies to them until then as to everyone. People gone by the first week are not counted
    at all; those leaving after the last week count throughout."""
    end = data.first_week + timedelta(days=7 * data.weeks)
    out = []
    for person in people:
        gone = person.termination_date
        held = sorted(by_queue_id[q] for q in skills.get(person.id, set()) if q in by_queue_id)
        if gone is None or not held or not data.first_week < gone < end:
            continue
        days = (gone - data.first_week).days
        out.append(
            schemas.LeaverOut(
                person=person.login,
                person_name=person.name,
                skills=[names[q] for q in held],
                fte=round(fte.get(person.id, 1.0), 6),
                termination_date=gone,
                leaves_week=days // 7,
                share_of_last_week=round((days % 7) / 7, 9),
            )
        )
    return sorted(out, key=lambda lv: (lv.termination_date, lv.person_name, lv.person))


def wave_state(wave: schemas.WaveIn, on: date) -> str:
    """Where a wave stands on day ``on``: recruiting, in training, nesting or live."""
    if on < wave.class_start:
        return "recruiting"
    if on < wave.go_live:
        return "in training"
    if on < wave.go_live + timedelta(days=7 * len(wave.aht_ramp)):
        return "nesting"
    return "live"


def _site_in_scope(session: Session, name: str, scope: org_service.Scope) -> int:
    site = org_service.get_site(session=session, name=name)
    if not scope.allows_site(site.id):
        raise NotFound(f"no site {name!r} in your scope", [Problem("outside scope", "site")])
    return site.id


def _checked_wave(
    session: Session, site_id: int, data: schemas.StoredWaveIn, keep: int | None
) -> schemas.WaveIn:
    """The wave of ``data`` if its site's queues allow it and no other wave (but ``keep``)
    has its name; otherwise the refusal, naming the field."""
    queues = {
        q.name: i
        for i, q in enumerate(
            session.scalars(select(Queue).where(Queue.site_id == site_id).order_by(Queue.name))
        )
    }
    wave = schemas.WaveIn.model_validate(data.model_dump(exclude={"site"}))
    probe = schemas.SitePlanIn(site=data.site, first_week=data.class_start, waves=[wave])
    _check_waves(probe, queues)
    training.check_curriculum(session, wave.curriculum)
    exists = session.scalars(
        select(HiringWave).where(HiringWave.site_id == site_id, HiringWave.name == data.name)
    ).first()
    if exists is not None and exists.id != keep:
        raise Conflict(
            f"site {data.site} already has a wave {data.name!r}", [Problem("duplicate", "name")]
        )
    return wave


def add_wave(
    *, session: Session, data: schemas.StoredWaveIn, by: str, scope: org_service.Scope
) -> schemas.StoredWaveOut:
    """Keep a hiring wave of a site in scope; a bad wave is refused, nothing stored."""
    site_id = _site_in_scope(session, data.site, scope)
    wave = _checked_wave(session, site_id, data, keep=None)
    row = HiringWave(
        site_id=site_id, name=data.name, wave_json=wave.model_dump_json(), created_by=by
    )
    session.add(row)
    session.flush()
    return _wave_out(session, row, data.site, date.today())


def _wave_in_scope(
    session: Session, wave_id: int, scope: org_service.Scope
) -> tuple[HiringWave, str]:
    """A stored wave and its site's name; a wave outside the scope does not exist for you."""
    row = session.get(HiringWave, wave_id)
    if row is None or not scope.allows_site(row.site_id):
        raise NotFound(f"no hiring wave {wave_id}", [Problem("not found", "wave_id")])
    site = session.get(Site, row.site_id)
    assert site is not None  # a foreign key
    return row, site.name


def get_wave(*, session: Session, wave_id: int, scope: org_service.Scope) -> schemas.StoredWaveOut:
    """One stored wave of a site in scope, with where it stands today."""
    row, site = _wave_in_scope(session, wave_id, scope)
    return _wave_out(session, row, site, date.today())


def update_wave(
    *,
    session: Session,
    wave_id: int,
    data: schemas.StoredWaveIn,
    scope: org_service.Scope,
) -> schemas.StoredWaveOut:
    """Change a stored wave (dates slip, a class grows): checked as a new wave is, its site
    kept; a refused change leaves the wave as it was."""
    row, site = _wave_in_scope(session, wave_id, scope)
    if data.site != site:
        raise Invalid(
            f"wave {row.name!r} belongs to {site}; a wave cannot move to {data.site}",
            [Problem(f"must be {site}", "site")],
        )
    wave = _checked_wave(session, row.site_id, data, keep=row.id)
    row.name = data.name
    row.wave_json = wave.model_dump_json()
    session.flush()
    return _wave_out(session, row, site, date.today())


def remove_wave(
    *, session: Session, wave_id: int, scope: org_service.Scope
) -> schemas.StoredWaveOut:
    """Remove a stored wave (a cancelled requisition); returns it as it was."""
    row, site = _wave_in_scope(session, wave_id, scope)
    out = _wave_out(session, row, site, date.today())
    session.delete(row)
    session.flush()
    return out


def _wave_out(session: Session, row: HiringWave, site: str, on: date) -> schemas.StoredWaveOut:
    wave = schemas.WaveIn.model_validate_json(row.wave_json)
    return schemas.StoredWaveOut(
        **wave.model_dump(),
        id=row.id,
        site=site,
        created_by=row.created_by,
        state=wave_state(wave, on),
        modules=training.curriculum_out(session, wave.curriculum),
    )


def list_waves(
    *, session: Session, site: str, scope: org_service.Scope, on: date | None = None
) -> list[schemas.StoredWaveOut]:
    """List the hiring waves of a site in scope, by class start, with their state on ``on``."""
    site_id = _site_in_scope(session, site, scope)
    rows = session.scalars(select(HiringWave).where(HiringWave.site_id == site_id))
    out = [_wave_out(session, r, site, on or date.today()) for r in rows]
    return sorted(out, key=lambda w: (w.class_start, w.name))


@dataclass(frozen=True)
class NestingDay:
    """Who works a queue on a day some graduates nest on it: ``experienced`` people (skilled
    for it, hired and not gone), ``nesting`` graduates, ``nesting_fte`` = the agents those
    graduates count for at their reduced occupancy (sum of hires x min(1, nesting occupancy /
    planned occupancy)) and ``aht_factor``, the handle-time multiple (headcount-weighted)."""

    experienced: int
    nesting: int
    nesting_fte: float
    aht_factor: float

    @property
    def occupancy_factor(self) -> float:
        """The share of a fully occupied agent a head on the queue counts for that day:
        (experienced + nesting_fte) / (experienced + nesting); 1 when nobody nests."""
        heads = self.experienced + self.nesting
        return (self.experienced + self.nesting_fte) / heads if heads else 1.0


def nesting_days(
    session: Session, queue: Queue, days: Sequence[date], occupancy: float = 1.0
) -> dict[date, NestingDay]:
    """The people of a queue on each day some of its site's stored waves nest on it
    (graduates joining ``queue``, in the k-th week after go-live while k is within their AHT
    ramp); days without nesting graduates are left out.

    The contacts of a day are shared in proportion to headcount between the experienced people
    (skilled for the queue, hired and not gone by that day; AHT as forecast) and the nesting
    graduates of each wave (AHT x the ramp of their week): aht_factor = (E + sum n_i r_i) /
    (E + sum n_i). A graduate of wave i counts for f_i = min(1, nesting occupancy_i /
    ``occupancy``) of an agent (``occupancy`` = the one planned for experienced agents).
    """
    waves = [
        w
        for w in (
            schemas.WaveIn.model_validate_json(row.wave_json)
            for row in session.scalars(
                select(HiringWave).where(HiringWave.site_id == queue.site_id)
            )
        )
        if w.queue == queue.name
    ]
    if not waves:
        return {}
    people = session.execute(
        select(Person.hire_date, Person.termination_date)
        .join(PersonSkill, PersonSkill.person_id == Person.id)
        .where(PersonSkill.queue_id == queue.id)
    ).all()
    out: dict[date, NestingDay] = {}
    for day in sorted(set(days)):
        nesting = []
        for w in waves:
            k = (day - w.go_live).days // 7
            if day >= w.go_live and k < len(w.aht_ramp):
                share = min(1.0, w.nesting_occupancy / occupancy)
                nesting.append((w.hires, w.aht_ramp[k], share))
        if not nesting:
            continue
        experienced = sum(
            1
            for hired, gone in people
            if (hired is None or hired <= day) and (gone is None or gone > day)
        )
        hires = sum(n for n, _r, _f in nesting)
        out[day] = NestingDay(
            experienced=experienced,
            nesting=hires,
            nesting_fte=sum(n * f for n, _r, f in nesting),
            aht_factor=(experienced + sum(n * r for n, r, _f in nesting)) / (experienced + hires),
        )
    return out


def nesting_aht_factors(session: Session, queue: Queue, days: Sequence[date]) -> dict[date, float]:
    """The handle-time multiple of a queue on each day some of its site's stored waves nest
    on it (``nesting_days``); days without nesting graduates are left out. The interval
    requirement is then the engine's at the forecast AHT times it."""
    return {day: d.aht_factor for day, d in nesting_days(session, queue, days).items()}
