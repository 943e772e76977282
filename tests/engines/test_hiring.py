"""The multi-queue gap with shared skills, waves and nesting: hand-computed values."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from ccops.engines import hiring


def test_shared_skills_cover_both_queues_before_a_gap_is_reported() -> None:
    # queue 0 needs 10, queue 1 needs 4; 8 people do queue 0 only, 5 do both:
    # 13 people for 14 FTE of work: 1 short in all, spread in proportion to the requirement
    # (10/14 on queue 0, 4/14 on queue 1: the same uncovered share of each queue)
    required = np.array([[10.0, 4.0]])
    got = hiring.gap(required, [frozenset({0}), frozenset({0, 1})], [8.0, 5.0], 0.0, [])
    assert_allclose(got, [[10 / 14, 4 / 14]], atol=1e-7)
    # without the shared group's second skill the same people leave queue 1 at 4 short
    alone = hiring.gap(required, [frozenset({0}), frozenset({0})], [8.0, 5.0], 0.0, [])
    assert_allclose(alone.sum(), 4.0, atol=1e-9)


def test_a_wave_trains_then_nests_then_counts_whole_and_attrites() -> None:
    wave = hiring.Wave(
        hires=10,
        skills=frozenset({1}),
        start=1,
        live=3,
        nesting=hiring.nesting_yield(0.7 / 0.85, [1.4, 1.2]),
    )
    fte = hiring.wave_fte(wave, 6, 0.01)
    # weeks 0-2: classroom; week 3: 10 x 0.99^2 x (0.8235 / 1.4); week 4: x (0.8235 / 1.2)
    ratio = 0.7 / 0.85
    expected = [0, 0, 0, 10 * 0.99**2 * ratio / 1.4, 10 * 0.99**3 * ratio / 1.2, 10 * 0.99**4]
    assert_allclose(fte, expected, rtol=1e-12)


def test_the_gap_with_a_wave_is_smaller_from_its_go_live_only() -> None:
    required = np.array([[5.0, 6.0]] * 5)
    groups = [frozenset({0}), frozenset({1})]
    staff = [5.0, 2.0]
    wave = hiring.Wave(hires=4, skills=frozenset({1}), start=0, live=2, nesting=(0.5,))
    without = hiring.gap(required, groups, staff, 0.0, [])
    with_wave = hiring.gap(required, groups, staff, 0.0, [wave])
    assert_allclose(without[:, 1], [4, 4, 4, 4, 4])
    assert_allclose(with_wave[:, 1], [4, 4, 2, 0, 0])
    assert_allclose(with_wave[:, 0], 0.0)
