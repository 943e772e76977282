"""Huddles: notes with attendance and actions, actions on the owner's list until done, the
rhythm with what was missed, the agenda."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from ccops.errors import Conflict, Forbidden, NotFound
from ccops.voice import huddles, schemas
from ccops.voice.models import Huddle
from tests.factories.voice import build_org

MONDAY = date(2026, 11, 16)


def test_actions_stay_with_their_owner_until_done_and_bad_input_stores_nothing(
    session: Session,
) -> None:
    ids = build_org(session, {"Team A": ("Main", 3)})
    out = huddles.record(
        session=session,
        data=schemas.HuddleIn(
            team="Team A",
            held_on=MONDAY,
            notes="Launch volume +30% at 09:00",
            attendees=["teama-0", "teama-1"],
            actions=[
                schemas.ActionIn(text="Read the login article", owner="teama-1", due_on=MONDAY)
            ],
        ),
        by="lead",
        today=MONDAY,
    )
    assert out.attendees == ["teama-0", "teama-1"] and out.actions[0].owner == "teama-1"
    owner = ids["Team A"][1]
    later = MONDAY + timedelta(days=2)
    mine = huddles.my_actions(session=session, person_id=owner, today=later)
    assert [(a.text, a.overdue) for a in mine] == [("Read the login article", True)]
    with pytest.raises(Forbidden, match="owner or their team"):
        huddles.complete(
            session=session,
            action_id=mine[0].id,
            by_person_id=ids["Team A"][0],
            by="x",
            today=later,
        )
    huddles.complete(session=session, action_id=mine[0].id, by_person_id=owner, by="o", today=later)
    assert huddles.my_actions(session=session, person_id=owner, today=later) == []
    with pytest.raises(Conflict, match="already done"):
        huddles.complete(
            session=session, action_id=mine[0].id, by_person_id=owner, by="m", today=later
        )
    before = session.query(Huddle).count()
    with pytest.raises(NotFound, match="nobody"):
        huddles.record(
            session=session,
            data=schemas.HuddleIn(
                team="Team A",
                held_on=MONDAY,
                actions=[schemas.ActionIn(text="x", owner="nobody", due_on=MONDAY)],
            ),
            by="lead",
            today=MONDAY,
        )
    with pytest.raises(Conflict, match="on or after"):
        huddles.record(
            session=session,
            data=schemas.HuddleIn(team="Team A", held_on=later),
            by="lead",
            today=MONDAY,
        )
    assert session.query(Huddle).count() == before


def test_rhythm_shows_what_was_missed(session: Session) -> None:
    build_org(session, {"Team A": ("Main", 2)})
    for kind, day in (("huddle", MONDAY), ("meeting", MONDAY + timedelta(days=2))) + tuple(
        ("floor_check", MONDAY) for _ in range(8)
    ):
        huddles.record(
            session=session,
            data=schemas.HuddleIn(team="Team A", kind=kind, held_on=day),
            by="lead",
            today=MONDAY + timedelta(days=7),
        )
    days = huddles.rhythm(
        session=session, team="Team A", first=MONDAY, last=MONDAY + timedelta(days=6)
    )
    assert [d.day.weekday() for d in days] == [0, 1, 2, 3, 4]
    assert days[0].missed == []
    assert days[1].missed == ["floor_check"] * 8 + ["huddle"]
    assert "meeting" not in days[4].missed and "huddle" in days[4].missed


def test_agenda_lists_open_actions_and_kpis_with_intervals(session: Session) -> None:
    build_org(session, {"Team A": ("Main", 2)})
    huddles.record(
        session=session,
        data=schemas.HuddleIn(
            team="Team A",
            held_on=MONDAY,
            actions=[schemas.ActionIn(text="Call back", owner="teama-0", due_on=MONDAY)],
        ),
        by="lead",
        today=MONDAY,
    )
    a = huddles.agenda(session=session, team="Team A", day=MONDAY + timedelta(days=1))
    assert [k.kpi for k in a.kpis_today] == list(huddles.AGENDA_KPIS)
    assert all(k.n == 0 and k.actual is None for k in a.kpis_today)
    assert [x.text for x in a.open_actions] == ["Call back"]
