"""Exception plans agreed in advance, and the exceptions they open as the day unfolds.

A plan belongs to one queue or to every queue of a site and holds rules in tiers 1-3. A rule
fires when its measure is beyond its threshold in each of the last ``consecutive`` completed
intervals of the day:

* ``volume_over``: offered >= forecast x (1 + threshold);
* ``volume_under``: offered <= forecast x (1 - threshold) (release people, offer time off);
* ``service_level_below``: service level < threshold;
* ``abandon_rate_above``: abandonment rate > threshold;
* ``staffing_gap``: required (staffing engine on the actual volume) - staffed > threshold agents.

Firing opens one exception per rule, queue and day with the measured values and the recommended
extra agents: for each of the next four intervals, the staffing engine's agents for the
reforecast minus the agents planned (the published schedule's when given, else the stored
requirement); the recommendation is the largest of them (negative: agents that can be
released). Owners are notified in the app once each, within the intake. A rule's webhook is
recorded pending and delivered by a job (``webhook_jobs``) after the intake committed: never to
an address inside the network (``ccops.notifications.webhook_targets``), signed, retried with
back-off, and recorded only as delivered or failed. An exception is acknowledged, actioned and
closed, each step in its audit trail.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.jobs import service as jobs_service
from ccops.notifications import service as notifications_service
from ccops.notifications import webhook_targets
from ccops.org import service as org_service
from ccops.org.models import Queue, Site, User
from ccops.settings import get_settings
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday import service as intraday_service
from ccops.wfm.intraday.constants import INTERVAL_S
from ccops.wfm.intraday.models import (
    ExceptionAction,
    ExceptionNotification,
    ExceptionPlan,
    ExceptionRecord,
    ExceptionRule,
)

log = logging.getLogger(__name__)

WEBHOOK_DELIVERY = "intraday.webhooks"
"""The job kind that delivers exceptions' webhooks (registered in ``webhook_jobs``)."""
LOOKAHEAD_INTERVALS = 4
STEPS = {
    "acknowledge": ({"open"}, "acknowledged"),
    "action": ({"open", "acknowledged"}, "actioned"),
    "close": ({"open", "acknowledged", "actioned"}, "closed"),
}


def _invalid(message: str, fld: str) -> Invalid:
    return Invalid(message, [Problem(message, field=fld)])


# --- plans ---------------------------------------------------------------------------------------


def _rule_out(rule: ExceptionRule) -> schemas.RuleOut:
    return schemas.RuleOut(
        id=rule.id,
        name=rule.name,
        tier=rule.tier,
        measure=rule.measure,
        threshold=rule.threshold,
        consecutive=rule.consecutive,
        resources=[schemas.ResourceIn(**r) for r in json.loads(rule.resources_json)],
        owners=json.loads(rule.owners_json),
        webhook_url=rule.webhook_url,
    )


def _plan_out(session: Session, plan: ExceptionPlan) -> schemas.PlanOut:
    queue = session.get(Queue, plan.queue_id) if plan.queue_id else None
    site = session.get(Site, plan.site_id) if plan.site_id else None
    return schemas.PlanOut(
        id=plan.id,
        name=plan.name,
        queue=queue.name if queue else None,
        site=site.name if site else None,
        active=plan.active,
        created_by=plan.created_by,
        rules=[_rule_out(r) for r in plan.rules],
    )


def create_plan(
    *,
    session: Session,
    data: schemas.PlanIn,
    created_by: str,
    scope: org_service.Scope = org_service.EVERYTHING,
    allow: webhook_targets.AllowList | None = None,
) -> schemas.PlanOut:
    """Store an exception plan for a queue or a site, with its tiers, resources and owners.

    A rule's webhook URL must reach a public internet receiver, or one ``allow`` lists (default:
    the ``webhook_allowed_networks`` setting)."""
    if (data.queue is None) == (data.site is None):
        raise _invalid("a plan is for one queue or one site: give exactly one of them", "queue")
    queue_id = site_id = None
    if data.queue is not None:
        queue = intraday_service.get_queue(session, data.queue, scope)
        queue_id = queue.id
    else:
        site = org_service.get_site(session=session, name=data.site or "")
        if not scope.allows_site(site.id):
            raise Forbidden(
                f"site {site.name!r} is outside your scope",
                [Problem("outside your scope", field="site")],
            )
        site_id = site.id
    if session.scalar(select(ExceptionPlan.id).where(ExceptionPlan.name == data.name)):
        raise Conflict(
            f"an exception plan named {data.name!r} exists already",
            [Problem("name taken", field="name")],
        )
    logins = {o for r in data.rules for o in r.owners} | {
        res.owner for r in data.rules for res in r.resources if res.owner
    }
    known = set(session.scalars(select(User.login).where(User.login.in_(sorted(logins)))))
    unknown = sorted(logins - known)
    if unknown:
        raise NotFound(
            f"unknown owners (user logins): {', '.join(unknown)}",
            [Problem(f"unknown user {u!r}", field="owners") for u in unknown],
        )
    if allow is None:
        allow = webhook_targets.parse_allow_list(get_settings().webhook_allowed_networks)
    plan = ExceptionPlan(name=data.name, queue_id=queue_id, site_id=site_id, created_by=created_by)
    for i, r in enumerate(data.rules):
        url = str(r.webhook_url) if r.webhook_url else None
        if url is not None:
            try:
                webhook_targets.check(url, allow)
            except webhook_targets.RefusedTarget as exc:
                raise _invalid(f"rules.{i}.webhook_url: {exc}", "webhook_url") from None
        if r.measure in (
            "volume_over",
            "volume_under",
            "service_level_below",
            "abandon_rate_above",
        ):
            if r.measure == "volume_under" and r.threshold >= 1:
                raise _invalid(
                    f"rules.{i}.threshold: volume_under needs a fraction < 1", "threshold"
                )
            if r.measure in ("service_level_below", "abandon_rate_above") and r.threshold > 1:
                raise _invalid(f"rules.{i}.threshold: a rate is a fraction <= 1", "threshold")
        plan.rules.append(
            ExceptionRule(
                name=r.name,
                tier=r.tier,
                measure=r.measure,
                threshold=r.threshold,
                consecutive=r.consecutive,
                resources_json=json.dumps([x.model_dump() for x in r.resources]),
                owners_json=json.dumps(list(dict.fromkeys(r.owners))),
                webhook_url=url,
            )
        )
    session.add(plan)
    session.flush()
    return _plan_out(session, plan)


def list_plans(
    *, session: Session, scope: org_service.Scope = org_service.EVERYTHING
) -> list[schemas.PlanOut]:
    """List the exception plans of the queues and sites in scope."""
    out = []
    for plan in session.scalars(select(ExceptionPlan).order_by(ExceptionPlan.id)):
        site_id = plan.site_id
        if plan.queue_id is not None:
            queue = session.get(Queue, plan.queue_id)
            site_id = queue.site_id if queue else None
        if site_id is None or scope.allows_site(site_id):
            out.append(_plan_out(session, plan))
    return out


# --- evaluation ------------------------------------------------------------------------------


def _rules_for(session: Session, queue: Queue) -> list[ExceptionRule]:
    plans = session.scalars(
        select(ExceptionPlan).where(
            ExceptionPlan.active.is_(True),
            or_(ExceptionPlan.queue_id == queue.id, ExceptionPlan.site_id == queue.site_id),
        )
    )
    return [r for p in plans for r in p.rules]


def _measure(
    rule: ExceptionRule, plan: intraday_service.DayPlan, i: int
) -> tuple[bool, dict[str, Any]]:
    """Whether interval ``i`` is beyond the rule's threshold, and what was measured there."""
    s = plan.starts[i]
    row = plan.rows.get(s)
    offered = row.offered if row else 0
    forecast = float(plan.forecast[i])
    seen: dict[str, Any] = {
        "interval_start": s.isoformat(),
        "local_start": plan.local_starts[i].isoformat(),
        "offered": offered,
        "forecast": round(forecast, 3),
    }
    q = plan.queue
    if rule.measure in ("volume_over", "volume_under"):
        if forecast <= 0:
            return False, seen
        ratio = offered / forecast
        seen["offered_vs_forecast"] = round(ratio - 1, 4)
        if rule.measure == "volume_over":
            return ratio >= 1 + rule.threshold, seen
        return ratio <= 1 - rule.threshold, seen
    short = row.short_abandoned if row else 0
    if rule.measure == "service_level_below":
        sl = intraday_service.row_service_level(q.service_level_variant, [row] if row else [])
        seen["service_level"] = sl
        return sl is not None and sl < rule.threshold, seen
    if rule.measure == "abandon_rate_above":
        rate = intraday_service.abandon_rate(row.abandoned if row else 0, short, offered)
        seen["abandon_rate"] = rate
        return rate is not None and rate > rule.threshold, seen
    aht = float(plan.forecast_aht_s[i])
    if row and row.answered_timed:  # AHT over the answered contacts with trusted timing
        aht = row.handle_sum_s / row.answered_timed
    need = intraday_service.required_for(offered, aht, q, plan.patience_s)
    staffed = (row.staffed_s if row else 0.0) / INTERVAL_S
    seen["required"] = need
    seen["staffed"] = round(staffed, 3)
    return need - staffed > rule.threshold, seen


def recommend(
    plan: intraday_service.DayPlan,
    as_of: datetime,
    scheduled: dict[datetime, float] | None = None,
) -> dict[str, Any]:
    """Extra agents for the next intervals: staffing engine on the reforecast minus the plan."""
    refc = intraday_service.reforecast(plan, as_of)
    first = refc.completed
    aht = plan.forecast_aht_s.copy()
    known = aht[aht > 0]
    aht[aht <= 0] = float(np.median(known)) if known.size else 0.0
    items: list[dict[str, Any]] = []
    for i in range(first, min(first + LOOKAHEAD_INTERVALS, len(plan.starts))):
        s = plan.starts[i]
        need = intraday_service.required_for(
            float(refc.volume[i]), float(aht[i]), plan.queue, plan.patience_s
        )
        if scheduled is not None:
            base = float(scheduled.get(s, 0.0))
        else:
            base = float(plan.required[i]) if plan.required is not None else 0.0
        items.append(
            {
                "interval_start": s.isoformat(),
                "local_start": plan.local_starts[i].isoformat(),
                "reforecast": round(float(refc.volume[i]), 3),
                "aht_s": round(float(aht[i]), 3),
                "required": need,
                "baseline": base,
                "extra": int(np.ceil(need - base - 1e-9)),
            }
        )
    extra = max((int(it["extra"]) for it in items), default=0)
    return {
        "reforecast_factor": round(refc.factor, 6),
        "observed_ratio": None if refc.ratio is None else round(refc.ratio, 6),
        "formula": intraday_service.FORMULA,
        "baseline": items[0]["baseline"] if items else None,
        "baseline_is": "scheduled" if scheduled is not None else "required by the plan",
        "intervals": items,
        "extra_agents": extra,
    }


def evaluate_queue(
    *,
    session: Session,
    queue_id: int,
    day: date,
    as_of: datetime,
    coverage: intraday_service.CoverageFn | None = None,
) -> list[int]:
    """Evaluate the exception plans of one queue-day at ``as_of``; return exceptions opened."""
    queue = session.get(Queue, queue_id)
    if queue is None:
        return []
    rules = _rules_for(session, queue)
    if not rules:
        return []
    already = set(
        session.scalars(
            select(ExceptionRecord.rule_id).where(
                ExceptionRecord.queue_id == queue_id, ExceptionRecord.day == day
            )
        )
    )
    rules = [r for r in rules if r.id not in already]
    if not rules:
        return []
    coverage = coverage or intraday_service.published_coverage(session)
    plan = intraday_service.load_day(session=session, queue=queue, day=day)
    done = [i for i, s in enumerate(plan.starts) if s + timedelta(seconds=INTERVAL_S) <= as_of]
    opened: list[int] = []
    for rule in sorted(rules, key=lambda r: (r.tier, r.id)):
        last = done[-rule.consecutive :]
        if len(last) < rule.consecutive:
            continue
        checks = [_measure(rule, plan, i) for i in last]
        if not all(ok for ok, _ in checks):
            continue
        end = plan.starts[-1] + timedelta(seconds=INTERVAL_S)
        scheduled = intraday_service.scheduled_agents(coverage, queue.id, plan.starts[0], end)
        rec = recommend(plan, as_of, scheduled)
        opened.append(_open(session, rule, queue, day, as_of, [m for _, m in checks], rec))
    return opened


def _summary(rule: ExceptionRule, queue: Queue, measured: list[dict[str, Any]], extra: int) -> str:
    what = {
        "volume_over": f"volume >= {rule.threshold:.0%} over forecast",
        "volume_under": f"volume >= {rule.threshold:.0%} under forecast",
        "service_level_below": f"service level below {rule.threshold:.0%}",
        "abandon_rate_above": f"abandonment above {rule.threshold:.0%}",
        "staffing_gap": f"more than {rule.threshold:g} agents short of the requirement",
    }[rule.measure]
    advice = (
        f"add {extra} agent{'s' if extra != 1 else ''}"
        if extra > 0
        else (f"{-extra} agents can be released" if extra < 0 else "no extra agents needed")
    )
    return (
        f"Tier {rule.tier} on {queue.name}: {what} for {len(measured)} intervals "
        f"(last at {measured[-1]['local_start'][11:16]}); the reforecast says {advice}."
    )


def _open(
    session: Session,
    rule: ExceptionRule,
    queue: Queue,
    day: date,
    as_of: datetime,
    measured: list[dict[str, Any]],
    rec: dict[str, Any],
) -> int:
    owners: list[str] = json.loads(rule.owners_json)
    extra = int(rec["extra_agents"])
    record = ExceptionRecord(
        rule_id=rule.id,
        queue_id=queue.id,
        day=day,
        tier=rule.tier,
        status="open",
        opened_at=utcnow(),
        as_of=as_of,
        measured_json=json.dumps({"intervals": measured}, default=str),
        recommended_extra_agents=extra,
        recommendation_json=json.dumps(rec, default=str),
        summary=_summary(rule, queue, measured, extra),
    )
    session.add(record)
    session.flush()
    session.add(
        ExceptionAction(exception_id=record.id, actor="ccops", action="opened", note=record.summary)
    )
    for owner in dict.fromkeys(owners):
        session.add(
            ExceptionNotification(
                exception_id=record.id, owner=owner, channel="in_app", status="pending"
            )
        )
    session.flush()
    _notify_in_app(session, record)
    return record.id


# --- delivery ---------------------------------------------------------------------------------


def _notify_in_app(session: Session, record: ExceptionRecord) -> None:
    """Deliver an exception's in-app notifications (``notifications.service.notify``); an owner
    without a user account stays ``failed`` with the reason."""
    out = _exception_out(session, record)
    pending = session.scalars(
        select(ExceptionNotification).where(
            ExceptionNotification.exception_id == record.id,
            ExceptionNotification.channel == "in_app",
            ExceptionNotification.status != "delivered",
        )
    )
    for n in pending:
        user_id = session.scalar(select(User.id).where(User.login == n.owner))
        if user_id is None:
            n.status = "failed"
            n.error = f"no user account {n.owner!r} to notify in the app"
            continue
        notifications_service.notify(
            session=session,
            user_ids=[user_id],
            kind="intraday_exception",
            subject=out.summary[:200],
            body=out.summary,
            link=f"/intraday?queue={out.queue}",
        )
        n.status = "delivered"
        n.error = None
        n.delivered_at = utcnow()
    session.flush()


def queue_webhooks(
    *, session: Session, exception_ids: list[int], limit: int | None = None
) -> int | None:
    """Record a pending webhook for each opened exception whose rule names one, and queue one
    delivery job for them (it runs after the caller's transaction commits); return its id.

    One webhook per exception, whatever the number of owners. Beyond ``limit`` (default: the
    ``webhook_max_per_intake`` setting) the webhooks are recorded failed and logged."""
    limit = get_settings().webhook_max_per_intake if limit is None else limit
    now = utcnow()
    queued: list[int] = []
    for exception_id in exception_ids:
        record = session.get(ExceptionRecord, exception_id)
        rule = session.get(ExceptionRule, record.rule_id) if record else None
        if rule is None or not rule.webhook_url:
            continue
        note = ExceptionNotification(
            exception_id=exception_id,
            owner="",
            channel="webhook",
            target=rule.webhook_url,
            status="pending",
            attempts=0,
            next_attempt_at=now,
        )
        if len(queued) < limit:
            queued.append(exception_id)
        else:
            note.status, note.next_attempt_at = "failed", None
            log.warning(
                "exception %s: webhook not sent, one intake may send %s", exception_id, limit
            )
        session.add(note)
    session.flush()
    if not queued:
        return None
    job = jobs_service.submit(
        session=session,
        kind=WEBHOOK_DELIVERY,
        params={"exception_ids": queued},
        created_by="ccops",
    )
    return job.id


def due_webhooks(*, session: Session, exception_ids: list[int], now: datetime) -> list[int]:
    """The pending webhook notifications of these exceptions whose next attempt is due."""
    return list(
        session.scalars(
            select(ExceptionNotification.id)
            .where(
                ExceptionNotification.exception_id.in_(exception_ids),
                ExceptionNotification.channel == "webhook",
                ExceptionNotification.status == "pending",
                ExceptionNotification.next_attempt_at <= now,
            )
            .order_by(ExceptionNotification.id)
        )
    )


def start_attempt(
    *, session: Session, notification_id: int, now: datetime, lease_s: float
) -> tuple[str, bytes] | None:
    """Count one more attempt at a due webhook and hold it for ``lease_s`` (no other job takes
    it meanwhile); return its URL and JSON body, or None if it is no longer due."""
    taken = session.execute(
        update(ExceptionNotification)
        .where(
            ExceptionNotification.id == notification_id,
            ExceptionNotification.status == "pending",
            ExceptionNotification.next_attempt_at <= now,
        )
        .values(
            attempts=ExceptionNotification.attempts + 1,
            next_attempt_at=now + timedelta(seconds=lease_s),
        )
    )
    session.flush()
    note = session.get(ExceptionNotification, notification_id)
    if getattr(taken, "rowcount", 0) != 1 or note is None or not note.target:
        return None
    record = session.get(ExceptionRecord, note.exception_id)
    assert record is not None
    exception = _exception_out(session, record).model_dump(mode="json", exclude={"notifications"})
    body = json.dumps({"event": "exception.opened", "exception": exception}, default=str)
    return note.target, body.encode("utf-8")


def end_attempt(
    *,
    session: Session,
    notification_id: int,
    delivered: bool,
    now: datetime,
    max_attempts: int,
    retry_base_s: float,
) -> str:
    """Record an attempt's outcome: ``delivered``, ``failed`` after ``max_attempts``, else
    ``retrying`` (pending, next attempt after ``retry_base_s`` doubled per attempt made)."""
    note = session.get(ExceptionNotification, notification_id)
    assert note is not None
    session.refresh(note)
    note.error = None
    if delivered:
        note.status, note.delivered_at, note.next_attempt_at = "delivered", now, None
        outcome = "delivered"
    elif note.attempts >= max_attempts:
        note.status, note.next_attempt_at = "failed", None
        outcome = "failed"
    else:
        wait = retry_base_s * 2 ** max(note.attempts - 1, 0)
        note.next_attempt_at = now + timedelta(seconds=wait)
        outcome = "retrying"
    session.flush()
    return outcome


def next_retry(*, session: Session, exception_ids: list[int]) -> datetime | None:
    """When the earliest pending webhook of these exceptions is next due (None: none pending)."""
    return session.scalar(
        select(func.min(ExceptionNotification.next_attempt_at)).where(
            ExceptionNotification.exception_id.in_(exception_ids),
            ExceptionNotification.channel == "webhook",
            ExceptionNotification.status == "pending",
        )
    )


# --- reading and stepping -----------------------------------------------------------------------


def _exception_out(session: Session, record: ExceptionRecord) -> schemas.ExceptionOut:
    rule = session.get(ExceptionRule, record.rule_id)
    assert rule is not None
    plan = session.get(ExceptionPlan, rule.plan_id)
    queue = session.get(Queue, record.queue_id)
    assert plan is not None and queue is not None
    notes = session.scalars(
        select(ExceptionNotification)
        .where(ExceptionNotification.exception_id == record.id)
        .order_by(ExceptionNotification.id)
    )
    trail = session.scalars(
        select(ExceptionAction)
        .where(ExceptionAction.exception_id == record.id)
        .order_by(ExceptionAction.id)
    )
    rule_out = _rule_out(rule)
    return schemas.ExceptionOut(
        id=record.id,
        queue=queue.name,
        day=record.day,
        plan=plan.name,
        rule=rule.name,
        tier=record.tier,
        measure=rule_out.measure,
        status=record.status,
        opened_at=record.opened_at,
        as_of=record.as_of,
        closed_at=record.closed_at,
        measured=json.loads(record.measured_json),
        recommended_extra_agents=record.recommended_extra_agents,
        recommendation=json.loads(record.recommendation_json),
        resources=rule_out.resources,
        owners=rule_out.owners,
        summary=record.summary,
        notifications=[
            schemas.NotificationOut(
                owner=n.owner,
                channel=n.channel,
                target=n.target,
                status=n.status,
                delivered_at=n.delivered_at,
                attempts=n.attempts,
                error=n.error if n.channel == "in_app" else None,
            )
            for n in notes
        ],
        trail=[
            schemas.ActionOut(at=a.at, actor=a.actor, action=a.action, note=a.note) for a in trail
        ],
    )


def _get(session: Session, exception_id: int, scope: org_service.Scope) -> ExceptionRecord:
    record = session.get(ExceptionRecord, exception_id)
    if record is None:
        raise NotFound(
            f"exception {exception_id} does not exist", [Problem("unknown exception", field="id")]
        )
    queue = session.get(Queue, record.queue_id)
    if queue is None or not intraday_service.queue_allowed(session, scope, queue):
        raise Forbidden(
            f"exception {exception_id} is outside your scope", [Problem("outside your scope")]
        )
    return record


def get_exception(
    *, session: Session, exception_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> schemas.ExceptionOut:
    """Return one exception with its notifications and audit trail."""
    return _exception_out(session, _get(session, exception_id, scope))


def list_exceptions(
    *,
    session: Session,
    scope: org_service.Scope = org_service.EVERYTHING,
    status: str | None = None,
    queue: str | None = None,
    day: date | None = None,
    limit: int = 200,
) -> list[schemas.ExceptionOut]:
    """List exceptions of the queues in scope, newest first."""
    if status is not None and status not in (
        "open",
        "acknowledged",
        "actioned",
        "closed",
        "active",
    ):
        raise _invalid(
            f"status {status!r}: use open, acknowledged, actioned, closed or active", "status"
        )
    query = (
        select(ExceptionRecord)
        .join(Queue, Queue.id == ExceptionRecord.queue_id)
        .order_by(ExceptionRecord.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    if scope.site_ids is not None:
        query = query.where(Queue.site_id.in_(sorted(scope.site_ids)))
    if status == "active":
        query = query.where(ExceptionRecord.status != "closed")
    elif status is not None:
        query = query.where(ExceptionRecord.status == status)
    if queue is not None:
        query = query.where(
            ExceptionRecord.queue_id == intraday_service.get_queue(session, queue, scope).id
        )
    if day is not None:
        query = query.where(ExceptionRecord.day == day)
    allowed: dict[int, bool] = {}
    out = []
    for r in session.scalars(query).all():
        if r.queue_id not in allowed:
            q = session.get(Queue, r.queue_id)
            allowed[r.queue_id] = q is not None and intraday_service.queue_allowed(
                session, scope, q
            )
        if allowed[r.queue_id]:
            out.append(_exception_out(session, r))
    return out


def step(
    *,
    session: Session,
    exception_id: int,
    action: str,
    actor: str,
    note: str = "",
    scope: org_service.Scope = org_service.EVERYTHING,
) -> schemas.ExceptionOut:
    """Acknowledge, action (note says what was done) or close an exception; audit the step."""
    if action not in STEPS:
        raise _invalid(f"unknown step {action!r}: use acknowledge, action or close", "action")
    record = _get(session, exception_id, scope)
    allowed, new = STEPS[action]
    if record.status not in allowed:
        raise Conflict(
            f"exception {exception_id} is {record.status}: it cannot be {new} now",
            [Problem(f"status is {record.status}", field="status")],
        )
    if action == "action" and not note.strip():
        raise _invalid("say what was done (note) when actioning an exception", "note")
    record.status = new
    if new == "closed":
        record.closed_at = utcnow()
    session.add(ExceptionAction(exception_id=record.id, actor=actor, action=new, note=note.strip()))
    session.flush()
    return _exception_out(session, record)
