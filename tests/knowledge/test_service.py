"""Knowledge base services on SQLite and PostgreSQL: the life cycle of versions, diff and
rollback, search in Chinese and English, known-issue banners, changes and acknowledgements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.enums import Role
from ccops.errors import Conflict, Forbidden, Invalid, NotFound
from ccops.knowledge import schemas, service
from ccops.knowledge.models import KbVersion
from ccops.notifications.models import Notification
from ccops.org.models import User
from tests.factories.knowledge import published, site_scope, world_session
from tests.factories.web import World

REFUND_ZH = "退款多久到账？"
REFUND_ZH_BODY = "退款在七个工作日内原路退回。\n如超过七个工作日，请转接账务组。"


def _approve_and_publish(s: Session, article_id: int, version: int, owner: str = "u-qa") -> None:
    service.review(
        session=s,
        article_id=article_id,
        version=version,
        data=schemas.ReviewIn(decision="approve"),
        by=owner,
    )
    service.publish(session=s, article_id=article_id, version=version, by=owner)


def test_life_cycle_review_before_publish_history_diff_and_rollback(world: World) -> None:
    with world_session(world) as s:
        a = service.create_article(
            session=s,
            data=schemas.ArticleIn(
                topic="launch", title="App login fails", body="Restart the app.", owner="u-qa"
            ),
            by="u-planner",
        )
        assert (a.status, a.version, [v.status for v in a.versions]) == ("draft", None, ["draft"])
        # publishing without the owner's review is refused and changes nothing
        with pytest.raises(Conflict, match="only a version its owner"):
            service.publish(session=s, article_id=a.id, version=1, by="u-qa")
        service.submit(session=s, article_id=a.id, by="u-planner")
        with pytest.raises(Forbidden, match="owner"):
            service.review(
                session=s,
                article_id=a.id,
                version=1,
                data=schemas.ReviewIn(decision="approve"),
                by="u-planner",
            )
        _approve_and_publish(s, a.id, 1)
        # an edit of the published answer is a new draft; agents still read version 1
        edited = service.edit_article(
            session=s,
            article_id=a.id,
            data=schemas.EditIn(
                title="App login fails after the update",
                body="Restart the app.\nThen clear its cache.",
                note="cache step",
            ),
            by="u-planner",
        )
        assert edited.version == 1 and edited.body == "Restart the app."
        assert [v.status for v in edited.versions] == ["published", "draft"]
        assert service.search(session=s, text="cache") == []
        service.submit(session=s, article_id=a.id, by="u-planner")
        _approve_and_publish(s, a.id, 2)
        now = service.get_article(session=s, article_id=a.id)
        assert (now.version, now.title) == (2, "App login fails after the update")
        assert [v.status for v in now.versions] == ["superseded", "published"]
        assert now.versions[1].reviewed_by == "u-qa" and now.versions[1].created_by == "u-planner"
        hits = service.search(session=s, text="CACHE")
        assert [(h.id, h.version) for h in hits] == [(a.id, 2)]

        d = service.diff(session=s, article_id=a.id, from_version=1, to_version=2)
        assert ("-", "# App login fails") in [(x.op, x.text) for x in d.lines]
        assert ("+", "# App login fails after the update") in [(x.op, x.text) for x in d.lines]
        assert ("+", "Then clear its cache.") in [(x.op, x.text) for x in d.lines]
        assert ("-", "Restart the app.") not in [(x.op, x.text) for x in d.lines]

        # rollback to a version that does not exist: 404, nothing written
        with pytest.raises(NotFound, match="no version 7"):
            service.roll_back(session=s, article_id=a.id, to_version=7, by="u-planner")
        count = s.scalar(select(func.count()).select_from(KbVersion))
        assert count == 2
        back = service.roll_back(session=s, article_id=a.id, to_version=1, by="u-planner")
        assert [(v.version, v.status, v.rollback_of) for v in back.versions][-1] == (
            3,
            "in_review",
            1,
        )
        assert back.version == 2  # still version 2 until the owner approves and it is published
        _approve_and_publish(s, a.id, 3)
        after = service.get_article(session=s, article_id=a.id)
        assert (after.version, after.title, after.body) == (
            3,
            "App login fails",
            "Restart the app.",
        )
        assert [v.version for v in after.versions] == [1, 2, 3]  # history kept, never rewritten

        archived = service.archive(session=s, article_id=a.id, by="u-manager")
        assert archived.status == "archived"
        assert service.search(session=s, text="login") == []
        with pytest.raises(Conflict, match="archived"):
            service.edit_article(
                session=s,
                article_id=a.id,
                data=schemas.EditIn(title="x", body="y"),
                by="u-planner",
            )


def test_search_finds_chinese_substrings_and_english_words(world: World) -> None:
    with world_session(world) as s:
        zh = published(s, title=REFUND_ZH, body=REFUND_ZH_BODY, language="zh", topic="退款")
        en = published(s, title="Refund timing", body="Refunds reach the card in 7 working days.")
        other = published(s, title="ＡＰＰ 登录失败", body="请让客户重新安装应用。", language="zh")
        draft = service.create_article(
            session=s,
            data=schemas.ArticleIn(topic="退款", title="退款草稿", body="退款 draft", owner="u-qa"),
            by="u-qa",
        )

        def ids(text: str, **kw: str) -> list[int]:
            return [h.id for h in service.search(session=s, text=text, **kw)]  # type: ignore[arg-type]

        assert ids("退款") == [zh.id]  # the draft is not found
        assert ids("工作日") == [zh.id]  # a word in the middle of a sentence
        assert ids("账务组 七个") == [zh.id]  # every word must match
        assert ids("退款 信用卡") == []
        assert ids("refund") == [en.id]
        assert ids("app") == [other.id]  # full-width letters match their ASCII form
        assert ids("退款", language="en") == []
        assert ids("%") == [] and ids("_") == []  # LIKE wildcards are matched literally
        hit = service.search(session=s, text="退款")[0]
        assert (hit.title, hit.version, hit.language) == (REFUND_ZH, 1, "zh")
        assert draft.id not in ids("draft")
        with pytest.raises(Invalid):
            service.search(session=s, text="   ")


def test_articles_of_a_queue_are_in_its_sites_scope_only(world: World) -> None:
    with world_session(world) as s:
        support = published(s, title="Support hours", body="8 to 8", queue="Support")
        general = published(s, title="Opening hours", body="8 to 8")
        main = site_scope(s, "Main")
        assert [h.id for h in service.search(session=s, text="8 to 8", scope=main)] == [general.id]
        with pytest.raises(NotFound):
            service.get_article(session=s, article_id=support.id, scope=main)
        with pytest.raises(NotFound):
            service.create_article(
                session=s,
                data=schemas.ArticleIn(topic="t", title="t", body="b", queue="Support"),
                by="u-qa",
                scope=main,
            )


def test_banners_expire_and_are_scoped(world: World) -> None:
    with world_session(world) as s:
        now = utcnow()
        with pytest.raises(Invalid, match="past"):
            service.create_banner(
                session=s,
                data=schemas.BannerIn(queue="Sales", message="x", expires_at=now - timedelta(1)),
                by="u-planner",
            )
        with pytest.raises(Invalid, match="14 days"):
            service.create_banner(
                session=s,
                data=schemas.BannerIn(queue="Sales", message="x", expires_at=now + timedelta(15)),
                by="u-planner",
            )
        b = service.create_banner(
            session=s,
            data=schemas.BannerIn(
                queue="Support", message="新品上线：登录故障", expires_at=now + timedelta(hours=8)
            ),
            by="u-planner",
        )
        assert b.active and [x.id for x in service.list_banners(session=s)] == [b.id]
        assert service.list_banners(session=s, scope=site_scope(s, "Main")) == []
        with pytest.raises(NotFound):
            service.withdraw_banner(session=s, banner_id=b.id, scope=site_scope(s, "Main"))
        gone = service.withdraw_banner(session=s, banner_id=b.id)
        assert not gone.active and service.list_banners(session=s) == []
        assert [x.id for x in service.list_banners(session=s, active_only=False)] == [b.id]


def _user_id(s: Session, login: str) -> int:
    return s.scalars(select(User.id).where(User.login == login)).one()


def test_change_is_acknowledged_by_its_recipients_only_and_tracked_per_team(
    world: World,
) -> None:
    with world_session(world) as s:
        with pytest.raises(Invalid, match="at least one team or role"):
            service.create_change(
                session=s, data=schemas.ChangeIn(title="t", summary="s"), by="u-manager"
            )
        change = service.create_change(
            session=s,
            data=schemas.ChangeIn(
                title="Launch refunds",
                summary="New refund answer",
                teams=["Team A"],
                roles=[Role.qa_analyst],
            ),
            by="u-manager",
        )
        assert (change.addressed, change.acknowledged, change.teams, change.roles) == (
            2,
            0,
            ["Team A"],
            ["qa_analyst"],
        )
        agent, qa, planner = (_user_id(s, x) for x in ("u-agent", "u-qa", "u-planner"))
        notes = s.scalars(select(Notification.user_id).where(Notification.kind == "process_change"))
        assert sorted(notes) == sorted([agent, qa])
        with pytest.raises(Forbidden, match="not addressed to you"):
            service.acknowledge(session=s, change_id=change.id, user_id=planner)
        with pytest.raises(NotFound):
            service.acknowledge(session=s, change_id=change.id + 99, user_id=agent)
        status = service.change_status(session=s, change_id=change.id, user_id=planner)
        assert [(t.team, t.addressed, t.acknowledged, t.missing) for t in status.teams] == [
            ("Team A", 1, 0, ["u-agent"]),
            (None, 1, 0, ["u-qa"]),
        ]
        acked = service.acknowledge(session=s, change_id=change.id, user_id=agent)
        first = s.scalars(select(User).where(User.id == agent)).one()
        assert acked.mine == "acknowledged" and acked.acknowledged == 1 and first
        again = service.acknowledge(session=s, change_id=change.id, user_id=agent)
        assert again.acknowledged == 1
        # a manager of site Main sees the Main recipients only; reminding reaches those missing
        main = site_scope(s, "Main")
        scoped = service.change_status(session=s, change_id=change.id, user_id=planner, scope=main)
        assert [(t.team, t.missing) for t in scoped.teams] == [("Team A", [])]
        assert service.remind(session=s, change_id=change.id, scope=main).reminded == 0
        reminded = service.remind(session=s, change_id=change.id)
        assert (reminded.reminded, reminded.logins) == (1, ["u-qa"])
        mine = service.list_changes(session=s, user_id=qa)
        assert [(c.id, c.mine) for c in mine] == [(change.id, "pending")]
        assert service.list_changes(session=s, user_id=planner) == []
