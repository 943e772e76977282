"""The knowledge base and changes API and pages: roles, scope, refusals that change nothing."""

from __future__ import annotations

from datetime import timedelta

from ccops.db import utcnow
from ccops.enums import Role
from ccops.knowledge import schemas, service
from tests.factories.knowledge import published, world_session
from tests.factories.web import World, sign_in

ZH_TITLE = "新品上线后无法登录"
ZH_BODY = "请客户先更新应用，再重新登录。\n如仍失败，记录手机型号并转二线。"


def _seed(world: World) -> dict[str, int]:
    with world_session(world) as s:
        zh = published(s, title=ZH_TITLE, body=ZH_BODY, language="zh", topic="登录", owner="u-qa")
        other = published(s, title="Support hours", body="8 to 8", queue="Support")
        service.create_banner(
            session=s,
            data=schemas.BannerIn(
                queue="Sales",
                message="Launch: app log-in fails",
                expires_at=utcnow() + timedelta(hours=4),
            ),
            by="u-planner",
        )
        return {"zh": zh.id, "other": other.id}


def test_agents_search_chinese_and_read_published_answers_only(world: World) -> None:
    ids = _seed(world)
    agent = world.client(Role.agent)
    hits = agent.get("/api/v1/kb/search", params={"q": "更新应用"}).json()
    assert [(h["id"], h["title"], h["version"], h["language"]) for h in hits] == [
        (ids["zh"], ZH_TITLE, 1, "zh")
    ]
    # the Support queue is at the other site: outside the agent's scope
    assert agent.get(f"/api/v1/kb/articles/{ids['other']}").status_code == 404
    assert agent.get("/api/v1/kb/search", params={"q": "8 to 8"}).json() == []
    assert agent.post("/api/v1/kb/articles", json={}).status_code == 403
    page = agent.get("/kb", params={"q": "登录"})
    assert page.status_code == 200 and ZH_TITLE in page.text
    assert "Launch: app log-in fails" in page.text  # the known issue of the agent's queue
    home = agent.get("/quality/mine")  # every agent's page carries the known issue
    assert home.status_code == 200 and home.text.count("Launch: app log-in fails") == 1
    assert "Launch: app log-in fails" not in world.client(Role.planner).get("/").text
    read = agent.get(f"/kb/articles/{ids['zh']}")
    assert read.status_code == 200 and "记录手机型号并转二线" in read.text
    assert 'id="kb-history"' not in read.text  # agents read; history is for authors


def test_publish_without_review_and_rollback_to_a_missing_version_change_nothing(
    world: World,
) -> None:
    ids = _seed(world)
    planner = world.client(Role.planner)
    edit = planner.post(
        f"/api/v1/kb/articles/{ids['zh']}/edit",
        json={"title": ZH_TITLE, "body": "新的答案", "note": "launch"},
    )
    assert edit.status_code == 200 and [v["status"] for v in edit.json()["versions"]] == [
        "published",
        "draft",
    ]
    refused = planner.post(f"/api/v1/kb/articles/{ids['zh']}/versions/2/publish")
    assert refused.status_code == 409
    assert refused.json()["problems"][0]["field"] == "version"
    missing = planner.post(f"/api/v1/kb/articles/{ids['zh']}/rollback/9")
    assert missing.status_code == 404
    after = world.client(Role.qa_analyst).get(f"/api/v1/kb/articles/{ids['zh']}").json()
    assert (after["version"], after["body"], len(after["versions"])) == (1, ZH_BODY, 2)
    # not the owner: the planner may not review; the owner (u-qa) approves, then it publishes
    planner.post(f"/api/v1/kb/articles/{ids['zh']}/submit")
    body = {"decision": "approve"}
    assert (
        planner.post(f"/api/v1/kb/articles/{ids['zh']}/versions/2/review", json=body).status_code
        == 403
    )
    qa = world.client(Role.qa_analyst)
    assert (
        qa.post(f"/api/v1/kb/articles/{ids['zh']}/versions/2/review", json=body).status_code == 200
    )
    done = planner.post(f"/api/v1/kb/articles/{ids['zh']}/versions/2/publish").json()
    assert (done["version"], done["body"]) == (2, "新的答案")
    d = qa.get(f"/api/v1/kb/articles/{ids['zh']}/diff", params={"from": 1, "to": 2}).json()
    assert {"op": "+", "text": "新的答案"} in d["lines"]
    assert qa.get(f"/kb/articles/{ids['zh']}/diff?from=1&to=2").status_code == 200


def test_the_publish_form_without_review_answers_409_and_keeps_the_text(world: World) -> None:
    ids = _seed(world)
    client = world.client()
    csrf = sign_in(client, "u-planner")
    client.post(
        f"/kb/articles/{ids['zh']}/edit",
        data={"title": ZH_TITLE, "body": "草稿", "note": "", "csrf_token": csrf},
    )
    page = client.post(
        f"/kb/articles/{ids['zh']}/publish", data={"version": "2", "csrf_token": csrf}
    )
    assert page.status_code == 409 and 'id="kb-problem"' in page.text
    assert world.client(Role.agent).get(f"/api/v1/kb/articles/{ids['zh']}").json()["body"] == (
        ZH_BODY
    )


def test_changes_are_acknowledged_by_recipients_and_followed_up_by_leaders(
    world: World,
) -> None:
    manager = world.client(Role.manager)
    made = manager.post(
        "/api/v1/changes",
        json={
            "title": "Launch answer",
            "summary": "Read the new log-in answer",
            "teams": ["Team A"],
        },
    )
    assert made.status_code == 201, made.text
    change = made.json()
    assert (change["addressed"], change["acknowledged"]) == (1, 0)
    # planners are not addressed: 403, nothing recorded
    assert (
        world.client(Role.planner).post(f"/api/v1/changes/{change['id']}/acknowledge").status_code
        == 403
    )
    assert (
        manager.post(
            "/api/v1/changes", json={"title": "x", "summary": "y", "teams": ["Team C"]}
        ).status_code
        == 404
    )  # Team C is at the other site
    leader = world.client(Role.supervisor)
    status = leader.get(f"/api/v1/changes/{change['id']}/status").json()
    assert [(t["team"], t["missing"]) for t in status["teams"]] == [("Team A", ["u-agent"])]
    assert leader.post(f"/api/v1/changes/{change['id']}/remind").json()["reminded"] == 1
    agent = world.client(Role.agent)
    assert [c["mine"] for c in agent.get("/api/v1/changes").json()] == ["pending"]
    notes = agent.get("/api/v1/notifications").json()
    assert len([n for n in notes if n["link"] == f"/changes/{change['id']}"]) == 2
    assert agent.post(f"/api/v1/changes/{change['id']}/acknowledge").json()["mine"] == (
        "acknowledged"
    )
    status = leader.get(f"/api/v1/changes/{change['id']}/status").json()
    assert [(t["team"], t["acknowledged"], t["missing"]) for t in status["teams"]] == [
        ("Team A", 1, [])
    ]
    page = leader.get(f"/changes/{change['id']}")
    assert page.status_code == 200 and 'id="change-status"' in page.text
    assert agent.get("/changes").status_code == 200


def test_pages_render_for_authors_and_planners(world: World) -> None:
    ids = _seed(world)
    qa = world.client(Role.qa_analyst)
    for path in ("/kb", "/kb/manage", f"/kb/articles/{ids['zh']}", "/changes"):
        assert qa.get(path).status_code == 200, path
    planner = world.client(Role.planner)
    banners = planner.get("/kb/banners")
    assert banners.status_code == 200 and "Launch: app log-in fails" in banners.text


def test_an_owner_writes_reviews_and_publishes_through_the_forms(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-qa")
    made = client.post(
        "/kb/articles",
        data={
            "topic": "退款",
            "title": "退款多久到账",
            "body": "七个工作日",
            "language": "zh",
            "queue": "",
            "owner": "",
            "csrf_token": csrf,
        },
    )
    assert made.status_code == 303, made.text
    path = made.headers["location"]
    article_id = int(path.rsplit("/", 1)[1])
    for step, data in (
        ("submit", {}),
        ("review", {"version": "1", "decision": "approve", "comment": "ok"}),
        ("publish", {"version": "1"}),
    ):
        done = client.post(f"{path}/{step}", data=data | {"csrf_token": csrf})
        assert done.status_code == 303, (step, done.text)
    hits = world.client(Role.agent).get("/api/v1/kb/search", params={"q": "工作日"}).json()
    assert [(h["id"], h["version"]) for h in hits] == [(article_id, 1)]
    bad = client.post(
        "/kb/articles",
        data={"topic": "", "title": "", "body": "", "language": "zh", "csrf_token": csrf},
    )
    assert bad.status_code == 422
    empty = client.post(f"{path}/edit", data={"title": "", "body": "", "csrf_token": csrf})
    assert empty.status_code == 422 and 'id="kb-problem"' in empty.text


def test_forms_offer_only_the_queues_in_scope_and_times_show_the_queue_site_zone(
    world: World,
) -> None:
    """A planner of London picks a queue from London's queues (no free text to mistype, no
    Shanghai queue to probe), and a module's publication time is London's, zone named."""
    planner, qa = world.client(Role.planner), world.client(Role.qa_analyst)  # Main; all sites
    for path in ("/kb/banners", "/kb/manage", "/training", "/improvements/new"):
        page = planner.get(path)
        assert page.status_code == 200, path
        assert '<select id="f-queue" name="queue"' in page.text, path
        assert '<option value="Sales">Sales · Main</option>' in page.text, path
        assert 'value="Support"' not in page.text, path
    assert '<option value="Support">Support · Other</option>' in qa.get("/kb/manage").text
    made = planner.post(
        "/api/v1/training/modules",
        json={"title": "Chat etiquette", "owner": "Training", "queue": "Sales", "summary": "v1"},
    )
    assert made.status_code == 201
    module = planner.get(f"/training/modules/{made.json()['id']}")
    assert "(Europe/London, UTC)" in module.text and "(UTC)</td>" not in module.text
    assert "(Europe/London, UTC)" in planner.get("/training").text
