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
