"""End to end on a copy of the demo centre: forecast Billing, staff it."""

from __future__ import annotations

import numpy as np

from ccops.db import make_engine, make_session_factory
from ccops.engines import queueing
from ccops.wfm.forecasts import schemas
from ccops.wfm.forecasts import service as fs
from ccops.wfm.staffing import requirements as requirement_service
from ccops.wfm.staffing import schemas as staffing_schemas


def test_demo_billing_forecast_beats_seasonal_naive_and_staffs_every_interval(
    demo_url: str,
) -> None:
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        out = fs.build_forecast(
            session=session,
            data=schemas.ForecastBuildIn(queue="Billing", horizon_days=28),
            created_by="planner",
        )
        assert str(out.first_day) == "2026-11-23"
        assert out.history_source == "contacts"
        assert len(out.intervals) == 28 * 96  # Asia/Shanghai: no daylight saving
        assert out.chosen_wmape_7d is not None and out.seasonal_naive_wmape_7d is not None
        assert out.chosen_wmape_7d <= out.seasonal_naive_wmape_7d
        methods = {r.method for r in out.accuracy}
        assert methods == {
            "SeasonalNaive",
            "HistoricalAverage",
            "TopDown",
            "TopDownShrunk",
            "AutoETSDaily",
            "MSTL",
            "Combination",
            "MeanOfBest2",
            "MeanOfBest3",
            "WeightedBest3",
        }

        req = requirement_service.build_requirement(
            session=session,
            forecast_id=out.id,
            data=staffing_schemas.RequirementIn(breaks=0.1, absence=0.05),
            created_by="planner",
        )
        volume = np.array([iv.volume for iv in out.intervals])
        # the demo's Shanghai has a class nesting: its graduates' longer handle time is staffed for
        nesting = np.array([iv.nesting_aht_factor for iv in req.intervals])
        assert nesting.min() >= 1.0
        aht = np.array([iv.aht_s for iv in out.intervals]) * nesting
        busy = volume > 0
        expected = np.zeros(volume.size, dtype=np.int64)
        expected[busy] = queueing.required_agents(
            volume[busy] / 900.0, aht[busy], service_level=0.8, target_s=20.0
        )
        # ... and their occupancy (0.6 against the planned 0.85): a head counts for less than
        # an agent on their days, so more heads are needed there
        per_head = np.array([iv.nesting_occupancy_factor for iv in req.intervals])
        heads = np.array([iv.nesting_heads for iv in req.intervals])
        assert req.occupancy == 0.85
        assert heads.max() == 8  # the Billing class of December
        assert per_head.min() < 1.0
        assert np.allclose(per_head[heads == 0], 1.0)
        expected = np.ceil(expected / per_head - 1e-9).astype(np.int64)
        assert [iv.required_agents for iv in req.intervals] == expected.tolist()
        assert [iv.scheduled for iv in req.intervals] == queueing.scheduled_from_required(
            expected, np.full(expected.size, 0.15)
        ).tolist()
        session.rollback()
    engine.dispose()
