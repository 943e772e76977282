"""Every route of the app with every role: allowed or refused, as this one table says.

A route missing from the table fails the test, so a new route cannot ship without a decision.
"Allowed" means neither 401 nor 403 and no server error (the empty requests sent here may
well be 422); "refused" means 403. Without a sign-in, the API answers 401 and pages redirect to
/login; public routes answer without one (the sign-in and language forms still refuse a post
without their CSRF token, with 403, which is why public routes are only checked for "not 401").
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount, Route

from ccops.enums import Role
from tests.factories.web import World

A, S, Q, P, M, E, D = (
    Role.agent,
    Role.supervisor,
    Role.qa_analyst,
    Role.planner,
    Role.manager,
    Role.executive,
    Role.admin,
)
EVERYONE = frozenset(Role)
NOT_EXECUTIVE = EVERYONE - {E}
STAFFING = frozenset({S, P, M, D})
PLANNING = frozenset({P, M, D})
MANAGING = frozenset({M, D})
ADMIN = frozenset({D})
PUBLIC = "public"

TABLE: dict[tuple[str, str], frozenset[Role] | str] = {
    # service, documentation, static files, sign-in
    ("GET", "/health"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/login/code"): PUBLIC,
    ("POST", "/language"): PUBLIC,
    ("GET", "/auth/oidc/start"): PUBLIC,
    ("GET", "/auth/oidc/callback"): PUBLIC,
    # JSON API: organisation
    ("GET", "/api/v1/sites"): EVERYONE,
    ("POST", "/api/v1/sites"): ADMIN,
    ("POST", "/api/v1/sites/{name}/leaver-cost"): ADMIN,
    ("GET", "/api/v1/channels"): EVERYONE,
    ("POST", "/api/v1/channels"): ADMIN,
    ("GET", "/api/v1/queues"): EVERYONE,
    ("POST", "/api/v1/queues"): MANAGING,
    ("GET", "/api/v1/teams"): EVERYONE,
    ("POST", "/api/v1/teams"): MANAGING,
    ("GET", "/api/v1/people"): NOT_EXECUTIVE,
    ("POST", "/api/v1/people"): MANAGING,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("PATCH", "/api/v1/sites/{name}"): ADMIN,
    ("PATCH", "/api/v1/queues/{name}"): MANAGING,
    ("PATCH", "/api/v1/teams/{name}"): MANAGING,
    ("PATCH", "/api/v1/people/{login}"): MANAGING,
    ("PATCH", "/api/v1/users/{login}"): ADMIN,
    # JSON API: contact data
    ("POST", "/api/v1/imports/contacts"): PLANNING,
    ("POST", "/api/v1/imports/agent-states"): PLANNING,
    ("POST", "/api/v1/imports/intervals"): PLANNING,
    ("GET", "/api/v1/imports"): PLANNING,
    ("GET", "/api/v1/imports/pending"): PLANNING,
    ("GET", "/api/v1/agent-aliases"): PLANNING,
    ("POST", "/api/v1/agent-aliases"): PLANNING,
    ("GET", "/api/v1/contacts"): frozenset({Q, P, M, D}),
    ("PATCH", "/api/v1/contacts/{contact_id}/context"): NOT_EXECUTIVE,
    ("POST", "/api/v1/privacy/erase"): ADMIN,
    ("POST", "/api/v1/privacy/erase-leaver"): ADMIN,
    # JSON API and page: the audit trail (read-only)
    ("GET", "/api/v1/audit"): ADMIN,
    ("GET", "/admin/audit"): ADMIN,
    # JSON API and page: the value model (executive view of cost, revenue and ROI)
    ("GET", "/api/v1/value/assumptions"): frozenset({P, M, E, D}),
    ("POST", "/api/v1/value/assumptions"): MANAGING,
    ("GET", "/api/v1/value/summary"): frozenset({P, M, E, D}),
    ("GET", "/api/v1/value/monthly"): frozenset({P, M, E, D}),
    ("GET", "/api/v1/value/whatif"): frozenset({P, M, E, D}),
    ("GET", "/api/v1/value/scenarios"): frozenset({P, M, E, D}),
    ("POST", "/api/v1/value/scenarios"): PLANNING,
    ("GET", "/value"): frozenset({P, M, E, D}),
    ("GET", "/value/whatif"): frozenset({P, M, E, D}),
    ("GET", "/value/report"): frozenset({P, M, E, D}),
    # JSON API: KPIs
    ("GET", "/api/v1/kpi/intervals"): EVERYONE,
    ("GET", "/api/v1/kpi/agents"): NOT_EXECUTIVE,
    ("GET", "/api/v1/kpi/repeats"): EVERYONE,
    ("GET", "/api/v1/kpi/definitions"): EVERYONE,
    # JSON API: staffing
    ("POST", "/api/v1/staffing"): STAFFING,
    ("POST", "/api/v1/staffing/intervals"): STAFFING,
    ("POST", "/api/v1/staffing/simulate"): PLANNING,
    # JSON API: forecasts, staffing requirements, capacity plans (planning; executives read)
    ("POST", "/api/v1/forecasts"): PLANNING,
    ("POST", "/api/v1/forecasts/backtest"): PLANNING,
    ("GET", "/api/v1/forecasts"): PLANNING | {E},
    ("GET", "/api/v1/forecasts/{forecast_id}"): PLANNING | {E},
    ("POST", "/api/v1/forecasts/{forecast_id}/adjustments"): PLANNING,
    ("GET", "/api/v1/forecasts/{forecast_id}/accuracy"): PLANNING | {E},
    ("POST", "/api/v1/forecasts/{forecast_id}/requirements"): PLANNING,
    ("GET", "/api/v1/forecasts/requirements/{requirement_id}"): PLANNING | {E},
    ("POST", "/api/v1/capacity-plans"): PLANNING,
    ("POST", "/api/v1/capacity-plans/site"): PLANNING,
    ("POST", "/api/v1/capacity-plans/waves"): PLANNING,
    ("POST", "/api/v1/capacity-plans/site/saved"): PLANNING,
    ("GET", "/api/v1/capacity-plans/site/saved"): PLANNING | {E},
    ("GET", "/api/v1/capacity-plans/site/saved/{saved_id}"): PLANNING | {E},
    ("GET", "/api/v1/capacity-plans/site/saved/{saved_id}/comparison"): PLANNING | {E},
    ("GET", "/api/v1/capacity-plans/waves"): PLANNING | {E},
    ("GET", "/api/v1/capacity-plans/waves/{wave_id}"): PLANNING | {E},
    ("PUT", "/api/v1/capacity-plans/waves/{wave_id}"): PLANNING,
    ("DELETE", "/api/v1/capacity-plans/waves/{wave_id}"): PLANNING,
    ("GET", "/api/v1/capacity-plans/{plan_id}"): PLANNING | {E},
    ("POST", "/api/v1/forecasts/special-days"): PLANNING,
    ("GET", "/api/v1/forecasts/special-days"): PLANNING | {E},
    ("POST", "/api/v1/forecasts/jobs"): PLANNING,
    ("GET", "/api/v1/forecasts/{forecast_id}/requirements"): PLANNING | {E},
    ("GET", "/api/v1/capacity-plans"): PLANNING | {E},
    # JSON API: background jobs (everyone reads their own; admins every job)
    ("GET", "/api/v1/jobs"): EVERYONE,
    ("GET", "/api/v1/jobs/{job_id}"): EVERYONE,
    # JSON API: schedules (planning writes; supervisors and executives read; own week for all)
    ("POST", "/api/v1/schedules"): PLANNING,
    ("POST", "/api/v1/schedules/jobs"): PLANNING,
    ("GET", "/api/v1/schedules"): STAFFING | {E},
    ("GET", "/api/v1/schedules/{schedule_id}"): STAFFING | {E},
    ("POST", "/api/v1/schedules/{schedule_id}/publish"): PLANNING,
    ("POST", "/api/v1/schedules/{schedule_id}/edits"): PLANNING,
    ("POST", "/api/v1/schedules/time-off"): STAFFING,
    ("GET", "/api/v1/schedules/people/{login}/week"): EVERYONE,
    ("GET", "/api/v1/schedules/requests"): NOT_EXECUTIVE,
    ("POST", "/api/v1/schedules/requests"): NOT_EXECUTIVE,
    ("POST", "/api/v1/schedules/requests/{request_id}/answer"): NOT_EXECUTIVE,
    ("POST", "/api/v1/schedules/requests/{request_id}/withdraw"): NOT_EXECUTIVE,
    ("POST", "/api/v1/schedules/requests/{request_id}/decision"): PLANNING,
    # JSON API: time-off allowances (own balance for all who ask for time off)
    ("GET", "/api/v1/timeoff/balance"): NOT_EXECUTIVE,
    ("GET", "/api/v1/timeoff/balance/{login}"): STAFFING,
    ("GET", "/api/v1/timeoff/planner"): STAFFING,
    ("GET", "/api/v1/timeoff/policies"): PLANNING,
    ("POST", "/api/v1/timeoff/policies"): PLANNING,
    ("GET", "/timeoff"): NOT_EXECUTIVE,
    ("GET", "/bids"): NOT_EXECUTIVE,
    ("GET", "/bids/new"): PLANNING,
    ("POST", "/bids/new"): PLANNING,
    ("POST", "/bids/{bid_id}/ranking"): NOT_EXECUTIVE,
    ("GET", "/bids/{bid_id}"): NOT_EXECUTIVE,
    ("POST", "/bids/{bid_id}/award"): PLANNING,
    ("POST", "/bids/{bid_id}/apply"): PLANNING,
    ("GET", "/swaps"): NOT_EXECUTIVE,
    ("POST", "/swaps"): NOT_EXECUTIVE,
    ("POST", "/swaps/{post_id}/take"): NOT_EXECUTIVE,
    ("POST", "/swaps/{post_id}/withdraw"): NOT_EXECUTIVE,
    ("GET", "/overtime"): NOT_EXECUTIVE,
    ("POST", "/overtime"): PLANNING,
    ("POST", "/overtime/{offer_id}/accept"): NOT_EXECUTIVE,
    ("POST", "/overtime/{offer_id}/close"): PLANNING,
    ("GET", "/frontline"): STAFFING | {E},
    ("POST", "/frontline"): PLANNING,
    ("GET", "/frontline/{shift_id}"): STAFFING | {E},
    ("POST", "/frontline/{shift_id}/remove"): PLANNING,
    # JSON API: shift bidding (planners open and award; agents rank)
    ("GET", "/api/v1/bids"): NOT_EXECUTIVE,
    ("POST", "/api/v1/bids"): PLANNING,
    ("GET", "/api/v1/bids/{bid_id}"): NOT_EXECUTIVE,
    ("POST", "/api/v1/bids/{bid_id}/ranking"): NOT_EXECUTIVE,
    ("POST", "/api/v1/bids/{bid_id}/award"): PLANNING,
    ("GET", "/api/v1/bids/{bid_id}/rankings"): PLANNING,
    ("POST", "/api/v1/bids/{bid_id}/apply"): PLANNING,
    # JSON API: the open swap board (everyone with a schedule)
    ("GET", "/api/v1/swaps"): NOT_EXECUTIVE,
    ("POST", "/api/v1/swaps"): NOT_EXECUTIVE,
    ("POST", "/api/v1/swaps/{post_id}/take"): NOT_EXECUTIVE,
    ("POST", "/api/v1/swaps/{post_id}/withdraw"): NOT_EXECUTIVE,
    # JSON API: overtime and VTO offers (planners send, everyone with a schedule accepts)
    ("GET", "/api/v1/overtime"): NOT_EXECUTIVE,
    ("POST", "/api/v1/overtime"): PLANNING,
    ("POST", "/api/v1/overtime/quote"): PLANNING,
    ("POST", "/api/v1/overtime/{offer_id}/accept"): NOT_EXECUTIVE,
    ("POST", "/api/v1/overtime/{offer_id}/close"): PLANNING,
    # JSON API: executives' front-line shifts (planners schedule; executives see their own)
    ("GET", "/api/v1/frontline-shifts"): STAFFING | {E},
    ("POST", "/api/v1/frontline-shifts"): PLANNING,
    ("GET", "/api/v1/frontline-shifts/{shift_id}"): STAFFING | {E},
    ("DELETE", "/api/v1/frontline-shifts/{shift_id}"): PLANNING,
    ("GET", "/api/v1/schedules/people/{login}/availability"): STAFFING | {E},
    ("POST", "/api/v1/schedules/people/{login}/availability"): STAFFING,
    ("GET", "/api/v1/schedules/people/{login}/preferences"): STAFFING | {E},
    ("POST", "/api/v1/schedules/people/{login}/preferences"): STAFFING,
    # JSON API: own notifications
    ("GET", "/api/v1/notifications"): EVERYONE,
    ("POST", "/api/v1/notifications/{notification_id}/read"): EVERYONE,
    ("GET", "/api/v1/notifications/email"): EVERYONE,
    ("PUT", "/api/v1/notifications/email"): EVERYONE,
    # JSON API: quality (agents their own; executives team summaries only)
    ("GET", "/api/v1/quality/forms"): frozenset({A, S, Q, M, D}),
    ("POST", "/api/v1/quality/forms"): frozenset({Q, M, D}),
    ("GET", "/api/v1/quality/forms/{form_id}"): frozenset({A, S, Q, M, D}),
    ("POST", "/api/v1/quality/forms/{form_id}/versions"): frozenset({Q, M, D}),
    ("POST", "/api/v1/quality/forms/{form_id}/retire"): frozenset({Q, M, D}),
    ("GET", "/api/v1/quality/evaluations"): frozenset({A, S, Q, M, D}),
    ("POST", "/api/v1/quality/evaluations"): frozenset({S, Q, M, D}),
    ("GET", "/api/v1/quality/evaluations/{evaluation_id}"): frozenset({A, S, Q, M, D}),
    ("POST", "/api/v1/quality/evaluations/{evaluation_id}/disputes"): frozenset({A}),
    ("GET", "/api/v1/quality/disputes"): frozenset({A, S, Q, M, D}),
    ("POST", "/api/v1/quality/disputes/{dispute_id}/decision"): frozenset({S, Q, M, D}),
    ("GET", "/api/v1/quality/sample-size"): frozenset({S, Q, M, D}),
    ("POST", "/api/v1/quality/samples"): frozenset({Q, D}),
    ("GET", "/api/v1/quality/samples"): frozenset({Q, D}),
    ("GET", "/api/v1/quality/calibrations"): frozenset({S, Q, M, D}),
    ("POST", "/api/v1/quality/calibrations"): frozenset({S, Q, M, D}),
    ("GET", "/api/v1/quality/calibrations/{calibration_id}"): frozenset({S, Q, M, D}),
    ("GET", "/api/v1/quality/summary"): frozenset({S, Q, M, E, D}),
    ("GET", "/api/v1/quality/score"): frozenset({A, S, Q, M, D}),
    # pages: everyone signed in
    ("GET", "/"): EVERYONE,
    ("POST", "/logout"): EVERYONE,
    ("GET", "/account"): EVERYONE,
    ("POST", "/account/password"): EVERYONE,
    ("POST", "/account/tokens"): EVERYONE,
    ("POST", "/account/tokens/{token_id}/revoke"): EVERYONE,
    ("POST", "/account/second-factor/start"): EVERYONE,
    ("POST", "/account/second-factor/enable"): EVERYONE,
    ("POST", "/account/second-factor/disable"): EVERYONE,
    ("GET", "/kpi"): EVERYONE,
    ("GET", "/kpi/panel"): EVERYONE,
    ("GET", "/kpi/definitions"): EVERYONE,
    # pages: work of some roles
    ("GET", "/staffing"): STAFFING,
    ("GET", "/staffing/result"): STAFFING,
    ("GET", "/import"): PLANNING,
    ("POST", "/import"): PLANNING,
    ("GET", "/admin/sites"): PLANNING,
    ("POST", "/admin/sites"): ADMIN,
    ("GET", "/admin/channels"): PLANNING,
    ("POST", "/admin/channels"): ADMIN,
    ("GET", "/admin/queues"): PLANNING,
    ("POST", "/admin/queues"): MANAGING,
    ("GET", "/admin/teams"): frozenset({S, P, M, D}),
    ("POST", "/admin/teams"): MANAGING,
    ("GET", "/admin/people"): frozenset({S, Q, P, M, D}),
    ("POST", "/admin/people"): MANAGING,
    ("POST", "/admin/people-import"): MANAGING,
    ("GET", "/admin/users"): ADMIN,
    # pages: quality
    ("GET", "/quality"): frozenset({A, S, Q, M, E, D}),
    ("GET", "/quality/mine"): frozenset({A, S, Q, M, D}),
    ("GET", "/quality/evaluations/{evaluation_id}"): frozenset({A, S, Q, M, D}),
    ("POST", "/quality/evaluations/{evaluation_id}/dispute"): frozenset({A}),
    ("POST", "/quality/disputes/{dispute_id}/decide"): frozenset({S, Q, M, D}),
    ("GET", "/quality/evaluate/{contact_id}"): frozenset({Q, D}),
    ("POST", "/quality/evaluate/{contact_id}"): frozenset({Q, D}),
    ("GET", "/quality/forms"): frozenset({S, Q, M, D}),
    ("GET", "/quality/worklist"): frozenset({Q, D}),
    ("POST", "/quality/worklist"): frozenset({Q, D}),
    ("GET", "/quality/calibrations"): frozenset({S, Q, M, D}),
    ("GET", "/quality/calibrations/{calibration_id}"): frozenset({S, Q, M, D}),
    ("POST", "/quality/calibrations"): frozenset({S, Q, M, D}),
    ("GET", "/quality/calibrations/{calibration_id}/contacts/{contact_id}"): frozenset(
        {S, Q, M, D}
    ),
    ("POST", "/quality/calibrations/{calibration_id}/contacts/{contact_id}"): frozenset(
        {S, Q, M, D}
    ),
    ("GET", "/quality/team"): frozenset({S, Q, M, E, D}),
    # cases and voice of the customer (agents: cases they raised; setup: managers and admins)
    ("GET", "/api/v1/cases"): EVERYONE,
    ("POST", "/api/v1/cases"): NOT_EXECUTIVE,
    ("POST", "/api/v1/cases/from-contact/{contact_id}"): NOT_EXECUTIVE,
    ("GET", "/api/v1/cases/{case_id}"): EVERYONE,
    ("PATCH", "/api/v1/cases/{case_id}"): frozenset({S, Q, M, D}),
    ("GET", "/api/v1/cases/compliance"): frozenset({S, Q, M, E, D}),
    ("GET", "/api/v1/cases/voc"): frozenset({S, Q, M, E, D}),
    ("POST", "/api/v1/cases/surveys"): frozenset({Q, P, M, D}),
    ("GET", "/api/v1/cases/calendars"): MANAGING,
    ("POST", "/api/v1/cases/calendars"): MANAGING,
    ("GET", "/api/v1/cases/targets"): MANAGING,
    ("POST", "/api/v1/cases/targets"): MANAGING,
    ("GET", "/api/v1/cases/routes"): MANAGING,
    ("POST", "/api/v1/cases/routes"): MANAGING,
    ("POST", "/api/v1/cases/sweep"): MANAGING,
    ("GET", "/api/v1/cases/statuses"): EVERYONE,
    ("PUT", "/api/v1/cases/statuses"): MANAGING,
    ("DELETE", "/api/v1/cases/statuses"): MANAGING,
    ("GET", "/api/v1/cases/senior-rules"): MANAGING,
    ("PUT", "/api/v1/cases/senior-rules"): MANAGING,
    ("GET", "/api/v1/cases/chains"): MANAGING,
    ("PUT", "/api/v1/cases/chains"): MANAGING,
    ("DELETE", "/api/v1/cases/chains"): MANAGING,
    ("POST", "/api/v1/cases/churn"): MANAGING,
    ("GET", "/api/v1/cases/categories"): frozenset({S, Q, M, E, D}),
    ("GET", "/api/v1/cases/voc/report"): frozenset({S, Q, M, E, D}),
    ("GET", "/api/v1/cases/voc/links"): frozenset({S, Q, M, E, D}),
    ("POST", "/api/v1/cases/voc/links"): MANAGING,
    ("DELETE", "/api/v1/cases/voc/links"): MANAGING,
    ("GET", "/cases"): EVERYONE,
    ("POST", "/cases"): NOT_EXECUTIVE,
    ("GET", "/cases/contacts/{contact_id}"): EVERYONE,
    ("POST", "/cases/contacts/{contact_id}"): NOT_EXECUTIVE,
    ("POST", "/cases/contacts/{contact_id}/context"): NOT_EXECUTIVE,
    ("GET", "/cases/{case_id}"): EVERYONE,
    ("POST", "/cases/{case_id}"): frozenset({S, Q, M, D}),
    ("GET", "/cases/compliance"): frozenset({S, Q, M, E, D}),
    ("GET", "/cases/voc"): frozenset({S, Q, M, E, D}),
    ("POST", "/cases/voc/churn"): MANAGING,
    ("POST", "/cases/voc/links"): MANAGING,
    ("GET", "/cases/statuses"): MANAGING,
    ("POST", "/cases/statuses"): MANAGING,
    ("POST", "/admin/users"): ADMIN,
    # the edit page of one record (and its actions: leaver, disable, unlock, password)
    ("GET", "/admin/sites/{item}"): ADMIN,
    ("POST", "/admin/sites/{item}"): ADMIN,
    ("GET", "/admin/queues/{item}"): MANAGING,
    ("POST", "/admin/queues/{item}"): MANAGING,
    ("GET", "/admin/teams/{item}"): MANAGING,
    ("POST", "/admin/teams/{item}"): MANAGING,
    ("GET", "/admin/people/{item}"): MANAGING,
    ("POST", "/admin/people/{item}"): MANAGING,
    ("GET", "/admin/users/{item}"): ADMIN,
    ("POST", "/admin/users/{item}"): ADMIN,
    # pages: forecasts, staffing requirements, capacity plans (planning; executives read)
    ("GET", "/forecasts"): PLANNING | {E},
    ("POST", "/forecasts"): PLANNING,
    ("GET", "/forecasts/{forecast_id}"): PLANNING | {E},
    ("POST", "/forecasts/{forecast_id}/adjustments"): PLANNING,
    ("POST", "/forecasts/{forecast_id}/requirements"): PLANNING,
    ("POST", "/forecasts/{forecast_id}/capacity-plans"): PLANNING,
    ("GET", "/forecasts/requirements/{requirement_id}"): PLANNING | {E},
    ("GET", "/capacity-plans"): PLANNING | {E},
    ("GET", "/capacity-plans/site"): PLANNING | {E},
    ("POST", "/capacity-plans/site/waves"): PLANNING,
    ("POST", "/capacity-plans/site/saved"): PLANNING,
    ("GET", "/capacity-plans/site/saved/{saved_id}"): PLANNING | {E},
    ("GET", "/capacity-plans/site/waves/{wave_id}"): PLANNING,
    ("POST", "/capacity-plans/site/waves/{wave_id}"): PLANNING,
    ("POST", "/capacity-plans/site/waves/{wave_id}/remove"): PLANNING,
    ("GET", "/capacity-plans/{plan_id}"): PLANNING | {E},
    # pages: schedules, one's own week and calendar feed, notifications
    ("GET", "/schedules"): STAFFING | {E},
    ("POST", "/schedules/build"): PLANNING,
    ("GET", "/schedules/{schedule_id}"): STAFFING | {E},
    ("POST", "/schedules/{schedule_id}/publish"): PLANNING,
    ("GET", "/schedules/my"): EVERYONE,
    ("POST", "/schedules/my/feed"): EVERYONE,
    ("POST", "/schedules/my/feed/revoke"): EVERYONE,
    ("POST", "/schedules/my/requests"): NOT_EXECUTIVE,
    ("POST", "/schedules/my/requests/{request_id}/answer"): NOT_EXECUTIVE,
    ("POST", "/schedules/my/requests/{request_id}/withdraw"): NOT_EXECUTIVE,
    ("POST", "/schedules/requests/{request_id}/decide"): PLANNING,
    ("GET", "/notifications"): EVERYONE,
    ("POST", "/notifications/{notification_id}/read"): EVERYONE,
    ("POST", "/notifications/email"): EVERYONE,
    # the progress page of any job (its kind's roles and scope are checked per job)
    ("GET", "/jobs/{job_id}"): EVERYONE,
    ("GET", "/calendar/{token}.ics"): PUBLIC,
    # performance management (scope narrows further: agents see their own record only)
    ("GET", "/api/v1/performance/scorecards"): frozenset({S, Q, P, M, E, D}),
    ("POST", "/api/v1/performance/scorecards"): MANAGING,
    ("POST", "/api/v1/performance/scorecards/{name}/parent"): MANAGING,
    ("GET", "/api/v1/performance/cascade"): frozenset({S, Q, P, M, E, D}),
    ("GET", "/api/v1/performance/people/{login}/scorecard"): frozenset({A, S, Q, M, D}),
    ("GET", "/api/v1/performance/teams/{team}/scorecard"): frozenset({S, Q, P, M, D}),
    ("GET", "/api/v1/performance/teams/{team}/people"): frozenset({S, Q, M, D}),
    ("GET", "/api/v1/performance/teams/{team}/funnel"): frozenset({S, Q, M, D}),
    ("GET", "/api/v1/performance/teams/{team}/training-needs"): frozenset({S, Q, M, D}),
    ("GET", "/api/v1/performance/teams/{team}/control-chart"): frozenset({S, Q, P, M, D}),
    ("GET", "/api/v1/performance/centre/scorecard"): frozenset({P, M, E, D}),
    ("GET", "/api/v1/performance/people/{login}/coaching"): frozenset({A, S, Q, M, D}),
    ("POST", "/api/v1/performance/coaching"): frozenset({S, Q, M, D}),
    ("POST", "/api/v1/performance/coaching/{coaching_id}/agree"): frozenset({A, S, Q, M, D}),
    ("POST", "/api/v1/performance/coaching/{coaching_id}/outcome"): frozenset({S, Q, M, D}),
    ("GET", "/api/v1/performance/people/{login}/reviews"): frozenset({A, S, M, D}),
    ("POST", "/api/v1/performance/reviews"): frozenset({S, M, D}),
    ("POST", "/api/v1/performance/reviews/{review_id}/sign"): frozenset({A, S, Q, M, D}),
    ("GET", "/api/v1/performance/people/{login}/recognitions"): frozenset({A, S, Q, M, D}),
    ("POST", "/api/v1/performance/recognitions"): frozenset({S, Q, M, D}),
    ("GET", "/api/v1/performance/people/{login}/development"): frozenset({A, S, M, D}),
    ("POST", "/api/v1/performance/development"): frozenset({S, M, D}),
    ("POST", "/api/v1/performance/reviews/{review_id}/recommendations"): frozenset({S, M, D}),
    ("GET", "/api/v1/performance/recommendations"): frozenset({S, M, D}),
    ("POST", "/api/v1/performance/recommendations/{recommendation_id}/decision"): frozenset({M, D}),
    ("GET", "/api/v1/performance/people/{login}/forecast-skill"): frozenset({P, M, D}),
    ("GET", "/api/v1/performance/publications"): frozenset({S, Q, P, M, E, D}),
    ("POST", "/api/v1/performance/publications"): MANAGING,
    ("GET", "/api/v1/performance/reports/{audience}"): frozenset({S, M, E, D}),
    ("POST", "/api/v1/performance/reports/due"): MANAGING,
    ("POST", "/api/v1/performance/reports/deliver"): MANAGING,
    ("GET", "/api/v1/performance/follow-ups"): EVERYONE,
    ("POST", "/api/v1/performance/follow-ups/{action_id}/done"): NOT_EXECUTIVE,
    ("POST", "/api/v1/performance/leader-activities"): frozenset({S, M, D}),
    ("GET", "/api/v1/performance/floor-time"): frozenset({S, M, D}),
    ("GET", "/api/v1/performance/attrition"): frozenset({S, M, E, D}),
    ("GET", "/api/v1/performance/attrition-cost"): frozenset({M, E, D}),
    ("GET", "/performance"): EVERYONE,
    ("GET", "/performance/people/{login}"): frozenset({A, S, Q, M, D}),
    ("GET", "/performance/teams/{team}"): frozenset({S, Q, M, D}),
    ("GET", "/performance/cascade"): frozenset({S, Q, P, M, E, D}),
    ("POST", "/performance/publications"): MANAGING,
    ("GET", "/performance/reports/{audience}"): frozenset({S, M, E, D}),
    ("POST", "/performance/follow-ups/{action_id}/done"): NOT_EXECUTIVE,
    ("GET", "/performance/attrition"): frozenset({S, M, E, D}),
    ("POST", "/performance/coaching"): frozenset({S, Q, M, D}),
    ("POST", "/performance/coaching/{coaching_id}/agree"): frozenset({A, S, Q, M, D}),
    ("POST", "/performance/coaching/{coaching_id}/outcome"): frozenset({S, Q, M, D}),
    ("POST", "/performance/reviews"): frozenset({S, M, D}),
    ("POST", "/performance/reviews/{review_id}/sign"): frozenset({A, S, Q, M, D}),
    ("POST", "/performance/recognitions"): frozenset({S, Q, M, D}),
    ("POST", "/performance/development"): frozenset({S, M, D}),
    ("GET", "/performance/reviews/{review_id}/recommend"): frozenset({S, M, D}),
    ("POST", "/performance/reviews/{review_id}/recommend"): frozenset({S, M, D}),
    ("GET", "/performance/recommendations"): frozenset({S, M, D}),
    ("POST", "/performance/recommendations/{recommendation_id}/decide"): frozenset({M, D}),
    ("GET", "/performance/people/{login}/forecast-skill"): frozenset({P, M, D}),
    # intraday: event intake, view, exceptions, plans, explanations, adherence, the board
    ("POST", "/api/v1/events"): frozenset({P, D}),
    ("POST", "/api/v1/events/amazon-connect"): frozenset({P, D}),
    ("POST", "/api/v1/events/genesys-cloud"): frozenset({P, D}),
    ("GET", "/api/v1/intraday/status"): frozenset({S, P, M, E, D}),
    ("GET", "/api/v1/intraday/explain"): frozenset({S, P, M, E, D}),
    ("GET", "/api/v1/intraday/exceptions"): frozenset({S, P, M, E, D}),
    ("GET", "/api/v1/intraday/exceptions/{exception_id}"): frozenset({S, P, M, E, D}),
    ("POST", "/api/v1/intraday/exceptions/{exception_id}/{step}"): STAFFING,
    ("GET", "/api/v1/intraday/plans"): frozenset({S, P, M, E, D}),
    ("POST", "/api/v1/intraday/plans"): PLANNING,
    ("GET", "/api/v1/intraday/adherence"): STAFFING,
    ("GET", "/api/v1/intraday/adherence/alerts"): STAFFING,
    ("GET", "/intraday"): frozenset({S, P, M, E, D}),
    ("GET", "/intraday/panel"): frozenset({S, P, M, E, D}),
    ("POST", "/intraday/exceptions/{exception_id}/{step}"): STAFFING,
    ("POST", "/intraday/breaks/move"): STAFFING,
    ("GET", "/intraday/adherence"): STAFFING,
    ("GET", "/intraday/adherence/panel"): STAFFING,
    # two-way communication: anonymous staff surveys, suggestions, huddles (#18)
    ("GET", "/api/v1/staff-surveys"): EVERYONE,
    ("POST", "/api/v1/staff-surveys"): MANAGING,
    ("GET", "/api/v1/staff-surveys/mine"): NOT_EXECUTIVE,
    ("POST", "/api/v1/staff-surveys/answers"): NOT_EXECUTIVE,
    ("POST", "/api/v1/staff-surveys/rounds"): MANAGING,
    ("POST", "/api/v1/staff-surveys/rounds/{round_id}/close"): MANAGING,
    ("POST", "/api/v1/staff-surveys/rounds/{round_id}/remind"): frozenset({S, M, D}),
    ("GET", "/api/v1/staff-surveys/results"): frozenset({S, P, M, E, D}),
    ("GET", "/api/v1/staff-surveys/engagement"): frozenset({S, P, M, E, D}),
    ("GET", "/api/v1/staff-surveys/trend"): frozenset({S, P, M, E, D}),
    ("GET", "/api/v1/suggestions"): EVERYONE,
    ("POST", "/api/v1/suggestions"): NOT_EXECUTIVE,
    ("GET", "/api/v1/suggestions/{suggestion_id}"): EVERYONE,
    ("POST", "/api/v1/suggestions/{suggestion_id}/decide"): MANAGING,
    ("GET", "/api/v1/suggestion-counts"): frozenset({S, P, M, E, D}),
    ("GET", "/api/v1/huddles"): frozenset({S, P, M, E, D}),
    ("POST", "/api/v1/huddles"): frozenset({S, M, D}),
    ("GET", "/api/v1/huddles/agenda"): frozenset({S, P, M, E, D}),
    ("GET", "/api/v1/huddles/rhythm"): frozenset({S, P, M, E, D}),
    ("GET", "/api/v1/huddles/notes/{huddle_id}"): frozenset({S, P, M, E, D}),
    ("GET", "/api/v1/huddle-actions"): NOT_EXECUTIVE,
    ("GET", "/surveys"): NOT_EXECUTIVE,
    ("POST", "/surveys/answer"): NOT_EXECUTIVE,
    ("GET", "/surveys/results"): frozenset({S, P, M, E, D}),
    ("GET", "/surveys/engagement"): frozenset({S, P, M, E, D}),
    ("GET", "/huddles"): frozenset({S, P, M, E, D}),
    ("POST", "/api/v1/huddle-actions/{action_id}/done"): NOT_EXECUTIVE,
    ("GET", "/suggestions"): EVERYONE,
    ("POST", "/suggestions"): NOT_EXECUTIVE,
    ("POST", "/suggestions/{suggestion_id}/decide"): MANAGING,
    ("GET", "/huddles/record"): frozenset({S, M, D}),
    ("POST", "/huddles/record"): frozenset({S, M, D}),
    ("GET", "/huddles/{huddle_id}"): frozenset({S, P, M, E, D}),
    ("POST", "/huddles/actions/{action_id}/done"): NOT_EXECUTIVE,
    # knowledge base: everyone reads published answers; authors write; owners review (#16)
    ("GET", "/api/v1/kb/search"): EVERYONE,
    ("GET", "/api/v1/kb/articles"): EVERYONE,
    ("POST", "/api/v1/kb/articles"): frozenset({S, Q, P, M, D}),
    ("GET", "/api/v1/kb/articles/{article_id}"): EVERYONE,
    ("POST", "/api/v1/kb/articles/{article_id}/edit"): frozenset({S, Q, P, M, D}),
    ("POST", "/api/v1/kb/articles/{article_id}/submit"): frozenset({S, Q, P, M, D}),
    ("POST", "/api/v1/kb/articles/{article_id}/versions/{version}/review"): frozenset(
        {S, Q, P, M, D}
    ),
    ("POST", "/api/v1/kb/articles/{article_id}/versions/{version}/publish"): frozenset(
        {S, Q, P, M, D}
    ),
    ("POST", "/api/v1/kb/articles/{article_id}/rollback/{to_version}"): frozenset({S, Q, P, M, D}),
    ("POST", "/api/v1/kb/articles/{article_id}/archive"): frozenset({S, Q, P, M, D}),
    ("GET", "/api/v1/kb/articles/{article_id}/diff"): frozenset({S, Q, P, M, D}),
    ("GET", "/api/v1/kb/banners"): EVERYONE,
    ("GET", "/api/v1/kb/repeats"): frozenset({S, Q, P, M, E, D}),
    ("POST", "/api/v1/kb/banners"): PLANNING,
    ("POST", "/api/v1/kb/banners/{banner_id}/withdraw"): PLANNING,
    ("GET", "/kb"): EVERYONE,
    ("GET", "/kb/articles/{article_id}"): EVERYONE,
    ("GET", "/kb/articles/{article_id}/diff"): frozenset({S, Q, P, M, D}),
    ("GET", "/kb/manage"): frozenset({S, Q, P, M, D}),
    ("POST", "/kb/articles"): frozenset({S, Q, P, M, D}),
    ("POST", "/kb/articles/{article_id}/edit"): frozenset({S, Q, P, M, D}),
    ("POST", "/kb/articles/{article_id}/submit"): frozenset({S, Q, P, M, D}),
    ("POST", "/kb/articles/{article_id}/review"): frozenset({S, Q, P, M, D}),
    ("POST", "/kb/articles/{article_id}/publish"): frozenset({S, Q, P, M, D}),
    ("POST", "/kb/articles/{article_id}/rollback"): frozenset({S, Q, P, M, D}),
    ("POST", "/kb/articles/{article_id}/archive"): frozenset({S, Q, P, M, D}),
    ("GET", "/kb/banners"): PLANNING,
    ("GET", "/kb/repeats"): frozenset({S, Q, P, M, E, D}),
    ("POST", "/kb/banners"): PLANNING,
    ("POST", "/kb/banners/{banner_id}/withdraw"): PLANNING,
    # process changes: recipients acknowledge, planners/managers publish, leaders follow up
    ("GET", "/api/v1/changes"): NOT_EXECUTIVE,
    ("POST", "/api/v1/changes"): PLANNING,
    ("GET", "/api/v1/changes/{change_id}"): NOT_EXECUTIVE,
    ("POST", "/api/v1/changes/{change_id}/acknowledge"): NOT_EXECUTIVE,
    ("GET", "/api/v1/changes/{change_id}/status"): STAFFING,
    ("POST", "/api/v1/changes/{change_id}/remind"): STAFFING,
    ("GET", "/changes"): NOT_EXECUTIVE,
    ("POST", "/changes"): PLANNING,
    ("GET", "/changes/{change_id}"): NOT_EXECUTIVE,
    ("POST", "/changes/{change_id}/acknowledge"): NOT_EXECUTIVE,
    ("POST", "/changes/{change_id}/remind"): STAFFING,
    # new-hire training: everyone but executives reads modules and their own checklist;
    # authors write modules; team leaders, QA analysts (trainers) and managers follow new hires
    ("GET", "/api/v1/training/modules"): NOT_EXECUTIVE,
    ("POST", "/api/v1/training/modules"): frozenset({S, Q, P, M, D}),
    ("GET", "/api/v1/training/modules/{module_id}"): NOT_EXECUTIVE,
    ("POST", "/api/v1/training/modules/{module_id}/versions"): frozenset({S, Q, P, M, D}),
    ("GET", "/api/v1/training/new-hires"): frozenset({S, Q, M, D}),
    ("GET", "/api/v1/training/checklists/{login}"): NOT_EXECUTIVE,
    ("POST", "/api/v1/training/checklists/{login}/completions"): frozenset({S, Q, M, D}),
    ("GET", "/training"): NOT_EXECUTIVE,
    ("POST", "/training/modules"): frozenset({S, Q, P, M, D}),
    ("GET", "/training/modules/{module_id}"): NOT_EXECUTIVE,
    ("POST", "/training/modules/{module_id}/versions"): frozenset({S, Q, P, M, D}),
    ("GET", "/training/checklists/{login}"): NOT_EXECUTIVE,
    ("POST", "/training/checklists/{login}/complete"): frozenset({S, Q, M, D}),
    # improvement cycles (PDCA): leaders, analysts, planners, managers; executives read
    ("GET", "/api/v1/improvements"): frozenset({S, Q, P, M, E, D}),
    ("POST", "/api/v1/improvements"): frozenset({S, Q, P, M, D}),
    ("GET", "/api/v1/improvements/{improvement_id}"): frozenset({S, Q, P, M, E, D}),
    ("POST", "/api/v1/improvements/{improvement_id}/actions"): frozenset({S, Q, P, M, D}),
    ("POST", "/api/v1/improvements/{improvement_id}/check"): frozenset({S, Q, P, M, D}),
    ("POST", "/api/v1/improvements/{improvement_id}/check/contacts"): frozenset({S, Q, P, M, D}),
    ("POST", "/api/v1/improvements/{improvement_id}/standardise/{article_id}"): frozenset(
        {S, Q, P, M, D}
    ),
    ("PUT", "/api/v1/improvements/{improvement_id}"): frozenset({S, Q, P, M, D}),
    ("GET", "/improvements"): frozenset({S, Q, P, M, E, D}),
    ("GET", "/improvements/new"): frozenset({S, Q, P, M, D}),
    ("POST", "/improvements"): frozenset({S, Q, P, M, D}),
    ("GET", "/improvements/{improvement_id}"): frozenset({S, Q, P, M, E, D}),
    ("GET", "/improvements/{improvement_id}/edit"): frozenset({S, Q, P, M, D}),
    ("POST", "/improvements/{improvement_id}/edit"): frozenset({S, Q, P, M, D}),
    ("POST", "/improvements/{improvement_id}/actions"): frozenset({S, Q, P, M, D}),
    ("POST", "/improvements/{improvement_id}/actions/{action_id}/done"): frozenset({S, Q, P, M, D}),
    ("POST", "/improvements/{improvement_id}/check"): frozenset({S, Q, P, M, D}),
    ("POST", "/improvements/{improvement_id}/standardise"): frozenset({S, Q, P, M, D}),
    ("POST", "/api/v1/improvements/{improvement_id}/actions/{action_id}/done"): frozenset(
        {S, Q, P, M, D}
    ),
}


def _routes(world: World) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, routers included, the static mount as GET."""
    found: set[tuple[str, str]] = set()
    app: Any = world.client().app
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute | Route):
            for method in context.methods or ():
                if method != "HEAD":
                    found.add((method, str(context.path_format)))
        elif isinstance(route, Mount):
            found.add(("GET", str(context.path)))
        else:  # pragma: no cover - a new kind of route needs a decision here
            raise AssertionError(f"unknown route type {route!r}")
    return found


def _request(client: object, method: str, path: str) -> int:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    url = re.sub(r"\{\w+(:\w+)?\}", "999", path)
    if path == "/static":
        url = "/static/ccops.css"
    if method == "GET":
        return client.get(url).status_code
    if method == "PATCH":
        return client.patch(url, json={}).status_code
    if method == "PUT":
        return client.put(url, json={}).status_code
    if method == "DELETE":
        return client.delete(url).status_code
    if path.startswith("/api/"):
        return client.post(url, json={}).status_code
    return client.post(url, data={}).status_code


SESSION_ONLY = frozenset(
    {
        "/account/password",
        "/account/tokens",
        "/account/tokens/{token_id}/revoke",
        "/account/second-factor/start",
        "/account/second-factor/enable",
        "/account/second-factor/disable",
    }
)
"""Routes every role may use from a browser session, but never with an API token (403): a
token neither mints tokens nor changes how its user signs in."""


def test_the_table_names_every_route_and_no_other(world: World) -> None:
    routes = _routes(world)
    missing = sorted(routes - TABLE.keys())
    stale = sorted(TABLE.keys() - routes)
    assert not missing, f"routes without an allow/deny decision in TABLE: {missing}"
    assert not stale, f"TABLE names routes that do not exist: {stale}"


def test_every_role_is_allowed_or_refused_as_the_table_says(world: World) -> None:
    wrong: list[str] = []
    clients = {role: world.client(role) for role in Role}
    for (method, path), allowed in sorted(TABLE.items()):
        for role in Role:
            status = _request(clients[role], method, path)
            if status >= 500:
                wrong.append(f"{method} {path} as {role.value}: server error {status}")
            elif allowed == PUBLIC:
                if status == 401:
                    wrong.append(f"{method} {path} as {role.value}: 401, expected public")
            elif path in SESSION_ONLY:
                if status != 403:
                    wrong.append(f"{method} {path} as {role.value} (token): {status}, expected 403")
            elif role in allowed:
                if status in (401, 403):
                    wrong.append(f"{method} {path} as {role.value}: {status}, expected allowed")
            elif status != 403:
                wrong.append(f"{method} {path} as {role.value}: {status}, expected 403")
    assert not wrong, "\n".join(wrong)


def test_without_a_sign_in_only_public_routes_answer(world: World) -> None:
    client = world.client()
    wrong: list[str] = []
    for (method, path), allowed in sorted(TABLE.items()):
        status = _request(client, method, path)
        if allowed == PUBLIC:
            if status == 401 or status >= 500:
                wrong.append(f"{method} {path}: {status}, expected public")
        elif path.startswith("/api/"):
            if status != 401:
                wrong.append(f"{method} {path}: {status}, expected 401")
        elif status != 303:
            wrong.append(f"{method} {path}: {status}, expected a redirect to /login")
    assert not wrong, "\n".join(wrong)


def test_executives_write_nothing_but_their_own_account() -> None:
    own = (
        "/logout",
        "/account/password",
        "/account/tokens",
        "/account/tokens/{token_id}/revoke",
        "/account/second-factor/start",
        "/account/second-factor/enable",
        "/account/second-factor/disable",
        "/api/v1/notifications/{notification_id}/read",
        "/notifications/{notification_id}/read",
        "/notifications/email",
        "/schedules/my/feed",
        "/schedules/my/feed/revoke",
    )
    for (method, path), allowed in TABLE.items():
        if method in ("POST", "PATCH") and allowed != PUBLIC and path not in own:
            assert E not in allowed, f"{method} {path} lets executives write"
