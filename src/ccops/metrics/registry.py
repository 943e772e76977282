"""Every KPI defined once: what it means, its formula, unit and data source, shown to users."""

from __future__ import annotations

from dataclasses import dataclass

from ccops.text import N_


@dataclass(frozen=True)
class Metric:
    """One KPI as users see it; ``formula`` names the variant where the industry has several."""

    key: str
    label: str
    unit: str
    formula: str
    data_source: str
    description: str
    group: str
    direction: str = "none"
    """Which way is better: "higher", "lower", or "none" (a band or context decides)."""
    variant: str | None = None
    """How the value may be computed when there is more than one source or formula."""


CONTACTS = N_("contact records (imported telephony / ACD exports, or the simulator)")
STATES = N_("agent-state events (imported state logs, Asterisk queue_log agent events)")
FLOOR_TARGET = 0.75
"""Seed 004: a team leader spends 75% of the time on the floor and 25% on planning and reports."""
DIRECTION_TEXT = {
    "higher": N_("higher is better"),
    "lower": N_("lower is better"),
    "none": N_("no better direction (read against a target or band)"),
}

_METRICS = [
    Metric(
        "offered",
        N_("Offered"),
        N_("contacts"),
        "count of contacts arriving in the interval (contacts with untrusted timing included)",
        CONTACTS,
        N_("Every contact that reached the queue, whatever became of it."),
        "queue",
    ),
    Metric(
        "answered",
        N_("Answered"),
        N_("contacts"),
        "count of contacts with outcome answered or transferred",
        CONTACTS,
        N_("Contacts an agent took (a transfer after answer counts as answered)."),
        "queue",
    ),
    Metric(
        "abandoned",
        N_("Abandoned"),
        N_("contacts"),
        "count of contacts with outcome abandoned",
        CONTACTS,
        N_("Customers who gave up while waiting, short abandons included."),
        "queue",
        direction="lower",
    ),
    Metric(
        "short_abandoned",
        N_("Short abandons"),
        N_("contacts"),
        "count of abandoned contacts with wait_s < the queue's short_abandon_s (default 5 s); "
        "an abandon with untrusted timing (null wait_s) is never short",
        CONTACTS,
        N_(
            "Abandons too quick to have been served (misdials, instant hang-ups); excluded from "
            "service level and abandonment rate."
        ),
        "queue",
        direction="none",
    ),
    Metric(
        "answered_within_target",
        N_("Answered within target"),
        N_("contacts"),
        "count of answered contacts with wait_s <= the queue's target_s (a null wait_s, "
        "untrusted timing, is not within target)",
        CONTACTS,
        N_("The numerator of service level."),
        "queue",
        direction="higher",
    ),
    Metric(
        "service_level",
        N_("Service level"),
        N_("fraction"),
        "over the contacts with trusted timing (timed = offered - contacts whose wait_s is null "
        "because their timestamps disagree): answered_within_target / (timed - short_abandoned) "
        "[variant exclude_short_abandons, the default]; answered_within_target / timed "
        "[abandons_count_against]; answered_within_target / answered with trusted timing "
        "[abandons_ignored]; null when the denominator is 0",
        CONTACTS,
        N_(
            "Share of contacts answered within the queue's threshold T; the variant is a queue "
            "setting and is reported with every value."
        ),
        "queue",
        direction="higher",
    ),
    Metric(
        "asa_s",
        N_("Average speed of answer"),
        N_("seconds"),
        "sum(wait_s of answered) / answered, over answered contacts with trusted timing "
        "(wait_s not null)",
        CONTACTS,
        N_("Mean wait of the contacts that were answered; null with no answered contact."),
        "queue",
        direction="lower",
    ),
    Metric(
        "aht_s",
        N_("Average handle time"),
        N_("seconds"),
        "sum(talk_s + hold_s + wrap_s) / answered, over answered contacts with trusted timing "
        "(wait_s not null): a contact whose timestamps disagree may have no service times "
        "(stored as talk 0), so its handle time is unknown and left out, never counted as 0 s",
        CONTACTS,
        N_("Mean work per answered contact: talk, hold and after-contact work."),
        "queue",
    ),
    Metric(
        "abandon_rate",
        N_("Abandonment rate"),
        N_("fraction"),
        "(abandoned - short_abandoned) / (offered - short_abandoned); null when the denominator "
        "is 0",
        CONTACTS,
        N_("Share of real attempts that gave up waiting."),
        "queue",
        direction="lower",
    ),
    Metric(
        "max_wait_s",
        N_("Longest wait"),
        N_("seconds"),
        "max(wait_s) over all contacts of the interval with trusted timing (wait_s not null)",
        CONTACTS,
        N_("The longest any customer waited, answered or not."),
        "queue",
        direction="lower",
    ),
    Metric(
        "occupancy",
        N_("Occupancy"),
        N_("fraction"),
        "(on_contact + wrap_up seconds) / (on_contact + wrap_up + available seconds)",
        STATES,
        N_("Share of an agent's ready time spent handling contacts."),
        "agent",
    ),
    Metric(
        "utilisation",
        N_("Utilisation"),
        N_("fraction"),
        "(on_contact + wrap_up seconds) / logged-in seconds (every state but offline)",
        STATES,
        N_(
            "Share of logged-in time spent handling contacts; breaks, training and meetings "
            "lower it."
        ),
        "agent",
    ),
    Metric(
        "repeat_contact_rate",
        N_("Repeat-contact rate (FCR proxy)"),
        N_("fraction"),
        "answered contacts followed by another contact of the same customer key on the same "
        "queue within N days (default 7) / answered contacts with a known customer key",
        CONTACTS,
        N_(
            "How often a customer had to come back; 1 minus it approximates first-contact "
            "resolution. Contacts without a customer key are not counted."
        ),
        "queue",
        direction="lower",
    ),
    Metric(
        "floor_time_share",
        N_("Floor time share"),
        N_("fraction"),
        "floor minutes / (floor + off-floor minutes) of the team leader; scheduled: queue work, "
        "floor support, coaching and huddles are floor, meetings, training, planning and reports "
        "are off floor, breaks are left out; recorded: minutes logged as floor / all logged "
        "minutes",
        N_(
            "team leaders' published schedules (scheduled share) and their recorded activities "
            "(performance activity log, recorded share)"
        ),
        N_(
            "Share of a team leader's working time spent with agents on the floor; the target "
            "is three quarters on the floor and one quarter on planning, analysis and reports."
        ),
        "people",
        direction="higher",
        variant="scheduled (published schedules) or recorded (activity log); a scorecard "
        "uses the recorded share and falls back to the scheduled one when nothing is "
        "recorded, and says which",
    ),
    Metric(
        "attrition_rate",
        N_("Attrition rate"),
        N_("fraction"),
        "leavers in the period / average headcount ((headcount at the start + at the end) / 2); "
        "95% Wilson interval with n = the average headcount (an approximation)",
        N_("people records (hire and termination dates)"),
        N_("Share of the team who left in the period."),
        "people",
        direction="lower",
        variant="monthly per team on the attrition page; over the last 12 months per site in "
        "the executive view, where cost = leavers x the site's replacement cost per leaver",
    ),
    Metric(
        "qa_pass_rate",
        N_("QA pass rate"),
        N_("fraction"),
        "evaluations at or above the form's pass mark (no critical item failed) / evaluations, "
        "calibration scores excluded; 95% Wilson interval",
        N_("quality evaluations (QA evaluation records)"),
        N_("Share of a person's evaluated contacts that passed the evaluation form."),
        "quality",
        direction="higher",
    ),
    Metric(
        "forecast_skill",
        N_("Forecast skill (wMAPE vs seasonal naive)"),
        N_("ratio"),
        "sum |adjusted forecast - actual| / sum |seasonal naive - actual| over the intervals of "
        "the days the planner's forecasts were in use (the latest forecast of the queue made "
        "before the day; one built as of a date counts as made the day before its first day); "
        "seasonal naive = the actual of the same local interval 7 days "
        "earlier; intervals without an actual or a naive value are left out; 95% interval by "
        "linearisation over queue-days; below 1 the forecast beat the naive one",
        N_(
            "stored forecasts (forecast versions, their intervals and adjustment layers) and "
            "contact records (actual contacts per interval)"
        ),
        N_(
            "How much better a planner's forecasts were than repeating last week: the weighted "
            "absolute error of the forecast as a share of the naive forecast's. Broken down by "
            "queue and horizon on the planner's accuracy page."
        ),
        "position",
        direction="lower",
        variant="wMAPE alone (sum |forecast - actual| / sum actual) is shown per queue and "
        "horizon beside the ratio",
    ),
    Metric(
        "schedule_fit",
        N_("Schedule fit (coverage error)"),
        N_("fraction"),
        "sum |scheduled - required| / sum required net agents over the 15-minute coverage "
        "intervals of the schedules the planner published (under- plus over-coverage as a share "
        "of the requirement); 95% interval by linearisation over days",
        N_(
            "published schedules (their coverage intervals: required and scheduled agents, "
            "predicted service level)"
        ),
        N_(
            "How closely a planner's published schedules met the staffing requirement; the note "
            "splits under- from over-coverage and gives the service level the plan predicted."
        ),
        "position",
        direction="lower",
    ),
    Metric(
        "calibration_offset_pct",
        N_("Calibration offset"),
        N_("points"),
        "mean over calibration contacts of |own total score - mean of the other evaluators' "
        "scores| in percentage points, calibration sessions created in the period; Student t "
        "95% interval over contacts; the signed mean and each session's Krippendorff alpha are "
        "given beside it",
        N_("QA calibration sessions (every evaluator's scores of the same contacts)"),
        N_(
            "How far a QA analyst's scores stand from their colleagues' on the same contacts; the "
            "signed offset says whether they score higher or lower, the session alpha how well "
            "the group agrees as a whole."
        ),
        "position",
        direction="lower",
    ),
    Metric(
        "qa_sample_completion",
        N_("Evaluations done vs sampling plan"),
        N_("fraction"),
        "contacts of the QA samples the analyst drew in the period that have an evaluation "
        "(calibration scores excluded) / contacts drawn; 95% Wilson interval",
        N_("QA samples (the drawn worklists) and quality evaluations"),
        N_("Share of the contacts the sampling plan drew that were evaluated."),
        "position",
        direction="higher",
    ),
    Metric(
        "coaching_follow_through",
        N_("Coaching follow-through"),
        N_("fraction"),
        "coaching sessions held by the team leader whose follow-up date falls in the period and "
        "that have an outcome recorded / coaching sessions whose follow-up date falls in the "
        "period; 95% Wilson interval",
        N_("coaching records (follow-up dates and outcomes)"),
        N_(
            "Share of a team leader's agreed coaching follow-ups that were actually followed up "
            "(an outcome written), not only planned."
        ),
        "position",
        direction="higher",
    ),
]

METRICS: dict[str, Metric] = {m.key: m for m in _METRICS}


def markdown() -> str:
    """Render the registry as the Markdown page docs/kpis.md (generated, never hand-edited)."""
    lines = [
        "# KPI definitions",
        "",
        "Generated from `ccops.metrics.registry` by `ccops kpi definitions --markdown`;",
        "do not edit by hand.",
        "",
    ]
    groups = (
        ("queue", "Queue KPIs"),
        ("agent", "Agent KPIs"),
        ("people", "People KPIs"),
        ("quality", "Quality KPIs"),
        ("position", "Position KPIs (planner, QA analyst, team leader)"),
    )
    for group, title in groups:
        lines += [f"## {title}", ""]
        for m in _METRICS:
            if m.group != group:
                continue
            lines += [
                f"### {m.label} (`{m.key}`)",
                "",
                m.description,
                "",
                f"- Formula: {m.formula}",
                f"- Unit: {m.unit}",
                f"- Data source: {m.data_source}",
                f"- Direction: {DIRECTION_TEXT[m.direction]}",
            ]
            if m.variant:
                lines.append(f"- Variant: {m.variant}")
            lines += [
                "",
            ]
    return "\n".join(lines)
