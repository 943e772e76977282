"""Checks of the registry's contact KPIs from the stored contacts of a queue: service level,
abandonment rate, handle time and repeat-contact rate before vs after, with hand-computed
intervals and the verdict."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ccops.enums import Outcome, Role
from tests.factories.knowledge import world_session
from tests.factories.metrics import add_contact
from tests.factories.web import World

PERIODS = {
    "before_first": "2026-11-02",
    "before_last": "2026-11-08",
    "after_first": "2026-11-16",
    "after_last": "2026-11-22",
}


def _contacts(world: World) -> None:
    """Sales (London, target 20 s, short abandons under 5 s left out of service level).

    Before, 3 November: 20 answered in 10 s at 10:00 (customers b0..b19) and the same 20
    customers again at 11:00, answered in 60 s; 10 abandoned after 30 s, 5 short abandons after
    2 s. Handle times 300, 320, 340, 360, 380 s, eight times each.
    After, 17 November: 40 answered in 10 s at 10:00 (a0..a39), 10 of them again at 11:00,
    answered in 60 s; 2 abandoned after 30 s. Handle times 250 .. 290 s, ten times each.
    Support (Shanghai) contacts on the same days that a Sales record must not count; a contact
    on the 30th closes every 7-day repeat window.
    """
    before_handle = [300, 320, 340, 360, 380] * 8
    after_handle = [250, 260, 270, 280, 290] * 10
    rows: list[tuple[str, datetime, Outcome, float, float, str | None]] = []
    for n in range(20):
        rows.append(("Sales", _at(3, 10), Outcome.answered, 10, before_handle[n], f"b{n}"))
        rows.append(("Sales", _at(3, 11), Outcome.answered, 60, before_handle[20 + n], f"b{n}"))
    rows += [("Sales", _at(3, 12), Outcome.abandoned, 30, 0, None)] * 10
    rows += [("Sales", _at(3, 12), Outcome.abandoned, 2, 0, None)] * 5
    for n in range(40):
        rows.append(("Sales", _at(17, 10), Outcome.answered, 10, after_handle[n], f"a{n}"))
    for n in range(10):
        rows.append(("Sales", _at(17, 11), Outcome.answered, 60, after_handle[40 + n], f"a{n}"))
    rows += [("Sales", _at(17, 12), Outcome.abandoned, 30, 0, None)] * 2
    rows += [("Support", _at(17, 3), Outcome.abandoned, 300, 0, None)] * 20
    rows.append(("Sales", _at(30, 10), Outcome.answered, 10, 100, None))
    with world_session(world) as s:
        for i, (queue, arrival, outcome, wait, talk, customer) in enumerate(rows):
            add_contact(
                s,
                ext=f"k{i}",
                queue=queue,
                arrival=arrival,
                outcome=outcome,
                wait_s=wait,
                talk_s=talk,
                customer=customer,
            )


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


PLAN = {
    "title": "Slow answers on Sales",
    "queue": "Sales",
    "problem_first": "2026-11-02",
    "problem_last": "2026-11-08",
    "problem": "Service level fell to 40%.",
}


@pytest.mark.parametrize(
    ("kpi", "extra", "before", "after", "interval", "difference"),
    [
        # 20 within 20 s / (55 offered - 5 short) = 0.4, Wilson [0.2761, 0.5382];
        # 40 / 52 = 0.7692 [0.6387, 0.8628]; Newcombe's difference [0.1791, 0.5245]
        ("service_level", {}, (20, 50, 0.4), (40, 52, 0.7692), (0.2761, 0.5382), (0.1791, 0.5245)),
        # (15 - 5) / (55 - 5) = 0.2 [0.1124, 0.3304]; 2 / 52 = 0.0385; difference
        # [-0.2949, -0.0350]
        ("abandon_rate", {}, (10, 50, 0.2), (2, 52, 0.0385), (0.1124, 0.3304), (-0.2949, -0.035)),
        # 20 of 40 answered contacts with a key called again within 7 days = 0.5
        # [0.3520, 0.6480]; 10 / 50 = 0.2; difference [-0.4720, -0.1028]
        (
            "repeat_contact_rate",
            {},
            (20, 40, 0.5),
            (10, 50, 0.2),
            (0.352, 0.648),
            (-0.472, -0.1028),
        ),
        # handle time: mean 340 s, s^2 = 8 * 4000 / 39 = 820.5, t_0.975(39) * sqrt(820.5 / 40)
        # = 9.161 -> [330.84, 349.16]; after 270 s, s^2 = 10 * 1000 / 49; Welch:
        # se = sqrt(20.513 + 4.082) = 4.959, df = 54.35, t = 2.0045 -> [-79.94, -60.06]
        (
            "aht_s",
            {"higher_is_better": False},
            (None, 40, 340.0),
            (None, 50, 270.0),
            (330.839, 349.161),
            (-79.941, -60.059),
        ),
    ],
)
def test_a_registry_kpi_is_checked_from_the_queues_contacts(
    world: World,
    kpi: str,
    extra: dict[str, object],
    before: tuple[int | None, int, float],
    after: tuple[int | None, int, float],
    interval: tuple[float, float],
    difference: tuple[float, float],
) -> None:
    _contacts(world)
    manager = world.client(Role.manager)  # sites: Main
    made = manager.post("/api/v1/improvements", json=PLAN | {"kpi": kpi})
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    out = manager.post(f"/api/v1/improvements/{rid}/check/contacts", json=PERIODS | extra)
    assert out.status_code == 200, out.text
    check = out.json()["check"]
    b, a = check["before"], check["after"]
    assert (b["successes"], b["trials"]) == before[:2]
    assert (a["successes"], a["trials"]) == after[:2]
    assert (b["rate"], a["rate"]) == pytest.approx((before[2], after[2]), abs=1e-4)
    assert (b["low"], b["high"]) == pytest.approx(interval, abs=1e-3)
    assert (check["difference_low"], check["difference_high"]) == pytest.approx(
        difference, abs=1e-3
    )
    assert (check["verdict"], check["measured"], check["kpi"], check["subject"]) == (
        "improved",
        "contacts",
        kpi,
        "Sales",
    )
    assert check["estimate"] == ("mean" if kpi == "aht_s" else "proportion")


def test_a_measured_check_needs_a_direction_contacts_and_a_measured_kpi(world: World) -> None:
    _contacts(world)
    manager = world.client(Role.manager)
    rid = manager.post("/api/v1/improvements", json=PLAN | {"kpi": "aht_s"}).json()["id"]
    # handle time has no better direction in the registry: the check asks for one
    undirected = manager.post(f"/api/v1/improvements/{rid}/check/contacts", json=PERIODS)
    assert undirected.status_code == 422 and "higher_is_better" in undirected.text
    # a period without contacts names its field; a typed check of a mean is refused
    empty = PERIODS | {"before_first": "2026-10-01", "before_last": "2026-10-07"}
    answer = manager.post(
        f"/api/v1/improvements/{rid}/check/contacts", json=empty | {"higher_is_better": False}
    )
    assert answer.status_code == 422 and "before_first" in answer.text
    typed = {
        **PERIODS,
        "before_successes": 1,
        "before_trials": 2,
        "after_successes": 1,
        "after_trials": 2,
        "higher_is_better": False,
    }
    assert manager.post(f"/api/v1/improvements/{rid}/check", json=typed).status_code == 409
    assert manager.get(f"/api/v1/improvements/{rid}").json()["check"] is None
    # a KPI outside the registry is checked from typed counts only
    other = manager.post("/api/v1/improvements", json=PLAN | {"kpi": "csat"}).json()["id"]
    assert (
        manager.post(f"/api/v1/improvements/{other}/check/contacts", json=PERIODS).status_code
        == 409
    )
    # without a queue the record measures the sites in scope: Support (Shanghai) stays out
    centre = manager.post(
        "/api/v1/improvements", json=PLAN | {"kpi": "abandon_rate", "queue": None}
    ).json()["id"]
    check = manager.post(f"/api/v1/improvements/{centre}/check/contacts", json=PERIODS).json()
    assert check["check"]["after"]["trials"] == 52 and check["check"]["subject"] == "centre"


def test_actions_are_completed_and_a_plan_edited(world: World) -> None:
    _contacts(world)
    manager = world.client(Role.manager)
    rid = manager.post("/api/v1/improvements", json=PLAN | {"kpi": "service_level"}).json()["id"]
    action = {"text": "Add two agents at 11:00", "owner": "planner", "due": "2026-11-10"}
    added = manager.post(f"/api/v1/improvements/{rid}/actions", json=action).json()
    aid = added["actions"][0]["id"]
    done = manager.post(f"/api/v1/improvements/{rid}/actions/{aid}/done")
    assert done.status_code == 200 and done.json()["actions"][0]["done_at"] is not None
    again = manager.post(f"/api/v1/improvements/{rid}/actions/{aid}/done").json()
    assert again["actions"][0]["done_at"] == done.json()["actions"][0]["done_at"]
    assert manager.post(f"/api/v1/improvements/{rid}/actions/999999/done").status_code == 404
    manager.post(f"/api/v1/improvements/{rid}/check/contacts", json=PERIODS)
    # a new title keeps the check; another KPI clears it
    kept = manager.put(f"/api/v1/improvements/{rid}", json=PLAN | {"kpi": "service_level"})
    assert kept.status_code == 200 and kept.json()["check"]["verdict"] == "improved"
    bad = manager.put(
        f"/api/v1/improvements/{rid}",
        json=PLAN | {"kpi": "service_level", "problem_last": "2026-11-01"},
    )
    assert bad.status_code == 422 and "problem_last" in bad.text
    moved = manager.put(f"/api/v1/improvements/{rid}", json=PLAN | {"kpi": "abandon_rate"})
    assert moved.json()["check"] is None and moved.json()["kpi"] == "abandon_rate"


def test_the_cli_checks_handle_time_from_the_contacts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from ccops.cli import app
    from ccops.settings import get_settings

    _contacts(world)
    rid = world.client(Role.manager).post("/api/v1/improvements", json=PLAN | {"kpi": "aht_s"})
    monkeypatch.setenv("CCOPS_DATABASE_URL", world.settings.resolved_database_url())
    monkeypatch.setenv("CCOPS_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("CCOPS_SECRET_KEY", "k")
    get_settings.cache_clear()
    runner = CliRunner()
    args = ["improvements", "check", str(rid.json()["id"]), "--before", "2026-11-02:2026-11-08"]
    args += ["--after", "2026-11-16:2026-11-22"]
    undirected = runner.invoke(app, args)
    assert undirected.exit_code != 0 and "higher or lower" in undirected.output
    done = runner.invoke(app, [*args, "--lower-is-better", "--json"])
    assert done.exit_code == 0, done.output
    check = json.loads(done.stdout)["check"]
    assert (check["before"]["rate"], check["after"]["rate"]) == pytest.approx((340.0, 270.0))
    assert check["verdict"] == "improved" and check["estimate"] == "mean"
    get_settings.cache_clear()
