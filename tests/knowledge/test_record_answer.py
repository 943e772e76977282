"""Recording after a contact its topic and the standard answer used, on the contact's page: the
known topics and published answers to choose from, the version stored, problems beside their
field with nothing stored, only one's own contacts; and the agent's latest contacts on /kb."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.db import make_engine, make_session_factory
from ccops.knowledge.models import KbArticle, KbVersion
from ccops.web.app import create_app
from tests.factories.cases import add_contact
from tests.factories.web import World, sign_in

AT = datetime(2026, 11, 16, 10, tzinfo=UTC)


def _article(s: Session, topic: str, published: int | None, title: str) -> int:
    article = KbArticle(topic=topic, owner="lead", created_by="lead", published_version=published)
    s.add(article)
    s.flush()
    for n in range(1, (published or 1) + 1):
        s.add(
            KbVersion(
                article_id=article.id,
                version=n,
                title=f"{title} v{n}",
                body="b",
                search_text="b",
                status="published" if n == published else "superseded",
                created_by="lead",
            )
        )
    return article.id


def _seed(world: World) -> dict[str, int]:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        ids = {login: add_contact(s, login, AT) for login in ("alice", "carol")}
        ids["older"] = add_contact(s, "alice", AT.replace(hour=9), n=1)
        ids["refunds"] = _article(s, "refunds", 2, "Refunds")
        ids["login"] = _article(s, "登录", 1, "登录问题")
        ids["draft"] = _article(s, "drafts", None, "Draft only")
        s.commit()
    engine.dispose()
    return ids


def _stored(world: World, contact_id: int) -> tuple[object, ...]:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        c = s.get(Contact, contact_id)
        assert c is not None
        out = (c.topic, c.kb_article_id, c.kb_article_version)
    engine.dispose()
    return out


def test_agent_records_topic_and_answer_version_on_their_contact(world: World) -> None:
    ids = _seed(world)
    agent = TestClient(create_app(world.settings), follow_redirects=False)
    csrf = sign_in(agent, "u-agent")
    url = f"/cases/contacts/{ids['alice']}"
    page = agent.get(url).text
    assert 'id="contact-answer-form"' in page
    assert 'src="/static/contact-answer.js' in page  # narrows the answers to the topic chosen
    # the known topics are those of the published answers (the draft-only topic is not one)
    assert '<option value="refunds"' in page and '<option value="登录"' in page
    assert 'value="drafts"' not in page
    assert f'<option value="{ids["refunds"]}:2" data-topic="refunds"' in page
    assert "Refunds v2 · version 2" in page
    assert f'value="{ids["draft"]}:' not in page

    post = f"{url}/context"
    refusals = [
        ({"topic": "", "kb_article": ""}, "f-topic", "Choose the topic of the contact."),
        ({"topic": "billing", "kb_article": ""}, "f-topic", "Choose one of the topics"),
        (
            {"topic": "登录", "kb_article": f"{ids['refunds']}:2"},
            "f-kb_article",
            "This answer is about another topic",
        ),
        ({"topic": "refunds", "kb_article": f"{ids['refunds']}:3"}, "f-kb_article", "no such"),
        ({"topic": "drafts", "kb_article": f"{ids['draft']}:1"}, "f-topic", "Choose one of"),
        ({"topic": "refunds", "kb_article": "x"}, "f-kb_article", "Choose one of the published"),
        (
            {"topic": "refunds", "kb_article": "99999999999999999999:1"},
            "f-kb_article",
            "Choose one of the published",
        ),
        ({"topic": "refunds", "kb_article": "987654:1"}, "f-kb_article", "Choose one of the"),
    ]
    for form, field, message in refusals:
        answer = agent.post(post, data={**form, "csrf_token": csrf})
        assert answer.status_code == 422, (form, answer.text[:300])
        marked = answer.text.split(f'id="{field}"', 1)[1].split("</div>", 1)[0]
        assert 'aria-invalid="true"' in answer.text.split(f'id="{field}"', 1)[1][:200]
        assert message in marked, (form, marked)
        assert _stored(world, ids["alice"]) == (None, None, None)
    assert agent.post(post, data={"topic": "refunds", "csrf_token": "bad"}).status_code == 403

    done = agent.post(
        post, data={"topic": "refunds", "kb_article": f"{ids['refunds']}:2", "csrf_token": csrf}
    )
    assert done.status_code == 303 and done.headers["location"] == url
    assert _stored(world, ids["alice"]) == ("refunds", ids["refunds"], 2)
    again = agent.get(url).text
    assert '<dd id="contact-topic">refunds</dd>' in again
    assert f'<option value="{ids["refunds"]}:2" data-topic="refunds" selected>' in again
    # an older version read earlier stays possible; no answer used clears the article
    older = agent.post(
        post, data={"topic": "refunds", "kb_article": f"{ids['refunds']}:1", "csrf_token": csrf}
    )
    assert older.status_code == 303
    assert _stored(world, ids["alice"]) == ("refunds", ids["refunds"], 1)
    assert f'<option value="{ids["refunds"]}:1" selected>' in agent.get(url).text
    none = agent.post(post, data={"topic": "登录", "kb_article": "", "csrf_token": csrf})
    assert none.status_code == 303
    assert _stored(world, ids["alice"]) == ("登录", None, None)
    # an answer named without its version (as an import may store it) is the published one
    bare = agent.post(
        post, data={"topic": "refunds", "kb_article": f"{ids['refunds']}:", "csrf_token": csrf}
    )
    assert bare.status_code == 303
    assert _stored(world, ids["alice"]) == ("refunds", ids["refunds"], 2)

    # only one's own contacts: carol's answers like a missing one and stays untouched
    theirs = agent.post(
        f"/cases/contacts/{ids['carol']}/context",
        data={"topic": "refunds", "kb_article": "", "csrf_token": csrf},
    )
    assert theirs.status_code == 404
    assert _stored(world, ids["carol"]) == (None, None, None)

    # the agent's latest contacts on /kb, newest first, each with what is recorded
    kb = agent.get("/kb").text
    recent = kb.split('id="kb-recent"', 1)[1].split("</ul>", 1)[0]
    assert recent.index(f'data-contact="{ids["alice"]}"') < recent.index(
        f'data-contact="{ids["older"]}"'
    )
    assert f'data-contact="{ids["carol"]}"' not in recent
    assert f"refunds · answer {ids['refunds']}, version 2" in recent
    assert "Not recorded yet" in recent


def test_executive_sees_the_contact_without_the_form(world: World) -> None:
    ids = _seed(world)
    executive = TestClient(create_app(world.settings), follow_redirects=False)
    csrf = sign_in(executive, "u-executive")
    url = f"/cases/contacts/{ids['alice']}"
    assert 'id="contact-answer-form"' not in executive.get(url).text
    refused = executive.post(f"{url}/context", data={"topic": "refunds", "csrf_token": csrf})
    assert refused.status_code == 403
    assert 'id="kb-recent"' not in executive.get("/kb").text
