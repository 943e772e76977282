"""The what-if's simulation of a pool: the sample of days, agreement with Erlang A on a queue
served alone, more agents never lowering the service level, and the seed fixing the numbers."""

from __future__ import annotations

import numpy as np
import pytest

from ccops.engines import queueing
from ccops.engines import value_simulation as vs


def test_sample_days_take_the_busiest_and_a_median_day_of_each_band() -> None:
    volumes = [10.0, 0.0, 50.0, 20.0, 30.0, 40.0, 60.0, 70.0, 80.0, 90.0]
    # without the empty day and the busiest (90, index 9), sorted: 10 20 30 40 50 60 70 80
    # -> bands (10 20) (30 40) (50 60) (70 80), the median the second of each: 20 at index 3,
    # 40 at 5, 60 at 6, 80 at 8; each stands for its band's 2 days, the busiest for itself
    assert vs.sample_days(volumes, 4) == [(3, 2.0), (5, 2.0), (6, 2.0), (8, 2.0), (9, 1.0)]
    assert sum(w for _, w in vs.sample_days(volumes, 4)) == 9  # the days with volume
    assert vs.sample_days([0.0, 5.0], 4) == [(1, 1.0)]
    assert vs.sample_days([0.0, 0.0], 4) == []
    assert vs.sample_days([3.0, 1.0, 2.0], 4) == [(0, 1.0), (1, 1.0), (2, 1.0)]


RATE = 100 / 3600  # 100 contacts an hour
AHT = 240.0
TARGET = 20.0
PATIENCE = 120.0


def _day(rate: float, hours: range = range(8, 20)) -> np.ndarray:
    out = np.zeros(vs.HOURS)
    out[list(hours)] = rate
    return out


def _pool(agents_a: int, agents_b: int, shared: int, days: int = 2) -> vs.Pool:
    """Queues A (100 an hour) and B (60 an hour) 08:00-20:00 on ``days`` sample days: a group
    on A alone, one on B alone and one on both."""

    def each(x: np.ndarray) -> np.ndarray:
        return np.tile(x, (days, 1))

    on = _day(1.0)
    return vs.Pool(
        queues=[
            vs.PoolQueue("A", TARGET, PATIENCE, each(_day(RATE)), each(np.full(vs.HOURS, AHT))),
            vs.PoolQueue("B", 30.0, 200.0, each(_day(60 / 3600)), each(np.full(vs.HOURS, 300.0))),
        ],
        groups=[
            vs.PoolGroup("A", {"A": 1}, each(on * agents_a).astype(np.int64)),
            vs.PoolGroup("B", {"B": 1}, each(on * agents_b).astype(np.int64)),
            vs.PoolGroup("A + B", {"A": 1, "B": 1}, each(on * shared).astype(np.int64)),
        ],
        weights=np.array([10.0, 18.0][:days]),
    )


def test_a_queue_served_alone_matches_erlang_a_within_simulation_error() -> None:
    erlang = float(queueing.service_level(9, RATE, AHT, TARGET, patience_s=PATIENCE))
    abandon = float(queueing.abandon_probability(9, RATE, AHT, patience_s=PATIENCE))
    assert erlang == pytest.approx(0.8569, abs=1e-4)
    f = vs.simulate_queue(_pool(9, 6, 0), "A", seed=7, reps=10)
    # hourly intervals start empty, so the first minutes of the day are a little better than
    # the steady state Erlang describes: within the error and a point
    assert abs(f.service_level - erlang) <= max(f.service_level_error, 0.01)
    assert 0 < f.service_level_error < 0.02
    assert f.abandon_rate == pytest.approx(abandon, abs=0.01)
    assert f.occupancy == pytest.approx(
        float(queueing.occupancy(9, RATE, AHT, patience_s=PATIENCE)), abs=0.02
    )
    # offered per replication: 28 days x 12 hours x 100, within Poisson noise
    assert f.offered == pytest.approx(28 * 1200, rel=0.02)
    assert f.answered + f.abandoned <= f.offered


def test_more_agents_never_lower_the_simulated_service_level() -> None:
    pool = _pool(4, 3, 6)
    levels = [
        vs.simulate_queue(pool, "A", add_agents=n, seed=11, reps=4).service_level
        for n in (-2, 0, 1, 2, 4)
    ]
    assert levels == sorted(levels)
    # two fewer (taken from the groups with A's skill that have the most on) and four more
    assert levels[0] < levels[1] - 0.05 and levels[-1] > levels[1] + 0.05
    # sharing: the shared agents also answer B, so A alone with the same heads does better
    alone = vs.simulate_queue(_pool(10, 3, 0), "A", seed=11, reps=4).service_level
    assert alone > levels[1]


def test_the_same_seed_gives_the_same_numbers() -> None:
    pool = _pool(4, 3, 6)
    one = vs.simulate_queue(pool, "B", add_agents=1, aht_factor=0.9, seed=5, reps=3)
    two = vs.simulate_queue(pool, "B", add_agents=1, aht_factor=0.9, seed=5, reps=3)
    other = vs.simulate_queue(pool, "B", add_agents=1, aht_factor=0.9, seed=6, reps=3)
    assert one == two
    assert other != one
    # a shorter handle time on B with the same draws: a better B
    base = vs.simulate_queue(pool, "B", add_agents=1, seed=5, reps=3)
    assert one.service_level >= base.service_level and one.asa_s <= base.asa_s
