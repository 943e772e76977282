"""The demo centre's launch Monday, replayed through the event intake (shared by the scenario
test and the intraday benchmark).

The Monday's contacts of one queue (and the agent states of the people whose primary queue it is)
are taken out of a copy of the demo database, a forecast and a requirement are built from the
history before the Monday (the launch is in no event calendar), an exception plan is agreed,
and the Monday is sent back through `flows.ingest_events` in the order a live feed would
emit it: an arrival event when a contact arrives, the full record when it ends, each agent-state
span when it closes; one batch per simulated minute, with the replayed clock as ``now``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ccops.cases.models import Case, Survey
from ccops.contacts.models import AgentStateEvent, Contact
from ccops.org.models import Person, PersonSkill, Queue
from ccops.quality.models import CalibrationContact, Dispute, Evaluation, QaSampleContact
from ccops.wfm.forecasts import schemas as forecast_schemas
from ccops.wfm.forecasts import service as forecast_service
from ccops.wfm.forecasts.models import SpecialDay
from ccops.wfm.intraday.models import (
    ExceptionAction,
    ExceptionNotification,
    ExceptionPlan,
    ExceptionRecord,
    ExceptionRule,
    IntradayInterval,
)
from ccops.wfm.staffing import requirements as requirement_service
from ccops.wfm.staffing import schemas as staffing_schemas

LAUNCH = date(2026, 11, 16)
QUEUE = "Billing"


@dataclass
class Replay:
    """The Monday's events by emission time, and the queue's zone."""

    queue_id: int
    zone: ZoneInfo
    events: list[tuple[datetime, dict[str, Any]]]

    def batches(
        self, until: datetime | None = None, *, step_min: int = 1
    ) -> Iterator[tuple[datetime, list[dict[str, Any]]]]:
        """Events grouped by ``step_min`` minutes of emission; the clock is the step's end."""
        by_minute: dict[datetime, list[dict[str, Any]]] = defaultdict(list)
        for at, event in self.events:
            minute = at.replace(second=0, microsecond=0)
            minute -= timedelta(minutes=minute.minute % step_min)
            by_minute[minute + timedelta(minutes=step_min)].append(event)
        for minute in sorted(by_minute):
            if until is not None and minute > until:
                return
            yield minute, by_minute[minute]


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def prepare(session: Session, *, queue_name: str = QUEUE, day: date = LAUNCH) -> Replay:
    """Take the day out of the demo database and return it as events; build forecast and
    requirement from the history before the day."""
    queue = session.scalars(select(Queue).where(Queue.name == queue_name)).one()
    zone = ZoneInfo(queue.site.timezone)
    day_min = (day - date(1970, 1, 1)).days * 1440
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    logins: dict[int, str] = {}
    for pid, login in session.execute(select(Person.id, Person.login)):
        logins[pid] = login
    events: list[tuple[datetime, dict[str, Any]]] = []
    contacts = session.scalars(
        select(Contact).where(
            Contact.queue_id == queue.id,
            Contact.arrival_local_min >= day_min,
            Contact.arrival_local_min < day_min + 1440,
        )
    ).all()
    for c in contacts:
        arrival = _aware(c.arrival_at)
        ended = _aware(c.ended_at) if c.ended_at else arrival + timedelta(seconds=c.wait_s or 0)
        ext = f"demo-{c.external_id}"
        events.append(
            (
                arrival,
                {
                    "id": f"{ext}:a",
                    "type": "contact",
                    "queue": queue_name,
                    "external_id": ext,
                    "arrival": _iso(arrival),
                },
            )
        )
        final: dict[str, Any] = {
            "id": f"{ext}:e",
            "type": "contact",
            "queue": queue_name,
            "external_id": ext,
            "arrival": _iso(arrival),
            "outcome": c.outcome.value,
            "wait_s": c.wait_s,
            "talk_s": c.talk_s,
            "hold_s": c.hold_s,
            "wrap_s": c.wrap_s,
            "ended_at": _iso(ended),
        }
        if c.answered_at is not None:
            final["answered_at"] = _iso(c.answered_at)
        if c.person_id is not None:
            final["agent"] = logins[c.person_id]
        events.append((max(ended, arrival), final))
    primary = []
    for (pid,) in session.execute(
        select(PersonSkill.person_id).where(PersonSkill.queue_id == queue.id)
    ):
        top = session.execute(
            select(PersonSkill.queue_id)
            .where(PersonSkill.person_id == pid)
            .order_by(PersonSkill.level.desc(), PersonSkill.queue_id)
            .limit(1)
        ).scalar()
        if top == queue.id:
            primary.append(pid)
    start_s, end_s = int(start.timestamp()), int(end.timestamp())
    spans = session.scalars(
        select(AgentStateEvent).where(
            AgentStateEvent.person_id.in_(primary),
            AgentStateEvent.start_epoch_s >= start_s,
            AgentStateEvent.start_epoch_s < end_s,
        )
    ).all()
    for s in spans:
        assert s.end_at is not None
        events.append(
            (
                _aware(s.end_at),
                {
                    "id": f"demo-{s.external_id}",
                    "type": "agent_state",
                    "external_id": f"demo-{s.external_id}",
                    "person": logins[s.person_id],
                    "state": s.state.value,
                    "start": _iso(s.start_at),
                    "end": _iso(s.end_at),
                },
            )
        )
    events.sort(key=lambda e: e[0])
    # Take the day (and everything after it) out: the replay brings the day back. The demo's
    # quality reviews of those contacts go first (they refer to the contacts).
    gone = select(Contact.id).where(
        Contact.queue_id == queue.id, Contact.arrival_local_min >= day_min
    )
    reviewed = select(Evaluation.id).where(Evaluation.contact_id.in_(gone))
    session.execute(delete(Dispute).where(Dispute.evaluation_id.in_(reviewed)))
    session.execute(delete(Evaluation).where(Evaluation.id.in_(reviewed)))
    session.execute(delete(CalibrationContact).where(CalibrationContact.contact_id.in_(gone)))
    session.execute(delete(QaSampleContact).where(QaSampleContact.contact_id.in_(gone)))
    # survey answers of those contacts go; cases raised from them stay, no longer linked
    session.execute(delete(Survey).where(Survey.contact_id.in_(gone)))
    session.execute(update(Case).where(Case.contact_id.in_(gone)).values(contact_id=None))
    session.execute(
        delete(Contact).where(Contact.queue_id == queue.id, Contact.arrival_local_min >= day_min)
    )
    session.execute(
        delete(AgentStateEvent).where(
            AgentStateEvent.person_id.in_(primary), AgentStateEvent.start_epoch_s >= start_s
        )
    )
    # The demo's interval totals of those days go too (the replay counts them again), and so
    # does its launch mark, made afterwards: on the morning of the day nobody knew of it.
    session.execute(
        delete(IntradayInterval).where(
            IntradayInterval.queue_id == queue.id, IntradayInterval.interval_start >= start
        )
    )
    session.execute(delete(SpecialDay).where(SpecialDay.kind == "launch"))
    # The demo's own exception plans and what they opened that day go too: the replay agrees
    # its plan and opens its exceptions itself, live.
    session.execute(delete(ExceptionAction))
    session.execute(delete(ExceptionNotification))
    session.execute(delete(ExceptionRecord))
    session.execute(delete(ExceptionRule))
    session.execute(delete(ExceptionPlan))
    session.flush()
    forecast = forecast_service.build_forecast(
        session=session,
        data=forecast_schemas.ForecastBuildIn(
            queue=queue_name,
            horizon_days=7,
            methods=["HistoricalAverage", "SeasonalNaive"],
            backtest_weeks=2,
        ),
        created_by="planner",
    )
    requirement_service.build_requirement(
        session=session,
        forecast_id=forecast.id,
        data=staffing_schemas.RequirementIn(),
        created_by="planner",
    )
    session.flush()
    return Replay(queue.id, zone, events)
