"""JSON API of staffing under /api/v1/staffing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ccops.wfm import schemas
from ccops.wfm import service as wfm_service

router = APIRouter(prefix="/api/v1/staffing", tags=["staffing"])


@router.post("/intervals", response_model=schemas.StaffingSeriesOut)
def staffing_intervals(data: schemas.StaffingSeriesIn) -> schemas.StaffingSeriesOut:
    """Compute the agents every interval of a series needs."""
    return wfm_service.staffing_intervals(data=data)


@router.post("/simulate", response_model=schemas.SimulationOut)
def simulate(scenario: dict[str, Any]) -> schemas.SimulationOut:
    """Simulate a scenario (the JSON form of a scenario TOML file) with confidence intervals."""
    return wfm_service.simulate_document(doc=scenario, name="request body")


@router.post("", response_model=schemas.StaffingOut)
def staffing(data: schemas.StaffingIn) -> schemas.StaffingOut:
    """Compute the agents one interval needs to meet its goals."""
    return wfm_service.staffing(data=data)
