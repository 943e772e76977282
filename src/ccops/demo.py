"""Build the demo contact centre: deterministic, seeded, 13 weeks of simulated history.

Each domain seeds its own part, in this order (the seeded data depends on it): the organisation
(``ccops.org.demo``: two sites in different time zones, voice, chat and email queues, 100+ agents
in teams, a sign-in per role), the schedules' setup (``ccops.wfm.schedules.demo``), the contacts
and agent states made by the simulation engine (``ccops.contacts.demo``), the launch week's
forecasts and requirements and the launch marked afterwards (``ccops.wfm.forecasts.demo``), the
interval totals of the whole history (``ccops.wfm.intraday.demo``), then performance
(``ccops.performance.demo``), quality (``ccops.quality.demo``), the value model's assumptions
(``ccops.value.demo``), cases with survey answers (``ccops.cases.demo``) and the knowledge base
(``ccops.knowledge.demo``). On the most recent
Monday, volume on the voice queues runs 30% over from 09:00 after a product launch that nobody
entered as a special day: the staffing did not know, and service suffers, as in the mission's
story.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from ccops.cases import demo as cases_demo
from ccops.contacts import demo as contact_demo
from ccops.knowledge import demo as knowledge_demo
from ccops.org import demo as org_demo
from ccops.performance import demo as performance_demo
from ccops.quality import demo as quality_demo
from ccops.value import demo as value_demo
from ccops.voice import demo as voice_demo
from ccops.wfm.forecasts import demo as forecast_demo
from ccops.wfm.intraday import demo as intraday_demo
from ccops.wfm.schedules import demo as schedule_demo

SEED = 20261123
WEEKS = 13


def launch_monday(end: date) -> date:
    """The most recent Monday on or before ``end`` (the day of the unannounced launch)."""
    return end - timedelta(days=end.weekday())


def seed(session: Session, *, secret_key: str, end: date | None = None) -> dict[str, object]:
    """Build the demo centre into an empty, migrated database; return what was made."""
    if org_demo.has_data(session=session):
        raise RuntimeError("the database is not empty: the demo centre goes only into a new one")
    end = end or (datetime.now(UTC).date() - timedelta(days=1))
    first = end - timedelta(days=7 * WEEKS - 1)
    launch = launch_monday(end)
    rosters = org_demo.seed_demo(session, first=first, seed=SEED)
    schedule_demo.seed_demo(session)
    session.flush()
    made = contact_demo.seed_demo(
        session,
        first=first,
        end=end,
        launch=launch,
        rosters=rosters,
        secret_key=secret_key,
        seed=SEED,
    )
    session.flush()
    forecast_demo.seed_demo(session, launch=launch)
    intervals = intraday_demo.seed_demo(session, first=first, end=end)
    performance_demo.seed_demo(session, end=end)
    quality_demo.seed_demo(session, end=end)
    value_demo.seed_demo(session)
    cases_demo.seed_demo(session, first=first, end=end, launch=launch)
    knowledge_demo.seed_demo(session, end=end, launch=launch)
    voice_demo.seed_demo(session, end=end, launch=launch)
    return {
        "first_day": first,
        "last_day": end,
        "launch_monday": launch,
        "contacts": made["contacts"],
        "agent_state_events": made["agent_state_events"],
        "intraday_intervals": intervals,
    }
