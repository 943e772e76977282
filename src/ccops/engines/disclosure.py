"""Disclosure control for anonymous survey results: which group aggregates may be published.

A survey result is published per group (the whole round, a site, a team, a site x team x
tenure-band cut, ...). Each group is a set of *cells*: the finest combination of attributes a
response carries (for example ``("Lisbon", "Team A", "1-3y")``). A group's result is a sum over
its cells (respondents, score sums, comment lists), so anyone who sees several published groups
can add and subtract them: published groups A and B with B inside A give away the group A - B.

The rule applied here is the *atom rule*. The published groups split the cells into atoms: cells
that belong to exactly the same published groups. Every count that can be derived from the
published groups by adding and subtracting them (any 0/1 combination of cells in their linear
span) is a union of atoms. So when every atom holds either no respondent or at least
``min_size`` respondents, no derivable group is smaller than ``min_size`` -- whatever
differences, sums or combinations of filters a reader tries. The rule is conservative: it may
withhold a group that could not in fact be isolated, never the other way round.

:func:`publishable` chooses greedily, in the order given (put the larger, more useful groups
first): a group under the minimum is suppressed (``"small"``); a group at or above it is
published unless publishing it would create an atom under the minimum, in which case it is
withheld too (``"complementary"``). With a parent published and children ordered largest first,
this is the usual complementary suppression: when a child is suppressed, the next smallest child
is withheld as well, so the suppressed ones cannot be computed by subtraction (the practice of
Viva Glint and Culture Amp).

Pure functions, no I/O; deterministic for a given input order.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

DEFAULT_MIN_RESPONDENTS = 5
"""Default minimum group size for scores (respondents)."""
DEFAULT_MIN_COMMENTS = 10
"""Default minimum group size for free-text comments."""


class DisclosureInputError(ValueError):
    """The groups or counts given to the disclosure engine are inconsistent."""


@dataclass(frozen=True)
class Decision:
    """Whether one group may be published.

    Attributes:
        key: the group's key as given.
        size: respondents (or comments) in the group.
        published: True when the group's result may be shown.
        reason: ``"published"``, ``"small"`` (under the minimum) or ``"complementary"``
            (at or above the minimum, but publishing it would let a smaller group be computed
            by subtraction).
    """

    key: Hashable
    size: int
    published: bool
    reason: str


def _check(counts: Mapping[Hashable, int], min_size: int) -> None:
    if min_size < 1:
        raise DisclosureInputError(f"min_size must be at least 1, got {min_size}")
    for cell, n in counts.items():
        if n < 0:
            raise DisclosureInputError(f"cell {cell!r} has a negative count {n}")


def atoms(
    groups: Iterable[frozenset[Hashable]], cells: Iterable[Hashable]
) -> list[frozenset[Hashable]]:
    """Split ``cells`` into atoms: cells that belong to exactly the same ``groups``.

    Returns:
        the atoms (each a non-empty frozenset of cells), in no particular order.
    """
    group_list = list(groups)
    by_signature: dict[tuple[bool, ...], set[Hashable]] = {}
    for cell in cells:
        signature = tuple(cell in g for g in group_list)
        by_signature.setdefault(signature, set()).add(cell)
    return [frozenset(a) for a in by_signature.values()]


def size(group: Iterable[Hashable], counts: Mapping[Hashable, int]) -> int:
    """Respondents in a group: the sum of its cells' counts (cells not in ``counts`` are 0)."""
    return sum(counts.get(cell, 0) for cell in group)


def is_safe(
    published: Sequence[frozenset[Hashable]],
    counts: Mapping[Hashable, int],
    min_size: int = DEFAULT_MIN_RESPONDENTS,
) -> bool:
    """True when no atom of the ``published`` groups holds between 1 and ``min_size - 1``.

    The cells considered are those of ``counts``; a cell outside every published group forms
    its own atom (the remainder, derivable when the whole population is published).
    """
    _check(counts, min_size)
    for atom in atoms(published, counts):
        n = size(atom, counts)
        if 0 < n < min_size:
            return False
    return True


def publishable(
    groups: Sequence[tuple[Hashable, frozenset[Hashable]]],
    counts: Mapping[Hashable, int],
    min_size: int = DEFAULT_MIN_RESPONDENTS,
) -> list[Decision]:
    """Decide, group by group in the order given, which groups may be published.

    Args:
        groups: ``(key, cells)`` pairs, the most useful first (usually the whole population,
            then sites, then teams, each largest first, then finer cuts).
        counts: respondents per cell; cells absent are taken as 0.
        min_size: the minimum respondents in any group that can be shown or derived.

    Returns:
        one :class:`Decision` per group, in the order given. The published groups satisfy
        :func:`is_safe`.

    Raises:
        DisclosureInputError: ``min_size`` < 1 or a negative count.
    """
    _check(counts, min_size)
    universe = set(counts)
    for _key, cells in groups:
        universe |= cells
    full_counts = {cell: counts.get(cell, 0) for cell in universe}
    published: list[frozenset[Hashable]] = []
    decisions: list[Decision] = []
    for key, cells in groups:
        n = size(cells, full_counts)
        if n < min_size:
            decisions.append(Decision(key=key, size=n, published=False, reason="small"))
            continue
        if cells in published or is_safe([*published, cells], full_counts, min_size):
            published.append(cells)
            decisions.append(Decision(key=key, size=n, published=True, reason="published"))
        else:
            decisions.append(Decision(key=key, size=n, published=False, reason="complementary"))
    return decisions


def smallest_difference(
    published: Sequence[frozenset[Hashable]], counts: Mapping[Hashable, int]
) -> int | None:
    """The smallest non-zero group a reader gets by subtracting one published group from
    another that contains it, or a union of disjoint published groups from one containing them.

    A brute-force cross-check of :func:`is_safe` (used by tests and for small inputs): it tries
    every nested pair and every pair or triple of disjoint groups inside a published group.

    Returns:
        the smallest positive size found, or None when no subtraction isolates anyone.
    """
    found: list[int] = []
    unique = list(dict.fromkeys(published))
    for outer in unique:
        inner = [g for g in unique if g != outer and g <= outer]
        for r in (1, 2, 3):
            for combo in combinations(inner, r):
                union: frozenset[Hashable] = frozenset()
                disjoint = True
                for g in combo:
                    if union & g:
                        disjoint = False
                        break
                    union |= g
                if not disjoint:
                    continue
                n = size(outer - union, counts)
                if n > 0:
                    found.append(n)
    return min(found) if found else None
