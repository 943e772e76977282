"""A site's capacity plan over all its queues with shared skills and a hiring wave that nests
(SQLite and PostgreSQL): hand-computed gaps, and bad waves refused with every problem named."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.enums import ChannelKind, Role
from ccops.errors import Conflict, Invalid, NotFound
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Queue
from ccops.web.app import create_app
from ccops.wfm.capacity import schemas
from ccops.wfm.capacity import site as capacity_site
from ccops.wfm.forecasts.models import Forecast, ForecastInterval
from tests.factories.web import World, sign_in

MONDAY = date(2026, 1, 5)
ALL = org_service.EVERYTHING


def _centre(session: Session) -> None:
    org_service.create_site(session=session, data=org_schemas.SiteIn(name="Main", timezone="UTC"))
    org_service.create_channel(
        session=session, data=org_schemas.ChannelIn(name="voice", kind=ChannelKind.voice)
    )
    for name in ("Chat", "Sales"):
        org_service.create_queue(
            session=session, data=org_schemas.QueueIn(name=name, channel="voice", site="Main")
        )
    people = [("s", ["Sales"])] * 3 + [("b", ["Sales", "Chat"])] * 2 + [("c", ["Chat"])] * 4
    for n, (prefix, skills) in enumerate(people):
        org_service.create_person(
            session=session,
            data=org_schemas.PersonIn(
                name=f"{prefix}{n}",
                login=f"{prefix}{n}",
                site="Main",
                role=Role.agent,
                skills=[org_schemas.SkillIn(queue=q) for q in skills],
            ),
        )
    # hourly forecasts of 28 days: Sales 1 contact an hour of 3600 s (168 h a week = 4 FTE of
    # 42 h at occupancy 1, no shrinkage), Chat 2 an hour (8 FTE)
    for queue in session.scalars(select(Queue)):
        volume = 1.0 if queue.name == "Sales" else 2.0
        record = Forecast(
            queue_id=queue.id,
            method="test",
            created_by="plan",
            horizon_days=28,
            interval_min=60,
            first_day=MONDAY,
            last_day=MONDAY + timedelta(days=27),
            history_source="contacts",
        )
        session.add(record)
        session.flush()
        for h in range(28 * 24):
            start = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(hours=h)
            session.add(
                ForecastInterval(
                    forecast_id=record.id,
                    interval_local_min=int(start.timestamp()) // 60,
                    utc_offset_min=0,
                    interval_start=start,
                    volume=volume,
                    lo80=volume,
                    hi80=volume,
                    lo95=volume,
                    hi95=volume,
                    aht_s=3600.0,
                )
            )
    session.flush()


def _plan(waves: list[dict[str, object]]) -> schemas.SitePlanIn:
    return schemas.SitePlanIn.model_validate(
        {
            "site": "Main",
            "first_week": str(MONDAY),
            "weeks": 4,
            "hours_per_fte_week": 42,
            "occupancy": 1.0,
            "shrinkage": 0.0,
            "attrition_weekly": 0.0,
            "waves": waves,
        }
    )


WAVE = {
    "name": "January",
    "hires": 4,
    "skills": ["Chat"],
    "queue": "Chat",
    "candidates": {"applied": 40, "interviewed": 12, "offered": 5, "hired": 4},
    "class_start": str(MONDAY),
    "class_end": str(MONDAY + timedelta(days=11)),
    "go_live": str(MONDAY + timedelta(days=14)),
    "trainers": ["tl1"],
    "curriculum": ["Chat etiquette", "Refund process"],
    "nesting_occupancy": 1.0,
    "aht_ramp": [2.0],
}


def test_the_site_gap_with_shared_skills_and_a_nesting_wave(session: Session) -> None:
    _centre(session)
    out = capacity_site.site_plan(session=session, data=_plan([WAVE]), scope=ALL)
    assert out.staff == {"Chat": 4.0, "Chat+Sales": 2.0, "Sales": 3.0}
    assert out.weeks[0].required_fte == {"Chat": pytest.approx(8.0), "Sales": pytest.approx(4.0)}
    # 9 people for 12 FTE: 3 short, spread as a quarter of each queue (Chat 2, Sales 1)
    gap0 = out.weeks[0].gap_without_waves
    assert gap0 == {"Chat": pytest.approx(2.0, abs=1e-6), "Sales": pytest.approx(1.0, abs=1e-6)}
    # the wave is in class in weeks 1-2, nests at half an FTE in week 3, counts whole in week 4
    assert [w.wave_fte["January"] for w in out.weeks] == [0.0, 0.0, 2.0, 4.0]
    totals = [sum(w.gap_with_waves.values()) for w in out.weeks]
    assert totals == pytest.approx([3.0, 3.0, 1.0, 0.0], abs=1e-6)
    assert [w.gap_with_each_wave["January"] for w in out.weeks] == pytest.approx(
        [3.0, 3.0, 1.0, 0.0], abs=1e-6
    )
    (wave,) = out.waves
    assert (wave.start_week, wave.live_week, wave.nesting_yield) == (0, 2, [0.5])
    assert out.notes == ["short with every wave in weeks 1, 2, 3"]


def test_bad_waves_are_refused_with_every_problem_named(session: Session) -> None:
    _centre(session)
    backwards = dict(WAVE, class_end=str(MONDAY - timedelta(days=1)))
    unskilled = dict(WAVE, name="February", skills=["Sales"], queue="Chat")
    with pytest.raises(Invalid) as caught:
        capacity_site.site_plan(session=session, data=_plan([backwards, unskilled]), scope=ALL)
    message = caught.value.message
    assert "wave 'January': the class ends (2026-01-04) before it starts (2026-01-05)" in message
    assert (
        "wave 'February' joins Chat but is trained for Sales only: graduates need the skill of "
        "the queue they join" in message
    )
    assert {p.field for p in caught.value.problems} == {"waves.0.class_end", "waves.1.queue"}
    nowhere = dict(WAVE, skills=["Email"], queue="Email")
    with pytest.raises(Invalid, match="wave 'January': no queue Email at site Main"):
        capacity_site.site_plan(session=session, data=_plan([nowhere]), scope=ALL)
    with pytest.raises(Invalid, match="first_week 2026-01-06 is not a Monday"):
        capacity_site.site_plan(
            session=session,
            data=_plan([]).model_copy(update={"first_week": MONDAY + timedelta(days=1)}),
            scope=ALL,
        )


def test_site_plan_api_and_cli_refuse_a_wave_into_a_queue_without_the_skill(world: World) -> None:
    planner = world.client(Role.planner)  # sites: Main
    body = {
        "site": "Main",
        "first_week": str(MONDAY),
        "weeks": 2,
        "waves": [dict(WAVE, skills=["Sales"], queue="Support")],
    }
    refused = planner.post("/api/v1/capacity-plans/site", json=body)
    assert refused.status_code == 422
    assert "wave 'January': no queue Support at site Main" in refused.json()["message"]
    body["waves"] = []
    ok = planner.post("/api/v1/capacity-plans/site", json=body)
    assert ok.status_code == 200
    assert ok.json()["queues"] == [
        {"queue": "Sales", "forecast_id": None, "note": "no forecast: no requirement counted"}
    ]
    other = planner.post("/api/v1/capacity-plans/site", json=dict(body, site="Other"))
    assert other.status_code == 404
    assert (
        world.client(Role.executive).post("/api/v1/capacity-plans/site", json=body).status_code
        == 403
    )


def test_a_stored_wave_joins_every_site_plan_and_bad_ones_are_not_kept(session: Session) -> None:
    _centre(session)
    kept = capacity_site.add_wave(
        session=session,
        data=schemas.StoredWaveIn.model_validate(dict(WAVE, site="Main")),
        by="plan",
        scope=ALL,
    )
    assert kept.state in {"in training", "nesting", "live"}
    assert capacity_site.wave_state(kept, MONDAY - timedelta(days=1)) == "recruiting"
    assert capacity_site.wave_state(kept, MONDAY + timedelta(days=14)) == "nesting"
    assert capacity_site.wave_state(kept, MONDAY + timedelta(days=21)) == "live"
    out = capacity_site.site_plan(session=session, data=_plan([]), scope=ALL)
    assert [w.wave_fte["January"] for w in out.weeks] == [0.0, 0.0, 2.0, 4.0]
    bad = dict(WAVE, name="Backwards", site="Main", class_end=str(MONDAY - timedelta(days=3)))
    with pytest.raises(Invalid, match="the class ends .* before it starts"):
        capacity_site.add_wave(
            session=session, data=schemas.StoredWaveIn.model_validate(bad), by="plan", scope=ALL
        )
    with pytest.raises(Conflict, match="already has a wave 'January'"):
        capacity_site.add_wave(
            session=session,
            data=schemas.StoredWaveIn.model_validate(dict(WAVE, site="Main")),
            by="plan",
            scope=ALL,
        )
    assert [w.name for w in capacity_site.list_waves(session=session, site="Main", scope=ALL)] == [
        "January"
    ]


def _wave_form(csrf: str, **changes: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "csrf_token": csrf,
        "site": "Main",
        "name": "January",
        "hires": "4",
        "skills": ["Sales"],
        "queue": "Sales",
        "class_start": "2026-01-05",
        "class_end": "2026-01-16",
        "go_live": "2026-01-19",
        "candidates_applied": "40",
        "candidates_interviewed": "12",
        "candidates_hired": "4",
        "trainers": "tl1, tl2",
        "curriculum": "Refund process, Billing system",
    }
    return form | changes


def test_the_site_plan_page_shows_the_gap_and_keeps_a_wave_from_its_form(world: World) -> None:
    client = TestClient(create_app(world.settings), follow_redirects=False)
    csrf = sign_in(client, "u-planner")  # sites: Main (3 people skilled for Sales)
    page = client.get("/capacity-plans/site?first_week=2026-01-07&weeks=4")
    assert page.status_code == 200
    assert 'data-out="people">3.0<' in page.text
    assert 'value="2026-01-05"' in page.text  # a mid-week day starts the plan on its Monday
    assert page.text.count('<tr data-week="') == 4 and "No hiring wave yet." in page.text

    backwards = client.post(
        "/capacity-plans/site/waves", data=_wave_form(csrf, class_end="2026-01-02")
    )
    assert backwards.status_code == 422
    assert 'id="f-class_end" name="class_end" type="date" value="2026-01-02"' in backwards.text
    assert 'aria-invalid="true" aria-describedby="e-class_end"' in backwards.text
    assert "the class ends (2026-01-02) before it starts (2026-01-05)" in backwards.text
    unskilled = client.post("/capacity-plans/site/waves", data=_wave_form(csrf, skills=[]))
    assert unskilled.status_code == 422 and 'aria-describedby="e-skills"' in unskilled.text
    api = world.client(Role.planner)
    assert api.get("/api/v1/capacity-plans/waves", params={"site": "Main"}).json() == []

    kept = client.post("/capacity-plans/site/waves", data=_wave_form(csrf))
    assert kept.status_code == 303 and kept.headers["location"] == "/capacity-plans/site?site=Main"
    (wave,) = api.get("/api/v1/capacity-plans/waves", params={"site": "Main"}).json()
    assert wave["hires"] == 4 and wave["trainers"] == ["tl1", "tl2"]
    assert wave["candidates"] == {"applied": 40, "interviewed": 12, "hired": 4}
    assert wave["curriculum"] == ["Refund process", "Billing system"]
    shown = client.get("/capacity-plans/site?site=Main&first_week=2026-01-05&weeks=4").text
    assert '<tr data-wave="January">' in shown
    assert "applied 40 → interviewed 12 → hired 4" in shown
    assert "Short with January only" in shown
    again = client.post("/capacity-plans/site/waves", data=_wave_form(csrf))
    assert again.status_code == 422 and "already has a wave &#39;January&#39;" in again.text

    assert client.get("/capacity-plans/site?site=Other").status_code == 404
    executive = world.client(Role.executive).get("/capacity-plans/site?site=Main")
    assert executive.status_code == 200 and 'id="wave-form"' not in executive.text
    assert world.client(Role.agent).get("/capacity-plans/site").status_code == 403


def test_a_stored_wave_is_changed_or_removed_and_a_refused_change_keeps_it(
    session: Session,
) -> None:
    _centre(session)
    first = capacity_site.add_wave(
        session=session,
        data=schemas.StoredWaveIn.model_validate(dict(WAVE, site="Main")),
        by="plan",
        scope=ALL,
    )
    capacity_site.add_wave(
        session=session,
        data=schemas.StoredWaveIn.model_validate(dict(WAVE, name="March", site="Main")),
        by="plan",
        scope=ALL,
    )
    # the class slips a week: its graduates arrive a week later (2 FTE nesting, then 4)
    later = {
        k: str(date.fromisoformat(str(WAVE[k])) + timedelta(days=7))
        for k in ("class_start", "class_end", "go_live")
    }
    changed = capacity_site.update_wave(
        session=session,
        wave_id=first.id,
        data=schemas.StoredWaveIn.model_validate(dict(WAVE, site="Main", hires=6) | later),
        scope=ALL,
    )
    assert changed.id == first.id and changed.hires == 6 and changed.created_by == "plan"
    out = capacity_site.site_plan(session=session, data=_plan([]), scope=ALL)
    assert [w.wave_fte["January"] for w in out.weeks] == [0.0, 0.0, 0.0, 3.0]

    with pytest.raises(Conflict, match="already has a wave 'March'"):
        capacity_site.update_wave(
            session=session,
            wave_id=first.id,
            data=schemas.StoredWaveIn.model_validate(dict(WAVE, name="March", site="Main")),
            scope=ALL,
        )
    with pytest.raises(Invalid, match="belongs to Main; a wave cannot move to Elsewhere"):
        capacity_site.update_wave(
            session=session,
            wave_id=first.id,
            data=schemas.StoredWaveIn.model_validate(dict(WAVE, site="Elsewhere")),
            scope=ALL,
        )
    with pytest.raises(Invalid, match="the class ends .* before it starts"):
        capacity_site.update_wave(
            session=session,
            wave_id=first.id,
            data=schemas.StoredWaveIn.model_validate(
                dict(WAVE, site="Main", class_end=str(MONDAY - timedelta(days=1)))
            ),
            scope=ALL,
        )
    session.expire_all()
    kept = capacity_site.get_wave(session=session, wave_id=first.id, scope=ALL)
    assert kept.hires == 6 and kept.class_start == MONDAY + timedelta(days=7)

    gone = capacity_site.remove_wave(session=session, wave_id=first.id, scope=ALL)
    assert gone.name == "January"
    assert [w.name for w in capacity_site.list_waves(session=session, site="Main", scope=ALL)] == [
        "March"
    ]
    with pytest.raises(NotFound, match=f"no hiring wave {first.id}"):
        capacity_site.remove_wave(session=session, wave_id=first.id, scope=ALL)


def test_waves_are_edited_and_removed_from_the_page_and_the_api_in_scope_only(
    world: World,
) -> None:
    client = TestClient(create_app(world.settings), follow_redirects=False)
    csrf = sign_in(client, "u-planner")  # sites: Main
    assert client.post("/capacity-plans/site/waves", data=_wave_form(csrf)).status_code == 303
    api = world.client(Role.planner)
    (wave,) = api.get("/api/v1/capacity-plans/waves", params={"site": "Main"}).json()
    url = f"/capacity-plans/site/waves/{wave['id']}"

    edit = client.get(url)
    assert edit.status_code == 200
    assert f'action="{url}" id="wave-form"' in edit.text
    assert "Change the wave January" in edit.text and 'value="tl1, tl2"' in edit.text
    assert 'name="class_start" type="date" value="2026-01-05"' in edit.text

    refused = client.post(url, data=_wave_form(csrf, go_live="2026-01-10"))
    assert refused.status_code == 422 and 'aria-describedby="e-go_live"' in refused.text
    assert f'action="{url}"' in refused.text  # still the change form, input kept
    assert api.get(f"/api/v1/capacity-plans/waves/{wave['id']}").json()["go_live"] == "2026-01-19"

    moved = client.post(url, data=_wave_form(csrf, hires="6", go_live="2026-01-26"))
    assert (
        moved.status_code == 303 and moved.headers["location"] == "/capacity-plans/site?site=Main"
    )
    stored = api.get(f"/api/v1/capacity-plans/waves/{wave['id']}").json()
    assert (stored["hires"], stored["go_live"]) == (6, "2026-01-26")
    assert stored["aht_ramp"] == wave["aht_ramp"]  # what the form does not show is kept

    body = {k: v for k, v in stored.items() if k not in {"id", "created_by", "state"}}
    put = api.put(f"/api/v1/capacity-plans/waves/{wave['id']}", json=dict(body, hires=7))
    assert put.status_code == 200 and put.json()["hires"] == 7
    bad = api.put(f"/api/v1/capacity-plans/waves/{wave['id']}", json=dict(body, hires=0))
    assert bad.status_code == 422
    assert api.get(f"/api/v1/capacity-plans/waves/{wave['id']}").json()["hires"] == 7

    # a wave of a site outside the planner's scope does not exist for them
    admin = world.client(Role.admin)
    other = dict(body, site="Other", name="Far", skills=["Support"], queue="Support")
    far = admin.post("/api/v1/capacity-plans/waves", json=other)
    assert far.status_code == 201, far.text
    far_id = far.json()["id"]
    assert api.get(f"/api/v1/capacity-plans/waves/{far_id}").status_code == 404
    assert api.delete(f"/api/v1/capacity-plans/waves/{far_id}").status_code == 404
    assert client.get(f"/capacity-plans/site/waves/{far_id}").status_code == 404
    removed_far = client.post(
        f"/capacity-plans/site/waves/{far_id}/remove", data={"csrf_token": csrf}
    )
    assert removed_far.status_code == 404
    assert admin.get(f"/api/v1/capacity-plans/waves/{far_id}").status_code == 200
    assert (
        world.client(Role.executive).delete(f"/api/v1/capacity-plans/waves/{far_id}").status_code
        == 403
    )

    removed = client.post(f"{url}/remove", data={"csrf_token": csrf})
    assert removed.status_code == 303
    assert api.get("/api/v1/capacity-plans/waves", params={"site": "Main"}).json() == []
    assert "No hiring wave yet." in client.get("/capacity-plans/site?site=Main").text


def test_cli_changes_and_removes_a_wave(session: Session, cli: CliRunner, tmp_path: Path) -> None:
    _centre(session)
    session.commit()
    file = tmp_path / "wave.json"
    file.write_text(json.dumps(dict(WAVE, site="Main")), encoding="utf-8")
    added = cli.invoke(app, ["capacity", "wave-add", str(file), "--json"])
    assert added.exit_code == 0, added.output
    wave_id = json.loads(added.stdout)["id"]
    file.write_text(json.dumps(dict(WAVE, site="Main", hires=9)), encoding="utf-8")
    edited = cli.invoke(app, ["capacity", "wave-edit", str(wave_id), str(file), "--json"])
    assert edited.exit_code == 0, edited.output
    assert json.loads(edited.stdout)["hires"] == 9
    listed = cli.invoke(app, ["capacity", "waves", "--site", "Main"])
    assert listed.exit_code == 0 and "January" in listed.stdout
    removed = cli.invoke(app, ["capacity", "wave-remove", str(wave_id)])
    assert removed.exit_code == 0 and "wave 'January' of Main removed" in removed.stdout
    missing = cli.invoke(app, ["capacity", "wave-remove", str(wave_id), "--json"])
    assert missing.exit_code != 0
    assert json.loads(missing.stdout)["message"] == f"no hiring wave {wave_id}"
