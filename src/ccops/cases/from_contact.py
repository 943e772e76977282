"""Cases raised from a contact: the contact's facts a case handler needs, the cases already
linked to it, and raising a new one linked to it.

The contact must be in the user's scope the way a contact's business context is
(``contacts.context.contact_for_context``: handled by a person in scope, or of a queue of a site
in scope); out of scope answers like a missing id. The case is linked through its
``contact_id``: its queue, site, agent and customer key follow the contact.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.cases import schemas
from ccops.cases import service as cases_service
from ccops.cases.models import Survey
from ccops.contacts.context import contact_for_context
from ccops.knowledge.models import KbVersion
from ccops.org.models import Channel, Person, Queue, Site
from ccops.org.service import Scope


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def contact_facts(*, session: Session, contact_id: int, scope: Scope) -> schemas.ContactFactsOut:
    """The contact's queue, site and zone, times, durations, outcome and business context.

    Raises:
        NotFound: the contact does not exist or is out of scope.
    """
    contact = contact_for_context(session, contact_id, scope)
    queue = session.get(Queue, contact.queue_id)
    site = session.get(Site, queue.site_id) if queue else None
    channel = session.get(Channel, contact.channel_id)
    person = session.get(Person, contact.person_id) if contact.person_id else None
    title = None
    if contact.kb_article_id is not None and contact.kb_article_version is not None:
        title = session.scalar(
            select(KbVersion.title).where(
                KbVersion.article_id == contact.kb_article_id,
                KbVersion.version == contact.kb_article_version,
            )
        )
    survey = session.scalars(select(Survey).where(Survey.contact_id == contact.id)).first()
    arrival = _utc(contact.arrival_at)
    assert arrival is not None
    return schemas.ContactFactsOut(
        id=contact.id,
        queue=queue.name if queue else "",
        site=site.name if site else "",
        timezone=site.timezone if site else "UTC",
        channel=channel.name if channel else "",
        agent=person.login if person else None,
        agent_name=person.name if person else None,
        arrival_at=arrival,
        answered_at=_utc(contact.answered_at),
        ended_at=_utc(contact.ended_at),
        outcome=str(contact.outcome.value),
        wait_s=contact.wait_s,
        talk_s=contact.talk_s,
        hold_s=contact.hold_s,
        wrap_s=contact.wrap_s,
        reason_code=contact.reason_code,
        topic=contact.topic,
        kb_article_id=contact.kb_article_id,
        kb_article_version=contact.kb_article_version,
        kb_article_title=title,
        transferred=contact.transferred,
        escalated=contact.escalated,
        csat=contact.csat,
        nps=contact.nps,
        survey_csat=survey.csat if survey else None,
        survey_nps=survey.nps if survey else None,
        survey_comment=(survey.comment or None) if survey else None,
    )


def cases_of_contact(
    *, session: Session, contact_id: int, scope: Scope, now: datetime | None = None
) -> list[schemas.CaseOut]:
    """The cases linked to a contact in scope that the user may open, newest first.

    Raises:
        NotFound: the contact does not exist or is out of scope.
    """
    contact_for_context(session, contact_id, scope)
    return cases_service.list_cases(session=session, scope=scope, contact_id=contact_id, now=now)


def open_from_contact(
    *,
    session: Session,
    contact_id: int,
    data: schemas.CaseFromContactIn,
    by: str,
    by_person_id: int | None = None,
    scope: Scope,
    now: datetime | None = None,
) -> schemas.CaseOut:
    """Raise a case linked to the contact: routed and clocked as any case
    (``service.open_case``), its queue, site, agent and customer key those of the contact.

    Raises:
        NotFound: the contact does not exist or is out of scope.
        Invalid: no target for the type and severity.
    """
    contact = contact_for_context(session, contact_id, scope)
    case_in = schemas.CaseIn(**data.model_dump(), contact_id=contact.id)
    return cases_service.open_case(
        session=session, data=case_in, by=by, by_person_id=by_person_id, scope=scope, now=now
    )
