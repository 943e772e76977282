"""The demo centre's cases and surveys: business calendars, targets and routing rules, a
complaint wave on the launch Monday (some met, some breached, one critical), and CSAT/NPS
answers for a sample of 13 weeks of contacts that dip in the launch week. Built the same way
every time, in well under a second (surveys are one bulk insert)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ccops.cases import schemas
from ccops.cases import service as cases_service
from ccops.cases.models import Survey
from ccops.contacts.models import Contact
from ccops.enums import ANSWERED_OUTCOMES
from ccops.org.models import Queue

SEED = 1717
SURVEY_EVERY = 40
"""One answered contact in this many gets a survey answer (by id, so the same every time)."""

CALENDARS = (
    ("Shanghai office", "Asia/Shanghai", ("09:00", "18:00")),
    ("London office", "Europe/London", ("09:00", "17:00")),
)
TARGETS = (
    # type, severity, first response h, resolution h
    ("complaint", "medium", 4, 24),
    ("complaint", "high", 2, 8),
    ("complaint", "critical", 1, 4),
    ("escalation", "medium", 2, 16),
    ("escalation", "high", 1, 8),
    ("feedback", "low", 8, 40),
    ("feedback", "medium", 8, 40),
)
ROUTES = (
    ("complaint", "Billing 1", "Billing", "tl.billing1"),
    ("complaint", "Tech 1", "Tech Support", "tl.tech1"),
    ("escalation", "Billing 2", None, "tl.billing2"),
    ("feedback", "Email 1", None, None),
)
# queue, type, severity, category, subject, hours after 09:00 launch day (local), outcome:
# ("resolve", hours later) | ("wait", hours later) | None (left open)
WAVE = (
    (
        "Billing",
        "complaint",
        "high",
        "billing error",
        "Charged twice for the new plan",
        1.0,
        ("resolve", 3.0),
    ),
    (
        "Billing",
        "complaint",
        "high",
        "billing error",
        "New plan price not as advertised",
        1.5,
        ("resolve", 24.0),
    ),
    ("Billing", "complaint", "medium", "waiting time", "Waited 40 minutes on hold", 2.0, None),
    (
        "Tech Support",
        "complaint",
        "critical",
        "outage",
        "Service down since the update",
        2.5,
        ("resolve", 2.0),
    ),
    (
        "Tech Support",
        "complaint",
        "high",
        "outage",
        "App crashes after the launch update",
        3.0,
        None,
    ),
    (
        "Tech Support",
        "escalation",
        "high",
        "refund",
        "Refund above the agent's limit",
        4.0,
        ("wait", 1.0),
    ),
    ("Billing", "feedback", "medium", "praise", "Thanks for the quick fix", 5.0, ("resolve", 2.0)),
)


def _setup(session: Session) -> None:
    for name, zone, (start, end) in CALENDARS:
        cases_service.create_calendar(
            session=session,
            data=schemas.CalendarIn(
                name=name, timezone=zone, hours={d: [(start, end)] for d in range(5)}
            ),
        )
    for case_type, severity, fr, res in TARGETS:
        cases_service.set_target(
            session=session,
            data=schemas.TargetIn.model_validate(
                {
                    "case_type": case_type,
                    "severity": severity,
                    "calendar": "Shanghai office",
                    "first_response_h": fr,
                    "resolution_h": res,
                }
            ),
        )
    for case_type, team, queue, owner in ROUTES:
        cases_service.add_route(
            session=session,
            data=schemas.RouteIn.model_validate(
                {"case_type": case_type, "team": team, "queue": queue, "owner": owner}
            ),
        )


def _wave(session: Session, launch: date, now: datetime) -> None:
    """The launch Monday's cases, opened from answered contacts of their queue."""
    nine = datetime.combine(launch, time(1), UTC)  # 09:00 in Shanghai
    for queue_name, case_type, severity, category, subject, after, outcome in WAVE:
        opened = nine + timedelta(hours=after)
        contact_id = session.scalar(
            select(Contact.id)
            .join(Queue, Queue.id == Contact.queue_id)
            .where(
                Queue.name == queue_name,
                Contact.arrival_at <= opened,
                Contact.arrival_at >= opened - timedelta(hours=1),
                Contact.person_id.is_not(None),
            )
            .order_by(Contact.arrival_at.desc())
            .limit(1)
        )
        case = cases_service.open_case(
            session=session,
            data=schemas.CaseIn.model_validate(
                {
                    "case_type": case_type,
                    "severity": severity,
                    "category": category,
                    "subject": subject,
                    "contact_id": contact_id,
                    "queue": None if contact_id else queue_name,
                }
            ),
            by="agent",
            now=opened,
        )
        if outcome is None:
            continue
        step, later = outcome
        at = min(opened + timedelta(hours=later), now)
        data = (
            schemas.CaseUpdate(status="resolved", answer="Corrected and confirmed to the customer.")
            if step == "resolve"
            else schemas.CaseUpdate(status="waiting_third_party", note="asked finance")
        )
        cases_service.update_case(
            session=session, case_id=case.id, data=data, by="supervisor", now=at
        )
    cases_service.sweep(session=session, now=now)


def _surveys(session: Session, first: date, end: date, launch: date) -> int:
    rows = session.execute(
        select(Contact.id, Contact.arrival_at)
        .where(
            Contact.id % SURVEY_EVERY == 0,
            Contact.outcome.in_(ANSWERED_OUTCOMES),
            Contact.arrival_at >= datetime.combine(first, time(0), UTC),
            Contact.arrival_at < datetime.combine(end + timedelta(days=1), time(0), UTC),
        )
        .order_by(Contact.id)
    ).all()
    if not rows:
        return 0
    rng = np.random.default_rng(SEED)
    launch_at = datetime.combine(launch, time(0), UTC)
    csat_p = np.array([0.04, 0.06, 0.12, 0.33, 0.45])
    dip_p = np.array([0.12, 0.14, 0.20, 0.30, 0.24])
    dipped = np.array([(a if a.tzinfo else a.replace(tzinfo=UTC)) >= launch_at for _id, a in rows])
    normal = rng.choice(5, size=len(rows), p=csat_p) + 1
    dip = rng.choice(5, size=len(rows), p=dip_p) + 1
    csat = np.where(dipped, dip, normal)
    nps = np.clip(np.rint(csat * 2 + rng.normal(0, 1.2, size=len(rows))), 0, 10).astype(int)
    values = [
        {"contact_id": cid, "csat": int(c), "nps": int(n), "comment": "", "source": "demo"}
        for (cid, _a), c, n in zip(rows, csat, nps, strict=True)
    ]
    session.execute(insert(Survey), values)
    return len(values)


def seed_demo(session: Session, *, first: date, end: date, launch: date) -> dict[str, int]:
    """Seed calendars, targets, routes, the launch-day wave (swept at the end of ``end``) and
    the surveys; return how many surveys were made."""
    _setup(session)
    now = datetime.combine(end + timedelta(days=1), time(0), UTC)
    _wave(session, launch, now)
    session.flush()
    return {"surveys": _surveys(session, first, end, launch)}
