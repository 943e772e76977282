"""Issue #15, point 5, in the intraday totals: a contact whose timing is untrusted (wait unknown)
counts in offered, answered and abandoned, and stays out of service level, ASA and AHT, on the
live path (per-contact deltas) and the rebuild from stored contacts alike; the board, the
explanation and the exception rules then agree with ``ccops kpi``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.enums import Outcome, ServiceLevelVariant
from ccops.metrics import service as metrics_service
from ccops.migrate import downgrade, upgrade
from ccops.org.models import Queue
from ccops.settings import Settings
from ccops.wfm.intraday import service as intraday_service
from ccops.wfm.intraday import totals
from ccops.wfm.intraday.models import IntradayInterval
from tests.factories import make_org
from tests.factories.metrics import add_contact

DAY = date(2024, 1, 15)
T0 = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
A, AB = Outcome.answered, Outcome.abandoned

# (id, minute, outcome, wait, talk, reason): target 20 s, short abandon under 5 s
SEED = (
    ("c1", 1, A, 10.0, 100.0, None),  # within target
    ("c2", 2, A, 30.0, 200.0, None),
    ("c3", 3, AB, 2.0, 0.0, None),  # short abandon
    ("c4", 4, AB, 40.0, 0.0, None),
    ("u1", 5, A, None, 0.0, "no_answer_time"),  # talk 0 is a stand-in, not a 0 s handle
    ("u2", 6, A, None, 500.0, "answer_before_queue_exit"),
    ("u3", 7, AB, None, 0.0, "queue_times_backwards"),
)
# by hand: offered 7, answered 4, abandoned 3, short 1, within 1; timed 4 (c1-c4), answered with
# trusted timing 2 (c1, c2): wait sum 40 s, handle sum 300 s, so ASA 20 s and AHT 150 s (counting
# every answered contact would give 40/4 = 10 s and 800/4 = 200 s)
SL = {
    ServiceLevelVariant.exclude_short_abandons: 1 / 3,  # within / (timed - short)
    ServiceLevelVariant.abandons_count_against: 1 / 4,  # within / timed
    ServiceLevelVariant.abandons_ignored: 1 / 2,  # within / answered with trusted timing
}


def _seed(session: Session, variant: ServiceLevelVariant) -> Queue:
    make_org(session, timezone="UTC", variant=variant)
    for ext, minute, outcome, wait, talk, reason in SEED:
        add_contact(
            session,
            ext=ext,
            queue="Sales",
            arrival=T0 + timedelta(minutes=minute),
            outcome=outcome,
            wait_s=wait,
            talk_s=talk,
            timing_untrusted=reason,
        )
    session.flush()
    return session.scalars(select(Queue).where(Queue.name == "Sales")).one()


def _row(session: Session) -> tuple[float, ...]:
    (r,) = session.scalars(select(IntradayInterval)).all()
    session.refresh(r)
    return (
        r.offered,
        r.answered,
        r.abandoned,
        r.short_abandoned,
        r.answered_within_target,
        r.timed,
        r.answered_timed,
        r.handle_sum_s,
        r.answered_wait_sum_s,
    )


EXPECTED = (7, 4, 3, 1, 1, 4, 2, 300.0, 40.0)


def _live(session: Session, queue: Queue, exts: tuple[str, ...], sign: float) -> None:
    """Apply the contacts ``exts`` as the intake does: one delta per stored contact record."""
    deltas = totals.Deltas()
    columns = [getattr(Contact, k) for k in totals.CONTACT_KEYS]
    for values in session.execute(select(*columns).where(Contact.external_id.in_(exts))):
        deltas.contact(dict(zip(totals.CONTACT_KEYS, values, strict=True)), queue, sign)
    totals.apply_deltas(session, deltas)


@pytest.mark.parametrize("variant", list(SL))
def test_rebuilt_totals_leave_untimed_contacts_out_of_sl_asa_and_aht(
    session: Session, settings: Settings, variant: ServiceLevelVariant
) -> None:
    queue = _seed(session, variant)
    totals.rebuild_day(session=session, queue_id=queue.id, day=DAY)
    session.commit()
    assert _row(session) == EXPECTED

    view = intraday_service.status(
        session=session, queue="Sales", day=DAY, as_of=datetime(2024, 1, 16, tzinfo=UTC)
    )
    (iv,) = [i for i in view.intervals if i.offered]
    assert (iv.offered, iv.answered, iv.abandoned) == (7, 4, 3)
    assert iv.service_level == pytest.approx(SL[variant], rel=1e-12)
    assert iv.asa_s == pytest.approx(20.0, rel=1e-12)
    assert iv.aht_s == pytest.approx(150.0, rel=1e-12)
    assert iv.abandon_rate == pytest.approx(2 / 6, rel=1e-12)
    assert view.service_level == pytest.approx(SL[variant], rel=1e-12)
    assert view.asa_s == pytest.approx(20.0, rel=1e-12)
    assert (view.timing_untrusted, view.answered_timing_untrusted) == (3, 2)
    assert any(n.startswith("3 contact(s) with untrusted timing (2 answered)") for n in view.notes)

    # the same interval by the KPI registry (what `ccops kpi` prints)
    with metrics_service.source_for_database(settings.resolved_database_url()) as source:
        (k,) = metrics_service.queue_interval_kpis(source=source, first=DAY, last=DAY)
    assert (k.offered, k.answered, k.timing_untrusted, k.answered_timing_untrusted) == (7, 4, 3, 2)
    assert k.service_level == pytest.approx(iv.service_level, rel=1e-12)
    assert k.asa_s == pytest.approx(iv.asa_s, rel=1e-12)
    assert k.aht_s == pytest.approx(iv.aht_s, rel=1e-12)

    (why,) = intraday_service.explain(session=session, day=DAY, queue="Sales")
    assert why.achieved_service_level == pytest.approx(SL[variant], rel=1e-12)
    assert why.timing_untrusted == 3
    assert "3 contact(s) with untrusted timing" in why.report


def test_live_deltas_equal_the_rebuild_and_take_an_untimed_contact_out_again(
    session: Session,
) -> None:
    queue = _seed(session, ServiceLevelVariant.exclude_short_abandons)
    _live(session, queue, tuple(s[0] for s in SEED), +1)
    session.commit()
    assert _row(session) == EXPECTED
    # an untimed answered contact taken out (the intake replacing its record): only the counts
    # it was in move, the sums do not (its talk of 500 s was never in them)
    _live(session, queue, ("u2",), -1)
    session.commit()
    assert _row(session) == (6, 3, 3, 1, 1, 4, 2, 300.0, 40.0)
    # and a timed one: every sum moves
    _live(session, queue, ("c2",), -1)
    session.commit()
    assert _row(session) == (5, 2, 3, 1, 1, 3, 1, 100.0, 10.0)
    # the rebuild of the stored contacts (all seven) restores the full totals
    session.execute(delete(IntradayInterval))
    totals.rebuild_day(session=session, queue_id=queue.id, day=DAY)
    session.commit()
    assert _row(session) == EXPECTED


def test_migration_0049_backfills_the_timed_counts_of_existing_totals(
    session: Session, db_url: str
) -> None:
    """Totals written before 0049 counted untimed contacts in the handle sum; the upgrade's
    backfill gives the rows the rebuild would write, and the downgrade puts the old sums back."""
    queue = _seed(session, ServiceLevelVariant.exclude_short_abandons)
    totals.rebuild_day(session=session, queue_id=queue.id, day=DAY)
    session.commit()
    session.close()
    downgrade(db_url, "0048")
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        old = conn.execute(
            sa.text(
                "SELECT offered, answered, handle_sum_s, answered_wait_sum_s FROM intraday_interval"
            )
        ).all()
    engine.dispose()
    assert [tuple(r) for r in old] == [(7, 4, 800.0, 40.0)]  # as 0048's code wrote them
    upgrade(db_url)
    assert _row(session) == EXPECTED
