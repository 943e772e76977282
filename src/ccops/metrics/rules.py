"""The KPI rules of contacts and queues, written once: answered, abandoned, short abandon,
answered within target, the service-level variants and the abandonment rate.

A rule is data: a contact *condition* (comparisons and boolean operations over the named contact
fields ``outcome``, ``wait_s``, ``target_s``, ``short_abandon_s``), a *count* over a group of
contacts (``offered`` or the number meeting a named condition, and differences of counts), or a
*ratio* of two counts. Three small compilers turn the same rules into

* an Ibis expression (the metrics KPIs on SQLite, PostgreSQL and DuckDB over Parquet),
* a SQLAlchemy expression (the performance sums of a person, a team or the centre),
* a Python predicate or number (the live intraday totals and sums of interval rows).

Edge semantics, identical in the three: a comparison with a missing (null) value is false, and a
negation is "the condition does not hold" (so a null wait is neither short nor within target); a
ratio whose denominator is zero (or a count that is unknown) is null.

A null wait is a contact whose outcome is known but whose timing is not (the source's timestamps
disagree; ``contact.timing_untrusted`` says why). It counts in offered, answered and abandoned
(and so in the abandonment rate, never as a short abandon), and is left out of every wait-based
number, numerator and denominator alike: service level is taken over the contacts with trusted
timing (``timed``), and ASA over the answered ones (``answered_timed``).

AHT is taken over the same answered contacts with trusted timing (``HANDLED``): when a source's
timestamps disagree its service times may be missing or clamped as well (a Technion AGENT row
with no service times is stored with talk 0), and a stored contact does not say which of its
durations survived, so an untrusted contact's handle time is never counted, as 0 s or otherwise.

Pure: no I/O; Ibis and SQLAlchemy are imported by their compilers only.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from ccops.enums import ANSWERED_OUTCOMES, Outcome, ServiceLevelVariant

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from sqlalchemy import ColumnElement, SQLColumnExpression

# --- the rule language ---------------------------------------------------------------------------

Op = Literal["<", "<=", "==", ">=", ">"]
CONTACT_FIELDS = ("outcome", "wait_s", "target_s", "short_abandon_s")


@dataclass(frozen=True)
class Compare:
    """``left op right``, two named contact fields (false when either is null)."""

    left: str
    op: Op
    right: str


@dataclass(frozen=True)
class OneOf:
    """The named field equals one of ``values``."""

    field: str
    values: tuple[StrEnum, ...]


@dataclass(frozen=True)
class Known:
    """The named field is not null."""

    field: str


@dataclass(frozen=True)
class All:
    """Every part holds (``All(())`` always holds)."""

    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    """The part does not hold (a null comparison inside it counts as not holding)."""

    part: Condition


@dataclass(frozen=True)
class Flag:
    """A named contact condition whose count over a group is the column ``name``."""

    name: str
    condition: Condition


Condition = Compare | OneOf | Known | All | Not | Flag


@dataclass(frozen=True)
class Count:
    """A counted column of a group of contacts: ``offered`` or a flag's name."""

    name: str


@dataclass(frozen=True)
class Minus:
    left: CountExpr
    right: CountExpr


CountExpr = Count | Minus


@dataclass(frozen=True)
class Ratio:
    """numerator / denominator; null when the denominator is 0 (or either is unknown)."""

    numerator: CountExpr
    denominator: CountExpr


# --- the rules -----------------------------------------------------------------------------------

ALWAYS = All(())
OFFERED = Count("offered")
ANSWERED = Flag("answered", OneOf("outcome", ANSWERED_OUTCOMES))
ABANDONED = Flag("abandoned", OneOf("outcome", (Outcome.abandoned,)))
SHORT_ABANDONED = Flag(
    "short_abandoned", All((ABANDONED, Compare("wait_s", "<", "short_abandon_s")))
)
"""Abandoned before the queue's short-abandon threshold."""
ANSWERED_WITHIN_TARGET = Flag(
    "answered_within_target", All((ANSWERED, Compare("wait_s", "<=", "target_s")))
)
"""Answered within the queue's service-level target."""
TIMED = Flag("timed", Known("wait_s"))
"""The contact's timing is trusted (its wait is known)."""
ANSWERED_TIMED = Flag("answered_timed", All((ANSWERED, Known("wait_s"))))
"""Answered, with a known wait: the denominator of ASA."""
HANDLED = ANSWERED_TIMED
"""The contacts whose handle time counts: answered with trusted timing, the denominator of AHT
(an untrusted contact's talk may be a stand-in 0, see the module's notes)."""
CONTACT_FLAGS = (
    ANSWERED,
    ABANDONED,
    SHORT_ABANDONED,
    ANSWERED_WITHIN_TARGET,
    TIMED,
    ANSWERED_TIMED,
)

DEFAULT_VARIANT = ServiceLevelVariant.exclude_short_abandons
SL_COUNTED: Mapping[ServiceLevelVariant, Condition] = {
    ServiceLevelVariant.exclude_short_abandons: All((TIMED, Not(SHORT_ABANDONED))),
    ServiceLevelVariant.abandons_count_against: TIMED,
    ServiceLevelVariant.abandons_ignored: ANSWERED_TIMED,
}
"""The contacts in the denominator of each service-level variant (the numerator is always the
contacts answered within target): only contacts with trusted timing, whose wait is known."""


def count_of(condition: Condition) -> CountExpr:
    """The count of the contacts meeting ``condition``, from a group's counted columns.

    ``All((a, Not(b)))`` of two flags is ``a - b``: every contact meeting ``b`` must meet ``a``
    (a short abandon has a known wait)."""
    if condition == ALWAYS:
        return OFFERED
    if isinstance(condition, Flag):
        return Count(condition.name)
    if isinstance(condition, Not):
        return Minus(OFFERED, count_of(condition.part))
    if (
        isinstance(condition, All)
        and len(condition.parts) == 2
        and isinstance(condition.parts[0], Flag)
        and isinstance(condition.parts[1], Not)
    ):
        return Minus(count_of(condition.parts[0]), count_of(condition.parts[1].part))
    raise ValueError(f"no counted column for {condition!r}")


def service_level_ratio(variant: ServiceLevelVariant) -> Ratio:
    """Answered within target over the variant's denominator."""
    return Ratio(Count(ANSWERED_WITHIN_TARGET.name), count_of(SL_COUNTED[variant]))


ABANDON_RATE = Ratio(
    Minus(Count(ABANDONED.name), Count(SHORT_ABANDONED.name)), count_of(Not(SHORT_ABANDONED))
)
"""Abandons other than short abandons over contacts offered other than short abandons."""

# --- Python --------------------------------------------------------------------------------------

_OPS: Mapping[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    ">=": operator.ge,
    ">": operator.gt,
}

Predicate = Callable[[Mapping[str, Any]], bool]


def predicate(condition: Condition) -> Predicate:
    """``condition`` as a Python function of one contact's fields (a mapping by field name)."""
    if isinstance(condition, Flag):
        return predicate(condition.condition)
    if isinstance(condition, Compare):
        left, right, op = condition.left, condition.right, _OPS[condition.op]

        def compare(c: Mapping[str, Any]) -> bool:
            a, b = c[left], c[right]
            return a is not None and b is not None and bool(op(a, b))

        return compare
    if isinstance(condition, OneOf):
        name, values = condition.field, frozenset(condition.values)
        return lambda c: c[name] in values
    if isinstance(condition, Known):
        known = condition.field
        return lambda c: c[known] is not None
    if isinstance(condition, Not):
        part = predicate(condition.part)
        return lambda c: not part(c)
    parts = tuple(predicate(p) for p in condition.parts)
    if len(parts) == 2:  # the common case, without a generator per contact
        first, second = parts
        return lambda c: first(c) and second(c)
    return lambda c: all(p(c) for p in parts)


def count_value(expr: CountExpr, counts: Mapping[str, float | None]) -> float | None:
    """The value of a count expression over a group's counts (None when a count is unknown)."""
    if isinstance(expr, Count):
        return counts[expr.name]
    left, right = count_value(expr.left, counts), count_value(expr.right, counts)
    return None if left is None or right is None else left - right


def count_total(expr: CountExpr, counts: Mapping[str, int]) -> int:
    """The value of a count expression over a group's known integer counts."""
    if isinstance(expr, Count):
        return counts[expr.name]
    return count_total(expr.left, counts) - count_total(expr.right, counts)


def ratio_value(ratio: Ratio, counts: Mapping[str, float | None]) -> float | None:
    """The ratio over a group's counts: None when its denominator is not positive or unknown."""
    numerator = count_value(ratio.numerator, counts)
    denominator = count_value(ratio.denominator, counts)
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def service_level(
    variant: ServiceLevelVariant | str,
    *,
    within: float | None,
    offered: float,
    answered: float,
    short: float,
    untimed: float = 0,
    answered_untimed: float = 0,
) -> float | None:
    """Service level by the queue's variant from a group's counts (None when ``within`` is
    unknown or the denominator is 0); ``untimed`` contacts (``answered_untimed`` of them
    answered) have untrusted timing and are left out."""
    counts = {
        OFFERED.name: offered,
        ANSWERED.name: answered,
        SHORT_ABANDONED.name: short,
        ANSWERED_WITHIN_TARGET.name: within,
        TIMED.name: offered - untimed,
        ANSWERED_TIMED.name: answered - answered_untimed,
    }
    return ratio_value(service_level_ratio(ServiceLevelVariant(variant)), counts)


def abandon_rate(*, abandoned: float, short: float, offered: float) -> float | None:
    """The abandonment rate from a group's counts (None without contacts beyond short abandons)."""
    counts = {OFFERED.name: offered, ABANDONED.name: abandoned, SHORT_ABANDONED.name: short}
    return ratio_value(ABANDON_RATE, counts)


# --- Ibis ----------------------------------------------------------------------------------------


def ibis_condition(condition: Condition, table: ir.Table) -> ir.BooleanValue:
    """``condition`` over a table with the contact fields as columns."""
    import ibis

    if isinstance(condition, Flag):
        return ibis_condition(condition.condition, table)
    if isinstance(condition, Compare):
        left, right = table[condition.left], table[condition.right]
        out: ir.BooleanValue = _OPS[condition.op](left, right)
        return out
    if isinstance(condition, OneOf):
        column = table[condition.field]
        values = [str(v.value) for v in condition.values]
        return column == values[0] if len(values) == 1 else column.isin(values)
    if isinstance(condition, Known):
        known: ir.BooleanValue = table[condition.field].notnull()
        return known
    if isinstance(condition, Not):
        return ~ibis_condition(condition.part, table).fill_null(False)
    if not condition.parts:
        return ibis.literal(True)
    result = ibis_condition(condition.parts[0], table)
    for part in condition.parts[1:]:
        result = result & ibis_condition(part, table)
    return result


def ibis_flag(condition: Condition, table: ir.Table) -> ir.IntegerValue:
    """1 where ``condition`` holds, else 0 (PostgreSQL cannot cast boolean to bigint)."""
    import ibis

    flag: ir.IntegerValue = ibis.ifelse(ibis_condition(condition, table), 1, 0)
    return flag


def ibis_count(expr: CountExpr, table: ir.Table) -> ir.NumericValue:
    """A count expression over a table of a group's counted columns."""
    if isinstance(expr, Count):
        column: ir.NumericValue = table[expr.name]
        return column
    return ibis_count(expr.left, table) - ibis_count(expr.right, table)


def ibis_ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """numerator / denominator as a float, null (never 0, never an error) when denominator is 0."""
    return numerator.cast("float64") / denominator.cast("float64").nullif(0.0)


def ibis_rate(ratio: Ratio, table: ir.Table) -> ir.FloatingValue:
    """A ratio of count expressions over a table of a group's counted columns."""
    return ibis_ratio(ibis_count(ratio.numerator, table), ibis_count(ratio.denominator, table))


def ibis_service_level(table: ir.Table) -> ir.FloatingValue:
    """Service level by each row's ``service_level_variant`` over a table of counted columns."""
    import ibis

    variant = table.service_level_variant
    others = [v for v in SL_COUNTED if v != DEFAULT_VARIANT]
    denominator = ibis.cases(
        *[(variant == v.value, ibis_count(count_of(SL_COUNTED[v]), table)) for v in others],
        else_=ibis_count(count_of(SL_COUNTED[DEFAULT_VARIANT]), table),
    )
    numerator = ibis_count(service_level_ratio(DEFAULT_VARIANT).numerator, table)
    return ibis_ratio(numerator, denominator)


# --- SQLAlchemy ----------------------------------------------------------------------------------


def sql_condition(
    condition: Condition, columns: Mapping[str, SQLColumnExpression[Any]]
) -> ColumnElement[bool]:
    """``condition`` as SQL over the contact fields' columns (by field name)."""
    from sqlalchemy import and_, false, func, not_, true

    if isinstance(condition, Flag):
        return sql_condition(condition.condition, columns)
    if isinstance(condition, Compare):
        out: ColumnElement[bool] = _OPS[condition.op](
            columns[condition.left], columns[condition.right]
        )
        return out
    if isinstance(condition, OneOf):
        column = columns[condition.field]
        if len(condition.values) == 1:
            return column == condition.values[0]
        return column.in_(condition.values)
    if isinstance(condition, Known):
        return columns[condition.field].is_not(None)
    if isinstance(condition, Not):
        if condition.part == ALWAYS:
            return false()
        return not_(func.coalesce(sql_condition(condition.part, columns), false()))
    if not condition.parts:
        return true()
    return and_(*(sql_condition(p, columns) for p in condition.parts))


def sql_sl_counted(
    columns: Mapping[str, SQLColumnExpression[Any]], variant: SQLColumnExpression[Any]
) -> ColumnElement[bool]:
    """Whether a contact is in the denominator of its queue's own service-level variant
    (``variant``: the queue's variant column; a value outside the table counts as the default)."""
    from sqlalchemy import and_, or_

    others = [v for v in SL_COUNTED if v != DEFAULT_VARIANT]
    return or_(
        *[and_(variant == v, sql_condition(SL_COUNTED[v], columns)) for v in others],
        and_(variant.not_in(others), sql_condition(SL_COUNTED[DEFAULT_VARIANT], columns)),
    )
