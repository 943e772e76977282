"""Builders of the voice tests: two sites with teams of chosen sizes, and a small survey."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import ChannelKind, Role
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.voice import schemas, surveys

OPENS = date(2026, 11, 2)
"""The opening day of the test rounds."""


def build_org(session: Session, teams: dict[str, tuple[str, int]]) -> dict[str, list[int]]:
    """Sites Main and Other, teams ``name -> (site, agents)``; return the agents' ids by team.

    Agents alternate between hire dates six months and two years before :data:`OPENS`.
    """
    for site, zone in (("Main", "Europe/London"), ("Other", "Asia/Shanghai")):
        org_service.create_site(session=session, data=org_schemas.SiteIn(name=site, timezone=zone))
    org_service.create_channel(
        session=session, data=org_schemas.ChannelIn(name="voice", kind=ChannelKind.voice)
    )
    ids: dict[str, list[int]] = {}
    for team, (site, size) in teams.items():
        org_service.create_team(session=session, data=org_schemas.TeamIn(name=team, site=site))
        for i in range(size):
            login = f"{team.lower().replace(' ', '')}-{i}"
            org_service.create_person(
                session=session,
                data=org_schemas.PersonIn(
                    name=login,
                    login=login,
                    site=site,
                    team=team,
                    role=Role.agent,
                    hire_date=date(2026, 5, 1) if i % 2 else date(2024, 10, 1),
                ),
            )
            ids.setdefault(team, []).append(
                session.scalars(select(Person.id).where(Person.login == login)).one()
            )
    session.flush()
    return ids


def engagement(session: Session, name: str = "Pulse") -> schemas.SurveyOut:
    """A survey with a rating, a choice and a comment question."""
    return surveys.create_survey(
        session=session,
        data=schemas.SurveyIn(
            name=name,
            questions=[
                schemas.QuestionIn(key="proud", text="I am proud to work here"),
                schemas.QuestionIn(
                    key="tools", text="My tools are", kind="choice", choices=["good", "poor"]
                ),
                schemas.QuestionIn(key="comment", text="Anything else?", kind="text"),
            ],
        ),
        by="admin",
    )


def answers(rating: int, comment: str = "") -> schemas.AnswerIn:
    """A complete set of answers to :func:`engagement`."""
    return schemas.AnswerIn(
        answers={"proud": rating, "tools": "good" if rating >= 3 else "poor", "comment": comment}
    )


def seed_scope_objects(session: Session, ids: dict[str, int]) -> None:
    """A suggestion, a huddle and a huddle action of London (``*_in``: alice, Team A) and of
    Shanghai (``*_out``: carol, Team C), for the object-permission tests."""
    from ccops.voice import huddles, suggestions

    day = date(2026, 11, 16)
    for side, login, team in (("in", "alice", "Team A"), ("out", "carol", "Team C")):
        ids[f"suggestion_{side}"] = suggestions.submit(
            session=session,
            data=schemas.SuggestionIn(title=f"idea {side}", text="..."),
            author_login=login,
            today=day,
        ).id
        h = huddles.record(
            session=session,
            data=schemas.HuddleIn(
                team=team,
                held_on=day,
                actions=[schemas.ActionIn(text="do", owner=login, due_on=day)],
            ),
            by="u-supervisor",
            today=day,
        )
        ids[f"huddle_{side}"] = h.id
        ids[f"action_{side}"] = h.actions[0].id
