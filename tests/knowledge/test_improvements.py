"""Improvement cycles (PDCA) on SQLite and PostgreSQL: plan, do, check with intervals and an
honest verdict, standardise only what improved; the API and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from typer.testing import CliRunner

from ccops.cli import app
from ccops.enums import Role
from ccops.errors import Conflict, Invalid, NotFound
from ccops.knowledge import improvements, schemas
from ccops.settings import get_settings
from tests.factories.knowledge import published, site_scope, world_session
from tests.factories.web import World

PLAN = {
    "title": "Repeat contacts after the launch",
    "kpi": "repeat_rate",
    "queue": "Support",
    "problem_first": "2026-11-16",
    "problem_last": "2026-11-16",
    "problem": "Three different answers to the log-in problem; customers called back.",
    "whys": ["Agents gave different answers", "No answer was written", "Nobody owned it"],
    "fishbone": {"process": ["no known-issue process"], "people": ["no briefing"]},
}


def _check(before: tuple[int, int], after: tuple[int, int]) -> schemas.CheckIn:
    return schemas.CheckIn(
        before_first=date(2026, 11, 16),
        before_last=date(2026, 11, 16),
        before_successes=before[0],
        before_trials=before[1],
        after_first=date(2026, 11, 23),
        after_last=date(2026, 11, 23),
        after_successes=after[0],
        after_trials=after[1],
        higher_is_better=False,
    )


def test_pdca_cycle_never_standardises_noise(world: World) -> None:
    with world_session(world) as s:
        r = improvements.create(
            session=s, data=schemas.ImprovementIn.model_validate(PLAN), by="u-manager"
        )
        assert (r.stage, r.queue, len(r.whys)) == ("plan", "Support", 3)
        assert list(r.fishbone) == ["people", "process"]  # in fishbone order
        with pytest.raises(NotFound):
            improvements.get(session=s, record_id=r.id, scope=site_scope(s, "Main"))
        r = improvements.add_action(
            session=s,
            record_id=r.id,
            data=schemas.ActionIn(text="Write the answer", owner="u-qa", due=date(2026, 11, 17)),
        )
        assert r.stage == "do" and r.actions[0].owner == "u-qa"
        article = published(s, title="Log-in answer", body="Update the app", queue="Support")
        # 12% -> 9% repeats on 100 contacts each: inside the noise
        r = improvements.check(session=s, record_id=r.id, data=_check((12, 100), (9, 100)), by="q")
        assert r.check is not None and r.check.verdict == "no detectable change"
        assert r.check.difference == pytest.approx(-0.03)
        assert r.check.difference_low is not None and r.check.difference_low < 0
        assert r.check.difference_high is not None and r.check.difference_high > 0
        with pytest.raises(Conflict, match="no detectable change"):
            improvements.standardise(session=s, record_id=r.id, article_id=article.id)
        # 30% -> 20% on 1000 contacts each: a real improvement of a lower-is-better KPI
        r = improvements.check(
            session=s, record_id=r.id, data=_check((300, 1000), (200, 1000)), by="q"
        )
        assert r.check is not None and r.check.verdict == "improved"
        assert r.check.before.rate == pytest.approx(0.3)
        assert r.check.after.low is not None and r.check.after.low < 0.2
        r = improvements.standardise(session=s, record_id=r.id, article_id=article.id)
        assert (r.stage, r.standard_article_id) == ("standardised", article.id)
        with pytest.raises(Invalid):
            improvements.check(session=s, record_id=r.id, data=_check((5, 4), (1, 2)), by="q")


def test_improvements_api_and_cli(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    manager = world.client(Role.manager)  # sites: Main
    plan = PLAN | {"queue": "Sales"}
    made = manager.post("/api/v1/improvements", json=plan)
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    assert manager.post("/api/v1/improvements", json=PLAN).status_code == 404  # Support: Shanghai
    assert world.client(Role.agent).get("/api/v1/improvements").status_code == 403
    check = _check((300, 1000), (290, 1000)).model_dump(mode="json")
    out = manager.post(f"/api/v1/improvements/{rid}/check", json=check).json()
    assert out["check"]["verdict"] == "no detectable change"
    assert manager.post(f"/api/v1/improvements/{rid}/standardise/1").status_code == 409
    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("CCOPS_SECRET_KEY", "k")
    get_settings.cache_clear()
    runner = CliRunner()
    done = runner.invoke(
        app,
        [
            "improvements",
            "check",
            str(rid),
            "--before",
            "2026-11-16:2026-11-16:300:1000",
            "--after",
            "2026-11-23:2026-11-23:200:1000",
            "--lower-is-better",
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["check"]["verdict"] == "improved"
    listed = json.loads(runner.invoke(app, ["improvements", "list", "--json"]).stdout)
    assert [r["id"] for r in listed] == [rid]
    get_settings.cache_clear()


def _topic_contacts(world: World) -> None:
    """log-in contacts on Sales (London): before (2–8 Nov) 20 customers, 10 of them again the
    next day; after (16–22 Nov) 30 customers, 2 of them again; Support (Shanghai) contacts on
    the same topic that a Sales record must not count; the data ends on the 30th."""
    from ccops.enums import Outcome
    from tests.factories.metrics import add_contact

    def at(day: int) -> datetime:
        return datetime(2026, 11, day, 10, tzinfo=UTC)

    rows: list[tuple[str, str, datetime, str | None]] = []
    for n in range(20):
        rows.append(("Sales", f"b{n}", at(3), "log-in"))
        if n < 10:
            rows.append(("Sales", f"b{n}", at(4), "log-in"))
    for n in range(30):
        rows.append(("Sales", f"a{n}", at(17), "log-in"))
        if n < 2:
            rows.append(("Sales", f"a{n}", at(18), "log-in"))
    for n in range(5):
        rows += [("Support", f"s{n}", at(17), "log-in"), ("Support", f"s{n}", at(18), "log-in")]
    rows.append(("Sales", "z", at(30), None))
    with world_session(world) as s:
        for i, (queue, customer, arrival, topic) in enumerate(rows):
            c = add_contact(
                s,
                ext=f"t{i}",
                queue=queue,
                arrival=arrival,
                outcome=Outcome.answered,
                wait_s=5,
                talk_s=60,
                customer=customer,
            )
            c.topic = topic


PERIODS = {
    "before_first": "2026-11-02",
    "before_last": "2026-11-08",
    "after_first": "2026-11-16",
    "after_last": "2026-11-22",
}


def test_a_topic_repeat_rate_is_checked_from_the_stored_contacts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _topic_contacts(world)
    manager = world.client(Role.manager)  # sites: Main
    made = manager.post(
        "/api/v1/improvements", json=PLAN | {"queue": "Sales", "kpi": "repeat_rate:log-in"}
    )
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    out = manager.post(f"/api/v1/improvements/{rid}/check/contacts", json=PERIODS)
    assert out.status_code == 200, out.text
    check = out.json()["check"]
    # before: 30 contacts (20 + 10 the next day), the 10 first ones repeated; after: 32, 2
    assert (check["before"]["successes"], check["before"]["trials"]) == (10, 30)
    assert (check["after"]["successes"], check["after"]["trials"]) == (2, 32)
    assert check["before"]["rate"] == pytest.approx(1 / 3)
    assert check["after"]["rate"] == pytest.approx(0.0625)
    # Wilson 95%: 10/30 -> [0.192, 0.512]; 2/32 -> [0.017, 0.201]
    assert (check["before"]["low"], check["before"]["high"]) == pytest.approx(
        (0.1923, 0.5122), abs=1e-3
    )
    assert (check["after"]["low"], check["after"]["high"]) == pytest.approx(
        (0.0173, 0.2015), abs=1e-3
    )
    assert check["difference"] == pytest.approx(0.0625 - 1 / 3)
    assert check["difference_high"] < 0  # Newcombe's interval excludes zero: lower is better
    assert (check["verdict"], check["measured"], check["topic"], check["days"]) == (
        "improved",
        "contacts",
        "log-in",
        7,
    )
    assert (check["higher_is_better"], check["incomplete"]) == (False, 0)
    assert out.json()["stage"] == "act"
    # a one-day window: the next-day contacts still count, nothing changes but the window
    one = manager.post(f"/api/v1/improvements/{rid}/check/contacts", json=PERIODS | {"days": 1})
    assert one.json()["check"]["before"]["successes"] == 10

    # typed numbers are refused for a topic's repeat rate; periods out of order name the field
    typed = _check((30, 100), (3, 100)).model_dump(mode="json")
    refused = manager.post(f"/api/v1/improvements/{rid}/check", json=typed)
    assert refused.status_code == 409 and "measured from the stored contacts" in refused.text
    for bad, field in (
        (PERIODS | {"after_first": "2026-11-05"}, "after_first"),
        (PERIODS | {"before_last": "2026-11-01"}, "before_last"),
        (PERIODS | {"before_first": "2026-10-01", "before_last": "2026-10-07"}, "before_first"),
        (PERIODS | {"days": 0}, "days"),
    ):
        answer = manager.post(f"/api/v1/improvements/{rid}/check/contacts", json=bad)
        assert answer.status_code == 422 and field in answer.text, (bad, answer.text)
    stored = manager.get(f"/api/v1/improvements/{rid}").json()["check"]
    assert stored["after"]["trials"] == 32 and stored["days"] == 1  # the last good check
    # a KPI that is not a topic's repeat rate is not measured from contacts; a topic is needed
    plain = manager.post("/api/v1/improvements", json=PLAN | {"queue": "Sales"}).json()["id"]
    other = manager.post(f"/api/v1/improvements/{plain}/check/contacts", json=PERIODS)
    assert other.status_code == 409
    empty = manager.post(
        "/api/v1/improvements", json=PLAN | {"queue": "Sales", "kpi": "repeat_rate:"}
    )
    assert empty.status_code == 422 and "kpi" in empty.text

    # the CLI: FIRST:LAST periods measure from the contacts
    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("CCOPS_SECRET_KEY", "k")
    get_settings.cache_clear()
    runner = CliRunner()
    args = ["improvements", "check", str(rid), "--before", "2026-11-02:2026-11-08"]
    done = runner.invoke(app, [*args, "--after", "2026-11-16:2026-11-22", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["check"]["after"]["trials"] == 32
    shown = runner.invoke(app, [*args, "--after", "2026-11-16:2026-11-22"])
    flat = " ".join(shown.stdout.split())
    assert "repeats within 7 days 10/30 before, 2/32 after" in flat and "improved" in flat
    mixed = runner.invoke(app, [*args, "--after", "2026-11-16:2026-11-22:2:32"])
    assert mixed.exit_code == 2
    get_settings.cache_clear()
