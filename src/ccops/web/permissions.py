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
PRIVACY = frozenset({R.admin})
"""Erasure of a customer's link to their contacts."""
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
