"""The demo knowledge base: answers in English and Chinese, one in its second version, the
launch Monday's known issue on Shanghai's voice queues, a change not everyone acknowledged."""

from __future__ import annotations

from ccops.db import make_engine, make_session_factory
from ccops.knowledge import improvements, service


def test_demo_has_answers_a_known_issue_and_a_change_with_missing_acknowledgements(
    demo_url: str,
) -> None:
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as s:
        articles = service.list_articles(session=s)
        assert {a.language for a in articles} == {"en", "zh"}
        versions = {(a.language, a.topic): (a.status, a.version) for a in articles}
        assert versions[("zh", "登录")] == ("published", 2)
        assert versions[("en", "log-in")] == ("published", 1)  # version 2 waits for review
        hits = service.search(session=s, text="5.2.1")
        assert [(h.language, h.version) for h in hits] == [("zh", 2)]
        assert [h.language for h in service.search(session=s, text="退款")] == ["zh"]
        banners = service.list_banners(session=s)
        assert sorted(b.queue for b in banners) == ["Billing", "Tech Support"]
        (change,) = service.list_changes(session=s, user_id=0, manage=True)
        status = service.change_status(session=s, change_id=change.id, user_id=0)
        missing = {login for t in status.teams for login in t.missing}
        assert missing == {"agent", "supervisor"}
        assert change.acknowledged == 1
        (record,) = improvements.list_records(session=s)
        assert (record.queue, record.stage, len(record.actions)) == ("Tech Support", "do", 3)
    engine.dispose()


def test_demo_refund_topics_and_the_launch_check_measured_from_contacts(demo_url: str) -> None:
    from datetime import date

    import pytest

    from ccops.knowledge import repeat_rates, schemas
    from ccops.org.access import EVERYTHING

    engine = make_engine(demo_url)
    with make_session_factory(engine)() as s:
        report = repeat_rates.repeat_rates(
            session=s, scope=EVERYTHING, first=date(2026, 8, 31), last=date(2026, 11, 22)
        )
        topics = {t.topic: t for t in report.topics}
        assert set(topics) == {"refunds", "登录", "退款"}
        # the refund history: every window over, the launch's log-in week still open
        assert (topics["退款"].contacts, topics["退款"].repeats) == (9701, 1835)
        assert (topics["refunds"].contacts, topics["refunds"].repeats) == (3600, 755)
        assert (topics["退款"].incomplete, topics["refunds"].incomplete) == (0, 0)
        assert topics["退款"].low == pytest.approx(0.1815, abs=1e-3)
        assert topics["退款"].high == pytest.approx(0.1971, abs=1e-3)
        assert report.incomplete == 2004
        # the launch Monday's record checks the log-in topic's repeat rate from the contacts
        (record,) = improvements.list_records(session=s)
        assert record.kpi == "repeat_rate:登录"
        checked = improvements.check_from_contacts(
            session=s,
            record_id=record.id,
            data=schemas.ContactCheckIn(
                before_first=date(2026, 11, 16),
                before_last=date(2026, 11, 16),
                after_first=date(2026, 11, 17),
                after_last=date(2026, 11, 20),
                days=2,
            ),
            by="manager",
        )
        assert checked.check is not None
        c = checked.check
        assert (c.before.successes, c.before.trials) == (160, 524)
        assert (c.after.successes, c.after.trials) == (114, 1208)
        assert (c.verdict, c.incomplete) == ("improved", 1)
        # a fall of at least 16 points, beyond noise
        assert c.difference_high is not None and c.difference_high < -0.16
    engine.dispose()
