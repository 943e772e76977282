"""Shift swaps over the API and the pages: proposed on "My week" to a colleague (one without the
skill is refused naming it), accepted by the colleague on theirs, granted by the planner into a
new published version; nobody answers a swap proposed to someone else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ccops.enums import Role, ScopeKind
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.settings import Settings
from ccops.web.app import create_app
from ccops.wfm.schedules import build as schedule_build
from ccops.wfm.schedules import publish as schedule_publish
from tests.factories import make_token
from tests.factories.schedules import FAST, make_small_site, store_requirement


def _future_week() -> str:
    year, week, _ = (datetime.now(UTC).date() + timedelta(days=14)).isocalendar()
    return f"{year}-W{week:02d}"


def _client(settings: Settings, token: str) -> TestClient:
    return TestClient(
        create_app(settings), headers={"Authorization": f"Bearer {token}"}, follow_redirects=False
    )


def test_a_swap_goes_from_my_week_to_the_colleague_and_the_planner(
    session: Session, settings: Settings
) -> None:
    week = _future_week()
    make_small_site(session, timezone="UTC")
    store_requirement(session, "Sales", week=week)
    org_service.create_person(
        session=session, data=org_schemas.PersonIn(name="Zoe", login="zoe", site="Main")
    )
    tokens = {}
    for login, role, person in (
        ("u-alice", Role.agent, "alice"),
        ("u-bob", Role.agent, "bob"),
        ("u-carol", Role.agent, "carol"),
        ("u-plan", Role.planner, None),
    ):
        org_service.create_user(
            session=session,
            data=org_schemas.UserIn(
                login=login,
                password="long-enough-pass-1",
                role=role,
                person=person,
                scope=ScopeKind.sites if person is None else ScopeKind.own,
                sites=["Main"] if person is None else [],
            ),
        )
        tokens[login] = make_token(session, login=login)
    built = schedule_build.build_schedule(
        session=session, site="Main", week=week, created_by="planner", options=FAST
    )
    schedule_publish.publish(session=session, schedule_id=built.id, published_by="planner")
    session.commit()
    days: dict[str, set[date]] = {}
    for s in built.shift_rows:
        days.setdefault(s.login, set()).add(s.local_start.date())
    day, giver, taker = next(
        (d, g, t)
        for d in sorted({d for ds in days.values() for d in ds})
        for g in sorted(days)
        for t in sorted(days, key=lambda p: len(days[p]))
        if d in days[g] and d not in days[t] and len(days[t]) < 5
    )
    giver_c, taker_c = (
        _client(settings, tokens[f"u-{giver}"]),
        _client(settings, tokens[f"u-{taker}"]),
    )
    third = next(p for p in ("alice", "bob", "carol") if p not in (giver, taker))
    other_c, planner = _client(settings, tokens[f"u-{third}"]), _client(settings, tokens["u-plan"])

    my_week = giver_c.get(f"/schedules/my?week={week}")
    # only colleagues with the giver's skills are offered; zoe has none
    assert 'id="swap-form"' in my_week.text and f'<option value="{taker}">' in my_week.text
    assert 'value="zoe"' not in my_week.text
    lacking = giver_c.post(
        "/schedules/my/requests",
        data={"kind": "swap", "day": day.isoformat(), "colleague": "zoe", "week": week},
    )
    assert lacking.status_code == 422 and "zoe has no skill for Sales" in lacking.text
    assert f'value="{day.isoformat()}" required aria-invalid' not in lacking.text  # day is fine
    assert f'value="{day.isoformat()}"' in lacking.text  # the input is kept
    missing = giver_c.post(
        "/schedules/my/requests", data={"kind": "swap", "day": "", "colleague": taker}
    )
    assert missing.status_code == 422 and "day is needed for a swap" in missing.text
    proposed = giver_c.post(
        "/schedules/my/requests",
        data={"kind": "swap", "day": day.isoformat(), "colleague": taker, "reason": "wedding"},
    )
    assert proposed.status_code == 303
    [req] = giver_c.get("/api/v1/schedules/requests").json()
    assert (req["status"], req["colleague"], req["day"]) == (
        "awaiting_colleague",
        taker,
        day.isoformat(),
    )
    # neither the proposer nor a third person answers it; the planner cannot decide it yet
    for c in (giver_c, other_c):
        assert (
            c.post(
                f"/api/v1/schedules/requests/{req['id']}/answer", json={"accept": True}
            ).status_code
            == 403
        )
    early = planner.post(f"/api/v1/schedules/requests/{req['id']}/decision", json={"grant": True})
    assert early.status_code == 409
    page = taker_c.get("/schedules/my").text
    assert (
        "Swaps proposed to you" in page
        and f'action="/schedules/my/requests/{req["id"]}/answer"' in page
    )
    accepted = taker_c.post(f"/schedules/my/requests/{req['id']}/answer", data={"accept": "yes"})
    assert accepted.status_code == 303
    listing = planner.get("/schedules").text
    assert f'id="request-{req["id"]}"' in listing and "accepted by them" in listing
    granted = planner.post(f"/schedules/requests/{req['id']}/decide", data={"decision": "grant"})
    assert granted.status_code == 303
    done = giver_c.get("/api/v1/schedules/requests").json()[0]
    assert done["status"] == "granted" and done["schedule_id"] != built.id
    theirs = taker_c.get(f"/api/v1/schedules/people/{taker}/week", params={"week": week}).json()
    assert day.isoformat() in {s["local_start"][:10] for s in theirs["shifts"]}
    assert theirs["schedule_id"] == done["schedule_id"]
