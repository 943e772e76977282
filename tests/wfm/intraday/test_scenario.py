"""The mission's launch Monday, replayed: volume runs about 30% over forecast from 09:00 after a
launch nobody put in the calendar. Tier 1 must open by the end of the second surge interval with
the staffing engine's answer for the reforecast, and the day's attribution must name volume
forecast error as the largest cause."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy.orm import Session

from ccops import flows
from ccops.db import make_engine, make_session_factory
from ccops.engines import queueing
from ccops.wfm.intraday import exceptions as exception_service
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday import service as intraday_service
from tests.wfm.intraday import launch_replay


@pytest.mark.timeout(900)  # the first user of the demo fixture pays its seeding (minutes)
def test_launch_monday_opens_tier_1_in_time_and_blames_the_forecast(demo_url: str) -> None:
    engine = make_engine(demo_url)
    session: Session = make_session_factory(engine)()
    try:
        replay = launch_replay.prepare(session)
        exception_service.create_plan(
            session=session,
            data=schemas.PlanIn(
                name="Billing surge plan",
                queue="Billing",
                rules=[
                    schemas.RuleIn(
                        name="Tier 1: volume 20% over",
                        tier=1,
                        measure="volume_over",
                        threshold=0.2,
                        consecutive=2,
                        resources=[
                            schemas.ResourceIn(kind="cross_skilled", name="Tech 1", agents=4),
                            schemas.ResourceIn(kind="defer_offline_work", name="Email backlog"),
                        ],
                        owners=["planner", "supervisor"],
                    ),
                    schemas.RuleIn(
                        name="Tier 3: volume 80% over",
                        tier=3,
                        measure="volume_over",
                        threshold=0.8,
                        consecutive=2,
                        resources=[schemas.ResourceIn(kind="callbacks", name="Offer callbacks")],
                        owners=["manager"],
                    ),
                ],
            ),
            created_by="planner",
        )
        surge = datetime.combine(launch_replay.LAUNCH, time(9, 0), replay.zone)
        deadline = surge + timedelta(minutes=30)  # the end of the second surge interval
        opened_at: datetime | None = None
        for now, batch in replay.batches(until=deadline):
            out = flows.ingest_events(
                session=session, events=batch, secret_key="demo-secret", now=now
            )
            assert out.rejected == 0, [r for r in out.results if r.status == "rejected"][:3]
            if out.exceptions_opened and opened_at is None:
                opened_at = now
        assert opened_at is not None and opened_at <= deadline
        found = exception_service.list_exceptions(session=session, queue="Billing")
        assert [(x.tier, x.status) for x in found] == [(1, "open")]
        tier1: Any = found[0]  # measured and recommendation are free-form JSON
        assert tier1.measured["intervals"][0]["local_start"].endswith("09:00:00")
        assert all(m["offered_vs_forecast"] >= 0.2 for m in tier1.measured["intervals"])
        assert {n.owner for n in tier1.notifications} == {"planner", "supervisor"}
        assert [a.action for a in tier1.trail] == ["opened"]

        # The recommendation is the staffing engine's answer for the reforecast.
        view = intraday_service.status(
            session=session, queue="Billing", day=launch_replay.LAUNCH, as_of=opened_at
        )
        assert view.reforecast_factor == tier1.recommendation["reforecast_factor"]
        assert view.reforecast_factor > 1.1
        by_start = {iv.interval_start.isoformat(): iv for iv in view.intervals}
        extras = []
        for item in tier1.recommendation["intervals"]:
            iv = by_start[item["interval_start"]]
            assert iv.state in ("current", "future")
            assert item["reforecast"] == iv.reforecast
            expected = int(
                queueing.required_agents(
                    item["reforecast"] / 900.0,
                    item["aht_s"],
                    service_level=0.8,
                    target_s=20.0,
                )
            )
            assert item["required"] == expected == iv.required
            extras.append(expected - item["baseline"])
        assert tier1.recommended_extra_agents == max(extras) > 0

        # The rest of the day, then the explanation.
        for now, batch in replay.batches(step_min=15):
            if now <= deadline:
                continue
            flows.ingest_events(session=session, events=batch, secret_key="demo-secret", now=now)
        explained = intraday_service.explain(
            session=session, day=launch_replay.LAUNCH, queue="Billing"
        )
        assert len(explained) == 1
        day = explained[0]
        assert day.achieved_service_level is not None and day.shortfall is not None
        assert day.shortfall > 0.05
        assert set(day.parts) == {"volume", "handle_time", "staffing", "schedule_loss", "other"}
        assert np.isclose(sum(day.parts.values()), day.shortfall, atol=1e-5)
        assert day.largest_cause == "volume"
        assert max(day.parts, key=lambda k: day.parts[k]) == "volume"
        assert "forecast" in day.report and "Billing" in day.report
    finally:
        session.close()
        engine.dispose()
