"""The demo centre's value model: stated assumptions for both sites (illustrative figures with
ranges), so the executive page can tell what the launch Monday cost."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.org.access import EVERYTHING
from ccops.org.models import Site
from ccops.value import schemas
from ccops.value import service as value_service

CURRENCY = {"Shanghai": "CNY", "London": "GBP"}
SOURCE = "demo: illustrative figure, not a real centre's"

# (site, queue or None, key, value, low, high)
ASSUMPTIONS: tuple[tuple[str, str | None, str, float, float, float], ...] = (
    ("Shanghai", None, "cost_per_agent_hour", 95, 80, 110),
    ("Shanghai", None, "overhead_share", 0.35, 0.25, 0.5),
    ("Shanghai", None, "shrinkage", 0.3, 0.25, 0.35),
    ("Shanghai", None, "abandon_redial_share", 0.6, 0.45, 0.75),
    ("Shanghai", None, "customer_lifetime_value", 6000, 4000, 9000),
    ("Shanghai", None, "churn_uplift_abandon", 0.03, 0.01, 0.06),
    ("Shanghai", None, "churn_uplift_repeat", 0.02, 0.005, 0.04),
    ("Shanghai", None, "volume_uncertainty", 0.1, 0.1, 0.1),
    ("Shanghai", "Billing", "patience_s", 150, 100, 200),
    ("Shanghai", "Tech Support", "patience_s", 200, 140, 260),
    ("London", None, "cost_per_agent_hour", 24, 21, 28),
    ("London", None, "overhead_share", 0.3, 0.2, 0.45),
    ("London", None, "shrinkage", 0.3, 0.25, 0.35),
    ("London", None, "abandon_redial_share", 0.5, 0.35, 0.65),
    ("London", None, "customer_lifetime_value", 900, 600, 1300),
    ("London", None, "churn_uplift_abandon", 0.03, 0.01, 0.06),
    ("London", None, "churn_uplift_repeat", 0.02, 0.005, 0.04),
    ("London", None, "volume_uncertainty", 0.1, 0.1, 0.1),
    ("London", "Sales", "revenue_per_sale", 180, 140, 220),
    ("London", "Sales", "conversion_rate", 0.22, 0.15, 0.3),
    ("London", "Sales", "patience_s", 120, 80, 160),
    ("London", "Chat", "patience_s", 300, 200, 400),
)


def seed_demo(session: Session) -> int:
    """Store the demo's assumptions (and the sites' currencies where unset); return how many."""
    for site in session.scalars(select(Site)):
        if site.currency is None and site.name in CURRENCY:
            site.currency = CURRENCY[site.name]
    for site_name, queue, key, value, low, high in ASSUMPTIONS:
        value_service.set_assumption(
            session=session,
            data=schemas.AssumptionIn(
                site=site_name, queue=queue, key=key, value=value, low=low, high=high, source=SOURCE
            ),
            set_by="demo",
            scope=EVERYTHING,
        )
    return len(ASSUMPTIONS)
