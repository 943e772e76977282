"""Demo knowledge base: answers in English and Chinese (one in its second version, one waiting
for its owner's review), the launch Monday's known issue on Shanghai's voice queues, a process
change that some have not acknowledged yet (it updates a new-hire training module, now in its
second version; Billing 1's newest hire completed the first: out of date on their checklist),
the launch's improvement record (KPI: the log-in
topic's repeat rate), and the topic and answer recorded on contacts: the launch's log-in
contacts and six weeks of Billing refund contacts."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.db import utcnow
from ccops.enums import Outcome, Role
from ccops.knowledge import improvements, schemas, service, training
from ccops.knowledge.models import KbBanner, KbVersion, TrainingCompletion, TrainingVersion
from ccops.org.models import Person, Queue, Team, User

OWNER = "qa"
AUTHOR = "supervisor"
ARTICLES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "退款",
        "Billing",
        "zh",
        "退款多久到账？",
        "退款在审核通过后七个工作日内原路退回。\n"
        "请告诉客户：银行卡退款以银行入账时间为准。\n"
        "超过七个工作日未到账，请记录订单号并转账务组。",
    ),
    (
        "refunds",
        "Billing",
        "en",
        "How long does a refund take?",
        "Refunds go back to the original payment method within 7 working days of approval.\n"
        "Card refunds depend on the bank's booking date.\n"
        "After 7 working days, note the order number and transfer to the billing back office.",
    ),
    (
        "登录",
        "Tech Support",
        "zh",
        "新品上线后 App 无法登录",
        "请客户先退出并重新打开 App。\n如仍无法登录，请记录手机型号并转二线支持。",
    ),
    (
        "log-in",
        "Tech Support",
        "en",
        "App log-in fails after the launch",
        "Ask the customer to close and reopen the app.\n"
        "If it still fails, note the phone model and transfer to second-line support.",
    ),
)
LAUNCH_FIX_ZH = (
    "新品上线后 App 无法登录（已知问题）",
    "这是新品上线引起的已知问题，技术团队正在修复。\n"
    "请客户将 App 更新到 5.2.1 版本后重新登录，无需重置密码。\n"
    "更新后仍无法登录：记录手机型号和 App 版本，转二线支持，并告知客户24小时内回电。",
)
LAUNCH_FIX_EN = (
    "App log-in fails after the launch (known issue)",
    "Known issue since the launch; a fix is coming.\n"
    "Ask the customer to update the app to 5.2.1 and log in again; no password reset is needed.\n"
    "Still failing after the update: note the phone model and app version, transfer to "
    "second-line support and promise a call back within 24 hours.",
)


LOGIN_SHARE = 0.35
"""Of the answered Tech Support contacts from the launch's 09:00 on, the share about log-in."""
CALLED_BACK = {1: 0.45, 2: 0.08}
"""Of the log-in contacts answered with each version, the share whose customer calls again
about it within two days (the first answer did not work; the known-issue answer mostly did)."""
TAG_SEED = 16


def tag_login_contacts(session: Session, *, article_id: int, launch: date) -> dict[int, int]:
    """Give the log-in topic and the answer version used to the launch's log-in contacts, and
    make the customers of some call back (a contact without a customer key, within two days,
    becomes their call back): version 1 until version 2 is published, version 2 after.

    Return how many contacts were tagged per version."""
    published = session.scalars(
        select(KbVersion.published_at).where(
            KbVersion.article_id == article_id, KbVersion.version == 2
        )
    ).one()
    assert published is not None
    fix_s = int(_aware(published).timestamp())
    start_s = int(_at(launch, 1).timestamp())  # 09:00 in Shanghai
    queue = session.scalars(select(Queue.id).where(Queue.name == "Tech Support")).one()
    rows = session.execute(
        select(Contact.id, Contact.customer_hash, Contact.arrival_epoch_s)
        .where(
            Contact.queue_id == queue,
            Contact.outcome == Outcome.answered,
            Contact.arrival_epoch_s >= start_s,
        )
        .order_by(Contact.arrival_epoch_s, Contact.id)
    ).all()
    rng = random.Random(TAG_SEED)
    anonymous = [(cid, at) for cid, customer, at in rows if customer is None]
    taken: set[int] = set()
    changes: dict[int, dict[str, object]] = {}

    def version(at: int) -> int:
        return 1 if at < fix_s else 2

    for cid, customer, at in rows:
        if customer is None or cid in taken or rng.random() >= LOGIN_SHARE:
            continue
        taken.add(cid)
        v = version(at)
        changes[cid] = {
            "id": cid,
            "topic": "登录",
            "kb_article_id": article_id,
            "kb_article_version": v,
        }
        if rng.random() >= CALLED_BACK[v]:
            continue
        later = [
            (other, when)
            for other, when in anonymous
            if at + 3600 < when <= at + 2 * 86400 and other not in taken
        ]
        if not later:
            continue
        other, when = later[rng.randrange(min(len(later), 40))]
        taken.add(other)
        changes[other] = {
            "id": other,
            "customer_hash": customer,
            "topic": "登录",
            "kb_article_id": article_id,
            "kb_article_version": version(when),
        }
    if changes:
        session.execute(update(Contact), list(changes.values()))
    counts = {1: 0, 2: 0}
    for change in changes.values():
        counts[int(str(change["kb_article_version"]))] += 1
    return counts


REFUND_CUSTOMERS = {"退款": 0.22, "refunds": 0.08}
"""Of the Billing customers since the refund answers were published, the share whose contacts
were about refunds, in Chinese and in English (the rest: other matters, no topic)."""
TOPIC_SEED = 161


def tag_refund_contacts(
    session: Session, *, articles: dict[str, int], since: datetime, data_end_s: int
) -> dict[str, int]:
    """Give the refund topics and their answer (version 1) to the Billing contacts of some
    customers, from ``since`` until 8 days before the data ends (so every 7-day window is over).
    A customer's repeat is their own next contact, so the queue's repeat figures stay as they
    were: only the topic and the answer are recorded. Return how many contacts per topic."""
    queue = session.scalars(select(Queue.id).where(Queue.name == "Billing")).one()
    rows = session.execute(
        select(Contact.id, Contact.customer_hash)
        .where(
            Contact.queue_id == queue,
            Contact.outcome == Outcome.answered,
            Contact.customer_hash.is_not(None),
            Contact.topic.is_(None),
            Contact.arrival_epoch_s >= int(since.timestamp()),
            Contact.arrival_epoch_s <= data_end_s - 8 * 86400,
        )
        .order_by(Contact.arrival_epoch_s, Contact.id)
    ).all()
    rng = random.Random(TOPIC_SEED)
    topic_of: dict[str, str | None] = {}
    changes = []
    counts = dict.fromkeys(articles, 0)
    for cid, customer in rows:
        key = customer or ""  # every row has a customer key (the query asks for it)
        if key not in topic_of:
            draw, topic_of[key] = rng.random(), None
            for name, share in REFUND_CUSTOMERS.items():
                if draw < share:
                    topic_of[key] = name
                    break
                draw -= share
        topic = topic_of[key]
        if topic is None:
            continue
        counts[topic] += 1
        changes.append(
            {"id": cid, "topic": topic, "kb_article_id": articles[topic], "kb_article_version": 1}
        )
    if changes:
        session.execute(update(Contact), changes)
    return counts


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _publish(session: Session, article_id: int, version: int) -> None:
    service.submit(session=session, article_id=article_id, by=AUTHOR)
    service.review(
        session=session,
        article_id=article_id,
        version=version,
        data=schemas.ReviewIn(decision="approve"),
        by=OWNER,
    )
    service.publish(session=session, article_id=article_id, version=version, by=OWNER)


TRAINING = (
    (
        "launch",
        "Launch-day known issues",
        "Tech Support",
        "The known issues of a product launch and the answer to give.",
        "Log-in problems after a launch: reset the customer's password.",
        "Log-in problems after the 5.2 launch: update the app to 5.2.1; no password resets.",
    ),
    (
        "refunds",
        "Refund process",
        "Billing",
        "How refunds are approved and how long they take.",
        "Refunds go back within 7 working days of approval; after that, transfer to billing.",
        None,
    ),
)
"""The demo's training modules: key, title, queue, description, version 1, version 2 (None:
none yet). Their titles are items of the demo waves' curriculum (ccops.wfm.capacity.demo)."""


def _training(session: Session, launch: date) -> dict[str, int]:
    """Two training modules (the launch's in its second version, published on launch Monday)
    and Billing 1's newest hire, who completed both first versions three weeks before."""
    ids: dict[str, int] = {}
    newest = session.scalars(
        select(Person)
        .join(Team, Team.id == Person.team_id)
        .where(Team.name == "Billing 1", Person.role == Role.agent)
        .order_by(Person.hire_date.desc(), Person.login)
    ).first()
    assert newest is not None
    for key, title, queue, description, first, second in TRAINING:
        module = training.create_module(
            session=session,
            data=schemas.TrainingModuleIn(
                title=title,
                owner="Training department",
                queue=queue,
                description=description,
                summary=first,
                reference=f"training/{key}-v1.pdf",
            ),
            by=OWNER,
        )
        training.complete(
            session=session,
            login=newest.login,
            data=schemas.CompletionIn(
                module_id=module.id, completed_on=launch - timedelta(weeks=3)
            ),
            by=AUTHOR,
        )
        if second is not None:
            training.add_version(
                session=session,
                module_id=module.id,
                data=schemas.TrainingVersionIn(summary=second, reference=f"training/{key}-v2.pdf"),
                by=OWNER,
            )
        ids[f"module:{key}"] = module.id
    for version in session.scalars(select(TrainingVersion)):
        version.published_at = (
            _at(launch, 7) if version.version == 2 else _at(launch - timedelta(weeks=6), 9)
        )
    for done in session.scalars(select(TrainingCompletion)):
        done.recorded_at = _at(launch - timedelta(weeks=3), 16)
    ids["new_hire"] = newest.id
    return ids


def seed_demo(session: Session, *, end: date, launch: date) -> dict[str, int]:
    """Write the demo answers, the launch's known issue and a change; return their ids."""
    ids: dict[str, int] = {}
    for topic, queue, language, title, body in ARTICLES:
        article = service.create_article(
            session=session,
            data=schemas.ArticleIn(
                topic=topic, title=title, body=body, language=language, queue=queue, owner=OWNER
            ),
            by=AUTHOR,
        )
        _publish(session, article.id, 1)
        ids[f"{topic}:{language}"] = article.id
    zh, en = ids["登录:zh"], ids["log-in:en"]
    # after the launch the Chinese answer is in its second version; the English one waits
    service.edit_article(
        session=session,
        article_id=zh,
        data=schemas.EditIn(title=LAUNCH_FIX_ZH[0], body=LAUNCH_FIX_ZH[1], note="launch fix"),
        by=AUTHOR,
    )
    _publish(session, zh, 2)
    service.edit_article(
        session=session,
        article_id=en,
        data=schemas.EditIn(title=LAUNCH_FIX_EN[0], body=LAUNCH_FIX_EN[1], note="launch fix"),
        by=AUTHOR,
    )
    service.submit(session=session, article_id=en, by=AUTHOR)
    # the history reads as it happened: first versions weeks before, the fix on launch Monday
    for version in session.scalars(select(KbVersion)):
        when = _at(launch, 6) if version.version == 2 else _at(launch - timedelta(weeks=6), 8)
        version.created_at = when
        version.submitted_at = when + timedelta(minutes=20)
        if version.reviewed_at is not None:
            version.reviewed_at = when + timedelta(minutes=40)
        if version.published_at is not None:
            version.published_at = when + timedelta(hours=1)
    # the known issue shows from launch Monday 10:00 Shanghai (02:00 UTC) for three more days
    expires = utcnow() + timedelta(days=3)
    for queue in ("Billing", "Tech Support"):
        banner = service.create_banner(
            session=session,
            data=schemas.BannerIn(
                queue=queue,
                message="新品上线：部分客户 App 无法登录，请按已知问题答案处理。"
                " / Launch: some customers cannot log in to the app; give the known-issue answer.",
                expires_at=expires,
                article_id=zh,
            ),
            by="planner",
        )
        row = session.get(KbBanner, banner.id)
        assert row is not None
        row.created_at = _at(launch, 2)
    ids |= _training(session, launch)
    manager = session.scalars(select(User.id).where(User.login == "manager")).one()
    change = service.create_change(
        session=session,
        data=schemas.ChangeIn(
            title="Launch log-in answer: update to 5.2.1",
            summary="From today, customers who cannot log in update the app to 5.2.1; "
            "no password resets. Read the new answer before your next shift.",
            teams=["Billing 1", "Billing 2"],
            roles=[Role.supervisor, Role.qa_analyst],
            article_id=zh,
            training=[schemas.TrainingLinkIn(module_id=ids["module:launch"], version=2)],
        ),
        by="manager",
        by_user_id=manager,
    )
    qa = session.scalars(select(User.id).where(User.login == "qa")).one()
    service.acknowledge(session=session, change_id=change.id, user_id=qa)
    ids["change"] = change.id
    # the launch Monday's improvement cycle: planned and under way; its check waits for the
    # weeks after the fix (ccops improvements check)
    record = improvements.create(
        session=session,
        data=schemas.ImprovementIn(
            title="Repeat contacts after the launch",
            kpi="repeat_rate:登录",
            queue="Tech Support",
            problem_first=launch,
            problem_last=min(end, launch + timedelta(days=2)),
            problem="After the launch customers who could not log in got three different "
            "answers from three agents and called back.",
            whys=[
                "Agents gave different answers to the same log-in problem",
                "There was no standard answer for the launch",
                "Nobody was told about the launch before it happened",
                "Launches are not part of the change process",
            ],
            fishbone={
                "process": ["no known-issue banner", "launch not announced to planning"],
                "people": ["no briefing before the shift"],
                "technology": ["app 5.2.0 log-in defect"],
            },
        ),
        by="manager",
    )
    for text, owner, days in (
        ("Publish the known-issue answer and banner", "qa", 0),
        ("Brief both Billing teams at the start of each shift", "supervisor", 1),
        ("Add product launches to the change calendar with planning", "manager", 14),
    ):
        improvements.add_action(
            session=session,
            record_id=record.id,
            data=schemas.ActionIn(text=text, owner=owner, due=launch + timedelta(days=days)),
        )
    ids["improvement"] = record.id
    session.flush()
    tag_login_contacts(session, article_id=zh, launch=launch)
    data_end = session.scalar(select(func.max(Contact.arrival_epoch_s)))
    tag_refund_contacts(
        session,
        articles={"退款": ids["退款:zh"], "refunds": ids["refunds:en"]},
        since=_at(launch - timedelta(weeks=6), 9),
        data_end_s=int(data_end or 0),
    )
    session.flush()
    return ids
