"""The suggestions page: an agent submits (named or anonymous) and follows the decision, a
manager decides within scope with a reason, an agent or team leader cannot decide."""

from __future__ import annotations

import re

from sqlalchemy import select

from ccops.enums import Role
from ccops.performance.models import Recognition
from ccops.voice.models import Suggestion
from tests.factories.knowledge import world_session
from tests.factories.web import World


def _stored(world: World, title: str) -> Suggestion:
    with world_session(world) as s:
        row = s.scalars(select(Suggestion).where(Suggestion.title == title)).one()
        s.expunge(row)
        return row


def _count_of(html: str, status: str) -> int:
    """The count shown for ``status`` on the page."""
    found = re.search(rf'data-count="{status}">.*?<strong>(\d+)</strong>', html, re.S)
    assert found is not None
    return int(found.group(1))


def test_an_agent_submits_and_sees_the_managers_decision_with_reason_and_reward(
    world: World,
) -> None:
    agent = world.client(Role.agent)
    page = agent.get("/suggestions")
    assert page.status_code == 200 and 'id="suggestion-form"' in page.text
    assert 'id="no-suggestions"' in page.text
    sent = agent.post(
        "/suggestions", data={"title": "Zebra queue music", "text": "Shorter hold music loops"}
    )
    assert sent.status_code == 303
    stored = _stored(world, "Zebra queue music")
    assert stored.status == "submitted" and stored.author_id is not None
    mine = agent.get("/suggestions").text
    assert f'id="suggestion-{stored.id}" data-status="submitted"' in mine
    assert _count_of(mine, "submitted") == 1
    # an agent sees no decision form and cannot decide
    assert f'action="/suggestions/{stored.id}/decide"' not in mine
    refused = agent.post(
        f"/suggestions/{stored.id}/decide", data={"decision": "adopted", "reason": "mine"}
    )
    assert refused.status_code == 403
    assert _stored(world, "Zebra queue music").status == "submitted"

    manager = world.client(Role.manager)
    listed = manager.get("/suggestions").text
    assert "Zebra queue music" in listed and "by alice" in listed
    # the decisions offered are those the workflow allows from "submitted"
    form = re.search(rf'id="decide-{stored.id}".*?</form>', listed, re.S)
    assert form is not None
    assert re.findall(r'<option value="(\w+)"', form.group(0)) == [
        "in_review",
        "adopted",
        "declined",
    ]
    # no reason: refused, nothing changed, the problem beside the suggestion
    bad = manager.post(f"/suggestions/{stored.id}/decide", data={"decision": "adopted"})
    assert bad.status_code == 422 and "Required." in bad.text
    assert _stored(world, "Zebra queue music").status == "submitted"
    done = manager.post(
        f"/suggestions/{stored.id}/decide",
        data={"decision": "adopted", "reason": "Callers hang up less", "reward": "Cinema tickets"},
    )
    assert done.status_code == 303
    row = _stored(world, "Zebra queue music")
    assert (row.status, row.reason, row.reward, row.decided_by) == (
        "adopted",
        "Callers hang up less",
        "Cinema tickets",
        "u-manager",
    )
    with world_session(world) as s:
        assert s.get(Recognition, row.recognition_id) is not None
    # an adopted suggestion cannot be declined afterwards
    again = manager.post(
        f"/suggestions/{stored.id}/decide", data={"decision": "declined", "reason": "no"}
    )
    assert again.status_code == 422 and "cannot become declined" in again.text

    seen = agent.get("/suggestions").text
    assert f'id="suggestion-{stored.id}" data-status="adopted"' in seen
    assert "Callers hang up less" in seen and "Cinema tickets" in seen
    assert _count_of(seen, "adopted") == 1 and _count_of(seen, "submitted") == 0
    assert 'id="suggestion-months"' not in seen  # an agent sees their own, not the counts

    # the manager's monthly counts per site: the API's figures, one suggestion sent, answered
    # in time and adopted this month at alice's site
    month = row.submitted_on.strftime("%Y-%m")
    api = manager.get("/api/v1/suggestion-counts").json()
    (mine,) = [r for r in api if r["month"] == month]
    assert (mine["submitted"], mine["answered_in_time"], mine["adopted"]) == (1, 1, 1)
    counted = manager.get("/suggestions").text
    table = re.search(
        rf'<tr data-site="{mine["site"]}" data-month="{month}">.*?</tr>', counted, re.S
    )
    assert table is not None
    cells = dict(re.findall(r'data-col="(\w+)">([^<]*)<', table.group(0)))
    assert cells == {"submitted": "1", "answered_in_time": "1 of 1", "adopted": "1"}


def test_an_anonymous_suggestion_keeps_no_author_and_is_followed_by_its_receipt(
    world: World,
) -> None:
    agent = world.client(Role.agent)
    sent = agent.post(
        "/suggestions",
        data={"title": "Quiet room", "text": "A room to rest after hard calls", "anonymous": "yes"},
    )
    assert sent.status_code == 201
    code = re.search(r'id="receipt-code">([^<]+)<', sent.text)
    assert code is not None
    row = _stored(world, "Quiet room")
    assert row.author_id is None and row.receipt_hash != code.group(1)
    # not among the agent's own (no link to them), nor named to the team leader
    assert "Quiet room" not in agent.get("/suggestions").text
    lead = world.client(Role.supervisor).get("/suggestions").text
    assert "Quiet room" in lead and "someone anonymous" in lead and "by alice" not in lead
    followed = agent.get("/suggestions", params={"receipt": code.group(1)}).text
    assert 'id="followed" data-status="submitted"' in followed
    unknown = agent.get("/suggestions", params={"receipt": "nope"}).text
    assert "no suggestion has this receipt code" in unknown


def test_a_suggestion_without_a_title_is_refused_and_scope_limits_the_decision(
    world: World,
) -> None:
    agent = world.client(Role.agent)
    bad = agent.post("/suggestions", data={"title": "", "text": "something"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert 'value="" required aria-invalid' in bad.text or "Required." in bad.text
    with world_session(world) as s:
        assert s.scalars(select(Suggestion)).all() == []
    # carol's suggestion is of site Other, outside the London manager's scope
    from ccops.db import utcnow
    from ccops.voice import schemas, suggestions

    with world_session(world) as s:
        out = suggestions.submit(
            session=s,
            data=schemas.SuggestionIn(title="Shanghai idea", text="..."),
            author_login="carol",
            today=utcnow().date(),
        )
    manager = world.client(Role.manager)
    assert "Shanghai idea" not in manager.get("/suggestions").text
    refused = manager.post(
        f"/suggestions/{out.id}/decide", data={"decision": "declined", "reason": "no"}
    )
    assert refused.status_code == 403
    assert _stored(world, "Shanghai idea").status == "submitted"
    # a team leader reads the suggestions of their site but does not decide
    lead = world.client(Role.supervisor)
    assert "Shanghai idea" not in lead.get("/suggestions").text
    assert (
        lead.post(
            f"/suggestions/{out.id}/decide", data={"decision": "declined", "reason": "no"}
        ).status_code
        == 403
    )


def test_the_api_lists_an_agents_own_suggestions_by_their_person(world: World) -> None:
    agent = world.client(Role.agent)  # sign-in u-agent, person alice
    made = agent.post("/api/v1/suggestions", json={"title": "Own idea", "text": "..."})
    assert made.status_code == 201 and made.json()["author"] == "alice"
    listed = agent.get("/api/v1/suggestions").json()
    assert [x["title"] for x in listed] == ["Own idea"]
