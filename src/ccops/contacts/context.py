"""Recording what a contact was about after the fact: the topic, the standard answer used, the
reason code and flags, by the agent who handled it or by someone whose scope reaches it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts import schemas
from ccops.contacts.models import Contact
from ccops.enums import ScopeKind
from ccops.errors import Invalid, NotFound, Problem
from ccops.knowledge.models import KbArticle, KbVersion
from ccops.org import service as org_service
from ccops.org.access import Scope
from ccops.org.models import Queue


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
