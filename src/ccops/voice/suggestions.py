"""The suggestion box: anyone submits (optionally anonymously), an owner assesses with a decision
and a reason before the target date, adopted suggestions are rewarded and recorded as
recognition of their author, authors follow the status, monthly counts per site.

An anonymous suggestion is stored with no author, and with a date but no time; its author
follows it with a receipt code of which only the SHA-256 hash is kept.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.org import service as org_service
from ccops.org.models import Person, Site
from ccops.performance import recognition as perf_recognition
from ccops.performance import schemas as perf_schemas
from ccops.voice import models as m
from ccops.voice import schemas as s

TARGET_DAYS = 14
"""Days within which a suggestion gets a decision with its reason."""
ANSWERED = ("adopted", "declined", "implemented")
"""States that answer a suggestion (``in_review`` is an acknowledgement, not an answer)."""
_NEXT = {
    "submitted": {"in_review", "adopted", "declined"},
    "in_review": {"adopted", "declined"},
    "adopted": {"implemented"},
    "declined": set(),
    "implemented": set(),
}


def next_statuses(status: str) -> list[str]:
    """The decisions a suggestion in ``status`` can still get, in the order of the workflow."""
    return [x for x in s.SUGGESTION_STATUSES if x in _NEXT.get(status, set())]


def status_counts(items: list[s.SuggestionOut]) -> dict[str, int]:
    """How many of ``items`` are in each status (every status listed, zero included)."""
    counts = dict.fromkeys(s.SUGGESTION_STATUSES, 0)
    for x in items:
        counts[x.status] = counts.get(x.status, 0) + 1
    return counts


def _hash(receipt: str) -> str:
    return hashlib.sha256(receipt.strip().encode()).hexdigest()


def _out(session: Session, x: m.Suggestion, receipt: str | None = None) -> s.SuggestionOut:
    author = session.get(Person, x.author_id) if x.author_id is not None else None
    in_time = None
    if x.decided_on is not None:
        in_time = x.decided_on <= x.due_on
    return s.SuggestionOut(
        id=x.id,
        site=session.get_one(Site, x.site_id).name,
        author=author.login if author else None,
        anonymous=x.author_id is None,
        title=x.title,
        text=x.text,
        submitted_on=x.submitted_on,
        due_on=x.due_on,
        owner=x.owner,
        status=x.status,
        reason=x.reason,
        decided_on=x.decided_on,
        decided_by=x.decided_by,
        reward=x.reward,
        answered_in_time=in_time,
        recognition_id=x.recognition_id,
        receipt=receipt,
    )


def submit(
    *,
    session: Session,
    data: s.SuggestionIn,
    author_login: str,
    today: date,
    owner: str | None = None,
) -> s.SuggestionOut:
    """Record a suggestion; anonymous ones keep no author and come back with a receipt code."""
    person = session.scalars(select(Person).where(Person.login == author_login)).first()
    if person is None:
        raise NotFound(f"no person {author_login!r}", [Problem("not found", field="author")])
    site_id = person.site_id
    if data.site is not None:
        site = session.scalars(select(Site).where(Site.name == data.site)).first()
        if site is None:
            raise NotFound(f"no site {data.site!r}", [Problem("not found", field="site")])
        site_id = site.id
    receipt = secrets.token_urlsafe(9) if data.anonymous else None
    x = m.Suggestion(
        site_id=site_id,
        author_id=None if data.anonymous else person.id,
        receipt_hash=_hash(receipt) if receipt else None,
        title=data.title,
        text=data.text,
        submitted_on=today,
        due_on=today + timedelta(days=TARGET_DAYS),
        owner=owner,
    )
    session.add(x)
    session.flush()
    return _out(session, x, receipt)


def _get(session: Session, suggestion_id: int) -> m.Suggestion:
    x = session.get(m.Suggestion, suggestion_id)
    if x is None:
        raise NotFound(f"no suggestion {suggestion_id}", [Problem("not found", field="id")])
    return x


def get(
    *, session: Session, suggestion_id: int, scope: org_service.Scope = org_service.EVERYTHING
) -> s.SuggestionOut:
    """A suggestion of a site in scope."""
    x = _get(session, suggestion_id)
    if not scope.allows_site(x.site_id):
        raise Forbidden("this suggestion is of a site outside your scope", [Problem("scope")])
    return _out(session, x)


def follow(*, session: Session, receipt: str) -> s.SuggestionOut:
    """An anonymous suggestion by its receipt code."""
    x = session.scalars(select(m.Suggestion).where(m.Suggestion.receipt_hash == _hash(receipt)))
    found = x.first()
    if found is None:
        raise NotFound(
            "no suggestion has this receipt code", [Problem("not found", field="receipt")]
        )
    return _out(session, found)


def list_suggestions(
    *,
    session: Session,
    scope: org_service.Scope = org_service.EVERYTHING,
    status: str | None = None,
    author_login: str | None = None,
) -> list[s.SuggestionOut]:
    """Suggestions of the sites in scope (or one author's own), newest first."""
    query = select(m.Suggestion).order_by(m.Suggestion.submitted_on.desc(), m.Suggestion.id.desc())
    if status is not None:
        if status not in s.SUGGESTION_STATUSES:
            raise Invalid(
                f"status must be one of {', '.join(s.SUGGESTION_STATUSES)}",
                [Problem("bad", field="status")],
            )
        query = query.where(m.Suggestion.status == status)
    if author_login is not None:
        query = query.join(Person, Person.id == m.Suggestion.author_id).where(
            Person.login == author_login
        )
    return [_out(session, x) for x in session.scalars(query) if scope.allows_site(x.site_id)]


def decide(
    *,
    session: Session,
    suggestion_id: int,
    data: s.DecisionIn,
    by: str,
    today: date,
    scope: org_service.Scope = org_service.EVERYTHING,
) -> s.SuggestionOut:
    """Assess a suggestion: the decision with its reason; adopting one of a known author
    records recognition of them (with the reward)."""
    x = _get(session, suggestion_id)
    if not scope.allows_site(x.site_id):
        raise Forbidden("this suggestion is of a site outside your scope", [Problem("scope")])
    if data.decision not in next_statuses(x.status):
        raise Conflict(
            f"a suggestion {x.status} cannot become {data.decision}",
            [Problem("bad transition", field="decision")],
        )
    x.status = data.decision
    x.reason = data.reason
    if x.owner is None:
        x.owner = by
    if data.decision in ANSWERED and x.decided_on is None:
        x.decided_on = today
        x.decided_by = by
    if data.decision == "adopted":
        x.reward = data.reward
        if x.author_id is not None:
            author = session.get_one(Person, x.author_id)
            rec = perf_recognition.create_recognition(
                session=session,
                data=perf_schemas.RecognitionIn(
                    person=author.login,
                    given_on=today,
                    text=f"Suggestion adopted: {x.title}"
                    + (f" (reward: {data.reward})" if data.reward else ""),
                ),
                given_by=by,
                scope=org_service.EVERYTHING,
            )
            x.recognition_id = rec.id
    session.flush()
    return _out(session, x)


def monthly(
    *, session: Session, scope: org_service.Scope = org_service.EVERYTHING
) -> list[s.SuggestionMonth]:
    """Per site and month of submission: submitted, answered within the target, adopted (an
    implemented suggestion was adopted)."""
    counts: dict[tuple[str, str], list[int]] = {}
    for x in session.scalars(select(m.Suggestion)):
        if not scope.allows_site(x.site_id):
            continue
        key = (session.get_one(Site, x.site_id).name, x.submitted_on.strftime("%Y-%m"))
        row = counts.setdefault(key, [0, 0, 0])
        row[0] += 1
        if x.decided_on is not None and x.decided_on <= x.due_on:
            row[1] += 1
        if x.status in ("adopted", "implemented"):
            row[2] += 1
    return [
        s.SuggestionMonth(site=site, month=month, submitted=a, answered_in_time=b, adopted=c)
        for (site, month), (a, b, c) in sorted(counts.items())
    ]
