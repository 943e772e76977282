"""The swap board page: an agent posts one of their published shifts from the form; a colleague
free that day (with the skills) sees it and takes it, approved into a new published version, and
the poster sees who took it and why it was approved; a colleague working that day does not see
it, and a take the rules refuse comes back with the rule named; withdrawing takes a post off."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.org.models import Person
from ccops.settings import Settings
from ccops.wfm.schedules.models import Schedule, ScheduledShift
from ccops.wfm.swapboard.models import SwapPost
from tests.factories import make_token
from tests.factories.week_ahead import publish_copy, week_ahead
from tests.wfm.allowances.test_routes import _client
from tests.wfm.requests.test_service import published  # noqa: F401  (the fixture)


def _days(session: Session, schedule_id: int) -> dict[str, set[date]]:
    out: dict[str, set[date]] = {}
    for login, start in session.execute(
        select(Person.login, ScheduledShift.start_at)
        .join(Person, Person.id == ScheduledShift.person_id)
        .where(ScheduledShift.schedule_id == schedule_id)
    ):
        out.setdefault(login, set()).add(start.date())  # the site is on UTC
    return out


def _published_days(session: Session, login: str) -> set[date]:
    return {
        start.date()
        for start in session.scalars(
            select(ScheduledShift.start_at)
            .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
            .join(Person, Person.id == ScheduledShift.person_id)
            .where(Schedule.status == "published", Person.login == login)
        )
    }


def _follow(client: TestClient, response: object) -> str:
    """The page a 303 leads to (with its flash)."""
    location = response.headers["location"]  # type: ignore[attr-defined]
    return client.get(location.split("#")[0]).text


@pytest.mark.usefixtures("published")
def test_an_agent_posts_a_shift_and_a_free_colleague_takes_it(
    session: Session, settings: Settings
) -> None:
    ahead = publish_copy(session, site="Main", week=week_ahead(2))
    days = _days(session, ahead.id)
    # a day someone works while someone else (with days to spare) is free
    day, giver, taker = next(
        (d, g, t)
        for d in sorted({d for ds in days.values() for d in ds})
        for g in sorted(p for p, ds in days.items() if d in ds)
        for t in sorted(p for p, ds in days.items() if d not in ds and len(ds) < 5)
    )
    worker = next(p for p, ds in days.items() if day in ds and p != giver)
    session.commit()
    tokens = {login: make_token(session, login=f"u-{login}") for login in (giver, taker, worker)}
    poster, colleague = _client(settings, tokens[giver]), _client(settings, tokens[taker])
    busy = _client(settings, tokens[worker])

    page = poster.get("/swaps")
    assert page.status_code == 200
    assert f'<option value="{day.isoformat()}">' in page.text

    done = poster.post("/swaps", data={"day": day.isoformat(), "kind": "give", "note": "exam"})
    assert done.status_code == 303
    assert f"Your shift on {day.isoformat()} is on the board." in _follow(poster, done)
    post = session.scalars(select(SwapPost)).one()
    session.commit()
    assert (post.day, post.kind, post.status, post.note) == (day, "give", "open", "exam")
    mine = poster.get("/swaps").text
    assert f'aria-label="Withdraw post {post.id}"' in mine and 'data-status="open"' in mine

    # a colleague working that day does not see it; the rule is named when they try anyway
    assert f'id="post-{post.id}"' not in busy.get("/swaps").text
    refused = busy.post(f"/swaps/{post.id}/take")
    assert refused.status_code == 303
    assert "rule: a shift given away goes to someone free" in _follow(busy, refused)
    session.expire_all()
    assert session.get(SwapPost, post.id).status == "open"  # type: ignore[union-attr]

    board = colleague.get("/swaps").text
    assert f'id="post-{post.id}"' in board and "exam" in board
    assert f'aria-label="Take post {post.id}"' in board
    taken = colleague.post(f"/swaps/{post.id}/take")
    assert taken.status_code == 303
    assert "approved and published" in _follow(colleague, taken)
    session.expire_all()
    assert day in _published_days(session, taker) and day not in _published_days(session, giver)

    after = poster.get("/swaps").text
    assert 'data-status="approved"' in after
    assert f"Taken by {taker}" in after and "approved by the rules" in after


@pytest.mark.usefixtures("published")
def test_a_post_is_withdrawn_and_bad_ids_are_refused(session: Session, settings: Settings) -> None:
    ahead = publish_copy(session, site="Main", week=week_ahead(2))
    days = _days(session, ahead.id)
    login = sorted(days)[0]
    day = min(days[login])
    session.commit()
    client = _client(settings, make_token(session, login=f"u-{login}"))
    planner = _client(settings, make_token(session, login="u-plan"))
    client.post("/swaps", data={"day": day.isoformat(), "kind": "trade"})
    post = session.scalars(select(SwapPost)).one()
    session.commit()
    again = client.post("/swaps", data={"day": day.isoformat(), "kind": "trade"})
    assert f"your post {post.id} for {day.isoformat()} is still open" in _follow(client, again)
    bad = client.post("/swaps", data={"day": "", "kind": "sell"})
    assert "Choose a day of yours and a kind." in _follow(client, bad)
    gone = client.post(f"/swaps/{post.id}/withdraw")
    assert f"Your post for {day.isoformat()} is withdrawn." in _follow(client, gone)
    assert 'data-status="withdrawn"' in client.get("/swaps").text
    assert client.post("/swaps/99999/take").status_code == 404
    assert client.post(f"/swaps/{2**31}/withdraw").status_code == 422
    # a planner without a person sees no board and cannot withdraw the agent's post
    assert "not linked to a person" in planner.get("/swaps").text
    assert "only its poster withdraws it" in _follow(
        planner, planner.post(f"/swaps/{post.id}/withdraw")
    )
