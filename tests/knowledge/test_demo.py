"""The demo knowledge base: answers in English and Chinese, one in its second version, the
launch Monday's known issue on Shanghai's voice queues, a change not everyone acknowledged."""

from __future__ import annotations

from sqlalchemy import select

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


def test_demo_training_the_change_links_the_module_and_a_new_hire_is_out_of_date(
    demo_url: str,
) -> None:
    from ccops.knowledge import training
    from ccops.notifications.models import Notification
    from ccops.org import service as org_service
    from ccops.org.models import Person, Team, User
    from ccops.wfm.capacity import site as capacity_site

    engine = make_engine(demo_url)
    with make_session_factory(engine)() as s:
        modules = training.list_modules(session=s)
        assert [(m.title, m.queue, m.current_version) for m in modules] == [
            ("Launch-day known issues", "Tech Support", 2),
            ("Refund process", "Billing", 1),
        ]
        (change,) = service.list_changes(session=s, user_id=0, manage=True)
        assert [(t.title, t.version, t.current_version) for t in change.training] == [
            ("Launch-day known issues", 2, 2)
        ]
        (hire,) = training.new_hires(session=s)
        newest = s.scalars(
            select(Person)
            .join(Team, Team.id == Person.team_id)
            .where(Team.name == "Billing 1", Person.role == "agent")
            .order_by(Person.hire_date.desc(), Person.login)
        ).first()
        assert newest is not None and hire.login == newest.login
        assert (hire.team, hire.done, hire.out_of_date, hire.to_do) == ("Billing 1", 1, 1, 0)
        items = training.checklist(session=s, login=hire.login).items
        assert [(i.title, i.current_version, i.completed_version, i.state) for i in items] == [
            ("Launch-day known issues", 2, 1, "out of date"),
            ("Refund process", 1, 1, "done"),
        ]
        # version 2 told Billing 1's team leader (the demo supervisor, scoped to that team);
        # the new hire has no sign-in, and nobody else has the module on a new-hire checklist
        told = s.execute(
            select(User.login, Notification.subject, Notification.body, Notification.link)
            .join(User, User.id == Notification.user_id)
            .where(Notification.kind == "training_version")
        ).all()
        assert [tuple(row) for row in told] == [
            (
                "supervisor",
                "Training updated for your new hires: Launch-day known issues, version 2",
                f"On the checklist of: {hire.login}",
                "/training",
            )
        ]
        waves = capacity_site.list_waves(session=s, site="Shanghai", scope=org_service.EVERYTHING)
        linked = {w.name: [(c.title, c.current_version) for c in w.modules] for w in waves}
        assert linked == {
            "Tech class of October": [
                ("Troubleshooting basics", None),
                ("Launch-day known issues", 2),
            ],
            "Billing class of December": [
                ("Refund process", 1),
                ("Billing system", None),
                ("Escalations", None),
            ],
        }
    engine.dispose()
