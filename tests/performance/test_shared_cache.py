"""Performance sums shared between requests: from the process's KPI cache while the committed
data is unchanged, never from a transaction's own uncommitted writes, fresh after a commit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from ccops.metrics import cache
from ccops.org import service as org_service
from ccops.performance import measures as perf_measures
from ccops.performance import subjects as perf_subjects
from ccops.runtime import session_factory
from ccops.settings import Settings
from tests.factories.performance import DAY, add_contacts, add_horizon, make_centre

ALL = org_service.EVERYTHING
LAST = DAY + timedelta(days=6)


def _repeat(session: Session) -> tuple[int | None, int]:
    team = perf_subjects.team_in_scope(session=session, name="Team A", scope=ALL)
    value = perf_measures.measure(
        session=session,
        subject=perf_subjects.team_subject(team),
        kpi="repeat_contact_rate",
        first=DAY,
        last=LAST,
    )
    return value.successes, value.n


def test_committed_sums_are_shared_and_a_commit_refreshes_them(
    session: Session, settings: Settings
) -> None:
    make_centre(session)
    add_contacts(session, login="alice", day=DAY, answered=40, repeats=4)
    add_horizon(session, DAY + timedelta(days=20))
    session.commit()
    factory = session_factory(settings)
    with factory() as reader:
        assert _repeat(reader) == (4, 40)
        misses = cache.stats()["misses"]
    with factory() as other:  # another request of the process: from the cache, same numbers
        hits = cache.stats()["hits"]
        assert _repeat(other) == (4, 40)
        assert cache.stats()["hits"] > hits and cache.stats()["misses"] == misses
    add_contacts(session, login="bob", day=DAY, answered=10, repeats=10)
    session.commit()
    with factory() as after:  # the commit bumped the data version: recomputed at once
        assert _repeat(after) == (14, 50)


def test_a_transactions_own_writes_never_reach_the_cache(
    session: Session, settings: Settings
) -> None:
    make_centre(session)
    add_contacts(session, login="alice", day=DAY, answered=40, repeats=4)
    add_horizon(session, DAY + timedelta(days=20))
    session.commit()
    factory = session_factory(settings)
    with factory() as writer:
        add_contacts(writer, login="bob", day=DAY, answered=10, repeats=10)
        assert _repeat(writer) == (14, 50)  # it sees its own writes ...
        writer.rollback()  # ... which are then rolled back
    with factory() as reader:  # no one else ever sees them, from the cache or otherwise
        assert _repeat(reader) == (4, 40)
    # a commit of as many rows elsewhere takes the data to the version the rolled-back writes had
    add_contacts(session, login="carol", day=DAY, answered=10, repeats=10)
    session.commit()
    with factory() as reader:
        assert _repeat(reader) == (4, 40)
