"""Page labels of the performance vocabulary (translated where shown)."""

from __future__ import annotations

from ccops.web.i18n import N_

VALUE_LABELS = {
    "centre": N_("Centre"),
    "team": N_("Team"),
    "position": N_("Position"),
    "person": N_("Person"),
    "agent": N_("Agent"),
    "team_leader": N_("Team leader"),
    "qa_analyst": N_("QA analyst"),
    "planner": N_("Planner"),
    "executive": N_("Executive"),
    "financial": N_("Financial"),
    "customer": N_("Customer"),
    "internal_process": N_("Internal process"),
    "learning_growth": N_("Learning and growth"),
    "hourly": N_("Hourly"),
    "daily": N_("Daily"),
    "weekly": N_("Weekly"),
    "recognition": N_("Recognition"),
    "coaching": N_("Coaching"),
    "root_cause_analysis": N_("Root-cause analysis"),
    "none": N_("Nothing"),
    "up": N_("up"),
    "down": N_("down"),
    "flat": N_("flat"),
    "no_clear_change": N_("no clear change"),
    "unknown": N_("not comparable"),
    "training_need": N_("Training need"),
    "promotion_readiness": N_("Ready for promotion"),
    "transfer_readiness": N_("Ready for transfer"),
}
"""Page labels of the stored vocabulary values (levels, perspectives, rhythms, trends)."""
