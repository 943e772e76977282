"""The demo's hiring waves: one class in training at the demo's end, one nesting on the floor."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from ccops.org import service as org_service
from ccops.wfm.capacity import schemas
from ccops.wfm.capacity import site as capacity_site


def seed_demo(session: Session, *, end: date) -> int:
    """Two waves at Shanghai, dated from the demo's last day; return how many were kept."""
    waves = [
        schemas.StoredWaveIn(
            site="Shanghai",
            name="Billing class of December",
            hires=8,
            skills=["Billing", "Tech Support"],
            queue="Billing",
            candidates={"applied": 96, "screened": 40, "interviewed": 22, "offered": 9, "hired": 8},
            class_start=end - timedelta(days=6),
            class_end=end + timedelta(days=11),
            go_live=end + timedelta(days=15),
            trainers=["supervisor"],
            curriculum=["Refund process", "Billing system", "Escalations"],
        ),
        schemas.StoredWaveIn(
            site="Shanghai",
            name="Tech class of October",
            hires=6,
            skills=["Tech Support"],
            queue="Tech Support",
            candidates={"applied": 70, "interviewed": 18, "offered": 7, "hired": 6},
            class_start=end - timedelta(days=41),
            class_end=end - timedelta(days=18),
            go_live=end - timedelta(days=13),
            trainers=["supervisor"],
            curriculum=["Troubleshooting basics", "Launch-day known issues"],
        ),
    ]
    for wave in waves:
        capacity_site.add_wave(
            session=session, data=wave, by="planner", scope=org_service.EVERYTHING
        )
    return len(waves)
