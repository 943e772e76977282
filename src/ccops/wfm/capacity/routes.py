"""Capacity (hiring) plans: JSON API under /api/v1/capacity-plans."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ccops.ids import RowId
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.wfm.capacity import saved as capacity_saved
from ccops.wfm.capacity import schemas
from ccops.wfm.capacity import service as capacity_service
from ccops.wfm.capacity import site as capacity_site

capacity = APIRouter(prefix="/api/v1/capacity-plans", tags=["capacity plans"])

PlanReader = Annotated[Principal, Depends(require(*permissions.FORECASTS))]
PlanWriter = Annotated[Principal, Depends(require(*permissions.FORECASTS_WRITE, write=True))]


@capacity.post("", response_model=schemas.CapacityPlanOut, status_code=201)
def build_capacity_plan(
    data: schemas.CapacityPlanIn, session: SessionDep, user: PlanWriter
) -> schemas.CapacityPlanOut:
    """Plan hires week by week from a forecast's workload."""
    return capacity_service.capacity_plan(
        session=session, data=data, created_by=user.login, scope=user.scope
    )


@capacity.get("", response_model=list[schemas.CapacityPlanOut])
def list_capacity_plans(
    session: SessionDep, user: PlanReader, forecast_id: RowId | None = None
) -> list[schemas.CapacityPlanOut]:
    """List stored capacity plans, newest first (optionally of one forecast)."""
    return capacity_service.list_capacity_plans(
        session=session, forecast_id=forecast_id, scope=user.scope
    )


@capacity.get("/{plan_id:int}", response_model=schemas.CapacityPlanOut)
def show_capacity_plan(
    plan_id: RowId, session: SessionDep, user: PlanReader
) -> schemas.CapacityPlanOut:
    """Return a stored capacity plan."""
    return capacity_service.get_capacity_plan(session=session, plan_id=plan_id, scope=user.scope)


@capacity.post("/site", response_model=schemas.SitePlanOut)
def site_plan(
    data: schemas.SitePlanIn, session: SessionDep, user: PlanWriter
) -> schemas.SitePlanOut:
    """Plan a site's capacity over all its queues (skills shared), without and with each hiring
    wave (computed, not stored)."""
    return capacity_site.site_plan(session=session, data=data, scope=user.scope)


@capacity.post("/site/saved", response_model=schemas.SavedSitePlanOut, status_code=201)
def save_site_plan(
    data: schemas.SavedSitePlanIn, session: SessionDep, user: PlanWriter
) -> schemas.SavedSitePlanOut:
    """Compute a site plan and keep it under a name with its inputs and weekly results."""
    return capacity_saved.save_site_plan(
        session=session, data=data, by=user.login, scope=user.scope
    )


@capacity.get("/site/saved", response_model=list[schemas.SavedSitePlanSummary])
def list_saved_site_plans(
    session: SessionDep, user: PlanReader, site: str | None = None
) -> list[schemas.SavedSitePlanSummary]:
    """List the kept site plans of the sites in scope (or of one), newest first."""
    return capacity_saved.list_site_plans(session=session, scope=user.scope, site=site)


@capacity.get("/site/saved/{saved_id}", response_model=schemas.SavedSitePlanOut)
def show_saved_site_plan(
    saved_id: RowId, session: SessionDep, user: PlanReader
) -> schemas.SavedSitePlanOut:
    """One kept site plan as it was computed."""
    return capacity_saved.get_site_plan(session=session, saved_id=saved_id, scope=user.scope)


@capacity.get("/site/saved/{saved_id}/comparison", response_model=schemas.SitePlanComparisonOut)
def compare_saved_site_plan(
    saved_id: RowId, session: SessionDep, user: PlanReader
) -> schemas.SitePlanComparisonOut:
    """A kept site plan beside the same inputs computed again on today's data."""
    return capacity_saved.compare_site_plan(session=session, saved_id=saved_id, scope=user.scope)


@capacity.post("/waves", response_model=schemas.StoredWaveOut, status_code=201)
def add_wave(
    data: schemas.StoredWaveIn, session: SessionDep, user: PlanWriter
) -> schemas.StoredWaveOut:
    """Keep a hiring wave of a site (its site plans then include it)."""
    return capacity_site.add_wave(session=session, data=data, by=user.login, scope=user.scope)


@capacity.get("/waves", response_model=list[schemas.StoredWaveOut])
def list_waves(site: str, session: SessionDep, user: PlanReader) -> list[schemas.StoredWaveOut]:
    """List a site's hiring waves by class start, with where each stands today."""
    return capacity_site.list_waves(session=session, site=site, scope=user.scope)


@capacity.get("/waves/{wave_id}", response_model=schemas.StoredWaveOut)
def show_wave(wave_id: RowId, session: SessionDep, user: PlanReader) -> schemas.StoredWaveOut:
    """One stored hiring wave with where it stands today."""
    return capacity_site.get_wave(session=session, wave_id=wave_id, scope=user.scope)


@capacity.put("/waves/{wave_id}", response_model=schemas.StoredWaveOut)
def update_wave(
    wave_id: RowId, data: schemas.StoredWaveIn, session: SessionDep, user: PlanWriter
) -> schemas.StoredWaveOut:
    """Change a stored hiring wave (its whole input, its site kept), checked as a new one."""
    return capacity_site.update_wave(session=session, wave_id=wave_id, data=data, scope=user.scope)


@capacity.delete("/waves/{wave_id}", response_model=schemas.StoredWaveOut)
def remove_wave(wave_id: RowId, session: SessionDep, user: PlanWriter) -> schemas.StoredWaveOut:
    """Remove a stored hiring wave (a cancelled requisition); returns it as it was."""
    return capacity_site.remove_wave(session=session, wave_id=wave_id, scope=user.scope)


routers: tuple[APIRouter, ...] = (capacity,)
