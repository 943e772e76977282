"""Service-level miss attribution by sequential replacement."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccops.engines import queueing
from ccops.engines.attribution import AttributionInputError, attribute_shortfall

DAY = 24  # 30-minute intervals, 08:00-20:00


def _plan(volume: np.ndarray, aht: float = 240.0) -> np.ndarray:
    return np.asarray(
        queueing.required_agents(volume / 1800, aht, service_level=0.8, target_s=20), dtype=float
    )


def test_unforecast_surge_is_attributed_to_volume() -> None:
    """The mission's Monday: volume +30% from 09:00, staffing as planned, nobody at fault."""
    planned = np.full(DAY, 200.0)
    actual = planned.copy()
    actual[2:] *= 1.3
    required = _plan(planned)
    a = attribute_shortfall(
        target=0.8,
        achieved=0.55,
        interval_s=1800,
        planned_volume=planned,
        actual_volume=actual,
        planned_aht_s=240,
        actual_aht_s=240,
        required_agents=required,
        scheduled_agents=required,
        staffed_agents=required,
        target_s=20,
    )
    assert a.largest_cause() == "volume"
    assert a.parts["handle_time"] == 0 and a.parts["staffing"] == 0
    assert a.parts["schedule_loss"] == 0
    assert sum(a.parts.values()) == pytest.approx(a.shortfall, abs=1e-12)
    assert a.steps["volume"] == pytest.approx(
        float(np.sum(actual * queueing.service_level(required, actual / 1800, 240, 20)))
        / actual.sum()
    )


def test_each_cause_is_found_where_it_was_put() -> None:
    """With reality as the model predicts it, the one thing changed is the largest cause."""
    planned = np.full(DAY, 150.0)
    required = _plan(planned)
    base = {
        "target": 0.8,
        "interval_s": 1800,
        "planned_volume": planned,
        "actual_volume": planned,
        "planned_aht_s": 240,
        "actual_aht_s": 240,
        "required_agents": required,
        "scheduled_agents": required,
        "staffed_agents": required,
        "target_s": 20,
    }
    for change, cause in (
        ({"actual_aht_s": 300}, "handle_time"),
        ({"scheduled_agents": required - 2, "staffed_agents": required - 2}, "staffing"),
        ({"staffed_agents": required - 2.5}, "schedule_loss"),
    ):
        model = attribute_shortfall(**base | change | {"achieved": 0.5})  # type: ignore[arg-type]
        achieved = model.steps["schedule_loss"]
        a = attribute_shortfall(**base | change | {"achieved": achieved})  # type: ignore[arg-type]
        assert a.largest_cause() == cause, (cause, a.parts)
        assert a.parts["other"] == pytest.approx(0.8 - a.steps["plan"], abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    surge=st.floats(0.5, 2.0),
    aht_ratio=st.floats(0.7, 1.5),
    short=st.integers(0, 3),
    loss=st.floats(0, 3),
    achieved=st.floats(0, 1),
    patience=st.one_of(st.none(), st.floats(30, 600)),
)
def test_parts_always_add_up_to_the_shortfall(
    surge: float,
    aht_ratio: float,
    short: int,
    loss: float,
    achieved: float,
    patience: float | None,
) -> None:
    planned = np.linspace(50, 250, DAY)
    required = _plan(planned)
    scheduled = np.maximum(required - short, 0)
    a = attribute_shortfall(
        target=0.8,
        achieved=achieved,
        interval_s=1800,
        planned_volume=planned,
        actual_volume=planned * surge,
        planned_aht_s=240,
        actual_aht_s=240 * aht_ratio,
        required_agents=required,
        scheduled_agents=scheduled,
        staffed_agents=np.maximum(scheduled - loss, 0),
        target_s=20,
        patience_s=patience,
    )
    assert sum(a.parts.values()) == pytest.approx(0.8 - achieved, abs=1e-12)
    assert all(0.0 <= v <= 1.0 for v in a.steps.values())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target": 1.5}, "^target"),
        ({"achieved": -0.1}, "^achieved"),
        ({"actual_volume": [1.0, 2.0]}, "^actual_volume has 2 values"),
        ({"planned_aht_s": 0}, "planned_aht_s and actual_aht_s must be > 0"),
        ({"staffed_agents": float("nan")}, "^staffed_agents must be finite"),
    ],
)
def test_bad_input_names_the_argument(change: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "target": 0.8,
        "achieved": 0.7,
        "interval_s": 1800,
        "planned_volume": [100.0, 100.0, 100.0],
        "actual_volume": [100.0, 120.0, 130.0],
        "planned_aht_s": 200,
        "actual_aht_s": 200,
        "required_agents": 15,
        "scheduled_agents": 15,
        "staffed_agents": 14,
        "target_s": 20,
    }
    with pytest.raises(AttributionInputError, match=message):
        attribute_shortfall(**base | change)  # type: ignore[arg-type]
