"""The value model: stated assumptions per site and queue, what each queue's service cost and
earned (from its own contact data, through the KPI registry), what one day's abandons cost, and
what-if scenarios with the return of an investment (staffing engine + ``engines.value``).

How paid hours are known: the queue's history gives each hour's offered contacts, AHT and
service level; the staffing engine (Erlang A with the queue's patience assumption, Erlang C
without one) finds the fewest agents that reach the service level observed in that hour. Those
are the *effective* agents of the hour; paid hours = effective agent hours / (1 - shrinkage).
A scenario changes agents, AHT or repeat contacts and runs the same engine on the same hours.
When the queue's agents also serve another queue, the what-if also simulates the pool
(``value.simulated``, ``engines.value_simulation``) and takes its headline figures from that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts import queries as contacts_queries
from ccops.db import utcnow
from ccops.engines import queueing
from ccops.engines import value as ev
from ccops.engines import value_simulation as vs
from ccops.errors import Invalid, Problem
from ccops.metrics import schemas as kpi_schemas
from ccops.metrics import service as kpi_service
from ccops.org import scoped
from ccops.org.access import Scope
from ccops.org.models import Queue, Site
from ccops.value import schemas, simulated
from ccops.value.models import ValueAssumption, ValueScenario

SEED = 20261206
SAMPLES = 2000
FORMULAS = {
    "cost_per_hour": "cost_per_agent_hour x (1 + overhead_share)",
    "staff_cost": "paid hours x cost per hour",
    "cost_per_contact": "staff cost / answered contacts",
    "revenue": "answered x conversion_rate x revenue_per_sale",
    "lost_revenue": "abandoned x (1 - abandon_redial_share) x conversion_rate x revenue_per_sale",
    "abandon_churn": "abandoned x (1 - abandon_redial_share) x churn_uplift_abandon x "
    "customer_lifetime_value",
    "repeat_cost": "repeat contacts x cost per contact",
    "repeat_churn": "repeat contacts x churn_uplift_repeat x customer_lifetime_value",
    "money_lost": "lost revenue + churn of abandons + repeat handling + churn of repeats",
    "contribution": "revenue - staff cost - churn of abandons - churn of repeats",
    "day_cost": "(abandoned - offered x normal abandon rate) x cost per abandon; cost per abandon "
    "= redial share x cost per contact + (1 - redial share) x (conversion x revenue per sale + "
    "churn_uplift_abandon x customer_lifetime_value)",
}
"""The formula of every money figure, shown beside it."""


def _invalid(message: str, field: str) -> Invalid:
    return Invalid(message, [Problem(message, field=field)])


# ---------------------------------------------------------------- assumptions


def _out(row: ValueAssumption, site: Site, queue: Queue | None) -> schemas.AssumptionOut:
    spec = ev.ASSUMPTIONS[row.key]
    return schemas.AssumptionOut(
        site=site.name,
        queue=queue.name if queue else None,
        key=row.key,
        unit=spec.unit.replace("money", site.currency or "money"),
        meaning=spec.meaning,
        value=row.value,
        low=row.low,
        high=row.high,
        source=row.source,
        set_by=row.set_by,
        set_at=row.set_at,
    )


def set_assumption(
    *, session: Session, data: schemas.AssumptionIn, set_by: str, scope: Scope
) -> schemas.AssumptionOut:
    """Store one assumption of a site or queue in scope (replacing the same key's)."""
    site = scoped.site_in_scope(session, scope, data.site, field="site")
    queue = None
    if data.queue:
        queue = scoped.queue_in_scope(session, scope, data.queue, field="queue")
        if queue.site_id != site.id:
            raise _invalid(f"queue: {queue.name!r} is not a queue of site {site.name!r}", "queue")
    low = data.value if data.low is None else data.low
    high = data.value if data.high is None else data.high
    try:
        ev.check_assumption(data.key, data.value, low, high)
    except ev.ValueInputError as exc:
        raise _invalid(str(exc), "key" if data.key not in ev.ASSUMPTIONS else "value") from None
    row = session.scalars(
        select(ValueAssumption).where(
            ValueAssumption.site_id == site.id,
            ValueAssumption.queue_id == queue.id if queue else ValueAssumption.queue_id.is_(None),
            ValueAssumption.key == data.key,
        )
    ).one_or_none()
    if row is None:
        row = ValueAssumption(site_id=site.id, queue_id=queue.id if queue else None, key=data.key)
        session.add(row)
    row.value, row.low, row.high = data.value, low, high
    row.source = data.source.strip()
    row.set_by = set_by
    row.set_at = utcnow()
    session.flush()
    return _out(row, site, queue)


def list_assumptions(
    *, session: Session, scope: Scope, site: str | None = None
) -> list[schemas.AssumptionOut]:
    """Every stored assumption of the sites in scope (of one site), site-wide ones first."""
    stmt = select(ValueAssumption, Site).join(Site, Site.id == ValueAssumption.site_id)
    if site:
        stmt = stmt.where(Site.id == scoped.site_in_scope(session, scope, site, field="site").id)
    elif scope.site_ids is not None:
        stmt = stmt.where(Site.id.in_(sorted(scope.site_ids)))
    queues = {q.id: q for q in session.scalars(select(Queue))}
    rows = session.execute(stmt).all()
    out = [_out(r, s, queues.get(r.queue_id) if r.queue_id else None) for r, s in rows]
    out.sort(key=lambda a: (a.site, a.queue or "", a.key))
    return out


def assumptions_of(session: Session, queue: Queue) -> dict[str, schemas.AssumptionOut]:
    """The assumptions that apply to ``queue``: its site's, overridden by its own."""
    rows = session.scalars(
        select(ValueAssumption).where(
            ValueAssumption.site_id == queue.site_id,
            (ValueAssumption.queue_id.is_(None)) | (ValueAssumption.queue_id == queue.id),
        )
    ).all()
    found: dict[str, schemas.AssumptionOut] = {}
    for row in sorted(rows, key=lambda r: r.queue_id is not None):
        found[row.key] = _out(row, queue.site, queue if row.queue_id else None)
    return found


def _estimates(found: Mapping[str, schemas.AssumptionOut]) -> dict[str, ev.Estimate]:
    return {k: ev.Estimate(a.value, a.low, a.high) for k, a in found.items() if k in ev.MONEY_KEYS}


def _missing(found: Mapping[str, schemas.AssumptionOut]) -> list[str]:
    return [k for k, spec in ev.ASSUMPTIONS.items() if spec.required and k not in found]


# ---------------------------------------------------------------- the queue model


@dataclass
class Hours:
    """The hours of a queue's history with contacts, as arrays (one element per hour)."""

    rows: list[kpi_schemas.QueueIntervalKpi]
    offered: np.ndarray
    rate: np.ndarray
    aht: np.ndarray
    observed_sl: np.ndarray
    target_s: float
    patience: float | None
    days: list[date]


def _hours(
    source: kpi_service.KpiSource,
    queue: Queue,
    first: date,
    last: date,
    patience: float | None,
) -> Hours:
    rows = kpi_service.queue_interval_kpis(
        source=source, first=first, last=last, interval_min=60, queues=[queue.name]
    )
    used = [r for r in rows if r.offered > 0 and r.aht_s]
    goal = queue.service_level_goal
    return Hours(
        rows=rows,
        offered=np.array([r.offered for r in used], dtype=np.float64),
        rate=np.array([r.offered / 3600.0 for r in used], dtype=np.float64),
        aht=np.array([float(r.aht_s or 0.0) for r in used], dtype=np.float64),
        observed_sl=np.array(
            [goal if r.service_level is None else r.service_level for r in used], dtype=np.float64
        ),
        target_s=queue.target_s,
        patience=patience,
        days=[r.interval_start.date() for r in used],
    )


def effective_agents(h: Hours) -> np.ndarray:
    """Per hour, the fewest agents with which the staffing engine reaches the hour's observed
    service level (clipped to 2%..98%, where the engine's answer is stable)."""
    if h.rate.size == 0:
        return np.zeros(0)
    agents = queueing.required_agents(
        h.rate,
        h.aht,
        service_level=np.clip(h.observed_sl, 0.02, 0.98),
        target_s=np.full(h.rate.shape, h.target_s),
        patience_s=None if h.patience is None else np.full(h.rate.shape, h.patience),
    )
    return np.asarray(agents, dtype=np.float64)


@dataclass
class Outcome:
    """What the engine says a set of agents gives over the hours (sums and weighted means)."""

    counts: ev.Counts
    service_level: float
    abandon_rate: float
    asa_s: float
    occupancy: float
    agents_per_hour: float


def outcome(
    h: Hours,
    agents: np.ndarray,
    *,
    aht_factor: float = 1.0,
    volume_factor: float = 1.0,
    shrinkage: float,
    repeat_rate: float,
) -> Outcome:
    """Run the staffing engine on every hour with ``agents`` (volume and AHT scaled)."""
    if h.rate.size == 0:
        return Outcome(ev.Counts(0.0, 0.0, 0.0, 0.0, 0.0), 0.0, 0.0, 0.0, 0.0, 0.0)
    rate = h.rate * volume_factor
    aht = h.aht * aht_factor
    n = np.maximum(agents, 0.0)
    patience = None if h.patience is None else np.full(rate.shape, h.patience)
    sl = np.asarray(queueing.service_level(n, rate, aht, h.target_s, patience_s=patience))
    ab = np.asarray(queueing.abandon_probability(n, rate, aht, patience_s=patience))
    asa = np.asarray(queueing.asa_s(n, rate, aht, patience_s=patience))
    occ = np.asarray(queueing.occupancy(n, rate, aht, patience_s=patience))
    offered = h.offered * volume_factor
    abandoned = offered * ab
    answered = offered - abandoned
    total = float(offered.sum())
    served = float(answered.sum())
    finite_asa = np.where(np.isfinite(asa), asa, 0.0)
    busy = float((n * occ).sum())
    return Outcome(
        counts=ev.Counts(
            offered=total,
            answered=served,
            abandoned=float(abandoned.sum()),
            repeats=served * max(repeat_rate, 0.0),
            paid_hours=float(n.sum()) / (1.0 - shrinkage),
        ),
        service_level=float((sl * offered).sum() / total) if total else 0.0,
        abandon_rate=float(abandoned.sum() / total) if total else 0.0,
        asa_s=float((finite_asa * answered).sum() / served) if served else 0.0,
        occupancy=busy / float(n.sum()) if n.sum() else 0.0,
        agents_per_hour=float(n.mean()),
    )


def _period(session: Session, queue: Queue, last: date | None, days: int) -> tuple[date, date]:
    end = last or contacts_queries.last_local_date(session=session, queue=queue.name)
    if end is None:
        raise _invalid(
            f"queue: {queue.name!r} has no contact history: import its contacts first", "queue"
        )
    return end - timedelta(days=days - 1), end


def _repeat_rate(source: kpi_service.KpiSource, queue: Queue, first: date, last: date) -> float:
    rows = kpi_service.repeat_contact_rates(
        source=source, first=first, last=last, window_days=7, queues=[queue.name]
    )
    keyed = sum(r.contacts_with_key for r in rows)
    return sum(r.repeated for r in rows) / keyed if keyed else 0.0


# ---------------------------------------------------------------- figures


def _figures(
    counts: ev.Counts, estimates: Mapping[str, ev.Estimate], keys: Sequence[str]
) -> dict[str, schemas.Figure]:
    out = {}
    for key in keys:

        def figure(a: Mapping[str, Any], key: str = key) -> Any:
            return ev.money(counts, a)[key]

        e = ev.monte_carlo(figure, estimates, n=SAMPLES, seed=SEED)
        out[key] = schemas.Figure(value=e.value, low=e.low, high=e.high, formula=FORMULAS[key])
    return out


MONEY_FIGURES = (
    "cost_per_hour",
    "staff_cost",
    "cost_per_contact",
    "revenue",
    "lost_revenue",
    "abandon_churn",
    "repeat_cost",
    "repeat_churn",
    "money_lost",
    "contribution",
)


def queue_value(
    *,
    session: Session,
    source: kpi_service.KpiSource,
    queue: Queue,
    first: date,
    last: date,
) -> schemas.QueueValueOut:
    """What one queue's service cost and earned over [first, last], with every assumption."""
    found = assumptions_of(session, queue)
    missing = _missing(found)
    patience = found["patience_s"].value if "patience_s" in found else None
    h = _hours(source, queue, first, last, patience)
    summary = kpi_service.summarise_queue_kpis(h.rows, first=first, last=last)
    kpi = summary[0] if summary else None
    repeat_rate = _repeat_rate(source, queue, first, last) if kpi else 0.0
    answered = kpi.answered if kpi else 0
    paid: float | None = None
    money: dict[str, schemas.Figure] = {}
    weeks: list[schemas.WeekMoney] = []
    if kpi and not missing:
        shrinkage = found["shrinkage"].value
        agents = effective_agents(h)
        paid = float(agents.sum()) / (1.0 - shrinkage)
        counts = ev.Counts(
            float(kpi.offered),
            float(answered),
            float(kpi.abandoned),
            answered * repeat_rate,
            paid,
        )
        money = _figures(counts, _estimates(found), MONEY_FIGURES)
        weeks = _weeks(h, agents, found, first, last, shrinkage, repeat_rate)
    return schemas.QueueValueOut(
        queue=queue.name,
        site=queue.site.name,
        currency=queue.site.currency or "",
        first=first,
        last=last,
        offered=kpi.offered if kpi else 0,
        answered=answered,
        abandoned=kpi.abandoned if kpi else 0,
        repeats=round(answered * repeat_rate),
        service_level=kpi.service_level if kpi else None,
        service_level_variant=queue.service_level_variant.value,
        abandon_rate=kpi.abandon_rate if kpi else None,
        aht_s=kpi.aht_s if kpi else None,
        paid_hours=paid,
        data_source=kpi.data_source if kpi else "none",
        model="erlang_a" if patience is not None else "erlang_c",
        money=money,
        missing=missing,
        assumptions=list(found.values()),
        weeks=weeks,
    )


def _weeks(
    h: Hours,
    agents: np.ndarray,
    found: Mapping[str, schemas.AssumptionOut],
    first: date,
    last: date,
    shrinkage: float,
    repeat_rate: float,
) -> list[schemas.WeekMoney]:
    """The period's whole weeks from ``first``: staff cost and money lost at the assumptions'
    values (the trend; its uncertainty is the period's, shown beside the period's figures)."""
    point = {k: e.value for k, e in _estimates(found).items()}
    index = np.array([(d - first).days // 7 for d in h.days], dtype=np.int64)
    tally: dict[int, list[int]] = {}
    for r in h.rows:
        t = tally.setdefault((r.interval_start.date() - first).days // 7, [0, 0, 0])
        t[0] += r.offered
        t[1] += r.answered
        t[2] += r.abandoned
    out = []
    for w in range(((last - first).days + 1) // 7):
        offered, answered, lost = tally.get(w, [0, 0, 0])
        paid = float(agents[index == w].sum()) / (1 - shrinkage)
        counts = ev.Counts(offered, answered, lost, answered * repeat_rate, paid)
        m = ev.money(counts, point)
        out.append(
            schemas.WeekMoney(
                week_start=first + timedelta(days=7 * w),
                offered=offered,
                abandoned=lost,
                staff_cost=float(m["staff_cost"]),
                money_lost=float(m["money_lost"]),
            )
        )
    return out


def day_cost(
    *,
    session: Session,
    queue: Queue,
    value: schemas.QueueValueOut,
    rows: Sequence[kpi_schemas.QueueIntervalKpi],
    day: date,
) -> schemas.DayCostOut:
    """What ``day``'s abandons cost beyond the abandon rate of the same weekday in the other
    weeks of the rows (the 'normal' day)."""
    by_day: dict[date, list[int]] = {}
    for r in rows:
        d = r.interval_start.date()
        tally = by_day.setdefault(d, [0, 0])
        tally[0] += r.offered
        tally[1] += r.abandoned
    normal_days = sorted(d for d in by_day if d != day and d.weekday() == day.weekday())
    offered, abandoned = by_day.get(day, [0, 0])
    normal_offered = sum(by_day[d][0] for d in normal_days)
    normal_rate = (
        sum(by_day[d][1] for d in normal_days) / normal_offered if normal_offered else None
    )
    excess = max(abandoned - offered * normal_rate, 0.0) if normal_rate is not None else 0.0
    cost = None
    found = assumptions_of(session, queue)
    if value.money and normal_rate is not None:
        per_contact = value.money["cost_per_contact"]
        estimates = {
            **_estimates(found),
            "_per_contact": ev.Estimate(per_contact.value, per_contact.low, per_contact.high),
        }
        e = ev.monte_carlo(
            lambda a: excess * ev.cost_per_abandon(a, a["_per_contact"]),
            estimates,
            n=SAMPLES,
            seed=SEED,
        )
        cost = schemas.Figure(value=e.value, low=e.low, high=e.high, formula=FORMULAS["day_cost"])
    return schemas.DayCostOut(
        queue=queue.name,
        day=day,
        offered=offered,
        abandoned=abandoned,
        normal_abandon_rate=normal_rate,
        normal_days=normal_days,
        excess_abandoned=excess,
        cost=cost,
        missing=value.missing,
    )


TOTAL_KEYS = ("staff_cost", "revenue", "money_lost", "contribution", "day_cost")
"""The money figures summed over queues (per currency)."""


def _queues(session: Session, scope: Scope, site: str | None) -> list[Queue]:
    """The queues in scope (of one site, which must be in scope), by name."""
    stmt = select(Queue).order_by(Queue.name)
    if site:
        stmt = stmt.where(Queue.site_id == scoped.site_in_scope(session, scope, site).id)
    elif scope.site_ids is not None:
        stmt = stmt.where(Queue.site_id.in_(sorted(scope.site_ids)))
    return list(session.scalars(stmt))


def _add_to_totals(
    totals: dict[str, dict[str, schemas.Figure]],
    currency: str,
    figures: Mapping[str, schemas.Figure],
) -> None:
    """Add one queue's money figures to its currency's totals (ranges summed: a wide bound)."""
    bucket = totals.setdefault(currency, {})
    for key in TOTAL_KEYS:
        f = figures.get(key)
        if f is None:
            continue
        old = bucket.get(key)
        bucket[key] = schemas.Figure(
            value=f.value + (old.value if old else 0.0),
            low=f.low + (old.low if old else 0.0),
            high=f.high + (old.high if old else 0.0),
            formula="sum over queues (range: sum of the queues' ranges, a wide bound)",
        )


def summary(
    *,
    session: Session,
    source: kpi_service.KpiSource,
    scope: Scope,
    site: str | None = None,
    last: date | None = None,
    day: date | None = None,
    days: int = 28,
) -> schemas.SummaryOut:
    """Each queue in scope (of one site): its money over the ``days`` to ``last`` (default: the
    latest day with contacts), and what ``day``'s abandons cost (default: the last Monday)."""
    if not 7 <= days <= 91:
        raise _invalid("days: must be 7 to 91", "days")
    queues = _queues(session, scope, site)
    latest = contacts_queries.last_local_dates(session=session, queues=[q.name for q in queues])
    end = last or (max(latest.values()) if latest else None)
    if end is None:
        raise _invalid("no contact history in scope: import contacts first", "site")
    first = end - timedelta(days=days - 1)
    the_day = day or end - timedelta(days=end.weekday())
    if not first <= the_day <= end:
        raise _invalid(f"day: {the_day} is outside the period {first} to {end}", "day")
    values, costs = [], []
    totals: dict[str, dict[str, schemas.Figure]] = {}
    for q in queues:
        v = queue_value(session=session, source=source, queue=q, first=first, last=end)
        values.append(v)
        rows = kpi_service.queue_interval_kpis(
            source=source, first=first, last=end, interval_min=60, queues=[q.name]
        )
        c = day_cost(session=session, queue=q, value=v, rows=rows, day=the_day)
        costs.append(c)
        figures = dict(v.money)
        if c.cost is not None:
            figures["day_cost"] = c.cost
        _add_to_totals(totals, v.currency, figures)
    notes = [
        "paid hours = hours of agents the staffing engine needs to reach each hour's observed "
        "service level, / (1 - shrinkage); hours without contacts are not counted",
        "ranges: 5th to 95th percentile of 2,000 draws, each assumption triangular over its "
        "low, value and high (seeded)",
    ]
    return schemas.SummaryOut(
        first=first,
        last=end,
        day=the_day,
        queues=values,
        day_costs=costs,
        totals=totals,
        notes=notes,
    )


# ---------------------------------------------------------------- months

MAX_MONTHS = 36
"""The most months one trend request covers (each month runs the summary of every queue)."""


def calendar_months(first: date, last: date) -> list[tuple[date, date, bool]]:
    """The calendar months [first, last] touches: each month's first and last covered day and
    whether it is partial (a day of the calendar month is outside [first, last])."""
    out = []
    start = first.replace(day=1)
    while start <= last:
        following = (start + timedelta(days=32)).replace(day=1)
        end = following - timedelta(days=1)
        lo, hi = max(start, first), min(end, last)
        out.append((lo, hi, lo != start or hi != end))
        start = following
    return out


def history_range(
    session: Session, scope: Scope, site: str | None = None
) -> tuple[list[Queue], date, date]:
    """The queues in scope and the first and last local day with contacts of any of them."""
    queues = _queues(session, scope, site)
    names = [q.name for q in queues]
    firsts = contacts_queries.first_local_dates(session=session, queues=names)
    lasts = contacts_queries.last_local_dates(session=session, queues=names)
    if not firsts or not lasts:
        raise _invalid("no contact history in scope: import contacts first", "site")
    return queues, min(firsts.values()), max(lasts.values())


def last_complete_month(last_day: date) -> date:
    """The first day of the last calendar month fully before ``last_day`` (or of ``last_day``'s
    own month when ``last_day`` is its last day)."""
    if (last_day + timedelta(days=1)).day == 1:
        return last_day.replace(day=1)
    return (last_day.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_out(
    *,
    session: Session,
    source: kpi_service.KpiSource,
    queues: Sequence[Queue],
    first: date,
    last: date,
    partial: bool,
) -> schemas.MonthOut:
    """One month of the trend: ``queue_value`` (the summary's computation) of each queue over
    the month's covered days, and the totals per currency."""
    totals: dict[str, dict[str, schemas.Figure]] = {}
    rows = []
    for q in queues:
        v = queue_value(session=session, source=source, queue=q, first=first, last=last)
        _add_to_totals(totals, v.currency, v.money)
        rows.append(
            schemas.MonthQueueOut(
                queue=v.queue,
                site=v.site,
                currency=v.currency,
                offered=v.offered,
                answered=v.answered,
                abandoned=v.abandoned,
                repeats=v.repeats,
                service_level=v.service_level,
                service_level_variant=v.service_level_variant,
                abandon_rate=v.abandon_rate,
                paid_hours=v.paid_hours,
                money=v.money,
                missing=v.missing,
            )
        )
    return schemas.MonthOut(
        month=first.strftime("%Y-%m"),
        first=first,
        last=last,
        days=(last - first).days + 1,
        partial=partial,
        queues=rows,
        totals=totals,
    )


def monthly(
    *,
    session: Session,
    source: kpi_service.KpiSource,
    scope: Scope,
    site: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> schemas.MonthlyOut:
    """The summary's figures per calendar month of stored contacts in scope, within [first,
    last] (default: the 12 calendar months to the latest day with contacts). A month is partial
    when the history or the asked range starts or ends inside it."""
    if first is not None and last is not None and first > last:
        raise _invalid(f"from: {first} is after to {last}", "from")
    queues, data_first, data_last = history_range(session, scope, site)
    end = min(last or data_last, data_last)
    if first is None:
        month = end.replace(day=1)
        for _ in range(11):
            month = (month - timedelta(days=1)).replace(day=1)
        first = month
    start = max(first, data_first)
    months = calendar_months(start, end) if start <= end else []
    if len(months) > MAX_MONTHS:
        raise _invalid(
            f"from: {len(months)} months of history asked; at most {MAX_MONTHS} at once", "from"
        )
    return schemas.MonthlyOut(
        first=start,
        last=end,
        months=[
            month_out(
                session=session, source=source, queues=queues, first=lo, last=hi, partial=partial
            )
            for lo, hi, partial in months
        ],
        formulas={k: FORMULAS[k] for k in MONEY_FIGURES},
        notes=[
            "each month: the summary's computation over the month's days with contacts data; "
            "a partial month covers only part of the calendar month (history or range)",
            "service level by each queue's own variant (named per queue); money at the stored "
            "assumptions, ranges 5th to 95th percentile of 2,000 seeded draws",
        ],
    )


# ---------------------------------------------------------------- what-if


def _side(o: Outcome, m: Mapping[str, Any]) -> schemas.SideOut:
    return schemas.SideOut(
        service_level=o.service_level,
        abandon_rate=o.abandon_rate,
        asa_s=o.asa_s,
        occupancy=o.occupancy,
        agents_per_hour=o.agents_per_hour,
        offered=o.counts.offered,
        answered=o.counts.answered,
        abandoned=o.counts.abandoned,
        repeats=o.counts.repeats,
        paid_hours=o.counts.paid_hours,
        cost=float(m["staff_cost"]),
        revenue=float(m["revenue"]),
        churn_cost=float(m["abandon_churn"] + m["repeat_churn"]),
        contribution=float(m["contribution"]),
        money_lost=float(m["money_lost"]),
    )


def _opt(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def whatif(
    *, session: Session, source: kpi_service.KpiSource, data: schemas.WhatIfIn, scope: Scope
) -> schemas.WhatIfOut:
    """Baseline against scenario on the queue's own recent hours, per month, and the return of
    the investment over its horizon, each with a range and a sensitivity table."""
    queue = scoped.queue_in_scope(session, scope, data.queue, field="queue")
    found = assumptions_of(session, queue)
    missing = _missing(found)
    if missing:
        raise _invalid(
            f"queue {queue.name!r} (site {queue.site.name!r}) lacks the assumption(s) "
            f"{', '.join(missing)}: set them with `ccops value set` first",
            "assumptions",
        )
    first, last = _period(session, queue, data.last, data.days)
    patience = found["patience_s"].value if "patience_s" in found else None
    h = _hours(source, queue, first, last, patience)
    if h.rate.size == 0:
        raise _invalid(
            f"queue: {queue.name!r} has no answered contacts from {first} to {last}", "queue"
        )
    shrinkage = found["shrinkage"].value
    repeat_rate = _repeat_rate(source, queue, first, last)
    base_agents = effective_agents(h)
    spread = found["volume_uncertainty"].value if "volume_uncertainty" in found else 0.0
    month = ev.MONTH_DAYS / data.days
    factors = (1.0 - spread, 1.0, 1.0 + spread)

    def side(add: int, aht: float, fcr: float, deflection: float) -> tuple[Outcome, ...]:
        """The engine at the low, stated and high volume with these levers."""
        agents = np.maximum(base_agents + add, 0.0)
        return tuple(
            outcome(
                h,
                agents,
                aht_factor=1.0 + aht,
                volume_factor=f * (1.0 - fcr) * (1.0 - deflection),
                shrinkage=shrinkage,
                repeat_rate=max(repeat_rate - fcr, 0.0),
            )
            for f in factors
        )

    base_pts = side(0, 0.0, 0.0, 0.0)
    scen_pts = side(data.add_agents, data.aht_change, data.fcr_change, data.deflection)
    erlang_pts = base_pts
    erlang = _engine_out(base_pts[1], scen_pts[1])
    erlang_base_counts = tuple(o.counts.scaled(month) for o in base_pts)
    pool = simulated.plan(
        session=session,
        source=source,
        queue=queue,
        first=first,
        last=last,
        patience_of=lambda q: _patience(session, q),
    )
    simulation: schemas.SimulationOut | None = None
    if pool is not None:
        simulation, sim_base, sim_scen = _simulate(pool, data)
        base_pts = _shifted(base_pts, sim_base)
        scen_pts = _shifted(scen_pts, sim_scen)
    base_counts = tuple(o.counts.scaled(month) for o in base_pts)
    scen_counts = tuple(o.counts.scaled(month) for o in scen_pts)
    cu = data.cost_uncertainty
    estimates = {
        **_estimates(found),
        "upfront": ev.Estimate(data.upfront, data.upfront * (1 - cu), data.upfront * (1 + cu)),
        "monthly_cost": ev.Estimate(
            data.monthly_cost, data.monthly_cost * (1 - cu), data.monthly_cost * (1 + cu)
        ),
        "volume": ev.Estimate(1.0, 1.0 - spread, 1.0 + spread),
    }
    if data.attrition_change:
        estimates.update(_attrition_estimates(found, queue))

    def result_of(
        counts: tuple[ev.Counts, ...],
        attrition: float,
        a: Mapping[str, Any],
        priced: bool = True,
        base: tuple[ev.Counts, ...] = base_counts,
    ) -> dict[str, Any]:
        inv = ev.Investment(
            upfront=a["upfront"] if priced else 0.0,
            monthly_cost=a["monthly_cost"] if priced else 0.0,
            horizon_months=data.horizon_months,
            discount_rate=data.discount_rate,
        )
        b = ev.interpolate(base, a["volume"], spread)  # type: ignore[arg-type]
        s = ev.interpolate(counts, a["volume"], spread)  # type: ignore[arg-type]
        saving = (
            ev.attrition_saving(a["headcount"], attrition, a["cost_per_leaver"])
            if attrition
            else 0.0
        )
        return ev.returns(b, s, a, inv, other_saving=saving)

    def result(a: Mapping[str, Any]) -> dict[str, Any]:
        return result_of(scen_counts, data.attrition_change, a)

    point_of = {k: e.value for k, e in estimates.items()}
    point = result(point_of)

    def mc(key: str) -> ev.Estimate:
        return ev.monte_carlo(lambda a: result(a)[key], estimates, n=SAMPLES, seed=SEED)

    def lever_result_of(
        counts: tuple[ev.Counts, ...], attrition: float, a: Mapping[str, Any], priced: bool = True
    ) -> dict[str, Any]:
        """A lever alone against the baseline, both by the staffing engine."""
        return result_of(counts, attrition, a, priced, erlang_base_counts)

    levers = _levers(data, side, erlang_pts, month, lever_result_of, estimates, point_of)
    net, npv, roi, payback = mc("net_benefit"), mc("npv"), mc("roi"), mc("payback_months")
    swings = ev.sensitivity(lambda a: result(a)["npv"], estimates)
    notes = [
        f"a month = the {data.days} days {first} to {last} x {month:.3f}",
        f"model: {'Erlang A, patience ' + format(patience, 'g') + ' s' if patience else 'Erlang C'}"
        "; baseline agents per hour = the fewest that reach the hour's observed service level",
        f"repeat-contact rate {repeat_rate:.1%} (7-day window); FCR change lowers it and the "
        "offered volume by the same share",
    ]
    if data.add_agents:
        notes.append(
            f"{data.add_agents:+d} agents in each of the {h.rate.size} hours with contacts"
        )
    if data.deflection:
        notes.append(
            f"deflection: {data.deflection:.0%} of offered contacts leave before the queue "
            "(arrival rate of every hour x (1 - deflection))"
        )
    if data.attrition_change:
        notes.append(
            f"attrition {data.attrition_change * 100:+g} points a year: saving a month = "
            "headcount x points cut / 12 x cost_per_leaver"
        )
    if data.system_name:
        notes.append(
            f"system {data.system_name!r}: price upfront {data.upfront:g}, "
            f"{data.monthly_cost:g} a month; its effects are the levers above"
        )
    if spread:
        notes.append(f"volume uncertain by +/-{spread:.0%} (assumption volume_uncertainty)")
    model = "erlang_a" if patience else "erlang_c"
    if simulation is not None:
        engine = "simulation"
        others = ", ".join(q for q in simulation.queues if q != queue.name)
        reason = (
            f"{queue.name} shares agents with {others}: "
            "Erlang prices the queue with agents of its own, the simulator with the agents it "
            "shares, so the headline service figures and the money of abandons come from the "
            "simulation"
        )
        notes.extend(_simulation_notes(simulation))
    else:
        engine = model
        reason = f"{queue.name}'s agents serve no other queue: the staffing engine is exact here"
    payback_pt = point["payback_months"]
    return schemas.WhatIfOut(
        queue=queue.name,
        currency=queue.site.currency or "",
        first=first,
        last=last,
        model=model,
        observed_service_level=_weighted(h.observed_sl, h.offered),
        observed_abandon_rate=_observed_abandon(h.rows),
        baseline=_side_m(base_pts[1], month, point["baseline"]),
        scenario=_side_m(scen_pts[1], month, point["scenario"]),
        monthly_net_benefit=float(point["monthly_net_benefit"]),
        net_benefit=net.value,
        net_benefit_low=net.low,
        net_benefit_high=net.high,
        npv=npv.value,
        npv_low=npv.low,
        npv_high=npv.high,
        roi=_opt(roi.value),
        roi_low=_opt(roi.low),
        roi_high=_opt(roi.high),
        payback_months=_opt(payback_pt),
        payback_months_low=_opt(payback.low),
        payback_months_high=_opt(payback.high),
        sensitivity=[
            schemas.SwingOut(
                name=s.name,
                low=estimates[s.name].low,
                high=estimates[s.name].high,
                npv_at_low=s.at_low,
                npv_at_high=s.at_high,
                swing=s.swing,
            )
            for s in swings
        ],
        assumptions=list(found.values()),
        notes=notes,
        system_name=data.system_name.strip() if data.system_name else None,
        attrition_saving=float(point["other_saving"]),
        levers=levers,
        engine=engine,
        engine_reason=reason,
        erlang_a=erlang,
        simulation=simulation,
    )


def _patience(session: Session, queue: Queue) -> float | None:
    found = assumptions_of(session, queue)
    return found["patience_s"].value if "patience_s" in found else None


def _engine_out(base: Outcome, scen: Outcome) -> schemas.EngineOut:
    def one(o: Outcome) -> schemas.EngineSideOut:
        return schemas.EngineSideOut(
            service_level=o.service_level,
            abandon_rate=o.abandon_rate,
            asa_s=o.asa_s,
            occupancy=o.occupancy,
        )

    return schemas.EngineOut(baseline=one(base), scenario=one(scen))


def _simulate(
    pool: simulated.PoolPlan, data: schemas.WhatIfIn
) -> tuple[schemas.SimulationOut, vs.SimFigures, vs.SimFigures]:
    """The simulator on the pool's sample days: baseline and the scenario's levers on the
    queue (agents added with its skill alone, AHT, and the volume FCR and deflection remove)."""
    base = vs.simulate_queue(pool.pool, pool.queue, seed=SEED, reps=simulated.REPS)
    scen = vs.simulate_queue(
        pool.pool,
        pool.queue,
        add_agents=data.add_agents,
        aht_factor=1.0 + data.aht_change,
        volume_factor=(1.0 - data.fcr_change) * (1.0 - data.deflection),
        seed=SEED,
        reps=simulated.REPS,
    )

    def one(f: vs.SimFigures) -> schemas.EngineSideOut:
        return schemas.EngineSideOut(
            service_level=f.service_level,
            abandon_rate=f.abandon_rate,
            asa_s=f.asa_s,
            occupancy=f.occupancy,
            service_level_error=f.service_level_error,
        )

    out = schemas.SimulationOut(
        baseline=one(base),
        scenario=one(scen),
        queues=list(pool.queues),
        groups=[
            schemas.SimulatedGroupOut(name=g.name, queues=list(g.queues), people=len(g.people))
            for g in pool.groups
        ],
        days=[
            schemas.SimulatedDayOut(day=d, weight=float(w), offered=o, staffing=s)
            for d, w, o, s in zip(
                pool.days,
                pool.pool.weights,
                pool.day_offered,
                pool.staffing_source,
                strict=True,
            )
        ],
        replications=simulated.REPS,
        seed=SEED,
        contacts_simulated=base.contacts_simulated + scen.contacts_simulated,
    )
    return out, base, scen


def _shifted(pts: tuple[Outcome, ...], f: vs.SimFigures) -> tuple[Outcome, ...]:
    """The staffing engine's outcomes at the low, stated and high volume moved so the stated
    volume's rates are the simulation's (the engine keeps the slope in volume); abandons,
    answers and repeats follow the rates, paid hours are the same agents'."""
    mid = pts[1]
    out = []
    for o in pts:
        ab = float(np.clip(o.abandon_rate + f.abandon_rate - mid.abandon_rate, 0.0, 1.0))
        offered = o.counts.offered
        abandoned = offered * ab
        answered = offered - abandoned
        repeat_share = o.counts.repeats / o.counts.answered if o.counts.answered else 0.0
        out.append(
            Outcome(
                counts=ev.Counts(
                    offered, answered, abandoned, answered * repeat_share, o.counts.paid_hours
                ),
                service_level=float(
                    np.clip(o.service_level + f.service_level - mid.service_level, 0.0, 1.0)
                ),
                abandon_rate=ab,
                asa_s=max(o.asa_s + f.asa_s - mid.asa_s, 0.0),
                occupancy=float(np.clip(o.occupancy + f.occupancy - mid.occupancy, 0.0, 1.0)),
                agents_per_hour=o.agents_per_hour,
            )
        )
    return tuple(out)


def _simulation_notes(s: schemas.SimulationOut) -> list[str]:
    days = ", ".join(f"{d.day} (x{d.weight:g}, {d.staffing})" for d in s.days)
    return [
        f"simulated: the pool {', '.join(s.queues)} served by "
        + "; ".join(f"{g.name} ({g.people} people)" for g in s.groups)
        + f"; sample days {days}; {s.replications} replications each, seed {s.seed}, "
        f"{s.contacts_simulated} contacts",
        "staffing of a simulated hour: published schedules (schedule), else each queue's Erlang "
        "agents for the hour's observed service level shared among the groups with its skill "
        "(erlang); added agents hold the queue's skill alone",
        "money of the month: Erlang's counts with the simulation's abandon rate (at the low and "
        "high volume moved by the same difference); the levers alone are by Erlang",
    ]


def _attrition_estimates(
    found: Mapping[str, schemas.AssumptionOut], queue: Queue
) -> dict[str, ev.Estimate]:
    """Headcount and cost per leaver for an attrition scenario: the value assumptions (queue
    over site); the cost per leaver falls back to the site's replacement cost (no range)."""
    out: dict[str, ev.Estimate] = {}
    missing = []
    for key in ("headcount", "cost_per_leaver"):
        if key in found:
            a = found[key]
            out[key] = ev.Estimate(a.value, a.low, a.high)
        elif key == "cost_per_leaver" and queue.site.cost_per_leaver is not None:
            out[key] = ev.Estimate.exact(queue.site.cost_per_leaver)
        else:
            missing.append(key)
    if missing:
        raise _invalid(
            f"attrition_change: queue {queue.name!r} (site {queue.site.name!r}) lacks the "
            f"assumption(s) {', '.join(missing)}: set them with `ccops value set` first",
            "attrition_change",
        )
    return out


LEVER_EFFECTS = {
    "add_agents": "agents added in every hour: the engine's service level and paid hours",
    "aht_change": "handle time scaled: fewer agent hours per contact",
    "fcr_change": "repeat contacts and the volume they made lowered",
    "deflection": "share of offered contacts removed before the queue (lower arrival rate)",
    "attrition_change": "fewer leavers to replace: headcount x points / 12 x cost per leaver",
    "monthly_cost": "the price a month",
}
"""What each lever of a scenario changes (the breakdown's text)."""


def _levers(
    data: schemas.WhatIfIn,
    side: Any,
    base_pts: tuple[Outcome, ...],
    month: float,
    result_of: Any,
    estimates: Mapping[str, ev.Estimate],
    point_of: Mapping[str, float],
) -> list[schemas.LeverOut]:
    """Each lever of the scenario alone against the baseline: service level and monthly
    benefit (with its range), the price a month as its own line."""
    alone = {
        "add_agents": (data.add_agents, (data.add_agents, 0.0, 0.0, 0.0)),
        "aht_change": (data.aht_change, (0, data.aht_change, 0.0, 0.0)),
        "fcr_change": (data.fcr_change, (0, 0.0, data.fcr_change, 0.0)),
        "deflection": (data.deflection, (0, 0.0, 0.0, data.deflection)),
    }
    out = []
    for lever, (change, args) in alone.items():
        if not change:
            continue
        pts = side(*args)
        counts = tuple(o.counts.scaled(month) for o in pts)
        out.append(
            _lever(lever, float(change), pts[1], counts, 0.0, result_of, estimates, point_of)
        )
    if data.attrition_change:
        base_counts = tuple(o.counts.scaled(month) for o in base_pts)
        out.append(
            _lever(
                "attrition_change",
                data.attrition_change,
                base_pts[1],
                base_counts,
                data.attrition_change,
                result_of,
                estimates,
                point_of,
            )
        )
    if data.monthly_cost:
        e = estimates["monthly_cost"]
        out.append(
            schemas.LeverOut(
                lever="monthly_cost",
                change=data.monthly_cost,
                effect=LEVER_EFFECTS["monthly_cost"],
                service_level=base_pts[1].service_level,
                abandon_rate=base_pts[1].abandon_rate,
                monthly_benefit=-e.value,
                monthly_benefit_low=-e.high,
                monthly_benefit_high=-e.low,
            )
        )
    return out


def _lever(
    lever: str,
    change: float,
    o: Outcome,
    counts: tuple[ev.Counts, ...],
    attrition: float,
    result_of: Any,
    estimates: Mapping[str, ev.Estimate],
    point_of: Mapping[str, float],
) -> schemas.LeverOut:
    def benefit(a: Mapping[str, Any]) -> Any:
        return result_of(counts, attrition, a, priced=False)["monthly_net_benefit"]

    e = ev.monte_carlo(benefit, estimates, n=SAMPLES, seed=SEED)
    return schemas.LeverOut(
        lever=lever,
        change=change,
        effect=LEVER_EFFECTS[lever],
        service_level=o.service_level,
        abandon_rate=o.abandon_rate,
        monthly_benefit=float(benefit(point_of)),
        monthly_benefit_low=e.low,
        monthly_benefit_high=e.high,
    )


def _side_m(o: Outcome, month: float, m: Mapping[str, Any]) -> schemas.SideOut:
    """A side per month: counts scaled, rates as they are."""
    scaled = Outcome(
        o.counts.scaled(month),
        o.service_level,
        o.abandon_rate,
        o.asa_s,
        o.occupancy,
        o.agents_per_hour,
    )
    return _side(scaled, m)


def _weighted(values: np.ndarray, weights: np.ndarray) -> float | None:
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total else None


def _observed_abandon(rows: Sequence[kpi_schemas.QueueIntervalKpi]) -> float | None:
    offered = sum(r.offered for r in rows)
    return sum(r.abandoned for r in rows) / offered if offered else None


def _scenario_out(row: ValueScenario, queue: Queue) -> schemas.ScenarioOut:
    return schemas.ScenarioOut(
        id=row.id,
        name=row.name,
        queue=queue.name,
        created_by=row.created_by,
        created_at=row.created_at,
        inputs=schemas.WhatIfIn.model_validate_json(row.inputs_json),
        result=schemas.WhatIfOut.model_validate_json(row.result_json),
    )


def save_scenario(
    *,
    session: Session,
    source: kpi_service.KpiSource,
    data: schemas.ScenarioIn,
    created_by: str,
    scope: Scope,
) -> schemas.ScenarioOut:
    """Run a what-if and store it, with its result, under a name (to compare later)."""
    inputs = schemas.WhatIfIn.model_validate(data.model_dump(exclude={"name"}))
    result = whatif(session=session, source=source, data=inputs, scope=scope)
    queue = scoped.queue_in_scope(session, scope, data.queue, field="queue")
    row = ValueScenario(
        queue_id=queue.id,
        name=data.name.strip(),
        inputs_json=inputs.model_dump_json(),
        result_json=result.model_dump_json(),
        created_by=created_by,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _scenario_out(row, queue)


def list_scenarios(
    *, session: Session, scope: Scope, queue: str | None = None
) -> list[schemas.ScenarioOut]:
    """Saved scenarios of the queues in scope (of one queue), oldest first for side by side."""
    stmt = select(ValueScenario, Queue).join(Queue, Queue.id == ValueScenario.queue_id)
    if queue:
        stmt = stmt.where(
            Queue.id == scoped.queue_in_scope(session, scope, queue, field="queue").id
        )
    elif scope.site_ids is not None:
        stmt = stmt.where(Queue.site_id.in_(sorted(scope.site_ids)))
    rows = session.execute(stmt.order_by(ValueScenario.id)).all()
    return [_scenario_out(r, q) for r, q in rows]
