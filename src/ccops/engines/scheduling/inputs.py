"""What a week's schedule is made from: spans, breaks, templates, contracts, people, options."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from numpy.typing import ArrayLike

from ccops.engines import queueing
from ccops.engines.scheduling.errors import (
    SchedulingInputError,
)
from ccops.engines.scheduling.grid import (
    DAY_MIN,
    GRID_MIN,
    FloatArray,
    _finite,
    _fmt,
    _is_int,
    hhmm,
)

# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A half-open time span ``[start_min, end_min)`` in minutes from the week start.

    Args:
        start_min: first minute.
        end_min: minute after the last (greater than ``start_min``).
    """

    start_min: int
    end_min: int

    def __post_init__(self) -> None:
        if not (_is_int(self.start_min) and _is_int(self.end_min)):
            raise SchedulingInputError(
                f"span minutes must be integers, got {self.start_min!r}, {self.end_min!r}"
            )
        if self.end_min <= self.start_min:
            raise SchedulingInputError(
                f"span end_min {self.end_min} must be after start_min {self.start_min}"
            )

    @classmethod
    def days(cls, first_day: int, last_day: int | None = None) -> Span:
        """Whole days ``first_day`` to ``last_day`` inclusive (day 0 = the week start)."""
        last = first_day if last_day is None else last_day
        return cls(first_day * DAY_MIN, (last + 1) * DAY_MIN)

    @classmethod
    def on(cls, day: int, start: str, end: str) -> Span:
        """Clock times ``start`` to ``end`` (``"HH:MM"``) on ``day`` (end may be next day)."""
        lo, hi = hhmm(start), hhmm(end)
        if hi <= lo:
            hi += DAY_MIN
        return cls(day * DAY_MIN + lo, day * DAY_MIN + hi)

    def overlaps(self, start_min: int, end_min: int) -> bool:
        """Whether ``[start_min, end_min)`` shares any minute with this span."""
        return self.start_min < end_min and start_min < self.end_min

    def contains(self, start_min: int, end_min: int) -> bool:
        """Whether ``[start_min, end_min)`` lies inside this span."""
        return self.start_min <= start_min and end_min <= self.end_min


@dataclass(frozen=True)
class BreakRule:
    """A break of a shift template and where it may go.

    Args:
        length_min: break length in minutes (> 0; need not be a whole interval).
        earliest_after_start_min: earliest break start after the shift start, minutes
            (a multiple of 15).
        latest_after_start_min: latest break start after the shift start, minutes (a multiple
            of 15, at least ``earliest_after_start_min``).
        min_gap_min: least working time between the end of the previous break of the shift
            (in order of earliest start) and the start of this one, minutes (>= 0).
    """

    length_min: int
    earliest_after_start_min: int
    latest_after_start_min: int
    min_gap_min: int = 0

    def __post_init__(self) -> None:
        values = (
            ("length_min", self.length_min),
            ("earliest_after_start_min", self.earliest_after_start_min),
            ("latest_after_start_min", self.latest_after_start_min),
            ("min_gap_min", self.min_gap_min),
        )
        for name, value in values:
            if not _is_int(value):
                raise SchedulingInputError(f"break {name} must be an integer, got {value!r}")
        if self.length_min <= 0:
            raise SchedulingInputError(f"break length_min must be > 0, got {self.length_min}")
        if self.earliest_after_start_min < 0:
            raise SchedulingInputError(
                f"break earliest_after_start_min must be >= 0, got {self.earliest_after_start_min}"
            )
        if self.latest_after_start_min < self.earliest_after_start_min:
            raise SchedulingInputError(
                f"break latest_after_start_min {self.latest_after_start_min} < "
                f"earliest_after_start_min {self.earliest_after_start_min}"
            )
        for name, value in values[1:3]:
            if value % GRID_MIN:
                raise SchedulingInputError(
                    f"break {name} {value} is not on the {GRID_MIN}-minute grid"
                )
        if self.min_gap_min < 0:
            raise SchedulingInputError(f"break min_gap_min must be >= 0, got {self.min_gap_min}")


@dataclass(frozen=True, eq=False)
class ShiftTemplate:
    """A kind of shift: its start times, length, breaks and cost.

    Args:
        name: unique name.
        starts: allowed start times, minutes of the day on the 15-minute grid: one sequence for
            every weekday, or a mapping weekday (0 = Monday .. 6 = Sunday) -> sequence (missing
            weekdays have no start).
        length_min: shift length from start to end including all breaks, minutes (a multiple
            of 15, at most 24 h).
        paid_breaks: breaks that count as paid time.
        unpaid_breaks: breaks that do not count as paid time.
        cost_per_hour: cost of one paid hour (>= 0, any currency or relative unit).
        is_night: a night shift (counts toward ``Contract.max_nights``).
        is_late: a late shift (rotated fairly in stage 2).

    Raises:
        SchedulingInputError: a value is out of range or the breaks cannot be placed.
    """

    name: str
    starts: Sequence[int] | Mapping[int, Sequence[int]]
    length_min: int
    paid_breaks: Sequence[BreakRule] = ()
    unpaid_breaks: Sequence[BreakRule] = ()
    cost_per_hour: float = 1.0
    is_night: bool = False
    is_late: bool = False
    _starts: tuple[tuple[int, ...], ...] = field(init=False, repr=False)
    _breaks: tuple[tuple[BreakRule, bool], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        who = f"template {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise SchedulingInputError(f"template name must be a non-empty string: {self.name!r}")
        if not _is_int(self.length_min) or not 0 < self.length_min <= DAY_MIN:
            raise SchedulingInputError(f"{who}: length_min must be 1..1440, got {self.length_min}")
        if self.length_min % GRID_MIN:
            raise SchedulingInputError(
                f"{who}: length_min {self.length_min} is not a multiple of {GRID_MIN}"
            )
        if not (_finite(self.cost_per_hour) and self.cost_per_hour >= 0):
            raise SchedulingInputError(f"{who}: cost_per_hour must be >= 0")
        per_day: list[tuple[int, ...]] = []
        if isinstance(self.starts, Mapping):
            bad = [k for k in self.starts if not (_is_int(k) and 0 <= k <= 6)]
            if bad:
                raise SchedulingInputError(f"{who}: starts weekdays must be 0..6, got {bad}")
            raw = [self.starts.get(d, ()) for d in range(7)]
        else:
            raw = [self.starts] * 7
        for day_starts in raw:
            values = sorted({int(v) for v in day_starts})
            for v, orig in zip(values, sorted(set(day_starts)), strict=True):
                if not _is_int(orig) or not 0 <= v < DAY_MIN or v % GRID_MIN:
                    raise SchedulingInputError(
                        f"{who}: start {orig!r} is not a minute of the day on the "
                        f"{GRID_MIN}-minute grid"
                    )
            per_day.append(tuple(values))
        object.__setattr__(self, "_starts", tuple(per_day))
        rules = [(b, True) for b in self.paid_breaks] + [(b, False) for b in self.unpaid_breaks]
        for rule, _ in rules:
            if not isinstance(rule, BreakRule):
                raise SchedulingInputError(f"{who}: breaks must be BreakRule, got {rule!r}")
        ordered = tuple(sorted(rules, key=lambda r: r[0].earliest_after_start_min))
        object.__setattr__(self, "_breaks", ordered)
        if self.paid_min <= 0:
            raise SchedulingInputError(f"{who}: unpaid breaks take the whole shift")
        earliest_end = 0.0
        for k, (rule, _) in enumerate(ordered):
            if rule.latest_after_start_min + rule.length_min > self.length_min:
                raise SchedulingInputError(
                    f"{who}: break {k + 1} may start {rule.latest_after_start_min} min after the "
                    f"start and last {rule.length_min} min, past the shift end "
                    f"({self.length_min} min)"
                )
            first = max(
                rule.earliest_after_start_min, earliest_end + (rule.min_gap_min if k else 0)
            )
            first = math.ceil(first / GRID_MIN) * GRID_MIN
            if first > rule.latest_after_start_min:
                raise SchedulingInputError(
                    f"{who}: break {k + 1} cannot start by its latest "
                    f"{rule.latest_after_start_min} min after the shift start: the previous "
                    f"break ends at {_fmt(earliest_end)} min at the earliest and the gap is "
                    f"{rule.min_gap_min} min"
                )
            earliest_end = first + rule.length_min

    @property
    def starts_by_weekday(self) -> tuple[tuple[int, ...], ...]:
        """Start minutes of the day for Monday .. Sunday."""
        return self._starts

    @property
    def breaks(self) -> tuple[tuple[BreakRule, bool], ...]:
        """All breaks as ``(rule, paid)`` in order of earliest start."""
        return self._breaks

    @property
    def paid_min(self) -> int:
        """Paid minutes: the length less the unpaid breaks."""
        return self.length_min - sum(b.length_min for b in self.unpaid_breaks)

    @property
    def paid_h(self) -> float:
        """Paid hours of one shift."""
        return self.paid_min / 60.0


@dataclass(frozen=True, eq=False)
class Contract:
    """The working-time rules of a contract.

    Args:
        name: unique name (shown in messages).
        weekly_min_h: least paid hours in the week.
        weekly_max_h: most paid hours in the week.
        days_min: least working days in the week.
        days_max: most working days in the week.
        max_consecutive_days: most working days in a row (counting the days worked just
            before the week, ``Person.consecutive_days_before``).
        min_rest_h: least hours from the end of one shift to the start of the next.
        max_nights: most night shifts (templates with ``is_night``) in the week.
        max_weekend_days: most Saturdays and Sundays worked in the week (0..2 in a week).
        templates: names of the shift templates this contract may work; ``None`` means all.

    Raises:
        SchedulingInputError: the contract contradicts itself (every contradiction is listed).
    """

    name: str
    weekly_min_h: float = 0.0
    weekly_max_h: float = 48.0
    days_min: int = 0
    days_max: int = 7
    max_consecutive_days: int = 7
    min_rest_h: float = 11.0
    max_nights: int = 7
    max_weekend_days: int = 2
    templates: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        who = f"contract {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise SchedulingInputError(f"contract name must be a non-empty string: {self.name!r}")
        problems: list[str] = []
        for attr in ("weekly_min_h", "weekly_max_h", "min_rest_h"):
            value = getattr(self, attr)
            if not (_finite(value) and value >= 0):
                problems.append(f"{who}: {attr} must be a number >= 0, got {value!r}")
        for attr in ("days_min", "days_max", "max_consecutive_days", "max_nights"):
            value = getattr(self, attr)
            if not (_is_int(value) and value >= 0):
                problems.append(f"{who}: {attr} must be an integer >= 0, got {value!r}")
        if not (_is_int(self.max_weekend_days) and self.max_weekend_days >= 0):
            problems.append(f"{who}: max_weekend_days must be an integer >= 0")
        if problems:
            raise SchedulingInputError(problems)
        if self.weekly_min_h > self.weekly_max_h:
            problems.append(
                f"{who}: weekly_min_h {_fmt(self.weekly_min_h)} > weekly_max_h "
                f"{_fmt(self.weekly_max_h)}"
            )
        if self.days_min > self.days_max:
            problems.append(f"{who}: days_min {self.days_min} > days_max {self.days_max}")
        if self.days_min > 7:
            problems.append(f"{who}: days_min {self.days_min} > the 7 days of a week")
        if self.max_consecutive_days < 1 and (self.days_min > 0 or self.weekly_min_h > 0):
            problems.append(
                f"{who}: max_consecutive_days 0 forbids any work but days_min is "
                f"{self.days_min} and weekly_min_h {_fmt(self.weekly_min_h)}"
            )
        most_days = _max_days_in_week(self.max_consecutive_days)
        if self.days_min > most_days:
            problems.append(
                f"{who}: days_min {self.days_min} > {most_days}, the most days a week allows "
                f"with max_consecutive_days {self.max_consecutive_days}"
            )
        if self.weekly_min_h > 0 and self.days_max == 0:
            problems.append(f"{who}: weekly_min_h {_fmt(self.weekly_min_h)} > 0 but days_max is 0")
        if self.templates is not None:
            object.__setattr__(self, "templates", tuple(self.templates))
        if problems:
            raise SchedulingInputError(problems)


def _max_days_in_week(max_consecutive: int, days: int = 7) -> int:
    """Most working days in ``days`` days with at most ``max_consecutive`` in a row."""
    if max_consecutive <= 0:
        return 0
    block = max_consecutive + 1
    return (days // block) * max_consecutive + min(days % block, max_consecutive)


@dataclass(frozen=True)
class TimeOff:
    """Approved time off: no shift may overlap it.

    Args:
        start_min: first minute from the week start.
        end_min: minute after the last.
        credit_h: paid hours it counts toward the contract's weekly hours (e.g. 8 per
            vacation day); lowers both ``weekly_min_h`` and ``weekly_max_h``.
        credit_days: working days it counts toward ``days_min``/``days_max``.
        reason: shown in messages (``"vacation"``, ``"training course"``).
    """

    start_min: int
    end_min: int
    credit_h: float = 0.0
    credit_days: int = 0
    reason: str = "time off"

    def __post_init__(self) -> None:
        Span(self.start_min, self.end_min)
        if not (_finite(self.credit_h) and self.credit_h >= 0):
            raise SchedulingInputError(f"time off credit_h must be >= 0, got {self.credit_h!r}")
        if not (_is_int(self.credit_days) and self.credit_days >= 0):
            raise SchedulingInputError(
                f"time off credit_days must be an integer >= 0, got {self.credit_days!r}"
            )

    @classmethod
    def days(
        cls,
        first_day: int,
        last_day: int | None = None,
        *,
        credit_h_per_day: float = 0.0,
        credit_days: bool = False,
        reason: str = "time off",
    ) -> TimeOff:
        """Whole days ``first_day`` to ``last_day`` inclusive, with a credit per day."""
        span = Span.days(first_day, last_day)
        n = (span.end_min - span.start_min) // DAY_MIN
        return cls(
            span.start_min,
            span.end_min,
            credit_h=credit_h_per_day * n,
            credit_days=n if credit_days else 0,
            reason=reason,
        )


@dataclass(frozen=True)
class Activity:
    """A fixed activity off the queues: a meeting, training, coaching session or huddle.

    The person must be on a shift for the whole activity, outside the shift's breaks; the
    activity's minutes are deducted from the person's coverage.

    Args:
        name: shown in messages and in the person's week.
        start_min: first minute from the week start.
        end_min: minute after the last.
        kind: ``"meeting"``, ``"training"``, ``"coaching"``, ``"huddle"`` or any word.
    """

    name: str
    start_min: int
    end_min: int
    kind: str = "meeting"

    def __post_init__(self) -> None:
        Span(self.start_min, self.end_min)


@dataclass(frozen=True)
class Preference:
    """A soft wish about the shifts a person works.

    It matches a shift that overlaps ``[start_min, end_min)`` (if given) and is of
    ``template`` (if given). A positive weight asks for matching shifts (each one assigned
    lowers the roster's cost by the weight), a negative one asks to avoid them.

    Args:
        weight: cost units per matching shift (nonzero).
        start_min: start of the span of interest, minutes from the week start.
        end_min: end of the span of interest.
        template: template name of interest.
    """

    weight: float
    start_min: int | None = None
    end_min: int | None = None
    template: str | None = None

    def __post_init__(self) -> None:
        if not _finite(self.weight) or self.weight == 0:
            raise SchedulingInputError(f"preference weight must be nonzero, got {self.weight!r}")
        if (self.start_min is None) != (self.end_min is None):
            raise SchedulingInputError("preference needs both start_min and end_min, or neither")
        if self.start_min is not None and self.end_min is not None:
            Span(self.start_min, self.end_min)
        elif self.template is None:
            raise SchedulingInputError("preference needs a span, a template or both")

    def matches(self, template: str, start_min: int, end_min: int) -> bool:
        """Whether a shift of ``template`` over ``[start_min, end_min)`` matches."""
        if self.template is not None and template != self.template:
            return False
        if self.start_min is not None and self.end_min is not None:
            return self.start_min < end_min and start_min < self.end_min
        return True


@dataclass(frozen=True, eq=False)
class Person:
    """Someone to schedule.

    Args:
        id: unique identifier shown in messages.
        contract: the person's contract.
        skills: queue name -> level, a positive integer; 1 is a primary skill, larger numbers
            are secondary (stage 2 prefers primary). Queues not in the requirement are
            ignored.
        time_off: approved time off.
        availability: spans the person can work in; ``None`` means any time. A shift must lie
            inside one span.
        preferences: soft wishes.
        fixed_activities: meetings, training, coaching, huddles.
        recent_weekend_days: weekend days worked in the recent rotation window (fairness).
        recent_late_shifts: late shifts worked in the recent rotation window (fairness).
        last_shift_end_min: end of the person's last shift before the week, minutes from the
            week start (<= 0); rest is counted from it.
        consecutive_days_before: days worked in a row just before the week.
    """

    id: str
    contract: Contract
    skills: Mapping[str, int]
    time_off: Sequence[TimeOff] = ()
    availability: Sequence[Span] | None = None
    preferences: Sequence[Preference] = ()
    fixed_activities: Sequence[Activity] = ()
    recent_weekend_days: int = 0
    recent_late_shifts: int = 0
    last_shift_end_min: int | None = None
    consecutive_days_before: int = 0

    def __post_init__(self) -> None:
        who = f"person {self.id!r}"
        if not isinstance(self.id, str) or not self.id:
            raise SchedulingInputError(f"person id must be a non-empty string: {self.id!r}")
        if not isinstance(self.contract, Contract):
            raise SchedulingInputError(f"{who}: contract must be a Contract")
        object.__setattr__(self, "skills", dict(self.skills))
        for queue, level in self.skills.items():
            if not (_is_int(level) and level >= 1):
                raise SchedulingInputError(
                    f"{who}: skill level of {queue!r} must be an integer >= 1, got {level!r}"
                )
        object.__setattr__(self, "time_off", tuple(self.time_off))
        object.__setattr__(self, "preferences", tuple(self.preferences))
        object.__setattr__(self, "fixed_activities", tuple(self.fixed_activities))
        if self.availability is not None:
            object.__setattr__(self, "availability", tuple(self.availability))
        for attr in ("recent_weekend_days", "recent_late_shifts", "consecutive_days_before"):
            value = getattr(self, attr)
            if not (_is_int(value) and value >= 0):
                raise SchedulingInputError(f"{who}: {attr} must be an integer >= 0")
        if self.last_shift_end_min is not None and not (
            _is_int(self.last_shift_end_min) and self.last_shift_end_min <= 0
        ):
            raise SchedulingInputError(f"{who}: last_shift_end_min must be an integer <= 0")


@dataclass(frozen=True, eq=False)
class Requirement:
    """Net agents needed per queue and interval, and optionally the load behind them.

    Args:
        queues: queue names, one per row of ``agents``.
        agents: net agents required on each queue in each interval, shape (queues,
            intervals) (a 1-D array for one queue); >= 0, may be fractional.
        interval_min: interval length in minutes (15, 30 or 60; a multiple of 15 that
            divides a day).
        week_start: the date of day 0; ``None`` means day 0 is a Monday.
        rate_per_s: arrival rate per queue and interval (same shape as ``agents``), for the
            service-level weighting and the predicted service level.
        aht_s: handle time, seconds: a number, one per queue, or per queue and interval.
        target_s: service-level threshold, seconds: a number or one per queue.
        patience_s: mean patience for Erlang A, seconds: a number or one per queue; ``None``
            means Erlang C.
    """

    queues: Sequence[str]
    agents: ArrayLike
    interval_min: int = GRID_MIN
    week_start: date | None = None
    rate_per_s: ArrayLike | None = None
    aht_s: ArrayLike | None = None
    target_s: ArrayLike | None = None
    patience_s: ArrayLike | None = None
    _agents: FloatArray = field(init=False, repr=False)
    _load: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = field(
        init=False, repr=False
    )

    def __post_init__(self) -> None:
        queues = tuple(self.queues)
        object.__setattr__(self, "queues", queues)
        if not queues or not all(isinstance(q, str) and q for q in queues):
            raise SchedulingInputError("requirement queues must be non-empty strings")
        if len(set(queues)) != len(queues):
            raise SchedulingInputError(f"requirement queues repeat: {list(queues)}")
        step = self.interval_min
        if not (_is_int(step) and step > 0 and step % GRID_MIN == 0 and DAY_MIN % step == 0):
            raise SchedulingInputError(
                f"interval_min must be a multiple of {GRID_MIN} dividing a day, got {step!r}"
            )
        agents = self._matrix(self.agents, "agents")
        if not np.isfinite(agents).all() or (agents < 0).any():
            raise SchedulingInputError("requirement agents must be finite and >= 0")
        object.__setattr__(self, "_agents", agents)
        given = [v is not None for v in (self.rate_per_s, self.aht_s, self.target_s)]
        if any(given) and not all(given):
            raise SchedulingInputError(
                "give rate_per_s, aht_s and target_s together (the service-level curve), "
                "or none of them"
            )
        load = None
        if all(given):
            shape = agents.shape
            rate = self._matrix(self.rate_per_s, "rate_per_s")
            if rate.shape != shape:
                raise SchedulingInputError(f"rate_per_s has shape {rate.shape}, agents has {shape}")
            aht = self._per_queue(self.aht_s, "aht_s")
            target = self._per_queue(self.target_s, "target_s")
            patience = (
                np.full(shape, np.inf)
                if self.patience_s is None
                else self._per_queue(self.patience_s, "patience_s")
            )
            if not np.isfinite(rate).all() or (rate < 0).any():
                raise SchedulingInputError("rate_per_s must be finite and >= 0")
            if not np.isfinite(aht).all() or (aht <= 0).any():
                raise SchedulingInputError("aht_s must be finite and > 0")
            if not np.isfinite(target).all() or (target < 0).any():
                raise SchedulingInputError("target_s must be finite and >= 0")
            if np.isnan(patience).any() or (patience <= 0).any():
                raise SchedulingInputError("patience_s must be > 0")
            load = (rate, aht, target, patience)
        object.__setattr__(self, "_load", load)

    def _matrix(self, value: ArrayLike | None, name: str) -> FloatArray:
        try:
            arr = np.array(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise SchedulingInputError(f"{name} must be numeric") from exc
        if arr.ndim == 1 and len(self.queues) == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[0] != len(self.queues) or arr.shape[1] == 0:
            raise SchedulingInputError(
                f"{name} must have shape (queues={len(self.queues)}, intervals), got {arr.shape}"
            )
        return arr

    def _per_queue(self, value: ArrayLike | None, name: str) -> FloatArray:
        shape = self._agents.shape
        try:
            arr = np.array(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise SchedulingInputError(f"{name} must be numeric") from exc
        if arr.ndim == 1 and arr.shape[0] == shape[0]:
            arr = arr[:, None]
        try:
            return np.array(np.broadcast_to(arr, shape), dtype=np.float64)
        except ValueError as exc:
            raise SchedulingInputError(
                f"{name} must be a number, one per queue, or shape {shape}"
            ) from exc

    @property
    def matrix(self) -> FloatArray:
        """Required net agents, shape (queues, intervals) (a copy)."""
        return self._agents.copy()

    @property
    def intervals(self) -> int:
        """Number of intervals in the horizon."""
        return int(self._agents.shape[1])

    @property
    def has_load(self) -> bool:
        """Whether the service-level curve (rate, AHT, target) is known."""
        return self._load is not None

    def service_level(self, agents: ArrayLike) -> FloatArray:
        """Predicted service level at ``agents`` (queues x intervals); NaN without load data."""
        arr = np.maximum(np.asarray(agents, dtype=np.float64), 0.0)
        if self._load is None:
            return np.full(arr.shape, np.nan)
        rate, aht, target, patience = self._load
        out: FloatArray = queueing.service_level(arr, rate, aht, target, patience_s=patience)
        return np.asarray(out, dtype=np.float64)


@dataclass(frozen=True)
class Pool:
    """Anonymous staff for stage 1 without named people: a skill set and an optional limit.

    Args:
        queues: the queues these agents can take.
        max_per_day: most shifts starting on one day (the pool's headcount); ``None`` means
            unlimited.
    """

    queues: tuple[str, ...]
    max_per_day: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "queues", tuple(self.queues))
        if not self.queues:
            raise SchedulingInputError("a pool needs at least one queue")
        if self.max_per_day is not None and not (
            _is_int(self.max_per_day) and self.max_per_day >= 0
        ):
            raise SchedulingInputError("pool max_per_day must be an integer >= 0")


@dataclass(frozen=True)
class PlanWeights:
    """Prices of the stage-1 objective, in the unit of ``ShiftTemplate.cost_per_hour``.

    Args:
        under_cost_per_h: cost of an (average, with service-level weighting) missing
            agent-hour on a queue.
        over_cost_per_h: cost of an agent-hour above the requirement (besides its wage).
        sl_weighting: weight under-coverage by the service level it loses where the
            requirement carries the load.
        sl_weight_floor: least relative weight of a missing agent-hour (so no shortfall is
            free where the service-level curve is flat).
    """

    under_cost_per_h: float = 10.0
    over_cost_per_h: float = 0.05
    sl_weighting: bool = True
    sl_weight_floor: float = 0.05

    def __post_init__(self) -> None:
        for attr in ("under_cost_per_h", "over_cost_per_h", "sl_weight_floor"):
            value = getattr(self, attr)
            if not (_finite(value) and value >= 0):
                raise SchedulingInputError(f"{attr} must be a number >= 0, got {value!r}")


@dataclass(frozen=True)
class RosterWeights:
    """Prices of the stage-2 soft goals (cost units; the solver works in hundredths).

    Args:
        unassigned_per_h: a planned shift left without a person, per paid hour.
        extra_per_h: an extra copy of a planned shift given to someone who needs hours, per
            paid hour.
        weekend_fairness: scale of the convex weekend-day cost (h + k for the k-th weekend day
            of a person who recently worked h).
        late_fairness: the same for late shifts.
        preference: multiplier of every ``Preference.weight``.
        secondary_skill: per assigned shift and level above 1 of the shift's queues.
    """

    unassigned_per_h: float = 100.0
    extra_per_h: float = 20.0
    weekend_fairness: float = 2.0
    late_fairness: float = 1.0
    preference: float = 1.0
    secondary_skill: float = 0.5

    def __post_init__(self) -> None:
        for attr in (
            "unassigned_per_h",
            "extra_per_h",
            "weekend_fairness",
            "late_fairness",
            "preference",
            "secondary_skill",
        ):
            value = getattr(self, attr)
            if not (_finite(value) and value >= 0):
                raise SchedulingInputError(f"{attr} must be a number >= 0, got {value!r}")


@dataclass(frozen=True)
class PlanOptions:
    """HiGHS settings for stage 1.

    Args:
        time_limit_s: wall-clock limit of all of stage 1 (LP relaxation, RENS, MILP).
        mip_rel_gap: stop when (objective - dual bound) / objective is at most this.
        threads: HiGHS threads (2 for a 2-core machine).
        seed: HiGHS ``random_seed``; with the same seed, threads and input HiGHS is
            deterministic unless the time limit cuts the search.
        rens: before the full MILP, solve the MILP restricted to the roundings of the LP
            point (RENS: integer columns integral in the LP are fixed, the others boxed to
            floor/ceil); its plan starts the full MILP, and if it is already within
            ``mip_rel_gap`` of the LP bound the full MILP is skipped.
        rens_share: share of the remaining time the RENS step may use.
    """

    time_limit_s: float = 60.0
    mip_rel_gap: float = 0.01
    threads: int = 2
    seed: int = 0
    rens: bool = True
    rens_share: float = 0.5

    def __post_init__(self) -> None:
        if not (_finite(self.time_limit_s) and self.time_limit_s > 0):
            raise SchedulingInputError("time_limit_s must be > 0")
        if not (_finite(self.mip_rel_gap) and 0 <= self.mip_rel_gap < 1):
            raise SchedulingInputError("mip_rel_gap must be in [0, 1)")
        if not (_is_int(self.threads) and self.threads >= 1):
            raise SchedulingInputError("threads must be an integer >= 1")


@dataclass(frozen=True)
class RosterOptions:
    """CP-SAT settings for stage 2.

    Args:
        time_limit_s: wall-clock limit of the roster search.
        workers: CP-SAT workers (1 is deterministic for a seed; 2 on a 2-core machine).
        seed: CP-SAT ``random_seed``.
        allow_extra_shifts: let people who need hours take extra copies of planned shifts.
        explain_time_limit_s: limit of each solve while explaining an infeasible week.
        max_deterministic_time: optional CP-SAT deterministic-time limit (reproducible even
            when the search is cut short).
    """

    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0
    allow_extra_shifts: bool = True
    explain_time_limit_s: float = 10.0
    max_deterministic_time: float | None = None

    def __post_init__(self) -> None:
        if not (_finite(self.time_limit_s) and self.time_limit_s > 0):
            raise SchedulingInputError("time_limit_s must be > 0")
        if not (_is_int(self.workers) and self.workers >= 1):
            raise SchedulingInputError("workers must be an integer >= 1")
