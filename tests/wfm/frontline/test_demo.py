"""The demo's executive on the front line: a launch-day shift on Billing with the calls they
answered, and a planned one on a coming working day, shown on the executive's own page."""

from __future__ import annotations

from datetime import date

from ccops.db import make_engine, make_session_factory
from ccops.relative_days import monday_of
from ccops.wfm.frontline import demo, service
from tests.plugins.demo import DEMO_END


def test_the_demo_executive_worked_the_launch_and_has_a_shift_ahead(demo_url: str) -> None:
    end = date.fromisoformat(DEMO_END)
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as s:
        shifts = service.shifts(session=s, contacts=True)
    engine.dispose()
    ahead, launch_day = shifts  # newest first
    assert launch_day.start.date() == monday_of(end) and launch_day.queue == "Billing"
    assert launch_day.handled == demo.HANDLED and not launch_day.counts_as_coverage
    assert all(launch_day.start <= c.answered_at < launch_day.end for c in launch_day.contacts)
    assert ahead.start.date() > end and ahead.handled == 0
