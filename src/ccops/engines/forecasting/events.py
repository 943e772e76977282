"""Special days: events with planned or learned effects, calendars, public holidays."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ccops.engines.forecasting.arrays import (
    _day_rows,
    _nanmean_rows,
    _positive_int,
)
from ccops.engines.forecasting.series import (
    FloatArray,
    ForecastInputError,
    IntArray,
    Series,
)


@dataclass(frozen=True)
class Event:
    """A special day of a site or queue.

    Attributes:
        day: Local date of the event (one row per day; a three-day campaign is three events).
        kind: Its kind, for example ``"launch"``, ``"bill_run"`` or
            ``"holiday:CN:National Day"``. Kinds are hierarchical on ``":"``: an effect that
            cannot be learned for ``"holiday:CN:National Day"`` is learned from all
            ``"holiday:CN"`` events, then all ``"holiday"`` events.
        effect_pct: The planner's effect, percent change of the day's volume (+30 = 30% more,
            -100 = closed); ``None`` to learn it from past events of the kind.
    """

    day: dt.date
    kind: str
    effect_pct: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.day, dt.date) or isinstance(self.day, dt.datetime):
            raise ForecastInputError(f"day must be a datetime.date, got {self.day!r}")
        if not isinstance(self.kind, str) or not self.kind.strip():
            raise ForecastInputError(f"kind must be a non-empty string, got {self.kind!r}")
        if self.effect_pct is not None and not (
            isinstance(self.effect_pct, int | float)
            and math.isfinite(self.effect_pct)
            and self.effect_pct >= -100.0
        ):
            raise ForecastInputError(
                f"effect_pct must be a finite percentage >= -100, got {self.effect_pct!r}"
            )


@dataclass(frozen=True)
class LearnedEffect:
    """The effect of a kind of event learned from history.

    Attributes:
        kind: The kind (or kind prefix) it was learned for.
        ratio: sum of actual volume / sum of baseline volume over its past events.
        n_events: Number of past event days it is based on.
    """

    kind: str
    ratio: float
    n_events: int


def _kind_prefixes(kind: str) -> list[str]:
    """``"a:b:c"`` -> ``["a:b:c", "a:b", "a"]``."""
    parts = kind.split(":")
    return [":".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _day_number(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


@dataclass(frozen=True)
class EventCalendar:
    """Special days of one site or queue (holidays, launches, campaigns, bill runs).

    Event days in a history are excluded from every method's training data; the forecast of a
    future event day is the method's forecast times the event's multiplier: ``1 +
    effect_pct/100`` when the planner set it, else the ratio learned by :meth:`learn_effects`
    (no adjustment, with a note, when neither exists). On a day with several events the
    planner's effects multiply, and of the learned ones only the strongest (furthest from 1)
    applies: learned effects were measured on days where the events coincided (two countries'
    shared holiday, say), so multiplying them would count one effect twice. The effect scales
    the whole day uniformly (the intraday shape of the weekday is kept). A (day, kind) pair may
    appear once.

    Attributes:
        events: The events.
    """

    events: tuple[Event, ...] = ()

    def __post_init__(self) -> None:
        events = tuple(self.events)
        seen: set[tuple[dt.date, str]] = set()
        for event in events:
            if not isinstance(event, Event):
                raise ForecastInputError(f"events must be Event objects, got {event!r}")
            if (event.day, event.kind) in seen:
                raise ForecastInputError(f"events: {event.kind} on {event.day} appears twice")
            seen.add((event.day, event.kind))
        object.__setattr__(self, "events", events)

    def __add__(self, other: EventCalendar) -> EventCalendar:
        return EventCalendar(self.events + other.events)

    def day_numbers(self) -> IntArray:
        """Distinct event days, as days since 1970-01-01."""
        return np.unique(np.array([_day_number(e.day) for e in self.events], dtype=np.int64))

    def learn_effects(
        self, history: Series, *, baseline_weeks: int = 4
    ) -> dict[str, LearnedEffect]:
        """Learn each kind's effect from its past events in ``history``.

        For an event day d the baseline of each slot is the mean of that slot over the last
        ``baseline_weeks`` same weekdays before d that are not event days and were observed
        (looking back at most four times as far). The ratio of a kind is
        sum(actual) / sum(baseline) over all its event days and over the slots observed in both
        (a ratio of sums, robust to quiet slots); every kind prefix (see :class:`Event`) pools
        the events below it.

        Args:
            history: The series to learn from (its own gaps are skipped).
            baseline_weeks: Same-weekday days in each baseline, >= 1.

        Returns:
            Learned effects by kind and kind prefix; kinds with no usable past event are absent.

        Raises:
            ForecastInputError: ``baseline_weeks`` < 1.
        """
        _positive_int(baseline_weeks, "baseline_weeks")
        spd = history.slots_per_day
        days = _day_rows(history.values, spd)
        day0 = int(history.first_day.astype(np.int64))
        n_days = days.shape[0]
        event_days = set((self.day_numbers() - day0).tolist())
        num: dict[str, float] = {}
        den: dict[str, float] = {}
        count: dict[str, int] = {}
        for event in self.events:
            d = _day_number(event.day) - day0
            if not 0 <= d < n_days:
                continue
            actual = days[d]
            previous = [
                days[p]
                for p in range(d - 7, max(d - 28 * baseline_weeks, 0) - 1, -7)
                if p >= 0 and p not in event_days and np.isfinite(days[p]).any()
            ][:baseline_weeks]
            if not previous:
                continue
            base = _nanmean_rows(np.vstack(previous))
            ok = np.isfinite(actual) & np.isfinite(base)
            b = float(base[ok].sum())
            if b <= 0.0:
                continue
            for key in _kind_prefixes(event.kind):
                num[key] = num.get(key, 0.0) + float(actual[ok].sum())
                den[key] = den.get(key, 0.0) + b
                count[key] = count.get(key, 0) + 1
        return {k: LearnedEffect(k, num[k] / den[k], count[k]) for k in num}

    def multipliers(
        self, day_numbers: IntArray, learned: Mapping[str, LearnedEffect]
    ) -> tuple[FloatArray, tuple[str, ...]]:
        """The volume multiplier of each day (1 where no event) and notes on unknown effects.

        Args:
            day_numbers: Days since 1970-01-01.
            learned: Learned effects (from :meth:`learn_effects`).

        Returns:
            (multiplier per day, notes).
        """
        out = np.ones(day_numbers.shape)
        strongest = np.ones(day_numbers.shape)  # the learned ratio furthest from 1, per day
        notes: list[str] = []
        lookup = {int(d): i for i, d in enumerate(day_numbers.tolist())}
        for event in self.events:
            i = lookup.get(_day_number(event.day))
            if i is None:
                continue
            if event.effect_pct is not None:
                out[i] *= 1.0 + event.effect_pct / 100.0
                continue
            effect = next((learned[k] for k in _kind_prefixes(event.kind) if k in learned), None)
            if effect is None:
                notes.append(
                    f"{event.day} {event.kind}: no past event of this kind in the history to "
                    "learn from; forecast not adjusted (set effect_pct to plan it)"
                )
            elif abs(math.log(max(effect.ratio, 1e-9))) > abs(math.log(max(strongest[i], 1e-9))):
                strongest[i] = effect.ratio
        return out * strongest, tuple(notes)


def holiday_calendar(
    country_codes: Sequence[str], years: Iterable[int], *, language: str = "en_US"
) -> EventCalendar:
    """Public holidays of the given countries from the ``holidays`` package.

    Each holiday becomes an :class:`Event` of kind ``"holiday:<CC>:<name>"`` with the effect
    to be learned (``effect_pct=None``); the name is the package's, cut before any
    parenthesis, so that "(observed)" days and a festival's several days share a kind (for
    example ``"holiday:CN:Chinese New Year"``, ``"holiday:CN:Day off"`` for substituted days
    off). Weekend days that a country makes working days (China's adjusted working days) become
    events of kind ``"workday:<CC>"``.

    Args:
        country_codes: ISO 3166-1 alpha-2 codes, for example ``["CN", "IL"]``.
        years: Calendar years to include.
        language: Language of the names where the country supports it (else its default).

    Returns:
        The calendar.

    Raises:
        ForecastInputError: An unknown country code, or no years.
    """
    import holidays

    year_list = sorted({int(y) for y in years})
    if not year_list:
        raise ForecastInputError("years must not be empty")
    events: dict[tuple[dt.date, str], Event] = {}
    for code in country_codes:
        try:
            probe = holidays.country_holidays(code, years=year_list[0])
        except NotImplementedError as exc:
            raise ForecastInputError(f"country_codes: unknown country {code!r}") from exc
        lang = language if language in probe.supported_languages else None
        table = holidays.country_holidays(code, years=year_list, language=lang)
        for day, names in sorted(table.items()):
            for name in str(names).split("; "):
                label = name.split(" (")[0].strip() or name
                kind = f"holiday:{code}:{label}"
                events.setdefault((day, kind), Event(day, kind))
        for day in sorted(table.weekend_workdays):
            if day.year in year_list:
                events.setdefault((day, f"workday:{code}"), Event(day, f"workday:{code}"))
    return EventCalendar(tuple(events.values()))
