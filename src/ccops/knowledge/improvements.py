"""Improvement cycles (PDCA): plan (problem and root causes), do (actions with owners and
dates), check (the KPI before vs after with intervals and a verdict from the stats engine),
act (standardise: the article that now carries the better way).

A check is measured from the stored contacts when the KPI is a topic's repeat rate
(``repeat_rate:TOPIC``) or one of the registry's contact KPIs (``MEASURED``: service level,
abandonment rate, handle time, speed of answer, repeat-contact rate) of the record's queue (or
of the sites in scope): proportions with Wilson intervals and Newcombe's interval for the
difference, means with Student t intervals and Welch's interval for the difference. Other KPIs
are checked from counts typed in."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.engines.improvement import MeanSums, RateComparison, compare_means, compare_rates
from ccops.engines.stats import StatsInputError, mean_interval_from_sums, wilson_interval
from ccops.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.knowledge import repeat_rates, schemas
from ccops.knowledge import service as kb
from ccops.knowledge.models import ImprovementAction, ImprovementRecord
from ccops.metrics import registry
from ccops.org.access import EVERYTHING, Scope
from ccops.org.models import Queue
from ccops.org.scoped import queue_in_scope
from ccops.performance import subjects as perf_subjects
from ccops.performance import sums as perf_sums

MEASURED: dict[str, str] = {
    "service_level": "proportion",
    "abandon_rate": "proportion",
    "repeat_contact_rate": "proportion",
    "aht_s": "mean",
    "asa_s": "mean",
}
"""Registry KPIs a check measures from the stored contacts, and what kind of estimate each is."""


def _num(x: float) -> float | None:
    return None if math.isnan(x) else x


def _out(session: Session, r: ImprovementRecord) -> schemas.ImprovementOut:
    check = schemas.CheckOut.model_validate_json(r.check_json) if r.check_json else None
    stage = (
        "standardised"
        if r.standard_article_id
        else "act"
        if check
        else "do"
        if r.actions
        else "plan"
    )
    queue = session.get(Queue, r.queue_id) if r.queue_id else None
    return schemas.ImprovementOut(
        id=r.id,
        title=r.title,
        kpi=r.kpi,
        queue=queue.name if queue else None,
        problem_first=r.problem_first,
        problem_last=r.problem_last,
        problem=r.problem,
        whys=json.loads(r.whys_json),
        fishbone=json.loads(r.fishbone_json),
        actions=[
            schemas.ActionOut(id=a.id, text=a.text, owner=a.owner, due=a.due, done_at=a.done_at)
            for a in r.actions
        ],
        check=check,
        checked_by=r.checked_by,
        standard_article_id=r.standard_article_id,
        stage=stage,
        created_by=r.created_by,
        created_at=r.created_at,
    )


def _find(session: Session, record_id: int, scope: Scope) -> ImprovementRecord:
    record = session.get(ImprovementRecord, record_id)
    queue = session.get(Queue, record.queue_id) if record and record.queue_id else None
    if record is None or (queue is not None and not scope.allows_site(queue.site_id)):
        raise NotFound(
            f"improvement record {record_id} does not exist",
            [Problem("unknown", field="improvement_id")],
        )
    return record


def _validate_plan(data: schemas.ImprovementIn) -> None:
    if data.problem_last < data.problem_first:
        raise Invalid(
            "the problem's period ends before it starts",
            [Problem("before problem_first", field="problem_last")],
        )
    if _topic_of(data.kpi) == "":
        raise Invalid(
            f"name the topic: {schemas.TOPIC_REPEAT_KPI}TOPIC",
            [Problem("topic missing", field="kpi")],
        )


def create(
    *, session: Session, data: schemas.ImprovementIn, by: str, scope: Scope = EVERYTHING
) -> schemas.ImprovementOut:
    """Open an improvement record (plan): the problem in a period and its root causes."""
    _validate_plan(data)
    queue_id = queue_in_scope(session, scope, data.queue, field="queue").id if data.queue else None
    record = ImprovementRecord(
        title=data.title,
        kpi=data.kpi,
        queue_id=queue_id,
        problem_first=data.problem_first,
        problem_last=data.problem_last,
        problem=data.problem,
        whys_json=json.dumps(data.whys, ensure_ascii=False),
        fishbone_json=json.dumps(
            {k: data.fishbone[k] for k in schemas.FISHBONE if k in data.fishbone},
            ensure_ascii=False,
        ),
        created_by=by,
    )
    session.add(record)
    session.flush()
    return _out(session, record)


def list_records(*, session: Session, scope: Scope = EVERYTHING) -> list[schemas.ImprovementOut]:
    """Improvement records in scope, newest first."""
    rows = session.scalars(select(ImprovementRecord).order_by(ImprovementRecord.id.desc()))
    out = []
    for r in rows:
        queue = session.get(Queue, r.queue_id) if r.queue_id else None
        if queue is None or scope.allows_site(queue.site_id):
            out.append(_out(session, r))
    return out


def get(*, session: Session, record_id: int, scope: Scope = EVERYTHING) -> schemas.ImprovementOut:
    """One improvement record in scope."""
    return _out(session, _find(session, record_id, scope))


def add_action(
    *, session: Session, record_id: int, data: schemas.ActionIn, scope: Scope = EVERYTHING
) -> schemas.ImprovementOut:
    """Add an action (do) with its owner and due date."""
    record = _find(session, record_id, scope)
    record.actions.append(ImprovementAction(text=data.text, owner=data.owner, due=data.due))
    session.flush()
    return _out(session, record)


def complete_action(
    *, session: Session, record_id: int, action_id: int, scope: Scope = EVERYTHING
) -> schemas.ImprovementOut:
    """Mark an action done (done once: completing it again keeps the first time).

    Raises:
        NotFound: no such action on the record.
    """
    record = _find(session, record_id, scope)
    action = next((a for a in record.actions if a.id == action_id), None)
    if action is None:
        raise NotFound(
            f"improvement record {record_id} has no action {action_id}",
            [Problem("unknown", field="action_id")],
        )
    if action.done_at is None:
        action.done_at = utcnow()
    session.flush()
    return _out(session, record)


def update(
    *,
    session: Session,
    record_id: int,
    data: schemas.ImprovementIn,
    scope: Scope = EVERYTHING,
) -> schemas.ImprovementOut:
    """Change the plan (problem, KPI, queue, whys, fishbone). A check of another KPI or queue
    no longer holds: it is cleared.

    Raises:
        Conflict: the record is standardised and its KPI or queue would change.
        Invalid: as ``create``.
    """
    record = _find(session, record_id, scope)
    _validate_plan(data)
    queue_id = queue_in_scope(session, scope, data.queue, field="queue").id if data.queue else None
    moved = (data.kpi, queue_id) != (record.kpi, record.queue_id)
    if moved and record.standard_article_id is not None:
        raise Conflict(
            f"improvement record {record_id} is standardised on its check of {record.kpi!r}: "
            "open a new record for another KPI or queue",
            [Problem("standardised", field="kpi")],
        )
    record.title = data.title
    record.kpi = data.kpi
    record.queue_id = queue_id
    record.problem_first = data.problem_first
    record.problem_last = data.problem_last
    record.problem = data.problem
    record.whys_json = json.dumps(data.whys, ensure_ascii=False)
    record.fishbone_json = json.dumps(
        {k: data.fishbone[k] for k in schemas.FISHBONE if k in data.fishbone},
        ensure_ascii=False,
    )
    if moved:
        record.check_json = None
        record.verdict = None
        record.checked_by = None
        record.checked_at = None
    session.flush()
    return _out(session, record)


def _topic_of(kpi: str) -> str | None:
    """The topic of a ``repeat_rate:TOPIC`` KPI (None: another KPI)."""
    if not kpi.startswith(schemas.TOPIC_REPEAT_KPI):
        return None
    return kpi.removeprefix(schemas.TOPIC_REPEAT_KPI).strip()


def _period(
    first: date, last: date, s: int | None, n: int, point: float, low: float, high: float
) -> dict[str, Any]:
    return {
        "first_day": first,
        "last_day": last,
        "successes": s,
        "trials": n,
        "rate": _num(point) if n else None,
        "low": _num(low),
        "high": _num(high),
    }


def _compare_counts(
    before: tuple[date, date, int, int],
    after: tuple[date, date, int, int],
    *,
    higher_is_better: bool,
    confidence: float,
) -> RateComparison:
    try:
        return compare_rates(
            before[2],
            before[3],
            after[2],
            after[3],
            higher_is_better=higher_is_better,
            confidence=confidence,
        )
    except StatsInputError as exc:
        raise Invalid(str(exc)) from None


def _store_check(
    record: ImprovementRecord,
    before: tuple[date, date, int | None, int],
    after: tuple[date, date, int | None, int],
    result: RateComparison,
    *,
    higher_is_better: bool,
    confidence: float,
    by: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """Store the check: both periods with their intervals, the difference and the verdict."""
    out = schemas.CheckOut.model_validate(
        {
            "before": _period(*before, result.before.point, result.before.low, result.before.high),
            "after": _period(*after, result.after.point, result.after.low, result.after.high),
            "difference": _num(result.difference),
            "difference_low": _num(result.difference_low),
            "difference_high": _num(result.difference_high),
            "confidence": confidence,
            "higher_is_better": higher_is_better,
            "verdict": result.verdict,
            **(extra or {}),
        }
    )
    record.check_json = out.model_dump_json()
    record.verdict = out.verdict
    record.checked_by = by
    record.checked_at = utcnow()


def _period_problems(
    before_first: date, before_last: date, after_first: date, after_last: date
) -> list[Problem]:
    problems = [
        Problem(f"before {name}_first", field=f"{name}_last")
        for name, first, last in (
            ("before", before_first, before_last),
            ("after", after_first, after_last),
        )
        if last < first
    ]
    if after_first <= before_last:
        problems.append(Problem("the after period starts after the before one", "after_first"))
    return problems


def check(
    *,
    session: Session,
    record_id: int,
    data: schemas.CheckIn,
    by: str,
    scope: Scope = EVERYTHING,
) -> schemas.ImprovementOut:
    """Record the check: the KPI before vs after with intervals and the verdict (improved only
    when the difference's interval excludes zero in the better direction).

    Raises:
        Conflict: the record's KPI is a topic's repeat rate (measured from the contacts, see
            ``check_from_contacts``), never typed in.
        Invalid: counts above their trials, periods out of order.
    """
    record = _find(session, record_id, scope)
    if MEASURED.get(record.kpi) == "mean":
        raise Conflict(
            f"improvement record {record_id} checks {record.kpi!r}, a mean: it is measured from "
            "the stored contacts; give only the periods",
            [Problem("measured from contacts", field="before_successes")],
        )
    if _topic_of(record.kpi) is not None:
        raise Conflict(
            f"improvement record {record_id} checks {record.kpi!r}: a topic's repeat rate is "
            "measured from the stored contacts; give only the periods",
            [Problem("measured from contacts", field="before_successes")],
        )
    problems = [
        Problem(f"more than {name}_trials", field=f"{name}_successes")
        for name, s, n in (
            ("before", data.before_successes, data.before_trials),
            ("after", data.after_successes, data.after_trials),
        )
        if s > n
    ]
    if data.after_first <= data.before_last:
        problems.append(Problem("the after period starts after the before one", "after_first"))
    if problems:
        raise Invalid("the check's counts or periods are not consistent", problems)
    before = (data.before_first, data.before_last, data.before_successes, data.before_trials)
    after = (data.after_first, data.after_last, data.after_successes, data.after_trials)
    _store_check(
        record,
        before,
        after,
        _compare_counts(
            before, after, higher_is_better=data.higher_is_better, confidence=data.confidence
        ),
        higher_is_better=data.higher_is_better,
        confidence=data.confidence,
        by=by,
    )
    session.flush()
    return _out(session, record)


def check_from_contacts(
    *,
    session: Session,
    record_id: int,
    data: schemas.ContactCheckIn,
    by: str,
    scope: Scope = EVERYTHING,
) -> schemas.ImprovementOut:
    """Check a record from the stored contacts of its queue (or of the sites in scope), before
    vs after, with intervals and the verdict (never "improved" inside the noise).

    A topic's repeat rate (``repeat_rate:TOPIC``): the same customer again on the topic within
    ``data.days`` days (``ccops.knowledge.repeats``), Wilson intervals and Newcombe's interval
    for the difference (lower is better); contacts whose window is not over are left out and
    counted. A registry KPI (``MEASURED``) by its registry formula (``ccops.performance.sums``):
    service level, abandonment and repeat-contact rate with Wilson and Newcombe intervals,
    handle time and speed of answer with Student t and Welch intervals; the better direction
    is the registry's (``data.higher_is_better`` for a KPI without one, such as handle time).

    Raises:
        Conflict: the record's KPI is not measured from the contacts.
        Invalid: periods out of order or too long, a period without any contact counted, a
            KPI without a better direction and none given.
    """
    record = _find(session, record_id, scope)
    topic = _topic_of(record.kpi)
    if not topic and record.kpi not in MEASURED:
        raise Conflict(
            f"improvement record {record_id} checks {record.kpi!r}, which is not measured from "
            f"the contacts (only {schemas.TOPIC_REPEAT_KPI}TOPIC and "
            f"{', '.join(sorted(MEASURED))} are): give the counts",
            [Problem("not measured from contacts", field="kpi")],
        )
    problems = _period_problems(
        data.before_first, data.before_last, data.after_first, data.after_last
    )
    if problems:
        raise Invalid("the check's periods are not consistent", problems)
    if not topic:
        _check_registry_kpi(session, record, data, by, scope)
        session.flush()
        return _out(session, record)
    counts: list[tuple[date, date, int, int]] = []
    incomplete = 0
    for name, first, last in (
        ("before", data.before_first, data.before_last),
        ("after", data.after_first, data.after_last),
    ):
        try:
            report = repeat_rates.repeat_rates(
                session=session,
                scope=scope,
                first=first,
                last=last,
                days=data.days,
                topic=topic,
                queue_id=record.queue_id,
            )
        except Invalid as exc:
            raise Invalid(
                f"the {name} period: {exc.message}", [Problem(exc.message, field=f"{name}_last")]
            ) from None
        row = next((t for t in report.topics if t.topic == topic), None)
        if row is None or row.contacts == 0:
            raise Invalid(
                f"no contact on {topic!r} with a complete {data.days}-day window in the {name} "
                f"period ({first} to {last}): choose days with recorded contacts",
                [Problem("no complete contact", field=f"{name}_first")],
            )
        counts.append((first, last, row.repeats, row.contacts))
        incomplete += row.incomplete
    _store_check(
        record,
        counts[0],
        counts[1],
        _compare_counts(counts[0], counts[1], higher_is_better=False, confidence=data.confidence),
        higher_is_better=False,
        confidence=data.confidence,
        by=by,
        extra={"measured": "contacts", "topic": topic, "days": data.days, "incomplete": incomplete},
    )
    session.flush()
    return _out(session, record)


def higher_is_better(kpi: str) -> bool | None:
    """The better direction of a measured KPI (None: the registry names none, e.g. handle
    time; a topic's repeat rate is lower-is-better)."""
    if _topic_of(kpi):
        return False
    metric = registry.METRICS.get(kpi)
    if metric is None or metric.direction == "none":
        return None
    return metric.direction == "higher"


def measured_kinds() -> dict[str, str]:
    """The registry KPIs a check measures from the contacts: key -> proportion or mean."""
    return dict(MEASURED)


def _subject(session: Session, record: ImprovementRecord, scope: Scope) -> perf_subjects.Subject:
    queue = session.get(Queue, record.queue_id) if record.queue_id else None
    if queue is not None:
        return perf_subjects.queue_subject(queue)
    return perf_subjects.centre_subject(scope)


def _mean_sums(kpi: str, c: perf_sums.ContactSums) -> MeanSums:
    if kpi == "asa_s":  # both over the answered contacts with trusted timing
        return MeanSums(c.answered_timed, c.wait_s, c.wait_sq)
    return MeanSums(c.answered_timed, c.handle_s, c.handle_sq)


def _registry_period(
    session: Session,
    record: ImprovementRecord,
    scope: Scope,
    first: date,
    last: date,
    field: str,
) -> tuple[int | None, int, MeanSums | None]:
    """The KPI's counts in one period: (successes, trials, None) of a proportion, (None, n,
    sums) of a mean.

    Raises:
        Invalid: no contact counted in the period.
    """
    subject = _subject(session, record, scope)
    try:
        days = perf_sums.contact_days(session=session, subject=subject, first=first, last=last)
    except Invalid as exc:
        raise Invalid(exc.message, [Problem(exc.message, field=field)]) from None
    c = days.total(first, last)
    if MEASURED[record.kpi] == "mean":
        sums = _mean_sums(record.kpi, c)
        n, successes = sums.n, None
    else:
        measure = perf_sums.from_sums(record.kpi, c)
        sums, n, successes = None, measure.n, measure.successes or 0
    if n == 0:
        raise Invalid(
            f"no contact counted for {record.kpi} on {subject.name} from {first} to {last}: "
            "choose days with recorded contacts",
            [Problem("no contact counted", field=field)],
        )
    return successes, n, sums


def _check_registry_kpi(
    session: Session,
    record: ImprovementRecord,
    data: schemas.ContactCheckIn,
    by: str,
    scope: Scope,
) -> None:
    higher = higher_is_better(record.kpi)
    if higher is None:
        if data.higher_is_better is None:
            raise Invalid(
                f"{record.kpi} has no better direction in the KPI registry: say whether higher "
                "or lower is better",
                [Problem("choose a direction", field="higher_is_better")],
            )
        higher = data.higher_is_better
    before = _registry_period(
        session, record, scope, data.before_first, data.before_last, "before_first"
    )
    after = _registry_period(
        session, record, scope, data.after_first, data.after_last, "after_first"
    )
    if before[2] is not None and after[2] is not None:
        result = compare_means(
            before[2], after[2], higher_is_better=higher, confidence=data.confidence
        )
    else:
        result = _compare_counts(
            (data.before_first, data.before_last, before[0] or 0, before[1]),
            (data.after_first, data.after_last, after[0] or 0, after[1]),
            higher_is_better=higher,
            confidence=data.confidence,
        )
    metric = registry.METRICS[record.kpi]
    _store_check(
        record,
        (data.before_first, data.before_last, before[0], before[1]),
        (data.after_first, data.after_last, after[0], after[1]),
        result,
        higher_is_better=higher,
        confidence=data.confidence,
        by=by,
        extra={
            "measured": "contacts",
            "kpi": record.kpi,
            "estimate": MEASURED[record.kpi],
            "unit": metric.unit,
            "subject": _subject(session, record, scope).name,
            "days": perf_sums.REPEAT_WINDOW_DAYS if record.kpi == "repeat_contact_rate" else None,
        },
    )


def problem_interval(
    *, session: Session, record_id: int, scope: Scope = EVERYTHING, confidence: float = 0.95
) -> schemas.RateOut | None:
    """The record's KPI in its problem period with its interval, measured from the stored
    contacts (None: a KPI checked from typed counts, or no contact counted in the period); a
    topic's repeat rate uses the window of the record's last check (else 7 days)."""
    record = _find(session, record_id, scope)
    first, last = record.problem_first, record.problem_last
    topic = _topic_of(record.kpi)
    checked = schemas.CheckOut.model_validate_json(record.check_json) if record.check_json else None
    try:
        if topic:
            report = repeat_rates.repeat_rates(
                session=session,
                scope=scope,
                first=first,
                last=last,
                days=checked.days if checked and checked.days else 7,
                topic=topic,
                queue_id=record.queue_id,
            )
            row = next((t for t in report.topics if t.topic == topic), None)
            if row is None or row.contacts == 0:
                return None
            ci = wilson_interval(row.repeats, row.contacts, confidence)
            return schemas.RateOut.model_validate(
                _period(first, last, row.repeats, row.contacts, ci.point, ci.low, ci.high)
            )
        if record.kpi not in MEASURED:
            return None
        successes, n, sums = _registry_period(session, record, scope, first, last, "problem")
    except Invalid:
        return None
    ci = (
        mean_interval_from_sums(sums.n, sums.total, sums.total_sq, confidence)
        if sums is not None
        else wilson_interval(successes or 0, n, confidence)
    )
    return schemas.RateOut.model_validate(
        _period(first, last, successes, n, ci.point, ci.low, ci.high)
    )


def standardise(
    *, session: Session, record_id: int, article_id: int, scope: Scope = EVERYTHING
) -> schemas.ImprovementOut:
    """Link the article that makes the improvement the standard; only what improved."""
    record = _find(session, record_id, scope)
    if record.verdict != "improved":
        raise Conflict(
            f"improvement record {record_id} has "
            + (f"a check of {record.verdict!r}" if record.verdict else "no check yet")
            + ": standardise only what the check shows improved",
            [Problem("not improved", field="article_id")],
        )
    kb.find_article(session, article_id, scope)
    record.standard_article_id = article_id
    session.flush()
    return _out(session, record)


def complete_own_action(
    *, session: Session, action_id: int, by: str, scope: Scope = EVERYTHING
) -> schemas.ImprovementOut:
    """Mark an action done; only its owner (the login it names) may.

    Raises:
        NotFound: no such action (or its record is out of ``scope``).
        Forbidden: ``by`` is not the action's owner.
        Conflict: the action is done already.
    """
    action = session.get(ImprovementAction, action_id)
    if action is None:
        raise NotFound(
            f"improvement action {action_id} does not exist",
            [Problem("unknown", field="action_id")],
        )
    record = _find(session, action.record_id, scope)
    if action.owner != by:
        raise Forbidden(
            "only the action's owner marks it done", [Problem("not owner", field="action_id")]
        )
    if action.done_at is not None:
        raise Conflict("this action is already done", [Problem("done", field="action_id")])
    action.done_at = utcnow()
    session.flush()
    return _out(session, record)
