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


CONTACTS = N_("contact records (imported telephony / ACD exports, or the simulator)")
STATES = N_("agent-state events (imported state logs, Asterisk queue_log agent events)")

_METRICS = [
    Metric(
        "offered",
        N_("Offered"),
        N_("contacts"),
        "count of contacts arriving in the interval",
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
    ),
    Metric(
        "short_abandoned",
        N_("Short abandons"),
        N_("contacts"),
        "count of abandoned contacts with wait_s < the queue's short_abandon_s (default 5 s)",
        CONTACTS,
        N_(
            "Abandons too quick to have been served (misdials, instant hang-ups); excluded from "
            "service level and abandonment rate."
        ),
        "queue",
    ),
    Metric(
        "answered_within_target",
        N_("Answered within target"),
        N_("contacts"),
        "count of answered contacts with wait_s <= the queue's target_s",
        CONTACTS,
        N_("The numerator of service level."),
        "queue",
    ),
    Metric(
        "service_level",
        N_("Service level"),
        N_("fraction"),
        "answered_within_target / (offered - short_abandoned) [variant exclude_short_abandons, "
        "the default]; answered_within_target / offered [abandons_count_against]; "
        "answered_within_target / answered [abandons_ignored]; null when the denominator is 0",
        CONTACTS,
        N_(
            "Share of contacts answered within the queue's threshold T; the variant is a queue "
            "setting and is reported with every value."
        ),
        "queue",
    ),
    Metric(
        "asa_s",
        N_("Average speed of answer"),
        N_("seconds"),
        "sum(wait_s of answered) / answered",
        CONTACTS,
        N_("Mean wait of the contacts that were answered; null with no answered contact."),
        "queue",
    ),
    Metric(
        "aht_s",
        N_("Average handle time"),
        N_("seconds"),
        "sum(talk_s + hold_s + wrap_s) / answered",
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
    ),
    Metric(
        "max_wait_s",
        N_("Longest wait"),
        N_("seconds"),
        "max(wait_s) over all contacts of the interval",
        CONTACTS,
        N_("The longest any customer waited, answered or not."),
        "queue",
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
    for group, title in (("queue", "Queue KPIs"), ("agent", "Agent KPIs")):
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
                "",
            ]
    return "\n".join(lines)
