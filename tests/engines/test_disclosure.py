"""Disclosure control: no published or derivable group of respondents is under the minimum."""

from __future__ import annotations

from collections.abc import Hashable
from itertools import combinations, product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccops.engines import disclosure as dc


def _g(*cells: str) -> frozenset[Hashable]:
    return frozenset(cells)


def test_small_group_is_suppressed_and_next_smallest_sibling_withheld() -> None:
    counts: dict[Hashable, int] = {"a": 10, "b": 8, "c": 3}
    groups = [("all", _g("a", "b", "c")), ("a", _g("a")), ("b", _g("b")), ("c", _g("c"))]
    got = {d.key: (d.published, d.reason) for d in dc.publishable(groups, counts)}
    assert got == {
        "all": (True, "published"),
        "a": (True, "published"),
        "b": (False, "complementary"),
        "c": (False, "small"),
    }


def test_suppressed_children_adding_up_to_the_minimum_need_no_complement() -> None:
    counts: dict[Hashable, int] = {"a": 10, "b": 3, "c": 2}
    groups = [("all", _g("a", "b", "c")), ("a", _g("a")), ("b", _g("b")), ("c", _g("c"))]
    got = {d.key: d.reason for d in dc.publishable(groups, counts)}
    assert got == {"all": "published", "a": "published", "b": "small", "c": "small"}


def test_every_group_large_publishes_everything() -> None:
    counts: dict[Hashable, int] = {"a": 5, "b": 6, "c": 7}
    groups = [("all", _g("a", "b", "c"))] + [(c, _g(c)) for c in "abc"]
    assert all(d.published for d in dc.publishable(groups, counts))


def test_whole_population_under_minimum_publishes_nothing() -> None:
    counts: dict[Hashable, int] = {"a": 2, "b": 2}
    groups = [("all", _g("a", "b")), ("a", _g("a")), ("b", _g("b"))]
    assert [d.reason for d in dc.publishable(groups, counts)] == ["small"] * 3


def test_crossed_filters_refuse_a_cut_whose_difference_isolates_few() -> None:
    # site x tenure: the site (12) and the tenure band "new" across sites (9) are published;
    # "site L, new" (8) would leave "site L, old" = 4 by subtraction from the site.
    cells = {("L", "new"): 8, ("L", "old"): 4, ("P", "new"): 1, ("P", "old"): 9}
    counts: dict[Hashable, int] = {k: v for k, v in cells.items()}  # noqa: C416
    everyone = frozenset(counts)
    groups: list[tuple[Hashable, frozenset[Hashable]]] = [
        ("all", everyone),
        ("site L", frozenset(c for c in cells if c[0] == "L")),
        ("site P", frozenset(c for c in cells if c[0] == "P")),
        ("new", frozenset(c for c in cells if c[1] == "new")),
    ]
    decisions = dc.publishable(groups, counts)
    published = [cells for (_k, cells), d in zip(groups, decisions, strict=True) if d.published]
    assert [d.reason for d in decisions] == ["published", "published", "published", "complementary"]
    assert dc.is_safe(published, counts)


def test_empty_cells_do_not_count_as_small() -> None:
    counts: dict[Hashable, int] = {"a": 7, "b": 0}
    groups = [("all", _g("a", "b")), ("a", _g("a")), ("b", _g("b"))]
    assert [d.reason for d in dc.publishable(groups, counts)] == ["published", "published", "small"]


def test_bad_input_is_refused() -> None:
    with pytest.raises(dc.DisclosureInputError, match="min_size"):
        dc.publishable([], {}, min_size=0)
    with pytest.raises(dc.DisclosureInputError, match="negative"):
        dc.publishable([("a", _g("a"))], {"a": -1})


def test_smallest_difference_finds_a_subtraction() -> None:
    counts: dict[Hashable, int] = {"a": 10, "b": 8, "c": 3}
    assert dc.smallest_difference([_g("a", "b", "c"), _g("a"), _g("b")], counts) == 3
    assert dc.smallest_difference([_g("a", "b", "c"), _g("a")], counts) == 11
    assert dc.smallest_difference([_g("a")], counts) is None


def _derivable_sizes(
    published: list[frozenset[Hashable]], counts: dict[Hashable, int]
) -> list[int]:
    """Every group of cells whose indicator lies in the span of the published groups' (the
    exact set of counts a reader can compute by adding and subtracting published results)."""
    cells = sorted(counts, key=repr)
    if not published:
        return []
    basis = np.array([[1.0 if c in g else 0.0 for c in cells] for g in published])
    rank = np.linalg.matrix_rank(basis)
    sizes = []
    for r in range(1, len(cells) + 1):
        for subset in combinations(range(len(cells)), r):
            v = np.zeros(len(cells))
            v[list(subset)] = 1.0
            if np.linalg.matrix_rank(np.vstack([basis, v])) == rank:
                sizes.append(sum(counts[cells[i]] for i in subset))
    return sizes


_cell_counts = st.lists(st.integers(0, 12), min_size=6, max_size=6)


@settings(max_examples=60, deadline=None)
@given(_cell_counts)
def test_no_linear_combination_of_published_groups_isolates_fewer_than_minimum(
    values: list[int],
) -> None:
    # 2 sites x 3 teams... cells are (site, band) for a 2 x 3 grid; groups are the whole,
    # each site, each band and each cell: every filter combination of the two attributes.
    keys = list(product("LP", "xyz"))
    counts: dict[Hashable, int] = dict(zip(keys, values, strict=True))
    everyone = frozenset(counts)
    groups: list[tuple[Hashable, frozenset[Hashable]]] = [("all", everyone)]
    groups += [(s, frozenset(k for k in keys if k[0] == s)) for s in "LP"]
    groups += [(b, frozenset(k for k in keys if k[1] == b)) for b in "xyz"]
    groups += [(k, frozenset([k])) for k in keys]
    decisions = dc.publishable(groups, counts, min_size=5)
    published = [cells for (_k, cells), d in zip(groups, decisions, strict=True) if d.published]
    for d in decisions:
        assert d.published == (d.reason == "published")
        if d.published:
            assert d.size >= 5
    assert all(n == 0 or n >= 5 for n in _derivable_sizes(published, counts))
    smallest = dc.smallest_difference(published, counts)
    assert smallest is None or smallest >= 5


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 15), min_size=1, max_size=8), st.integers(1, 12))
def test_hierarchy_publishes_parent_and_keeps_every_difference_at_or_over_minimum(
    team_sizes: list[int], min_size: int
) -> None:
    counts: dict[Hashable, int] = {f"t{i}": n for i, n in enumerate(team_sizes)}
    order = sorted(counts, key=lambda t: -counts[t])
    groups: list[tuple[Hashable, frozenset[Hashable]]] = [("site", frozenset(counts))]
    groups += [(t, frozenset([t])) for t in order]
    decisions = dc.publishable(groups, counts, min_size=min_size)
    assert decisions[0].published == (sum(team_sizes) >= min_size)
    published = [cells for (_k, cells), d in zip(groups, decisions, strict=True) if d.published]
    smallest = dc.smallest_difference(published, counts)
    assert smallest is None or smallest >= min_size
    # only what must go is withheld: a group under the minimum, or one whose publication
    # would leave the suppressed remainder under the minimum
    withheld = [d for d in decisions[1:] if d.reason == "complementary"]
    assert len(withheld) <= 1
