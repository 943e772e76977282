"""New-hire training (#16, #25) on SQLite and PostgreSQL: modules in versions, the modules a
change updates, checklists with out-of-date items, completions, waves' curriculum; the API,
pages and CLI with their refusals that change nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from ccops.cli import app
from ccops.enums import Role
from ccops.errors import Conflict, Invalid, NotFound
from ccops.knowledge import schemas, service, training
from ccops.knowledge.models import ProcessChange, TrainingCompletion, TrainingVersion
from ccops.org import service as org_service
from ccops.settings import get_settings
from ccops.wfm.capacity import schemas as capacity_schemas
from ccops.wfm.capacity import site as capacity_site
from ccops.wfm.capacity.models import HiringWave
from tests.factories.knowledge import training_modules, world_session
from tests.factories.web import World, sign_in

DAY = date(2026, 11, 2)


def _modules(world: World) -> dict[str, int]:
    """Sales basics (Sales, versions 1 and 2), Company values (everyone), Support tools
    (Support, the other site's queue); alice completed Company values 1 and Sales basics 1."""
    with world_session(world) as s:
        ids = training_modules(s)
        for key in ("values", "sales"):
            training.complete(
                session=s,
                login="alice",
                data=schemas.CompletionIn(module_id=ids[key], completed_on=DAY),
                by="u-supervisor",
            )
        training.add_version(
            session=s,
            module_id=ids["sales"],
            data=schemas.TrainingVersionIn(summary="Sales basics v2", reference="sales-v2.pdf"),
            by="u-qa",
        )
        return ids


def test_versions_checklist_completion_and_refusals_that_change_nothing(world: World) -> None:
    ids = _modules(world)
    with world_session(world) as s:
        sales = training.get_module(session=s, module_id=ids["sales"])
        assert (sales.queue, sales.current_version) == ("Sales", 2)
        assert [(v.version, v.summary, v.reference) for v in sales.versions] == [
            (1, "Sales basics v1", ""),
            (2, "Sales basics v2", "sales-v2.pdf"),
        ]
        mine = training.checklist(session=s, login="alice")
        assert [(i.title, i.current_version, i.completed_version, i.state) for i in mine.items] == [
            ("Company values", 1, 1, "done"),
            ("Sales basics", 2, 1, "out of date"),
        ]  # Support tools trains the other site's queue: not alice's
        assert (mine.team, mine.done, mine.out_of_date, mine.to_do) == ("Team A", 1, 1, 0)
        assert [i.state for i in training.checklist(session=s, login="bob").items] == [
            "to do",
            "to do",
        ]
        before = s.scalar(select(func.count()).select_from(TrainingCompletion))
        versions = s.scalar(select(func.count()).select_from(TrainingVersion))
        with pytest.raises(Invalid, match="not above the current version 2"):
            training.add_version(
                session=s,
                module_id=ids["sales"],
                data=schemas.TrainingVersionIn(summary="again", version=2),
                by="u-qa",
            )
        with pytest.raises(NotFound, match="no version 7"):
            training.complete(
                session=s,
                login="alice",
                data=schemas.CompletionIn(module_id=ids["sales"], version=7),
                by="u-supervisor",
            )
        with pytest.raises(Invalid, match="superseded: the current one is 2"):
            training.complete(
                session=s,
                login="alice",
                data=schemas.CompletionIn(module_id=ids["sales"], version=1),
                by="u-supervisor",
            )
        with pytest.raises(Invalid, match="does not apply to alice"):
            training.complete(
                session=s,
                login="alice",
                data=schemas.CompletionIn(module_id=ids["support"]),
                by="u-supervisor",
            )
        with pytest.raises(NotFound, match="training module 999"):
            training.add_version(
                session=s, module_id=999, data=schemas.TrainingVersionIn(summary="x"), by="u-qa"
            )
        with pytest.raises(Conflict, match="exists already"):
            training.create_module(
                session=s,
                data=schemas.TrainingModuleIn(title="Sales basics", owner="T", summary="x"),
                by="u-qa",
            )
        assert s.scalar(select(func.count()).select_from(TrainingCompletion)) == before == 2
        assert s.scalar(select(func.count()).select_from(TrainingVersion)) == versions == 4
        # completing the current version brings the item up to date; again changes nothing
        for _ in range(2):
            done = training.complete(
                session=s,
                login="alice",
                data=schemas.CompletionIn(module_id=ids["sales"], completed_on=DAY),
                by="u-supervisor",
            )
        assert [(i.completed_version, i.state) for i in done.items] == [(1, "done"), (2, "done")]
        assert s.scalar(select(func.count()).select_from(TrainingCompletion)) == 3
        # the new hires followed: alice (training recorded); bob has none and no hire date
        assert [h.login for h in training.new_hires(session=s)] == ["alice"]


def test_a_change_links_the_module_versions_it_requires(world: World) -> None:
    ids = _modules(world)
    with world_session(world) as s:
        changes = s.scalar(select(func.count()).select_from(ProcessChange))
        for link, error in (
            ({"module_id": 999}, "training module 999 does not exist"),
            ({"module_id": ids["sales"], "version": 3}, "has no version 3"),
        ):
            with pytest.raises(NotFound, match=error):
                service.create_change(
                    session=s,
                    data=schemas.ChangeIn(
                        title="t", summary="s", teams=["Team A"], training=[link]
                    ),
                    by="u-planner",
                )
        assert s.scalar(select(func.count()).select_from(ProcessChange)) == changes == 0
        change = service.create_change(
            session=s,
            data=schemas.ChangeIn(
                title="New sales script",
                summary="Read it.",
                teams=["Team A"],
                training=[
                    schemas.TrainingLinkIn(module_id=ids["sales"]),
                    schemas.TrainingLinkIn(module_id=ids["values"], version=1),
                ],
            ),
            by="u-planner",
        )
        assert [(t.title, t.version, t.current_version) for t in change.training] == [
            ("Sales basics", 2, 2),
            ("Company values", 1, 1),
        ]


def test_wave_curriculum_names_modules_and_free_text_stays(world: World) -> None:
    ids = _modules(world)
    wave = {
        "site": "Main",
        "name": "Spring class",
        "hires": 4,
        "skills": ["Sales"],
        "queue": "Sales",
        "class_start": "2026-03-02",
        "class_end": "2026-03-13",
        "go_live": "2026-03-16",
    }
    with world_session(world) as s:
        with pytest.raises(NotFound, match="names a training module that does not exist"):
            capacity_site.add_wave(
                session=s,
                data=capacity_schemas.StoredWaveIn.model_validate(
                    wave | {"curriculum": ["module:999"]}
                ),
                by="u-planner",
                scope=org_service.EVERYTHING,
            )
        assert s.scalar(select(func.count()).select_from(HiringWave)) == 0
        out = capacity_site.add_wave(
            session=s,
            data=capacity_schemas.StoredWaveIn.model_validate(
                wave | {"curriculum": ["sales BASICS", f"module:{ids['values']}", "Shadowing"]}
            ),
            by="u-planner",
            scope=org_service.EVERYTHING,
        )
        assert [(m.module_id, m.title, m.current_version) for m in out.modules] == [
            (ids["sales"], "Sales basics", 2),
            (ids["values"], "Company values", 1),
            (None, "Shadowing", None),
        ]
        assert out.curriculum == ["sales BASICS", f"module:{ids['values']}", "Shadowing"]
    # a wave read from the API goes back changed: its modules are read, never written
    api = world.client(Role.planner)
    stored = api.get(f"/api/v1/capacity-plans/waves/{out.id}").json()
    assert [m["module_id"] for m in stored["modules"]] == [ids["sales"], ids["values"], None]
    body = {k: v for k, v in stored.items() if k not in {"id", "created_by", "state"}}
    put = api.put(f"/api/v1/capacity-plans/waves/{out.id}", json=body | {"modules": [], "hires": 5})
    assert put.status_code == 200 and put.json()["hires"] == 5
    assert [m["title"] for m in put.json()["modules"]] == [
        "Sales basics",
        "Company values",
        "Shadowing",
    ]
    page = world.client(Role.planner).get("/capacity-plans/site", params={"site": "Main"})
    assert page.status_code == 200
    assert f'href="/training/modules/{ids["sales"]}"' in page.text and "Shadowing" in page.text


def test_api_scope_roles_and_bad_input(world: World) -> None:
    ids = _modules(world)
    agent, leader = world.client(Role.agent), world.client(Role.supervisor)
    own = agent.get("/api/v1/training/checklists/alice")
    assert own.status_code == 200
    assert [(i["title"], i["state"]) for i in own.json()["items"]] == [
        ("Company values", "done"),
        ("Sales basics", "out of date"),
    ]
    assert agent.get("/api/v1/training/checklists/bob").status_code == 404
    assert agent.get("/api/v1/training/new-hires").status_code == 403
    assert (
        agent.post(
            "/api/v1/training/checklists/alice/completions", json={"module_id": ids["sales"]}
        ).status_code
        == 403
    )
    assert leader.get("/api/v1/training/checklists/bob").status_code == 404  # Team B
    assert [h["login"] for h in leader.get("/api/v1/training/new-hires").json()] == ["alice"]
    url = "/api/v1/training/checklists/alice/completions"
    missing = leader.post(url, json={"module_id": ids["sales"], "version": 5})
    assert missing.status_code == 404 and "no version 5" in missing.json()["message"]
    old = leader.post(url, json={"module_id": ids["sales"], "version": 1})
    assert old.status_code == 422
    assert leader.post(url, json={"module_id": 999}).status_code == 404
    assert agent.get("/api/v1/training/checklists/alice").json()["out_of_date"] == 1
    done = leader.post(url, json={"module_id": ids["sales"], "completed_on": "2026-11-20"})
    assert done.status_code == 200
    assert [
        (i["completed_version"], i["completed_on"], i["state"]) for i in done.json()["items"]
    ] == [(1, "2026-11-02", "done"), (2, "2026-11-20", "done")]
    planner = world.client(Role.planner)
    made = planner.post(
        "/api/v1/training/modules",
        json={"title": "Chat etiquette", "owner": "Training", "queue": "Sales", "summary": "v1"},
    )
    assert made.status_code == 201 and made.json()["current_version"] == 1
    low = planner.post(
        f"/api/v1/training/modules/{ids['sales']}/versions", json={"summary": "x", "version": 1}
    )
    assert low.status_code == 422
    listed = agent.get("/api/v1/training/modules").json()
    assert [(m["title"], m["current_version"]) for m in listed] == [
        ("Chat etiquette", 1),
        ("Company values", 1),
        ("Sales basics", 2),
        ("Support tools", 1),
    ]
    assert agent.post("/api/v1/training/modules", json={}).status_code == 403


def test_pages_checklist_completion_and_the_change_page(world: World) -> None:
    ids = _modules(world)
    with world_session(world) as s:
        change = service.create_change(
            session=s,
            data=schemas.ChangeIn(
                title="New sales script",
                summary="Read it.",
                teams=["Team A"],
                training=[schemas.TrainingLinkIn(module_id=ids["sales"])],
            ),
            by="u-planner",
        )
    agent, leader = world.client(Role.agent), world.client(Role.supervisor)
    home = agent.get("/training")
    assert home.status_code == 200 and 'href="/training/checklists/alice"' in home.text
    assert 'id="new-hires"' not in home.text
    mine = agent.get("/training/checklists/alice")
    assert mine.status_code == 200 and 'data-state="out of date"' in mine.text
    assert "/complete" not in mine.text  # agents see, trainers mark
    assert agent.get("/training/checklists/bob").status_code == 404
    followed = leader.get("/training")
    assert 'data-person="alice"' in followed.text and 'data-person="bob"' not in followed.text
    trainer = world.client()
    csrf = sign_in(trainer, "u-supervisor")
    marked = trainer.post(
        "/training/checklists/alice/complete",
        data={"module_id": str(ids["sales"]), "csrf_token": csrf},
        follow_redirects=False,
    )
    assert marked.status_code == 303
    after = leader.get("/training/checklists/alice")
    assert 'data-state="out of date"' not in after.text
    assert after.text.count('data-state="done"') == 2
    shown = agent.get(f"/changes/{change.id}")
    assert shown.status_code == 200
    link = f'<a href="/training/modules/{ids["sales"]}">Sales basics</a>: version 2'
    assert f'<li data-module="{ids["sales"]}">{link}</li>' in shown.text
    publisher = world.client()
    csrf = sign_in(publisher, "u-planner")
    form = publisher.get("/changes").text
    assert f'<option value="{ids["sales"]}">Sales basics (version 2)</option>' in form
    posted = publisher.post(
        "/changes",
        data={
            "title": "Values refreshed",
            "summary": "Read the new values.",
            "teams": "Team A",
            "training": [str(ids["values"])],
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303
    published = publisher.get(posted.headers["location"]).text
    assert f'<li data-module="{ids["values"]}">' in published and "Company values" in published
    writer = world.client()
    csrf = sign_in(writer, "u-qa")
    bad = writer.post(
        f"/training/modules/{ids['sales']}/versions",
        data={"summary": "v?", "version": "2", "csrf_token": csrf},
    )
    assert bad.status_code == 422 and "must be above 2" in bad.text
    good = writer.post(
        f"/training/modules/{ids['sales']}/versions",
        data={"summary": "Sales basics v3", "version": "", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert 'data-version="3"' in writer.get(f"/training/modules/{ids['sales']}").text


def test_cli_training_json_and_exit_codes(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _modules(world)
    mp = monkeypatch
    mp.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    mp.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    mp.setenv("CCOPS_SECRET_KEY", "k")
    get_settings.cache_clear()
    runner = CliRunner()
    listed = runner.invoke(app, ["training", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [(m["title"], m["current_version"]) for m in json.loads(listed.stdout)] == [
        ("Company values", 1),
        ("Sales basics", 2),
        ("Support tools", 1),
    ]
    checklist = json.loads(runner.invoke(app, ["training", "checklist", "alice", "--json"]).stdout)
    assert (checklist["done"], checklist["out_of_date"], checklist["to_do"]) == (1, 1, 0)
    sales = str(ids["sales"])
    assert (
        runner.invoke(
            app, ["training", "complete", "alice", "--module", sales, "--version", "4"]
        ).exit_code
        == 3
    )
    assert (
        runner.invoke(
            app, ["training", "complete", "alice", "--module", sales, "--version", "1"]
        ).exit_code
        == 2
    )
    assert (
        runner.invoke(
            app, ["training", "add-version", sales, "--summary", "x", "--version", "2"]
        ).exit_code
        == 2
    )
    assert runner.invoke(app, ["training", "show", "999"]).exit_code == 3
    made = runner.invoke(
        app,
        [
            "changes",
            "create",
            "--title",
            "t",
            "--summary",
            "s",
            "--team",
            "Team A",
            "--training",
            "999",
        ],
    )
    assert made.exit_code == 3
    added = runner.invoke(app, ["training", "add-version", sales, "--summary", "v3", "--json"])
    assert added.exit_code == 0 and json.loads(added.stdout)["current_version"] == 3
    done = runner.invoke(
        app, ["training", "complete", "alice", "--module", sales, "--on", "2026-11-30", "--json"]
    )
    assert done.exit_code == 0, done.output
    items = json.loads(done.stdout)["items"]
    assert [(i["completed_version"], i["state"]) for i in items] == [(1, "done"), (3, "done")]
    shown = json.loads(runner.invoke(app, ["training", "show", sales, "--json"]).stdout)
    assert [v["version"] for v in shown["versions"]] == [1, 2, 3]
    table = runner.invoke(app, ["training", "checklist", "alice"])
    assert table.exit_code == 0 and "Sales basics" in table.stdout
