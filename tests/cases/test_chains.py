"""Escalation chains per case type and severity: each level is reached after its business hours
of the resolution clock (the Office calendar: London, Mon-Fri 09:00-17:00, 25 December a
holiday), paused time left out; bad chains are refused with every problem named (SQLite and
PostgreSQL).

2026-12-04 is a Friday; London is on UTC in December, so local and UTC times agree.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cases import chains, schemas
from ccops.cases import service as cases_service
from ccops.cli import app
from ccops.errors import Invalid
from ccops.notifications.models import Notification
from ccops.org import service as org_service
from ccops.org.models import Person, Team
from ccops.settings import Settings
from ccops.web.app import create_app
from tests.factories import make_token
from tests.factories.cases import add_contact, set_up_cases
from tests.factories.web import build_world, csrf_of, sign_in

LEVELS = ["team_leader 1", "person:alice 4", "manager 12"]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def centre(session: Session) -> Session:
    build_world(session)
    set_up_cases(session)
    team = session.scalars(select(Team).where(Team.name == "Team A")).one()
    team.leader_id = session.scalars(select(Person.id).where(Person.login == "lead")).one()
    session.commit()
    return session


def complaint(session: Session, opened: datetime) -> schemas.CaseOut:
    """A medium complaint from Sales (owner lead, Team A): first response 2 h, resolution 16 h;
    answered ten minutes later so no first-response breach mixes in."""
    contact = add_contact(session, "alice", opened)
    case = cases_service.open_case(
        session=session,
        data=schemas.CaseIn(case_type="complaint", subject="Billed twice", contact_id=contact),
        by="u-agent",
        now=opened,
    )
    return cases_service.update_case(
        session=session,
        case_id=case.id,
        data=schemas.CaseUpdate(status="in_progress"),
        by="lead",
        now=opened.replace(minute=opened.minute + 10),
    )


def told(session: Session, login: str) -> list[str]:
    user = org_service.describe_user(session=session, login=login).id
    return list(
        session.scalars(
            select(Notification.subject)
            .where(Notification.user_id == user)
            .order_by(Notification.id)
        )
    )


def level(session: Session, case_id: int, when: datetime) -> int:
    cases_service.sweep(session=session, now=when)
    return cases_service.get_case(session=session, case_id=case_id, now=when).escalation_level


def test_each_level_is_reached_after_its_business_hours_paused_time_left_out(
    centre: Session,
) -> None:
    chains.set_chain(session=centre, data=chains.chain_input("complaint", None, LEVELS))
    case = complaint(centre, at(4, 16, 30))  # Friday 16:30: 0.5 business hours to 17:00
    # 1 h: Friday 0.5 + Monday 09:00-09:30.
    assert level(centre, case.id, at(7, 9, 29)) == 0
    assert level(centre, case.id, at(7, 9, 30)) == 1
    # Waiting for the customer Monday 10:00-14:00: 4 business hours left out.
    for status, when in (("waiting_customer", at(7, 10)), ("in_progress", at(7, 14))):
        cases_service.update_case(
            session=centre,
            case_id=case.id,
            data=schemas.CaseUpdate(status=status),
            by="lead",
            now=when,
        )
    assert level(centre, case.id, at(7, 12)) == 1  # paused: the clock stands at 1.5 h
    # 4 h: Friday 0.5 + Monday 09:00-10:00 1 + 14:00-16:30 2.5.
    assert level(centre, case.id, at(7, 16, 29)) == 1
    assert level(centre, case.id, at(7, 16, 30)) == 2
    # 12 h: 4 by Monday 16:30, 0.5 to 17:00, Tuesday 09:00-16:30 7.5.
    assert level(centre, case.id, at(8, 16, 29)) == 2
    out = cases_service.sweep(session=centre, now=at(8, 16, 30))
    assert (out.escalations, out.resolution_breaches) == (1, 0)
    assert level(centre, case.id, at(8, 17)) == 3
    events = cases_service.get_case(session=centre, case_id=case.id).events
    assert [e.detail for e in events if e.kind == "escalated"] == [
        "level 1 (team_leader): 1 business hours",
        "level 2 (person alice): 4 business hours",
        "level 3 (manager): 12 business hours",
    ]
    assert told(centre, "u-agent") == [f"Case {case.id} is escalated to you: 4 business hours open"]
    assert told(centre, "u-manager") == [
        f"Case {case.id} is escalated to you: 12 business hours open"
    ]
    # lead owns the case and leads Team A: opened, then level 1.
    assert told(centre, "u-supervisor")[-1] == (
        f"Case {case.id} is escalated to you: 1 business hours open"
    )


def test_a_holiday_and_a_weekend_do_not_count_and_one_sweep_climbs_several_levels(
    centre: Session,
) -> None:
    chains.set_chain(session=centre, data=chains.chain_input("complaint", "medium", LEVELS))
    # Thursday 24 December 16:00: 1 business hour that day; Friday 25 is a holiday, then the
    # weekend; Monday 28 09:00-12:00 makes 4 hours.
    case = complaint(centre, at(24, 16))
    out = cases_service.sweep(session=centre, now=at(28, 11, 59))
    assert (out.escalations, level(centre, case.id, at(28, 11, 59))) == (1, 1)
    assert level(centre, case.id, at(28, 12)) == 2
    # A sweep that comes late raises every level reached at once, each told.
    late = complaint(centre, at(24, 16))
    out = cases_service.sweep(session=centre, now=at(29, 17))  # 1 + 8 + 8 = 17 h
    assert out.escalations == 3 + 1  # the late case climbs 0 -> 3, the first one 2 -> 3
    # Both are past their 16 h target too; at the top of the chain a breach stays there.
    assert out.resolution_breaches == 2
    assert level(centre, late.id, at(29, 17)) == 3


def test_a_breach_raises_one_level_sooner_and_the_top_stays_the_top(centre: Session) -> None:
    chains.set_chain(
        session=centre,
        data=chains.chain_input("complaint", None, ["person:alice 20", "manager 30"]),
    )
    case = complaint(centre, at(4, 16, 30))
    # Resolution due Tuesday 16:30 (16 h); the chain's first level is at 20 h.
    assert level(centre, case.id, at(8, 16, 31)) == 1
    assert told(centre, "u-agent") == [f"Case {case.id} breached its target"]
    # 30 h: Fri 0.5 + Mon 8 + Tue 8 + Wed 8 + Thu 5.5 = Thursday 14:30.
    assert level(centre, case.id, at(10, 14, 29)) == 1
    assert level(centre, case.id, at(10, 14, 30)) == 2


def test_without_a_chain_the_built_in_one_goes_up_on_breaches_only(centre: Session) -> None:
    case = complaint(centre, at(4, 16, 30))
    assert level(centre, case.id, at(8, 16, 29)) == 0
    assert level(centre, case.id, at(8, 16, 31)) == 1
    listed = chains.list_chains(session=centre)
    assert listed.chains == []
    assert [(lv.role, lv.after_h) for lv in listed.builtin] == [
        ("team_leader", None),
        ("manager", None),
    ]


def test_bad_chains_are_refused_with_every_problem_and_nothing_stored(centre: Session) -> None:
    bad = schemas.ChainIn.model_validate(
        {
            "case_type": "complaint",
            "levels": [
                {"role": "team_leader", "after_h": 4},
                {"after_h": 6},
                {"person": "nobody", "after_h": 5},
                {"role": "manager", "person": "alice", "after_h": 5},
            ],
        }
    )
    with pytest.raises(Invalid) as refused:
        chains.set_chain(session=centre, data=bad)
    assert [(p.field, p.message) for p in refused.value.problems] == [
        ("levels.1", "level 2 names no role nor person"),
        ("levels.2.person", "level 3: person 'nobody' does not exist"),
        (
            "levels.2.after_h",
            "level 3 is reached after 5 business hours, not after level 2's 6: hours must increase",
        ),
        ("levels.3", "level 4 names a role and a person: one of them"),
        (
            "levels.3.after_h",
            "level 4 is reached after 5 business hours, not after level 3's 5: hours must increase",
        ),
    ]
    with pytest.raises(Invalid) as empty:
        chains.set_chain(session=centre, data=schemas.ChainIn(case_type="complaint", levels=[]))
    assert [p.field for p in empty.value.problems] == ["levels"]
    with pytest.raises(Invalid) as words:
        chains.chain_input("complaint", None, ["team_leader", "boss 4"])
    assert [p.row for p in words.value.problems] == [1, 2]
    assert chains.list_chains(session=centre).chains == []


def test_chains_through_the_api_the_page_and_the_cli(
    centre: Session, settings: Settings, cli: CliRunner
) -> None:
    token = make_token(centre, login="u-manager")
    api = TestClient(
        create_app(settings), headers={"Authorization": f"Bearer {token}"}, follow_redirects=False
    )
    client = TestClient(create_app(settings), follow_redirects=False)
    sign_in(client, "u-manager")
    refused = api.put(
        "/api/v1/cases/chains",
        json={
            "case_type": "complaint",
            "severity": "high",
            "levels": [{"role": "manager", "after_h": 8}, {"person": "ghost", "after_h": 4}],
        },
    )
    assert refused.status_code == 422
    assert "person 'ghost' does not exist" in refused.text and "hours must increase" in refused.text
    stored = api.put(
        "/api/v1/cases/chains",
        json={
            "case_type": "complaint",
            "severity": "high",
            "levels": [{"role": "team_leader", "after_h": 2}, {"person": "alice", "after_h": 6}],
        },
    )
    assert stored.status_code == 200
    assert [
        (lv["level"], lv["role"], lv["person"], lv["after_h"]) for lv in stored.json()["levels"]
    ] == [
        (1, "team_leader", None, 2.0),
        (2, None, "alice", 6.0),
    ]
    page = client.get("/cases/statuses")
    assert page.status_code == 200
    assert 'data-chain="complaint:high"' in page.text and "alice" in page.text
    bad = client.post(
        "/cases/statuses",
        data={
            "csrf_token": csrf_of(page.text),
            "what": "chain",
            "case_type": "escalation",
            "severity": "",
            "levels": "manager 8\nteam_leader 8\n",
        },
    )
    assert bad.status_code == 422
    assert "level 2 is reached after 8 business hours, not after level 1&#39;s 8" in bad.text
    assert "team_leader 8" in bad.text  # the text as typed
    good = client.post(
        "/cases/statuses",
        data={
            "csrf_token": csrf_of(page.text),
            "what": "chain",
            "case_type": "escalation",
            "severity": "",
            "levels": "team_leader 3\nexecutive 9\n",
        },
    )
    assert good.status_code == 303
    listed = api.get("/api/v1/cases/chains").json()
    assert [(c["case_type"], c["severity"]) for c in listed["chains"]] == [
        ("escalation", None),
        ("complaint", "high"),
    ]
    assert api.delete("/api/v1/cases/chains?case_type=complaint").status_code == 404
    gone = api.delete("/api/v1/cases/chains?case_type=complaint&severity=high")
    assert [c["case_type"] for c in gone.json()["chains"]] == ["escalation"]

    refused_cli = cli.invoke(
        app, ["cases", "chains", "set", "feedback", "manager 4", "boss 8", "--json"]
    )
    assert refused_cli.exit_code == 2 and "line 2" in refused_cli.stdout
    shown = cli.invoke(
        app,
        [
            "cases",
            "chains",
            "set",
            "feedback",
            "--severity",
            "low",
            "person:alice 1",
            "manager 2.5",
            "--json",
        ],
    )
    assert shown.exit_code == 0, shown.stdout
    chains_out = json.loads(shown.stdout)["chains"]
    assert [lv["after_h"] for lv in chains_out[-1]["levels"]] == [1.0, 2.5]
    removed = cli.invoke(app, ["cases", "chains", "remove", "feedback", "--severity", "low"])
    assert removed.exit_code == 0
