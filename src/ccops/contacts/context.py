"""Recording what a contact was about after the fact: the topic, the standard answer used, the
reason code and flags, by the agent who handled it or by someone whose scope reaches it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts import schemas
from ccops.contacts.models import Contact
from ccops.enums import ScopeKind
from ccops.errors import Invalid, NotFound, Problem
from ccops.knowledge import service as kb_service
from ccops.knowledge.models import KbArticle, KbVersion
from ccops.org import service as org_service
from ccops.org.access import Scope
from ccops.org.models import Queue, Site


def contact_for_context(session: Session, contact_id: int, scope: Scope) -> Contact:
    """The contact if ``scope`` reaches it: handled by a person in scope, or (site scopes) of a
    queue of a site in scope. Out of scope answers like a missing id, so ids reveal nothing."""
    contact = session.get(Contact, contact_id)
    if contact is not None and not scope.everything:
        reached = contact.person_id is not None and org_service.person_id_in_scope(
            session=session, scope=scope, person_id=contact.person_id
        )
        if not reached and scope.kind == ScopeKind.sites:
            queue = session.get(Queue, contact.queue_id)
            reached = queue is not None and scope.allows_site(queue.site_id)
        if not reached:
            contact = None
    if contact is None:
        raise NotFound(
            f"contact {contact_id} does not exist", [Problem("unknown", field="contact_id")]
        )
    return contact


def _article_version(
    session: Session, article_id: int, version: int | None
) -> tuple[KbArticle, int]:
    article = session.get(KbArticle, article_id)
    if article is None:
        raise Invalid(
            f"standard answer {article_id} does not exist",
            [Problem("unknown article", field="kb_article_id")],
        )
    if version is None:
        if article.published_version is None:
            raise Invalid(
                f"standard answer {article_id} has no published version: name the version used",
                [Problem("no published version", field="kb_article_version")],
            )
        return article, article.published_version
    found = session.scalar(
        select(KbVersion.id).where(KbVersion.article_id == article_id, KbVersion.version == version)
    )
    if found is None:
        raise Invalid(
            f"standard answer {article_id} has no version {version}",
            [Problem("unknown version", field="kb_article_version")],
        )
    return article, version


def context_out(contact: Contact) -> schemas.ContactContextOut:
    return schemas.ContactContextOut(
        contact_id=contact.id,
        reason_code=contact.reason_code,
        topic=contact.topic,
        kb_article_id=contact.kb_article_id,
        kb_article_version=contact.kb_article_version,
        transferred=contact.transferred,
        escalated=contact.escalated,
        recording_ref=contact.recording_ref,
        transcript_ref=contact.transcript_ref,
        csat=contact.csat,
        nps=contact.nps,
    )


def record_context(
    *, session: Session, contact_id: int, scope: Scope, data: schemas.ContactContextIn
) -> schemas.ContactContextOut:
    """Set the fields given in ``data`` (a field sent as null clears it; one not sent is kept).

    A standard answer named without a version is the version published now (what the agent
    read); without a topic, the contact takes the answer's topic.

    Raises:
        NotFound: the contact does not exist or is out of scope.
        Invalid: an unknown article or version, or a version without its article.
    """
    contact = contact_for_context(session, contact_id, scope)
    given = data.model_dump(exclude_unset=True)
    if "kb_article_version" in given and given["kb_article_version"] is not None:
        if given.get("kb_article_id", contact.kb_article_id) is None:
            raise Invalid(
                "an article version needs kb_article_id",
                [Problem("version without article", field="kb_article_version")],
            )
    if given.get("kb_article_id") is not None:
        version = given.get("kb_article_version")
        article, given["kb_article_version"] = _article_version(
            session, given["kb_article_id"], version
        )
        if "topic" not in given and contact.topic is None:
            given["topic"] = article.topic
    elif "kb_article_id" in given:
        given["kb_article_version"] = None
    for name, value in given.items():
        setattr(contact, name, value)
    session.flush()
    return context_out(contact)


def answer_choices(*, session: Session, scope: Scope) -> dict[str, list[tuple[int, int, str]]]:
    """The published standard answers in scope by topic: (article id, published version,
    title), the topics sorted. These topics are the known ones a contact may be recorded on."""
    out: dict[str, list[tuple[int, int, str]]] = {}
    for a in kb_service.list_articles(session=session, scope=scope, published_only=True):
        if a.version is not None:
            out.setdefault(a.topic, []).append((a.id, a.version, a.title))
    return dict(sorted(out.items()))


def record_answer_used(
    *,
    session: Session,
    contact_id: int,
    scope: Scope,
    topic: str,
    article_id: int | None,
    version: int | None,
) -> schemas.ContactContextOut:
    """Record after a contact its topic (one of the known topics: those of the published
    answers in scope) and the standard answer used, by article and the version read (None: no
    answer was used, which clears a recorded one). Nothing is stored on a problem.

    Raises:
        NotFound: the contact does not exist or is out of scope.
        Invalid: an unknown topic; an answer that is not published in scope, of another topic,
            or a version it does not have.
    """
    contact_for_context(session, contact_id, scope)
    choices = answer_choices(session=session, scope=scope)
    if topic not in choices:
        raise Invalid(
            f"{topic!r} is not a known topic: choose one of the topics of the published answers",
            [Problem("unknown topic", field="topic")],
        )
    if article_id is None:
        data = schemas.ContactContextIn(topic=topic, kb_article_id=None)
        return record_context(session=session, contact_id=contact_id, scope=scope, data=data)
    published = {a: v for entries in choices.values() for a, v, _ in entries}
    article = session.get(KbArticle, article_id) if article_id in published else None
    if article is None:
        raise Invalid(
            f"standard answer {article_id} is not a published answer you can read",
            [Problem("unknown article", field="kb_article_id")],
        )
    if article.topic != topic:
        raise Invalid(
            f"standard answer {article_id} is about {article.topic!r}, not {topic!r}",
            [Problem("answer of another topic", field="kb_article_id")],
        )
    if version is not None and not 1 <= version <= published[article_id]:
        raise Invalid(
            f"standard answer {article_id} has no published version {version}",
            [Problem("unknown version", field="kb_article_version")],
        )
    data = schemas.ContactContextIn(
        topic=topic, kb_article_id=article_id, kb_article_version=version
    )
    return record_context(session=session, contact_id=contact_id, scope=scope, data=data)


def recent_of_person(
    *, session: Session, person_id: int, limit: int = 10
) -> list[schemas.RecentContactOut]:
    """The latest contacts the person handled, newest first, with what is recorded on them."""
    rows = session.execute(
        select(Contact, Queue.name, Site.timezone)
        .join(Queue, Queue.id == Contact.queue_id)
        .join(Site, Site.id == Queue.site_id)
        .where(Contact.person_id == person_id)
        .order_by(Contact.arrival_epoch_s.desc(), Contact.id.desc())
        .limit(limit)
    )
    return [
        schemas.RecentContactOut(
            contact_id=c.id,
            queue=queue,
            arrival_at=datetime.fromtimestamp(c.arrival_epoch_s, UTC),
            timezone=zone,
            topic=c.topic,
            kb_article_id=c.kb_article_id,
            kb_article_version=c.kb_article_version,
        )
        for c, queue, zone in rows
    ]
