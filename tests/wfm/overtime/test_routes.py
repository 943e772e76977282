"""Overtime offers over the API: an agent may not send an offer (403), a planner's offer for a
week with no published schedule is refused naming the rule, an unknown offer is a 404, and an
agent sees no offers they cannot accept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.settings import Settings
from ccops.wfm.overtime.models import OvertimeOffer
from tests.wfm.allowances.test_routes import _client, _tokens


def test_overtime_offers_over_the_api(session: Session, settings: Settings) -> None:
    tokens = _tokens(session)
    alice, planner = _client(settings, tokens["u-alice"]), _client(settings, tokens["u-plan"])
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=400)
    body = {
        "site": "Main",
        "queue": "Sales",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "slots": 2,
        "template": "day",
        "premium": 1.5,
    }
    assert alice.post("/api/v1/overtime", json=body).status_code == 403
    quote = planner.post("/api/v1/overtime/quote", json=body)
    assert quote.status_code == 200
    assert quote.json() == {"hours": 2.0, "cost_per_slot": 60.0, "total_cost": 120.0}
    bad = planner.post("/api/v1/overtime", json=body)
    assert bad.status_code == 422 and "no published schedule" in bad.text
    assert session.scalar(select(func.count(OvertimeOffer.id))) == 0
    assert alice.get("/api/v1/overtime").json() == []
    assert alice.post("/api/v1/overtime/999/accept").status_code == 404
