"""Reports delivered (issue #25 point 5): each publication rule's report is emailed once per
period, in the reader's language, with the key figures and their intervals and a link to the
report's page (a real local SMTP server); a threshold opens one follow-up for the rule's owner
only when the whole interval lies beyond it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ccops.db import make_session_factory
from ccops.enums import Role, ScopeKind
from ccops.errors import Invalid
from ccops.jobs import service as jobs_service
from ccops.knowledge.models import ImprovementRecord
from ccops.notifications import email
from ccops.notifications.models import EmailMessage, Notification
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.performance import delivery as perf_delivery
from ccops.performance import follow_ups as perf_follow_ups
from ccops.performance import models as m
from ccops.performance import reports as perf_reports
from ccops.performance import schemas as s
from tests.factories.performance import DAY, add_contacts, add_horizon, make_centre
from tests.notifications.test_email import Inbox, _subject
from tests.notifications.test_email import inbox as inbox  # noqa: PLC0414 (the fixture)

NOW = datetime.combine(DAY + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=6)
"""The morning after DAY (a Monday): the daily rules deliver DAY."""


def _factory(session: Session) -> sessionmaker[Session]:
    return make_session_factory(session.get_bind().engine)


def _user(session: Session, login: str, role: Role, locale: str | None = None) -> int:
    out = org_service.create_user(
        session=session,
        data=org_schemas.UserIn(
            login=login, password="correct-horse-9", role=role, scope=ScopeKind.all
        ),
    )
    if locale:
        from ccops.org.models import User

        session.get_one(User, out.id).locale = locale
    session.flush()
    return out.id


def _centre_rule(session: Session, **kw: Any) -> s.PublicationOut:
    return perf_reports.set_publication(
        session=session,
        data=s.PublicationIn(
            kpi="repeat_contact_rate",
            audience=s.Audience.centre,
            rhythm=s.Rhythm.daily,
            target=0.2,
            higher_is_better=False,
            **kw,
        ),
    )


def _centre(session: Session) -> None:
    """Alice answers 200 contacts on DAY, 80 of them repeated: the centre's repeat rate is
    80/200 = 40.0% with the Wilson interval 33.5%–46.9% (z = 1.959964: centre 0.401887,
    half-width 0.067282)."""
    make_centre(session)
    add_contacts(session, login="alice", day=DAY, answered=200, repeats=80)
    add_horizon(session, DAY + timedelta(days=30))


def test_opted_in_readers_get_the_figures_with_intervals_and_the_link_once(
    session: Session, inbox: Inbox
) -> None:
    _centre(session)
    mara = _user(session, "mara", Role.manager, "zh_Hans")
    olly = _user(session, "olly", Role.manager)
    _user(session, "exec", Role.executive)  # not a centre reader: nothing
    email.set_preference(
        session=session, user_id=mara, address="mara@example.com", kinds=["report"], digest=False
    )
    email.set_preference(
        session=session, user_id=olly, address="olly@example.com", kinds=["schedule"], digest=False
    )
    _centre_rule(session)
    [out] = perf_delivery.deliver_due(session=session, now=NOW)
    assert (out.first, out.last, out.recipients, out.emails) == (DAY, DAY, 2, 1)
    assert out.crossed == [] and out.follow_up is None
    session.commit()
    assert inbox.messages == []  # sent by the job runner, never in the caller's transaction
    [done] = jobs_service.run_pending(_factory(session))
    assert done.result == {"sent": 1, "failed": 0, "retrying": 0}
    [(to, msg)] = inbox.messages
    assert to == ["mara@example.com"]
    assert _subject(msg).startswith("通知: ")
    text = msg.get_payload(decode=True).decode()
    assert "重复联络率（首次解决率的近似）" in text  # the KPI in the reader's language
    assert "- centre: 40.0% (95% 区间 33.5%–46.9%) · n = 200 · 差于目标" in text
    assert "/performance/reports/centre?first=2026-01-05&last=2026-01-05" in text
    # both readers have it in the app; olly did not opt in to report emails
    assert (
        session.scalar(
            select(func.count()).select_from(Notification).where(Notification.kind == "report")
        )
        == 2
    )
    # a second run (or a second worker) delivers nothing new
    assert perf_delivery.deliver_due(session=session, now=NOW + timedelta(hours=3)) == []
    session.commit()
    assert jobs_service.run_pending(_factory(session)) == []
    assert len(inbox.messages) == 1
    assert session.scalar(select(func.count()).select_from(EmailMessage)) == 1
    [rule] = perf_reports.list_publications(session=session)
    assert rule.last_delivered_at is not None
    assert (rule.last_period_first, rule.last_period_last) == (DAY, DAY)


def test_weekly_rules_deliver_the_last_complete_week_and_hourly_ones_are_not_emailed() -> None:
    for offset in range(14):  # every weekday, month end and year end alike
        today = date(2026, 12, 24) + timedelta(days=offset)
        first, last = perf_delivery.period_of(s.Rhythm.weekly, today) or (None, None)
        assert first is not None and last is not None
        assert first.weekday() == 0 and last.weekday() == 6 and last < today
        assert (today - last).days <= 7
        assert perf_delivery.period_of(s.Rhythm.daily, today) == (
            today - timedelta(days=1),
            today - timedelta(days=1),
        )
        assert perf_delivery.period_of(s.Rhythm.hourly, today) is None


def test_a_result_whose_interval_is_wholly_below_opens_one_follow_up(session: Session) -> None:
    _centre(session)
    _user(session, "mara", Role.manager)
    _centre_rule(session, owner="mara", threshold=0.5, threshold_direction="below")
    [out] = perf_delivery.deliver_due(session=session, now=NOW)
    assert out.crossed == ["centre: 40.0% (95% interval 33.5%–46.9%, n = 200), wholly below 0.5"]
    assert out.follow_up is not None
    task = out.follow_up
    assert (task.owner, task.first, task.last, task.done_at) == ("mara", DAY, DAY, None)
    assert task.due == NOW.date() + timedelta(days=7)
    assert task.report_link == "/performance/reports/centre?first=2026-01-05&last=2026-01-05"
    record = session.get_one(ImprovementRecord, task.improvement_id)
    assert record.kpi == "repeat_contact_rate"
    assert (record.problem_first, record.problem_last) == (DAY, DAY)
    assert "33.5%–46.9%" in record.problem
    # on the owner's list (their home page) and the rule's; not reopened for the same period
    assert [f.action_id for f in perf_follow_ups.follow_ups(session=session, owner="mara")] == [
        task.action_id
    ]
    assert perf_delivery.deliver_due(session=session, now=NOW + timedelta(hours=5)) == []
    assert session.scalar(select(func.count()).select_from(ImprovementRecord)) == 1
    [rule] = perf_reports.list_publications(session=session)
    assert [f.action_id for f in rule.open_follow_ups] == [task.action_id]
    # done: off the open lists, kept with its date
    done = perf_follow_ups.complete(session=session, action_id=task.action_id, by="mara")
    assert done.done_at is not None
    assert perf_follow_ups.follow_ups(session=session, owner="mara") == []


def test_a_value_below_whose_interval_reaches_the_threshold_opens_none(session: Session) -> None:
    _centre(session)
    _user(session, "mara", Role.manager)
    # 40.0% is below 45%, but the interval reaches 46.9%: noise, not a crossing
    _centre_rule(session, owner="mara", threshold=0.45, threshold_direction="below")
    [out] = perf_delivery.deliver_due(session=session, now=NOW)
    assert out.crossed == [] and out.follow_up is None
    assert session.scalar(select(func.count()).select_from(ImprovementRecord)) == 0
    [delivery] = session.scalars(select(m.ReportDelivery))
    assert delivery.improvement_id is None


def test_only_the_owner_marks_a_follow_up_done(session: Session) -> None:
    from ccops.errors import Conflict, Forbidden

    _centre(session)
    _user(session, "mara", Role.manager)
    _centre_rule(session, owner="mara", threshold=0.3, threshold_direction="above")
    [out] = perf_delivery.deliver_due(session=session, now=NOW)
    assert out.follow_up is not None  # 33.5%–46.9% lies wholly above 30%
    with pytest.raises(Forbidden):
        perf_follow_ups.complete(session=session, action_id=out.follow_up.action_id, by="olly")
    perf_follow_ups.complete(session=session, action_id=out.follow_up.action_id, by="mara")
    with pytest.raises(Conflict):
        perf_follow_ups.complete(session=session, action_id=out.follow_up.action_id, by="mara")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"owner": "mara", "threshold": 1.5, "threshold_direction": "below"}, "threshold"),
        ({"owner": "nobody", "threshold": 0.5, "threshold_direction": "below"}, "owner"),
    ],
)
def test_bad_thresholds_are_refused_with_the_field_and_change_nothing(
    session: Session, kw: dict[str, Any], field: str
) -> None:
    _centre(session)
    _user(session, "mara", Role.manager)
    with pytest.raises(Invalid) as exc:
        _centre_rule(session, **kw)
    assert [p.field for p in exc.value.problems] == [field]
    assert perf_reports.list_publications(session=session) == []


def test_a_threshold_needs_its_direction_and_owner() -> None:
    from pydantic import ValidationError

    base = {"kpi": "aht_s", "audience": "team", "rhythm": "daily"}
    with pytest.raises(ValidationError, match="threshold_direction is needed"):
        s.PublicationIn.model_validate({**base, "threshold": 300, "owner": "mara"})
    with pytest.raises(ValidationError, match="owner is needed"):
        s.PublicationIn.model_validate({**base, "threshold": 300, "threshold_direction": "above"})
