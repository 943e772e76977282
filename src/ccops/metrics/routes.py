"""JSON API of the KPIs under /api/v1/kpi."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ccops.metrics import registry, schemas
from ccops.metrics import service as kpi_service
from ccops.web.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/kpi", tags=["kpi"])

FromQ = Annotated[date, Query(alias="from", description="First local date")]
ToQ = Annotated[date, Query(alias="to", description="Last local date, inclusive")]
IntervalQ = Annotated[int, Query(description="Interval minutes: 15, 30 or 60")]
QueueQ = Annotated[list[str] | None, Query(description="Queue names")]


@router.get("/intervals", response_model=list[schemas.QueueIntervalKpi])
def queue_intervals(
    settings: SettingsDep,
    _session: SessionDep,
    first: FromQ,
    last: ToQ,
    queue: QueueQ = None,
    interval: IntervalQ = 15,
) -> list[schemas.QueueIntervalKpi]:
    """Compute queue KPIs per queue and local interval."""
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        return kpi_service.queue_interval_kpis(
            source=source, first=first, last=last, interval_min=interval, queues=queue
        )


@router.get("/agents", response_model=list[schemas.AgentIntervalKpi])
def agent_intervals(
    settings: SettingsDep,
    _session: SessionDep,
    first: FromQ,
    last: ToQ,
    person: Annotated[list[str] | None, Query(description="Person logins")] = None,
    interval: IntervalQ = 15,
) -> list[schemas.AgentIntervalKpi]:
    """Compute agent occupancy and utilisation per local interval."""
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        return kpi_service.agent_interval_kpis(
            source=source, first=first, last=last, interval_min=interval, people=person
        )


@router.get("/repeats", response_model=list[schemas.RepeatContactDay])
def repeats(
    settings: SettingsDep,
    _session: SessionDep,
    first: FromQ,
    last: ToQ,
    queue: QueueQ = None,
    days: Annotated[int, Query(ge=1, le=90, description="Repeat window, days")] = 7,
) -> list[schemas.RepeatContactDay]:
    """Compute the repeat-contact rate per queue and local day."""
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        return kpi_service.repeat_contact_rates(
            source=source, first=first, last=last, window_days=days, queues=queue
        )


@router.get("/definitions")
def definitions() -> list[dict[str, Any]]:
    """List every KPI's formula, unit and data source."""
    return [vars(m) for m in registry.METRICS.values()]
