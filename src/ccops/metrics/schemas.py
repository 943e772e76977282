"""Output shapes of KPIs."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from ccops.enums import ServiceLevelVariant


class QueueIntervalKpi(BaseModel):
    """Every queue KPI for one queue and local interval; ratios are null when undefined."""

    queue: str
    interval_start: datetime
    interval_end: datetime
    interval_min: int
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    answered_within_target: int | None
    service_level: float | None
    service_level_variant: ServiceLevelVariant
    target_s: float
    asa_s: float | None
    aht_s: float | None
    abandon_rate: float | None
    max_wait_s: float | None
    data_source: str
    timing_untrusted: int = 0
    """Contacts counted above whose timing is untrusted (their wait is unknown): left out of
    service level, ASA and the longest wait."""
    answered_timing_untrusted: int = 0
    """The answered ones among them (left out of ASA's denominator)."""


class AgentIntervalKpi(BaseModel):
    """Occupancy and utilisation of one person in one local interval."""

    person: str
    interval_start: datetime
    interval_min: int
    handling_s: float
    available_s: float
    logged_in_s: float
    occupancy: float | None
    utilisation: float | None


class RepeatContactDay(BaseModel):
    """Repeat-contact rate of one queue on one local day, with its sample size."""

    queue: str
    date: date
    window_days: int
    contacts_with_key: int
    repeated: int
    repeat_contact_rate: float | None


class QueuePeriodKpi(BaseModel):
    """Queue KPIs over a whole period (a day, a week), summed from its intervals' counts."""

    queue: str
    first: date
    last: date
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    answered_within_target: int | None
    service_level: float | None
    service_level_variant: ServiceLevelVariant
    target_s: float
    asa_s: float | None
    aht_s: float | None
    abandon_rate: float | None
    max_wait_s: float | None
    data_source: str
    timing_untrusted: int = 0
    """Contacts counted above whose timing is untrusted (their wait is unknown): left out of
    service level, ASA and the longest wait."""
    answered_timing_untrusted: int = 0
    """The answered ones among them (left out of ASA's denominator)."""


class AgentPeriodKpi(BaseModel):
    """Occupancy and utilisation of a group of people over a period, from summed seconds."""

    people: int
    handling_s: float
    available_s: float
    logged_in_s: float
    occupancy: float | None
    utilisation: float | None
