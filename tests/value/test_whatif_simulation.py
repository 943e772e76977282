"""The what-if of a queue whose agents also serve another queue: the simulator runs beside
Erlang A over sample days of the pool's own history, its figures are the headline, staffing
comes from published schedules when there are some, and the same inputs give the same numbers
(API, CLI and page; SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ccops.cli import app
from ccops.db import make_engine, make_session_factory
from ccops.enums import Outcome, Role
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person, Site
from ccops.settings import get_settings
from ccops.wfm.schedules.models import Schedule, ScheduledActivity, ScheduledShift
from tests.factories.metrics import add_contact
from tests.factories.web import World
from tests.value.test_value import LAST, _seed_contacts, _set_all

SHARED = ("dana", "eve", "finn")


def _share(world: World, *, schedule: bool = False) -> None:
    """Queue Service at Main (10 contacts at 09:00 and 10:00 each day, AHT 300 s), three people
    with Sales and Service, one with Service alone; with ``schedule``, a published week in
    which the three work 08:00-12:00 every day of the last seven."""
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        org_service.create_queue(
            session=s, data=org_schemas.QueueIn(name="Service", channel="voice", site="Main")
        )
        for login, skills in ((p, ["Sales", "Service"]) for p in SHARED):
            org_service.create_person(
                session=s,
                data=org_schemas.PersonIn(
                    name=login.title(),
                    login=login,
                    site="Main",
                    skills=[org_schemas.SkillIn(queue=q) for q in skills],
                ),
            )
        org_service.create_person(
            session=s,
            data=org_schemas.PersonIn(
                name="Gus", login="gus", site="Main", skills=[org_schemas.SkillIn(queue="Service")]
            ),
        )
        n = 0
        for back in range(14):
            day = LAST - timedelta(days=back)
            for hour in (9, 10):
                for k in range(10):
                    n += 1
                    add_contact(
                        s,
                        ext=f"s{n}",
                        queue="Service",
                        arrival=datetime(day.year, day.month, day.day, hour, k * 6, tzinfo=UTC),
                        outcome=Outcome.abandoned if k == 0 else Outcome.answered,
                        wait_s=40.0 if k == 0 else 10.0,
                        talk_s=0.0 if k == 0 else 280.0,
                        wrap_s=0.0 if k == 0 else 20.0,
                    )
        if schedule:
            site = s.scalars(select(Site).where(Site.name == "Main")).one()
            week = Schedule(
                site_id=site.id,
                week="2026-W47",
                week_start=date(2026, 11, 16),
                version=1,
                status="published",
                created_by="planner",
            )
            s.add(week)
            s.flush()
            for login in SHARED:
                person = s.scalars(select(Person).where(Person.login == login)).one()
                for back in range(7):
                    day = LAST - timedelta(days=back)
                    start = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
                    shift = ScheduledShift(
                        schedule_id=week.id,
                        person_id=person.id,
                        template="early",
                        queues="Sales,Service",
                        start_at=start,
                        end_at=start + timedelta(hours=4),
                        paid_h=4.0,
                        cost=0.0,
                    )
                    s.add(shift)
                    s.flush()
                    s.add(
                        ScheduledActivity(
                            schedule_id=week.id,
                            shift_id=shift.id,
                            person_id=person.id,
                            kind="work",
                            queue_id=None,
                            start_at=start,
                            end_at=start + timedelta(hours=4),
                        )
                    )
        s.commit()
    engine.dispose()


PARAMS = {"queue": "Sales", "add_agents": 1, "upfront": 500, "days": 7, "last": str(LAST)}


def test_a_shared_queue_is_simulated_beside_erlang(world: World) -> None:
    _seed_contacts(world)
    _share(world)
    _set_all(world.client(Role.admin))
    executive = world.client(Role.executive)
    r = executive.get("/api/v1/value/whatif", params=PARAMS)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["engine"] == "simulation" and out["model"] == "erlang_a"
    assert "shares agents with Service" in out["engine_reason"]
    sim, erl = out["simulation"], out["erlang_a"]
    assert sim["queues"] == ["Sales", "Service"]
    # alice, bob and lead hold Sales alone; gus Service alone
    assert [(g["name"], g["people"]) for g in sim["groups"]] == [
        ("Sales", 3),
        ("Sales + Service", 3),
        ("Service", 1),
    ]
    # 7 days with contacts: the busiest (the bad Monday has as many contacts as the others,
    # so the latest of the equal days) and the median day of each of 4 bands of the other 6
    assert sum(d["weight"] for d in sim["days"]) == 7
    assert len(sim["days"]) == 5 and {d["staffing"] for d in sim["days"]} == {"erlang"}
    assert all(d["offered"] == 60 for d in sim["days"])  # 40 Sales + 20 Service a day
    assert sim["replications"] == 10 and sim["contacts_simulated"] > 0
    # the headline service figures are the simulation's; Erlang's are kept beside them
    for side in ("baseline", "scenario"):
        assert out[side]["service_level"] == pytest.approx(sim[side]["service_level"])
        assert out[side]["abandon_rate"] == pytest.approx(sim[side]["abandon_rate"])
        assert out[side]["abandoned"] == pytest.approx(
            out[side]["offered"] * sim[side]["abandon_rate"]
        )
        assert erl[side]["service_level_error"] is None
        assert 0 < sim[side]["service_level_error"] < 0.2
    # one more agent with Sales in every hour: Erlang and the simulation both improve
    assert sim["scenario"]["service_level"] >= sim["baseline"]["service_level"]
    assert erl["scenario"]["service_level"] > erl["baseline"]["service_level"]
    # the existing fields are all there and the range holds the point
    for key in ("cost", "revenue", "net_benefit", "roi", "payback_months", "roi_low"):
        assert key in out or key in out["baseline"]
    assert out["roi_low"] <= out["roi"] <= out["roi_high"]
    # the same inputs, the same numbers (seeded)
    again = executive.get("/api/v1/value/whatif", params=PARAMS).json()
    assert again == out
    # saved, the scenario keeps its engine, shown in the side-by-side table
    planner = world.client(Role.planner)
    saved = planner.post("/api/v1/value/scenarios", json={**PARAMS, "name": "one more"})
    assert saved.status_code == 201, saved.text
    assert saved.json()["result"]["engine"] == "simulation"
    assert saved.json()["result"]["simulation"] == out["simulation"]
    listed = executive.get("/value")
    assert '<td data-engine="simulation">Simulation</td>' in listed.text
    # the page shows both engines
    page = executive.get(
        "/value/whatif",
        params={k: str(v) for k, v in PARAMS.items() if k != "days"},
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 200
    assert 'data-engine="simulation"' in page.text and 'id="whatif-engines"' in page.text
    sl = sim["baseline"]["service_level"]
    # the page's period is its default (the last 28 days): the API's for the same period
    month = executive.get(
        "/api/v1/value/whatif", params={k: v for k, v in PARAMS.items() if k != "days"}
    ).json()
    for side in ("baseline", "scenario"):
        for engine, figures in (
            ("erlang_a", month["erlang_a"]),
            ("simulation", month["simulation"]),
        ):
            sl = figures[side]["service_level"]
            assert f'data-side="{side}" data-engine="{engine}" data-sl="{sl}"' in page.text


def test_published_schedules_staff_the_simulation(world: World) -> None:
    _seed_contacts(world)
    _share(world, schedule=True)
    _set_all(world.client(Role.admin))
    out = world.client(Role.executive).get("/api/v1/value/whatif", params=PARAMS).json()
    sim = out["simulation"]
    assert {d["staffing"] for d in sim["days"]} == {"schedule"}
    # only the three shared agents are scheduled (4 hours a day); three agents on 60 contacts
    # over two hours of 180-300 s handle time answer most within target
    assert sim["baseline"]["service_level"] > 0.5
    assert any("schedule" in n for n in out["notes"])


def test_a_single_skill_queue_stays_on_erlang(world: World) -> None:
    _seed_contacts(world)
    _set_all(world.client(Role.admin))
    out = world.client(Role.executive).get("/api/v1/value/whatif", params=PARAMS).json()
    assert out["engine"] == "erlang_a" and out["simulation"] is None
    assert out["erlang_a"]["baseline"]["service_level"] == out["baseline"]["service_level"]
    assert "serve no other queue" in out["engine_reason"]


def test_cli_json_names_the_engine(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed_contacts(world)
    _share(world)
    _set_all(world.client(Role.admin))
    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("CCOPS_SECRET_KEY", world.settings.secret_key)
    get_settings.cache_clear()
    try:
        args = ["value", "whatif", "--queue", "Sales", "--add-agents", "1", "--days", "7"]
        done = CliRunner().invoke(app, [*args, "--json"])
        assert done.exit_code == 0, done.output
        out = json.loads(done.output)
        assert out["engine"] == "simulation"
        assert set(out["erlang_a"]) == {"baseline", "scenario"}
        for side in ("baseline", "scenario"):
            for key in ("service_level", "abandon_rate", "cost", "revenue"):
                assert isinstance(out[side][key], float)
        for key in ("net_benefit", "roi", "payback_months", "roi_low", "roi_high"):
            assert key in out
        table = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
        assert table.exit_code == 0 and "Erlang A beside the simulation" in table.output
    finally:
        get_settings.cache_clear()
