"""A small centre for quality tests: two teams, agents, handled contacts and a standard form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact
from ccops.enums import ChannelKind, Outcome, Role
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Queue
from ccops.quality import forms as qa_forms
from ccops.quality import schemas

DAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
"""A Monday; the site is in UTC so local days are UTC days."""

FORM: dict[str, Any] = {
    "name": "Standard call",
    "pass_mark_pct": 80,
    "sections": [
        {
            "key": "opening",
            "title": "Opening",
            "weight_pct": 20,
            "items": [
                {"key": "greet", "text": "Greets the customer", "weight_pct": 50},
                {
                    "key": "verify",
                    "text": "Verifies identity",
                    "weight_pct": 50,
                    "allow_na": True,
                },
            ],
        },
        {
            "key": "resolution",
            "title": "Resolution",
            "weight_pct": 50,
            "items": [
                {
                    "key": "accuracy",
                    "text": "Accurate answer",
                    "scale": "one_to_five",
                    "weight_pct": 60,
                },
                {
                    "key": "ownership",
                    "text": "Takes ownership",
                    "scale": "one_to_five",
                    "weight_pct": 40,
                    "allow_na": True,
                },
            ],
        },
        {
            "key": "compliance",
            "title": "Compliance",
            "weight_pct": 30,
            "items": [
                {
                    "key": "disclosure",
                    "text": "Reads the disclosure",
                    "weight_pct": 100,
                    "critical": True,
                    "allow_na": True,
                }
            ],
        },
    ],
}

Pattern = dict[str, int | None]
# Answer patterns and their scores by hand (see test_service):
ALL_TOP: Pattern = {
    "greet": 1,
    "verify": 1,
    "accuracy": 5,
    "ownership": 5,
    "disclosure": 1,
}  # 100
MIXED: Pattern = {
    "greet": 1,
    "verify": 0,
    "accuracy": 4,
    "ownership": 3,
    "disclosure": 1,
}  # 72.5
WITH_NA: Pattern = {
    "greet": 1,
    "verify": None,
    "accuracy": 4,
    "ownership": None,
    "disclosure": None,
}
CRITICAL: Pattern = {
    "greet": 1,
    "verify": 1,
    "accuracy": 5,
    "ownership": 5,
    "disclosure": 0,
}  # 0


def answers(pattern: dict[str, int | None]) -> list[schemas.AnswerIn]:
    """Answers of a pattern (None: N/A)."""
    return [
        schemas.AnswerIn(item=k, na=True) if v is None else schemas.AnswerIn(item=k, value=v)
        for k, v in pattern.items()
    ]


def answers_json(pattern: dict[str, int | None]) -> list[dict[str, Any]]:
    """The JSON form of a pattern's answers."""
    return [a.model_dump(exclude_defaults=True) for a in answers(pattern)]


def make_centre(session: Session, *, contacts_per_agent: int = 12) -> dict[str, Any]:
    """Site Main (UTC), queues Sales (voice) and Chat (chat), teams Red and Blue, agents."""
    org_service.create_site(session=session, data=org_schemas.SiteIn(name="Main", timezone="UTC"))
    org_service.create_channel(
        session=session, data=org_schemas.ChannelIn(name="voice", kind=ChannelKind.voice)
    )
    org_service.create_channel(
        session=session,
        data=org_schemas.ChannelIn(name="chat", kind=ChannelKind.chat, max_concurrency=2),
    )
    for queue_name, channel in (("Sales", "voice"), ("Chat", "chat")):
        org_service.create_queue(
            session=session,
            data=org_schemas.QueueIn(name=queue_name, channel=channel, site="Main"),
        )
    for team in ("Red", "Blue"):
        org_service.create_team(session=session, data=org_schemas.TeamIn(name=team, site="Main"))
    people = {}
    for login, name, team in (
        ("zoe", "Zoe Adams", "Red"),
        ("amy", "Amy Brown", "Red"),
        ("ben", "Ben Clark", "Blue"),
    ):
        people[login] = org_service.create_person(
            session=session,
            data=org_schemas.PersonIn(
                name=name,
                login=login,
                site="Main",
                team=team,
                role=Role.agent,
                skills=[org_schemas.SkillIn(queue="Sales"), org_schemas.SkillIn(queue="Chat")],
            ),
        ).id
    queues = {q.name: q for q in session.scalars(select(Queue))}
    contacts: dict[str, list[int]] = {login: [] for login in people}
    for login, person_id in people.items():
        for n in range(contacts_per_agent):
            queue = queues["Chat" if n % 4 == 3 else "Sales"]
            arrival = DAY + timedelta(minutes=10 * n + sorted(people).index(login))
            contact = Contact(
                source="test",
                external_id=f"{login}-{n}",
                queue_id=queue.id,
                channel_id=queue.channel_id,
                person_id=person_id,
                arrival_at=arrival,
                answered_at=arrival + timedelta(seconds=10),
                ended_at=arrival + timedelta(seconds=200),
                outcome=Outcome.answered,
                wait_s=10,
                talk_s=180,
                arrival_epoch_s=int(arrival.timestamp()),
                arrival_local_min=int(arrival.timestamp() // 60),
                utc_offset_min=0,
                content_hash="x",
            )
            session.add(contact)
            session.flush()
            contacts[login].append(contact.id)
    form = qa_forms.create_form(session=session, data=schemas.FormIn.model_validate(FORM), by="qa1")
    return {"people": people, "contacts": contacts, "form": form}
