"""Message ids of the stored schedule states and activity kinds, which the pages translate.

The templates pass the stored value to gettext (``_(s.status)``); marking the values here puts
them into the catalogs, so a Chinese page never shows an English status.
"""

from ccops.web.i18n import N_

STATUS_LABELS = {
    "building": N_("building"),
    "draft": N_("draft"),
    "published": N_("published"),
    "superseded": N_("superseded"),
    "failed": N_("failed"),
}
ACTIVITY_LABELS = {
    "work": N_("work"),
    "break": N_("break"),
    "lunch": N_("lunch"),
    "meeting": N_("meeting"),
    "training": N_("training"),
    "coaching": N_("coaching"),
    "huddle": N_("huddle"),
    "floor_support": N_("floor_support"),
    "planning": N_("planning"),
    "reports": N_("reports"),
}
REQUEST_LABELS = {
    "awaiting_colleague": N_("waiting for the colleague"),
    "pending": N_("waiting for the planner"),
    "granted": N_("granted"),
    "refused": N_("refused"),
    "declined": N_("declined by the colleague"),
    "withdrawn": N_("withdrawn"),
    "cancelled": N_("cancelled (the hours are back in the balance)"),
}
"""Where a schedule request stands, as the pages say it."""
