"""Staffing: the calculator's JSON API under /api/v1/staffing, and the staffing requirements of
stored forecasts under /api/v1/forecasts/{forecast_id}/requirements and
/api/v1/forecasts/requirements/{requirement_id} (ids typed, so neither shadows the other)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from ccops.ids import RowId
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep, SettingsDep
from ccops.wfm.staffing import requirements as requirement_service
from ccops.wfm.staffing import schemas
from ccops.wfm.staffing import service as staffing_service

router = APIRouter(prefix="/api/v1/staffing", tags=["staffing"])
requirements = APIRouter(prefix="/api/v1/forecasts", tags=["forecasts"])

Staffer = Annotated[Principal, Depends(require(*permissions.STAFFING))]
Simulator = Annotated[Principal, Depends(require(*permissions.SIMULATE))]
PlanReader = Annotated[Principal, Depends(require(*permissions.FORECASTS))]
PlanWriter = Annotated[Principal, Depends(require(*permissions.FORECASTS_WRITE, write=True))]


@router.post("/intervals", response_model=schemas.StaffingSeriesOut)
def staffing_intervals(data: schemas.StaffingSeriesIn, _user: Staffer) -> schemas.StaffingSeriesOut:
    """Compute the agents every interval of a series needs."""
    return staffing_service.staffing_intervals(data=data)


@router.post("/simulate", response_model=schemas.SimulationOut)
def simulate(
    scenario: dict[str, Any], _user: Simulator, settings: SettingsDep
) -> schemas.SimulationOut:
    """Simulate a scenario (the JSON form of a scenario TOML file) with confidence intervals."""
    return staffing_service.simulate_document(
        doc=scenario, name="request body", max_arrivals=settings.simulate_max_arrivals
    )


@router.post("", response_model=schemas.StaffingOut)
def staffing(data: schemas.StaffingIn, _user: Staffer) -> schemas.StaffingOut:
    """Compute the agents one interval needs to meet its goals."""
    return staffing_service.staffing(data=data)


@requirements.post(
    "/{forecast_id:int}/requirements", response_model=schemas.RequirementOut, status_code=201
)
def build_requirement(
    forecast_id: RowId, data: schemas.RequirementIn, session: SessionDep, user: PlanWriter
) -> schemas.RequirementOut:
    """Store the agents each forecast interval needs and the people to schedule."""
    return requirement_service.build_requirement(
        session=session,
        forecast_id=forecast_id,
        data=data,
        created_by=user.login,
        scope=user.scope,
    )


@requirements.get(
    "/{forecast_id:int}/requirements", response_model=list[schemas.RequirementSummaryOut]
)
def list_requirements(
    forecast_id: RowId, session: SessionDep, user: PlanReader
) -> list[schemas.RequirementSummaryOut]:
    """List the staffing requirements built from a forecast, newest first."""
    return requirement_service.list_requirements(
        session=session, forecast_id=forecast_id, scope=user.scope
    )


@requirements.get("/requirements/{requirement_id:int}", response_model=schemas.RequirementOut)
def show_requirement(
    requirement_id: RowId, session: SessionDep, user: PlanReader
) -> schemas.RequirementOut:
    """Return a stored staffing requirement."""
    return requirement_service.get_requirement(
        session=session, requirement_id=requirement_id, scope=user.scope
    )


routers: tuple[APIRouter, ...] = (router, requirements)
