"""The demo centre's time-off allowances: a policy per contract and three balances showing time
off taken, time off granted ahead, and a request waiting for the planner with its reason."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.org.models import Person
from ccops.wfm.allowances import service
from tests.plugins.demo import DEMO_END


def test_demo_has_policies_and_balances_in_each_state(demo_url: str) -> None:
    engine = sa.create_engine(demo_url)
    now = datetime.fromisoformat(DEMO_END + "T12:00:00").replace(tzinfo=UTC)
    with Session(engine) as session:
        policies = {p.contract: p for p in service.list_policies(session=session)}
        assert policies["full-time 40h"].annual_h == 200.0
        assert policies["part-time 24h"].accrual == "monthly"
        logins = session.scalars(
            sa.select(Person.login).where(Person.role == Role.agent).order_by(Person.id).limit(3)
        ).all()
        taken, ahead, waiting = (
            service.balance(session=session, login=login, now=now) for login in logins
        )
    engine.dispose()
    assert (taken.allowance_h, taken.taken_h, taken.remaining_h) == (200.0, 16.0, 184.0)
    assert (ahead.planned_h, ahead.pending_h, ahead.remaining_h) == (40.0, 0.0, 160.0)
    assert (waiting.planned_h, waiting.pending_h) == (24.0, 24.0)
