"""The KPI formulas of the registry as Ibis expressions, identical on every backend.

Inputs are Ibis tables in the *contact frame* (one row per contact, with the queue's settings
denormalised onto it) or the *state frame* (one row per agent-state span). Interval bucketing is
integer arithmetic on local wall-clock minutes, grouped together with the UTC offset, so a
daylight-saving day yields 23 or 25 hours of intervals on SQLite, PostgreSQL and DuckDB alike.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from ccops.enums import HANDLING_STATES, AgentState
from ccops.metrics import rules

CONTACT_FRAME_COLUMNS = (
    "queue",
    "target_s",
    "short_abandon_s",
    "service_level_variant",
    "arrival_epoch_s",
    "arrival_local_min",
    "utc_offset_min",
    "outcome",
    "wait_s",
    "talk_s",
    "hold_s",
    "wrap_s",
    "customer_hash",
)
STATE_FRAME_COLUMNS = (
    "person",
    "state",
    "start_epoch_s",
    "end_epoch_s",
    "utc_offset_min",
)


def _flag(condition: ir.BooleanValue) -> ir.IntegerValue:
    """1 where ``condition`` holds, else 0 (PostgreSQL cannot cast boolean to bigint)."""
    return ibis.ifelse(condition, 1, 0)


def local_day_range(contacts: ir.Table, first_day: int, last_day: int) -> ir.Table:
    """Keep contacts whose local arrival date lies in [first_day, last_day] (days since 1970)."""
    return contacts.filter(
        (contacts.arrival_local_min >= first_day * 1440)
        & (contacts.arrival_local_min < (last_day + 1) * 1440)
    )


def interval_kpis(contacts: ir.Table, interval_min: int) -> ir.Table:
    """Aggregate the contact frame into one row per queue and local interval with every queue KPI.

    Args:
        contacts: a table in the contact frame (see ``CONTACT_FRAME_COLUMNS``).
        interval_min: interval length in minutes (15, 30 or 60), aligned in local time.

    Returns:
        Columns: queue, interval_local_min, utc_offset_min, service_level_variant, target_s,
        offered, answered, abandoned, short_abandoned, answered_within_target, service_level,
        asa_s, aht_s, abandon_rate, max_wait_s, timed, answered_timed; ratios are null where
        their denominator is 0. A contact with a null wait (untrusted timing) is counted in
        offered, answered and abandoned and left out of the wait-based numbers and AHT
        (``rules``).
    """
    c = contacts
    answered = rules.ibis_condition(rules.ANSWERED, c)
    answered_timed = rules.ibis_condition(rules.ANSWERED_TIMED, c)  # also rules.HANDLED
    bucketed = c.mutate(
        interval_local_min=c.arrival_local_min - (c.arrival_local_min % interval_min),
        is_answered=_flag(answered),
        is_abandoned=rules.ibis_flag(rules.ABANDONED, c),
        is_short=rules.ibis_flag(rules.SHORT_ABANDONED, c),
        is_within=rules.ibis_flag(rules.ANSWERED_WITHIN_TARGET, c),
        is_timed=rules.ibis_flag(rules.TIMED, c),
        is_answered_timed=_flag(answered_timed),
        answered_wait_s=ibis.ifelse(answered_timed, c.wait_s, 0.0),
        handle_s=ibis.ifelse(answered_timed, c.talk_s + c.hold_s + c.wrap_s, 0.0),
    )
    agg = bucketed.group_by(
        ["queue", "interval_local_min", "utc_offset_min", "service_level_variant", "target_s"]
    ).aggregate(
        offered=bucketed.count(),
        answered=bucketed.is_answered.sum(),
        abandoned=bucketed.is_abandoned.sum(),
        short_abandoned=bucketed.is_short.sum(),
        answered_within_target=bucketed.is_within.sum(),
        timed=bucketed.is_timed.sum(),
        answered_timed=bucketed.is_answered_timed.sum(),
        answered_wait_sum_s=bucketed.answered_wait_s.sum(),
        handle_sum_s=bucketed.handle_s.sum(),
        max_wait_s=bucketed.wait_s.max(),
    )
    return _with_ratios(agg)


def _with_ratios(agg: ir.Table) -> ir.Table:
    """Add service level (by variant), ASA, AHT and abandonment rate to aggregated counts."""
    return agg.mutate(
        service_level=rules.ibis_service_level(agg),
        asa_s=rules.ibis_ratio(agg.answered_wait_sum_s, agg.answered_timed),
        aht_s=rules.ibis_ratio(agg.handle_sum_s, agg.answered_timed),
        abandon_rate=rules.ibis_rate(rules.ABANDON_RATE, agg),
    ).drop("answered_wait_sum_s", "handle_sum_s")


def report_interval_kpis(reports: ir.Table, interval_min: int) -> ir.Table:
    """Roll ACD interval reports up to ``interval_min`` with the same formulas as contacts.

    ``reports`` has queue, service_level_variant, target_s, interval_local_min, utc_offset_min,
    offered, answered, abandoned, short_abandoned (nullable: 0 assumed, the report's own
    definition), answered_within_target (nullable: service level then null), handle_s, wait_s.
    """
    r = reports
    bucketed = r.mutate(bucket=r.interval_local_min - (r.interval_local_min % interval_min))
    agg = bucketed.group_by(
        [
            bucketed.queue,
            bucketed.bucket.name("interval_local_min"),
            "utc_offset_min",
            "service_level_variant",
            "target_s",
        ]
    ).aggregate(
        offered=bucketed.offered.sum(),
        answered=bucketed.answered.sum(),
        abandoned=bucketed.abandoned.sum(),
        short_abandoned=bucketed.short_abandoned.fill_null(0).sum(),
        answered_within_target=bucketed.answered_within_target.sum(),
        timed=bucketed.offered.sum(),
        answered_timed=bucketed.answered.sum(),
        answered_wait_sum_s=bucketed.wait_s.sum(),
        handle_sum_s=bucketed.handle_s.sum(),
        max_wait_s=ibis.null("float64"),
    )
    return _with_ratios(agg)


def agent_interval_kpis(states: ir.Table, interval_min: int, max_span: int) -> ir.Table:
    """Split agent-state spans over local intervals and compute occupancy and utilisation.

    Each span is joined to the ``max_span + 1`` interval offsets it may cover (an equi-join on a
    small offsets table, not a range join), and only its overlap with each interval counts.

    Args:
        states: the state frame (see ``STATE_FRAME_COLUMNS``); spans without an end are ignored.
        interval_min: interval length in minutes, aligned in the agent's local time.
        max_span: the largest number of interval boundaries any span crosses.
    """
    size = interval_min * 60
    s = states.filter(states.end_epoch_s.notnull() & (states.end_epoch_s > states.start_epoch_s))
    offset_s = s.utc_offset_min * 60
    start_local = s.start_epoch_s + offset_s
    end_local = s.end_epoch_s + offset_s
    spans = s.mutate(
        start_local=start_local,
        end_local=end_local,
        first_bucket=(start_local - start_local % size) // size,
        last_bucket=((end_local - 1) - (end_local - 1) % size) // size,
    )
    offsets = ibis.memtable({"k": list(range(max_span + 1))})
    joined = spans.cross_join(offsets).filter(lambda t: t.k <= t.last_bucket - t.first_bucket)
    bucket = joined.first_bucket + joined.k
    lo = ibis.greatest(joined.start_local, bucket * size)
    hi = ibis.least(joined.end_local, (bucket + 1) * size)
    handling = joined.state.isin([x.value for x in HANDLING_STATES])
    pieces = joined.mutate(
        interval_local_min=bucket * interval_min,
        overlap_s=(hi - lo).cast("float64"),
        is_handling=handling,
        is_available=joined.state == AgentState.available.value,
        is_logged_in=joined.state != AgentState.offline.value,
    )
    agg = pieces.group_by(["person", "interval_local_min", "utc_offset_min"]).aggregate(
        handling_s=ibis.ifelse(pieces.is_handling, pieces.overlap_s, 0.0).sum(),
        available_s=ibis.ifelse(pieces.is_available, pieces.overlap_s, 0.0).sum(),
        logged_in_s=ibis.ifelse(pieces.is_logged_in, pieces.overlap_s, 0.0).sum(),
    )
    return agg.mutate(
        occupancy=rules.ibis_ratio(agg.handling_s, agg.handling_s + agg.available_s),
        utilisation=rules.ibis_ratio(agg.handling_s, agg.logged_in_s),
    )


def repeat_contacts(
    contacts: ir.Table, window_days: int, first_day: int, last_day: int
) -> ir.Table:
    """Repeat-contact rate per queue and local day (the first-contact-resolution proxy).

    A base contact is an answered contact with a customer key arriving in [first_day, last_day];
    it is *repeated* when the same customer's next contact on the same queue (any outcome, even
    after ``last_day``) arrives within ``window_days`` days.
    """
    c = contacts.filter(contacts.customer_hash.notnull())
    c = c.filter(
        (c.arrival_local_min >= first_day * 1440)
        & (c.arrival_local_min < (last_day + 1 + window_days) * 1440)
    )
    window = ibis.window(group_by=[c.queue, c.customer_hash], order_by=c.arrival_epoch_s)
    with_next = c.mutate(next_epoch_s=c.arrival_epoch_s.lead().over(window))
    base = with_next.filter(
        rules.ibis_condition(rules.ANSWERED, with_next)
        & (with_next.arrival_local_min < (last_day + 1) * 1440)
        & (with_next.arrival_local_min >= first_day * 1440)
    )
    repeated = base.next_epoch_s.notnull() & (
        base.next_epoch_s - base.arrival_epoch_s <= window_days * 86400
    )
    marked = base.mutate(
        local_day=(base.arrival_local_min - base.arrival_local_min % 1440) // 1440,
        is_repeat=_flag(repeated),
    )
    agg = marked.group_by(["queue", "local_day"]).aggregate(
        contacts_with_key=marked.count(), repeated=marked.is_repeat.sum()
    )
    return agg.mutate(repeat_contact_rate=rules.ibis_ratio(agg.repeated, agg.contacts_with_key))
