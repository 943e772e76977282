"""Time-off accrual and the vacation planner's open slots (pure arithmetic)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccops.engines import leave


def test_upfront_accrual_credits_the_whole_year_on_the_first_day() -> None:
    assert leave.accrued_h(annual_h=160.0, accrual="upfront", on=date(2026, 1, 1)) == 160.0


def test_monthly_accrual_credits_a_twelfth_on_each_first() -> None:
    assert leave.accrued_h(annual_h=120.0, accrual="monthly", on=date(2026, 1, 31)) == 10.0
    assert leave.accrued_h(annual_h=120.0, accrual="monthly", on=date(2026, 6, 1)) == 60.0
    assert leave.accrued_h(annual_h=120.0, accrual="monthly", on=date(2026, 12, 31)) == 120.0


def test_open_slots_are_the_smallest_whole_surplus_less_the_waiting() -> None:
    # surplus per interval 2.5, 1.2, 3 -> one person may be off all day; a waiting request takes it
    assert leave.open_slots(scheduled=[4.5, 3.2, 5], required=[2, 2, 2]) == 1
    assert leave.open_slots(scheduled=[4.5, 3.2, 5], required=[2, 2, 2], waiting=1) == 0
    # under-staffed somewhere: no slot, never a negative count
    assert leave.open_slots(scheduled=[3, 1], required=[2, 2]) == 0
    # no interval (no plan): no slot
    assert leave.open_slots(scheduled=[], required=[]) == 0
    # a surplus a rounding error below a whole agent still counts as that agent
    assert leave.open_slots(scheduled=[2.9999999999], required=[1.0]) == 2


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        leave.open_slots(scheduled=[1.0], required=[])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=20),
    st.integers(0, 5),
)
def test_granting_the_open_slots_keeps_every_interval_covered(
    pairs: list[tuple[int, int]], waiting: int
) -> None:
    scheduled = [float(s) for s, _ in pairs]
    required = [float(r) for _, r in pairs]
    slots = leave.open_slots(scheduled=scheduled, required=required, waiting=waiting)
    assert slots >= 0
    if slots:
        assert all(s - slots - waiting >= r for s, r in zip(scheduled, required, strict=True))
