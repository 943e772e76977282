"""GET /api/v1/kb/repeats and the /kb/repeats page on stored contacts: values per topic and
version, the sites in scope only, incomplete windows and untagged contacts counted apart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ccops.enums import Outcome, Role
from ccops.knowledge import schemas, service
from tests.factories.knowledge import published, world_session
from tests.factories.metrics import add_contact
from tests.factories.web import World

LOGIN = "log-in"


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def _seed(world: World) -> int:
    with world_session(world) as s:
        article = published(s, title="Log-in fails", body="Reopen the app", topic=LOGIN)
        service.edit_article(
            session=s,
            article_id=article.id,
            data=schemas.EditIn(title="Log-in fails (known issue)", body="Update to 5.2.1"),
            by="u-planner",
        )
        service.submit(session=s, article_id=article.id, by="u-planner")
        service.review(
            session=s,
            article_id=article.id,
            version=2,
            data=schemas.ReviewIn(decision="approve"),
            by="u-qa",
        )
        service.publish(session=s, article_id=article.id, version=2, by="u-qa")
        rows = (
            # queue, customer, arrival, version (None: no topic)
            ("Sales", "A", _at(2), 1),
            ("Sales", "A", _at(4), 1),  # A again 2 days later: the first one is a repeat
            ("Sales", "B", _at(2, 11), 1),
            ("Sales", "C", _at(9), 2),
            ("Sales", "D", _at(20), 2),  # window not over by the data's end (22nd)
            ("Sales", "E", _at(22, 12), None),  # no topic; the last arrival in the data
            ("Support", "A", _at(3), 1),  # the other site
        )
        for n, (queue, customer, arrival, version) in enumerate(rows):
            c = add_contact(
                s,
                ext=f"r{n}",
                queue=queue,
                arrival=arrival,
                outcome=Outcome.answered,
                wait_s=5,
                talk_s=100,
                customer=customer,
            )
            if version is not None:
                c.topic, c.kb_article_id, c.kb_article_version = LOGIN, article.id, version
        return article.id


PARAMS = {"from": "2026-11-01", "to": "2026-11-22", "days": 7}


def test_repeat_rates_per_topic_and_version_of_the_sites_in_scope(world: World) -> None:
    article_id = _seed(world)
    body = world.client(Role.manager).get("/api/v1/kb/repeats", params=PARAMS).json()
    assert body["data_end"].startswith("2026-11-22T12:00:00")
    assert (body["incomplete"], body["without_customer"], body["without_topic"]) == (1, 0, 1)
    (topic,) = body["topics"]
    assert (topic["topic"], topic["contacts"], topic["repeats"]) == (LOGIN, 4, 1)
    v1, v2 = topic["versions"]
    assert (v1["article_id"], v1["version"], v1["title"]) == (article_id, 1, "Log-in fails")
    assert (v1["contacts"], v1["repeats"], v1["incomplete"]) == (3, 1, 0)
    # Wilson 95% of 1/3 by hand: (1/3 + z²/6)/(1 + z²/3) ± z·sqrt(2/27 + z²/36)/(1 + z²/3)
    assert v1["rate"] == pytest.approx(1 / 3)
    assert v1["low"] == pytest.approx(0.0615, abs=1e-3)
    assert v1["high"] == pytest.approx(0.7923, abs=1e-3)
    assert (v2["version"], v2["contacts"], v2["repeats"], v2["incomplete"]) == (2, 1, 0, 1)
    assert (v2["compared_with"], v2["comparison"]) == (1, "no clear difference")
    assert v2["published_at"] is not None
    assert [(w["week"], w["contacts"], w["repeats"]) for w in v1["weeks"]] == [("2026-11-02", 3, 1)]
    # every site: A's Shanghai contact on the 3rd is one more version-1 contact, and it is
    # itself a repeat (A again on the 4th, same topic)
    everything = world.client(Role.qa_analyst).get("/api/v1/kb/repeats", params=PARAMS).json()
    v1_all = everything["topics"][0]["versions"][0]
    assert (v1_all["contacts"], v1_all["repeats"]) == (4, 2)


def test_topic_filter_window_and_bad_input(world: World) -> None:
    _seed(world)
    manager = world.client(Role.manager)
    none = manager.get("/api/v1/kb/repeats", params={**PARAMS, "topic": "refunds"}).json()
    assert none["topics"] == [] and none["without_topic"] == 1
    short = manager.get("/api/v1/kb/repeats", params={**PARAMS, "days": 1}).json()
    (topic,) = short["topics"]
    assert (topic["contacts"], topic["repeats"], topic["incomplete"]) == (5, 0, 0)
    for bad in (
        {**PARAMS, "days": 0},
        {**PARAMS, "days": 91},
        {**PARAMS, "from": "2026-11-23"},
        {**PARAMS, "from": "2024-01-01"},
        {**PARAMS, "to": "9999-12-31"},
        {"from": "2026-11-01"},
    ):
        assert manager.get("/api/v1/kb/repeats", params=bad).status_code == 422, bad
    assert world.client(Role.agent).get("/api/v1/kb/repeats", params=PARAMS).status_code == 403


def test_the_page_shows_each_version_with_its_interval_and_comparison(world: World) -> None:
    _seed(world)
    manager = world.client(Role.manager)
    page = manager.get("/kb/repeats", params=PARAMS)
    assert page.status_code == 200
    text = page.text
    assert 'data-repeats="log-in"' in text and "Log-in fails (known issue)" in text
    assert 'data-version="1" data-rate="0.3333"' in text
    assert "6.1%–79.2%" in text  # the Wilson interval of 1/3
    assert "no clear difference from v1" in text
    assert 'data-kb-chart="repeats"' in text and "/static/kb.js" in text
    # without a range: the 12 weeks up to the last day of data
    default = manager.get("/kb/repeats").text
    assert 'value="2026-11-22"' in default and 'value="2026-08-31"' in default
    bad = manager.get("/kb/repeats", params={**PARAMS, "days": "0"})
    assert bad.status_code == 422 and "the repeat window must be 1 to 90 days" in bad.text
    assert manager.get("/kb/repeats", params={"from": "9999-12-31"}).status_code == 422
    assert 'href="/kb/repeats"' in manager.get("/kb").text
    assert 'href="/kb/repeats"' not in world.client(Role.agent).get("/kb").text
    assert world.client(Role.agent).get("/kb/repeats").status_code == 403
