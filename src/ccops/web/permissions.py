"""Which roles may use which feature: one table for the routes and the navigation.

Scope (own record, teams, sites, all) narrows the data further inside each route; this table
only says whether a role may use a feature at all. Executives are read-only everywhere.
"""

from __future__ import annotations

from ccops.enums import Role

R = Role
EVERY_ROLE = frozenset(Role)

KPI_QUEUES = EVERY_ROLE
"""Queue KPIs, repeat-contact rates, the KPI registry (queues of the sites in scope)."""
KPI_AGENTS = EVERY_ROLE - {R.executive}
"""Occupancy and utilisation of people (own record, team, sites in scope)."""
STAFFING = frozenset({R.supervisor, R.planner, R.manager, R.admin})
"""The staffing calculator (pure computation)."""
SIMULATE = frozenset({R.planner, R.manager, R.admin})
"""Simulation of scenarios (heavier computation)."""
IMPORT = frozenset({R.planner, R.manager, R.admin})
"""Imports of contacts, agent states and interval reports, and the list of import batches."""
CONTACTS_READ = frozenset({R.qa_analyst, R.planner, R.manager, R.admin})
"""Single contact records (queues of the sites in scope)."""
CONTACTS_CONTEXT = EVERY_ROLE - {R.executive}
"""Recording a contact's topic, answer used and reason (agents: contacts they handled)."""
PRIVACY = frozenset({R.admin})
"""Erasure of a customer's link to their contacts, and of a leaver's personal data."""
AUDIT = frozenset({R.admin})
"""The audit trail of changes (site-scoped administrators: entries of their sites)."""
ORG_READ = EVERY_ROLE
"""Sites, channels, queues and teams (those in scope)."""
PEOPLE_READ = EVERY_ROLE - {R.executive}
"""People (own record, team members, people of the sites in scope)."""
ORG_PAGES = frozenset({R.planner, R.manager, R.admin})
"""The organisation pages of sites, channels and queues."""
TEAM_PAGES = frozenset({R.supervisor, R.planner, R.manager, R.admin})
"""The organisation pages of teams."""
PEOPLE_PAGES = frozenset({R.supervisor, R.qa_analyst, R.planner, R.manager, R.admin})
"""The organisation page of people."""
ORG_ADMIN = frozenset({R.admin})
"""Creating sites, channels and users; listing users."""
ORG_MANAGE = frozenset({R.manager, R.admin})
"""Creating queues, teams and people (at sites in scope)."""
FORECASTS = frozenset({R.planner, R.manager, R.admin, R.executive})
"""Forecast, staffing-requirement and capacity-plan pages (queues of the sites in scope)."""
FORECASTS_WRITE = frozenset({R.planner, R.manager, R.admin})
"""Building and adjusting forecasts, requirements and capacity plans (executives read)."""
SIGNED_IN = EVERY_ROLE
"""Home, account, password, own API tokens, language, log-out."""

ADMIN_PAGES: dict[str, tuple[frozenset[Role], frozenset[Role]]] = {
    "sites": (ORG_PAGES, ORG_ADMIN),
    "channels": (ORG_PAGES, ORG_ADMIN),
    "queues": (ORG_PAGES, ORG_MANAGE),
    "teams": (TEAM_PAGES, ORG_MANAGE),
    "people": (PEOPLE_PAGES, ORG_MANAGE),
    "users": (ORG_ADMIN, ORG_ADMIN),
}
"""Each organisation page: the roles that may see it and the roles that may create there."""
SCHEDULE_WRITE = frozenset({R.planner, R.manager, R.admin})
"""Building, editing and publishing schedules; templates and contracts (sites in scope)."""
SCHEDULE_READ = frozenset({R.supervisor, R.planner, R.manager, R.executive, R.admin})
"""Schedule versions and coverage (supervisors see their teams' shifts)."""
TIME_OFF = frozenset({R.supervisor, R.planner, R.manager, R.admin})
"""Recording people's time off (people in scope)."""
MY_SCHEDULE = EVERY_ROLE
"""One's own published week, calendar feed and notifications."""
SCHEDULE_REQUEST = EVERY_ROLE - {R.executive}
"""One's own schedule requests: asking for time off, proposing and answering shift swaps
(planners, managers and admins also see the requests of their sites there)."""

# Performance management (scope narrows further: agents see their own record only).
PERF_CASCADE = frozenset({R.supervisor, R.qa_analyst, R.planner, R.manager, R.executive, R.admin})
"""The scorecard cascade and publication rules (read)."""
PERF_MANAGE = frozenset({R.manager, R.admin})
"""Creating scorecards, cascading them, setting publication rules, producing due reports."""
PERF_PERSON = frozenset({R.agent, R.supervisor, R.qa_analyst, R.manager, R.admin})
"""A person's scorecard, coaching and recognition (agents: their own)."""
PERF_TEAM = frozenset({R.supervisor, R.qa_analyst, R.planner, R.manager, R.admin})
"""Team scorecards and control charts."""
PERF_COMPARE = frozenset({R.supervisor, R.qa_analyst, R.manager, R.admin})
"""Funnel plots and per-person values of a team (always in name order)."""
PERF_CENTRE = frozenset({R.planner, R.manager, R.executive, R.admin})
"""The centre's scorecard (the executive's read-only summary)."""
PERF_COACH = frozenset({R.supervisor, R.qa_analyst, R.manager, R.admin})
"""Recording coaching sessions, their outcomes and recognition."""
PERF_PARTY = frozenset({R.agent, R.supervisor, R.qa_analyst, R.manager, R.admin})
"""Agreeing to a coaching plan and signing a review (as one of its parties)."""
PERF_REVIEW_READ = frozenset({R.agent, R.supervisor, R.manager, R.admin})
"""Formal reviews and development notes (agents: their own)."""
PERF_REVIEW = frozenset({R.supervisor, R.manager, R.admin})
"""Writing formal reviews and development notes."""
PERF_DECIDE = frozenset({R.manager, R.admin})
"""Deciding on review recommendations (training, pay step, transfer, promotion readiness)."""
PERF_PLANNER_KPIS = frozenset({R.planner, R.manager, R.admin})
"""A planner's forecast skill by queue and horizon (planners: of their sites)."""
PERF_REPORTS = frozenset({R.supervisor, R.manager, R.executive, R.admin})
"""The report of a level (supervisors: agent and team; executives: executive)."""
PERF_FOLLOW_UP = EVERY_ROLE
"""One's own follow-ups of reports whose result crossed a rule's threshold (owners only)."""
PERF_FOLLOW_UP_DONE = EVERY_ROLE - {R.executive}
"""Marking one's own follow-up done (rule owners are never executives: they read only)."""
PERF_LEADERS = frozenset({R.supervisor, R.manager, R.admin})
"""Team leaders' recorded activities and floor time share."""
PERF_ATTRITION = frozenset({R.supervisor, R.manager, R.executive, R.admin})
"""Leavers, attrition rates and tenure survival (teams in scope)."""
PERF_ATTRITION_COST = frozenset({R.manager, R.executive, R.admin})
"""Attrition cost per site: leavers of 12 months x the site's replacement cost per leaver."""
QA_READ = frozenset({R.agent, R.supervisor, R.qa_analyst, R.manager, R.admin})
"""Quality evaluations: agents their own, team leaders their teams, analysts and managers scope."""
QA_EVALUATE = frozenset({R.qa_analyst, R.admin})
"""Scoring contacts and drawing samples (QA analysts, of people in scope)."""
QA_FORMS = frozenset({R.supervisor, R.qa_analyst, R.manager, R.admin})
"""Reading evaluation forms and calibration results."""
QA_FORMS_WRITE = frozenset({R.qa_analyst, R.manager, R.admin})
"""Creating, changing (a new version) and retiring evaluation forms."""
QA_CALIBRATE = frozenset({R.supervisor, R.qa_analyst, R.manager, R.admin})
"""Opening calibration sessions and scoring in them."""
QA_DISPUTE = frozenset({R.agent})
"""Disputing one's own evaluation."""
QA_DECIDE = frozenset({R.supervisor, R.qa_analyst, R.manager, R.admin})
"""Deciding a dispute as the second evaluator (never the one who scored)."""
QA_SUMMARY = frozenset({R.supervisor, R.qa_analyst, R.manager, R.executive, R.admin})
"""Team QA summaries with intervals (executives: teams only, no person)."""
QA_PAGES = QA_READ | QA_SUMMARY
"""The quality pages (each shows what the role may see)."""
EVENT_INTAKE = frozenset({R.planner, R.admin})
"""Sending contact and agent-state events to the intake (an integration's planner/admin token)."""
INTRADAY_READ = frozenset({R.supervisor, R.planner, R.manager, R.executive, R.admin})
"""The intraday view, board, exceptions, plans and service-level explanations (queues in scope:
supervisors see the queues their teams work, planners and managers their sites')."""
INTRADAY_ACT = frozenset({R.supervisor, R.planner, R.manager, R.admin})
"""Acknowledging, actioning and closing exceptions."""
INTRADAY_PLAN = frozenset({R.planner, R.manager, R.admin})
"""Agreeing exception plans (tiers, backup resources, owners)."""
ADHERENCE_READ = frozenset({R.supervisor, R.planner, R.manager, R.admin})
"""Adherence and conformance of people (team leaders see their teams)."""
VALUE_READ = frozenset({R.planner, R.manager, R.executive, R.admin})
"""The value model: what service cost and earned, a day's cost, what-if scenarios and their
return (queues of the sites in scope)."""
VALUE_WRITE = frozenset({R.manager, R.admin})
"""Setting the value model's assumptions (sites in scope)."""
VALUE_SAVE = frozenset({R.planner, R.manager, R.admin})
"""Saving what-if scenarios to compare side by side (queues in scope)."""

# Cases and voice of the customer (scope narrows further: agents see the cases they raised).
CASES_READ = EVERY_ROLE
"""Cases in scope (agents: the ones they raised, own or handled)."""
CASES_OPEN = EVERY_ROLE - {R.executive}
"""Opening a case (agents: from their own contacts)."""
CASES_WORK = frozenset({R.supervisor, R.qa_analyst, R.manager, R.admin})
"""Changing a case's status, owner and answer (cases in scope)."""
CASES_SETUP = frozenset({R.manager, R.admin})
"""Business calendars, case targets, routing rules and the breach sweep."""
CASES_COMPLIANCE = frozenset({R.supervisor, R.qa_analyst, R.manager, R.executive, R.admin})
"""Compliance with case targets and the voice-of-the-customer results."""
SURVEYS_WRITE = frozenset({R.qa_analyst, R.planner, R.manager, R.admin})
"""Recording and importing post-contact survey answers."""

# Knowledge base, known issues and process changes (issue 16).
KB_READ = EVERY_ROLE
"""Searching and reading published articles and the known issues of queues in scope."""
KB_WRITE = frozenset({R.supervisor, R.qa_analyst, R.planner, R.manager, R.admin})
"""Writing articles, their history and diffs, reviewing (as the owner), publishing, rollback."""
KB_BANNER = frozenset({R.planner, R.manager, R.admin})
"""Putting up and taking down known-issue banners on queues in scope."""
CHANGES_ACK = EVERY_ROLE - {R.executive}
"""Reading the changes addressed to oneself and acknowledging them."""
CHANGES_WRITE = frozenset({R.planner, R.manager, R.admin})
"""Publishing a process change to teams and roles in scope."""
CHANGES_TRACK = frozenset({R.supervisor, R.planner, R.manager, R.admin})
"""Who has not acknowledged a change (teams in scope), and reminding them."""
IMPROVE_READ = frozenset({R.supervisor, R.qa_analyst, R.planner, R.manager, R.executive, R.admin})
"""Improvement records (PDCA) of queues in scope."""
KB_REPEATS = frozenset({R.supervisor, R.qa_analyst, R.planner, R.manager, R.executive, R.admin})
"""Repeat contacts per topic and standard-answer version (queues of the sites in scope)."""
IMPROVE_WRITE = frozenset({R.supervisor, R.qa_analyst, R.planner, R.manager, R.admin})
"""Opening improvement records, adding actions, recording the check, standardising."""
TRAINING_READ = EVERY_ROLE - {R.executive}
"""Reading the new-hire training modules and one's own checklist (others': people in scope)."""
TRAINING_WRITE = frozenset({R.supervisor, R.qa_analyst, R.planner, R.manager, R.admin})
"""Writing training modules and publishing their new versions."""
TRAINING_FOLLOW = frozenset({R.supervisor, R.qa_analyst, R.manager, R.admin})
"""The new hires in scope and their checklists; marking a module completed (trainers are
team leaders and QA analysts)."""

# Two-way communication: staff surveys, suggestions, huddles (issue 18).
STAFF_SURVEYS_READ = EVERY_ROLE
"""The list of staff surveys."""
STAFF_SURVEYS_ANSWER = EVERY_ROLE - {R.executive}
"""The rounds open to oneself, and answering them (anonymously)."""
STAFF_SURVEYS_ADMIN = frozenset({R.manager, R.admin})
"""Creating surveys, opening and closing rounds."""
STAFF_SURVEYS_REMIND = frozenset({R.supervisor, R.manager, R.admin})
"""Reminding the people in scope who have not answered (only their number is shown)."""
STAFF_SURVEYS_RESULTS = frozenset({R.supervisor, R.planner, R.manager, R.executive, R.admin})
"""Results of closed rounds, groups in scope above the minimum (a team leader: their team)."""
SUGGESTIONS_READ = EVERY_ROLE
"""Suggestions: agents their own, others those of the sites in scope; following by receipt."""
SUGGESTIONS_SUBMIT = EVERY_ROLE - {R.executive}
"""Submitting a suggestion (optionally anonymously)."""
SUGGESTIONS_DECIDE = frozenset({R.manager, R.admin})
"""Assessing a suggestion: decision, reason, reward."""
SUGGESTIONS_COUNTS = frozenset({R.supervisor, R.planner, R.manager, R.executive, R.admin})
"""Monthly counts per site: submitted, answered in time, adopted."""
HUDDLES_READ = frozenset({R.supervisor, R.planner, R.manager, R.executive, R.admin})
"""Huddle agendas, notes and the rhythm of teams in scope."""
HUDDLES_WRITE = frozenset({R.supervisor, R.manager, R.admin})
"""Recording a huddle's notes, attendance and actions."""
HUDDLE_ACTIONS = EVERY_ROLE - {R.executive}
"""One's own open actions, and marking them done."""
