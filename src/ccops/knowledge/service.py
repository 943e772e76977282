"""Use cases of the knowledge base: articles in versions (write, review, publish, roll back,
compare, search), known-issue banners per queue, process changes with acknowledgement (and the
training modules they update, ``ccops.knowledge.training``).

Search matches case-folded, NFKC-normalised substrings (``LIKE``), so it finds Chinese words
without a word splitter and behaves the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.enums import Role
from ccops.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ccops.knowledge import schemas, training
from ccops.knowledge.models import (
    ChangeRecipient,
    KbArticle,
    KbBanner,
    KbVersion,
    ProcessChange,
)
from ccops.notifications import service as notifications
from ccops.org.access import EVERYTHING, Scope
from ccops.org.models import Person, Queue, Team, User
from ccops.org.scoped import queue_in_scope, team_in_scope

OPEN = ("draft", "in_review", "approved")
"""States of a version not yet published: an article has at most one."""
MAX_BANNER_DAYS = 14
"""A known issue is short-lived: a banner expires within two weeks at most."""


def normalise(text: str) -> str:
    """The form search compares: NFKC (full-width letters as ASCII) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- articles ---------------------------------------------------------------------------------


def _queue_name(session: Session, queue_id: int | None) -> str | None:
    if queue_id is None:
        return None
    queue = session.get(Queue, queue_id)
    return queue.name if queue else None


def _version_out(v: KbVersion) -> schemas.VersionOut:
    return schemas.VersionOut(
        version=v.version,
        title=v.title,
        body=v.body,
        status=v.status,
        note=v.note,
        rollback_of=v.rollback_of,
        created_by=v.created_by,
        created_at=v.created_at,
        submitted_at=v.submitted_at,
        reviewed_by=v.reviewed_by,
        reviewed_at=v.reviewed_at,
        review_comment=v.review_comment,
        published_by=v.published_by,
        published_at=v.published_at,
    )


def _status(article: KbArticle) -> str:
    if article.archived_at is not None:
        return "archived"
    if article.published_version is not None:
        return "published"
    return article.versions[-1].status


def _published(article: KbArticle) -> KbVersion | None:
    return next((v for v in article.versions if v.version == article.published_version), None)


def article_out(
    session: Session, article: KbArticle, *, history: bool = True
) -> schemas.ArticleOut:
    """The article as the API shows it: the published text (else the newest) and its history."""
    shown = _published(article) or article.versions[-1]
    return schemas.ArticleOut(
        id=article.id,
        topic=article.topic,
        kind=article.kind,
        queue=_queue_name(session, article.queue_id),
        language=article.language,
        owner=article.owner,
        status=_status(article),
        version=article.published_version,
        title=shown.title,
        body=shown.body,
        archived_at=article.archived_at,
        versions=[_version_out(v) for v in article.versions] if history else [],
    )


def _in_scope(session: Session, scope: Scope, article: KbArticle) -> bool:
    if article.queue_id is None or scope.everything:
        return True
    queue = session.get(Queue, article.queue_id)
    return queue is not None and scope.allows_site(queue.site_id)


def find_article(
    session: Session, article_id: int, scope: Scope = EVERYTHING, *, published_only: bool = False
) -> KbArticle:
    """Load an article in scope (readers: a published one only); otherwise NotFound."""
    article = session.get(KbArticle, article_id)
    if (
        article is None
        or not _in_scope(session, scope, article)
        or (published_only and (article.published_version is None or article.archived_at))
    ):
        raise NotFound(
            f"article {article_id} does not exist", [Problem("unknown", field="article_id")]
        )
    return article


def _check_owner(session: Session, login: str) -> str:
    if session.scalars(select(User.id).where(User.login == login)).first() is None:
        raise Invalid(
            f"the owner {login!r} is not a user: an article's owner reviews its changes",
            [Problem("unknown user", field="owner")],
        )
    return login


def create_article(
    *, session: Session, data: schemas.ArticleIn, by: str, scope: Scope = EVERYTHING
) -> schemas.ArticleOut:
    """Write a new article: version 1, a draft its owner reviews before it is published."""
    queue_id = None
    if data.queue:
        queue_id = queue_in_scope(session, scope, data.queue, field="queue").id
    article = KbArticle(
        topic=data.topic.strip(),
        kind=data.kind,
        queue_id=queue_id,
        language=data.language,
        owner=_check_owner(session, data.owner or by),
        created_by=by,
    )
    session.add(article)
    session.flush()
    session.add(
        KbVersion(
            article_id=article.id,
            version=1,
            title=data.title,
            body=data.body,
            search_text=normalise(f"{data.title}\n{data.body}"),
            created_by=by,
        )
    )
    session.flush()
    session.refresh(article)
    return article_out(session, article)


def get_article(
    *, session: Session, article_id: int, scope: Scope = EVERYTHING, published_only: bool = False
) -> schemas.ArticleOut:
    """Return an article in scope with its history (readers: the published text only)."""
    article = find_article(session, article_id, scope, published_only=published_only)
    out = article_out(session, article)
    if published_only:
        out.versions = [v for v in out.versions if v.version == article.published_version]
    return out


def list_articles(
    *, session: Session, scope: Scope = EVERYTHING, published_only: bool = False
) -> list[schemas.ArticleOut]:
    """Articles in scope by topic then id (readers: published ones), without their history."""
    query = select(KbArticle).order_by(KbArticle.topic, KbArticle.id)
    if published_only:
        query = query.where(
            KbArticle.published_version.is_not(None), KbArticle.archived_at.is_(None)
        )
    return [
        article_out(session, a, history=False)
        for a in session.scalars(query)
        if _in_scope(session, scope, a)
    ]


def _not_archived(article: KbArticle) -> None:
    if article.archived_at is not None:
        raise Conflict(
            f"article {article.id} is archived: nothing of it changes any more",
            [Problem("archived", field="article_id")],
        )


def _open_version(article: KbArticle) -> KbVersion | None:
    latest = article.versions[-1]
    return latest if latest.status in OPEN else None


def edit_article(
    *,
    session: Session,
    article_id: int,
    data: schemas.EditIn,
    by: str,
    scope: Scope = EVERYTHING,
) -> schemas.ArticleOut:
    """Change an article's text. A published text is never rewritten: the change is a new draft
    version; an open (unpublished) version is changed in place and goes back to draft."""
    article = find_article(session, article_id, scope)
    _not_archived(article)
    version = _open_version(article)
    if version is None:
        version = KbVersion(
            article_id=article.id, version=article.versions[-1].version + 1, created_by=by
        )
        session.add(version)
    version.title = data.title
    version.body = data.body
    version.search_text = normalise(f"{data.title}\n{data.body}")
    version.note = data.note
    version.status = "draft"
    version.submitted_at = None
    version.reviewed_by = None
    version.reviewed_at = None
    session.flush()
    session.refresh(article)
    return article_out(session, article)


def _version(article: KbArticle, number: int, field: str = "version") -> KbVersion:
    found = next((v for v in article.versions if v.version == number), None)
    if found is None:
        raise NotFound(
            f"article {article.id} has no version {number} (it has 1 to "
            f"{article.versions[-1].version})",
            [Problem("unknown version", field=field)],
        )
    return found


def submit(
    *, session: Session, article_id: int, by: str, scope: Scope = EVERYTHING
) -> schemas.ArticleOut:
    """Send the article's draft to its owner for review."""
    article = find_article(session, article_id, scope)
    _not_archived(article)
    version = _open_version(article)
    if version is None or version.status != "draft":
        raise Conflict(
            f"article {article.id} has no draft to send for review",
            [Problem("no draft", field="article_id")],
        )
    version.status = "in_review"
    version.submitted_at = utcnow()
    session.flush()
    return article_out(session, article)


def review(
    *,
    session: Session,
    article_id: int,
    version: int,
    data: schemas.ReviewIn,
    by: str,
    scope: Scope = EVERYTHING,
) -> schemas.ArticleOut:
    """The owner approves a version in review (then it may be published) or sends it back."""
    article = find_article(session, article_id, scope)
    _not_archived(article)
    row = _version(article, version)
    if by != article.owner:
        raise Forbidden(
            f"only the article's owner ({article.owner}) reviews its versions",
            [Problem("not the owner", field="version")],
        )
    if row.status != "in_review":
        raise Conflict(
            f"version {version} of article {article.id} is not in review ({row.status})",
            [Problem("not in review", field="version")],
        )
    row.reviewed_by = by
    row.reviewed_at = utcnow()
    row.review_comment = data.comment
    row.status = "approved" if data.decision == "approve" else "draft"
    session.flush()
    return article_out(session, article)


def publish(
    *, session: Session, article_id: int, version: int, by: str, scope: Scope = EVERYTHING
) -> schemas.ArticleOut:
    """Publish a version the owner approved; it replaces the published one (superseded)."""
    article = find_article(session, article_id, scope)
    _not_archived(article)
    row = _version(article, version)
    if row.status != "approved":
        raise Conflict(
            f"version {version} of article {article.id} is {row.status}: only a version its "
            f"owner ({article.owner}) approved in review is published",
            [Problem("not reviewed", field="version")],
        )
    now = utcnow()
    previous = _published(article)
    if previous is not None:
        previous.status = "superseded"
    row.status = "published"
    row.published_by = by
    row.published_at = now
    article.published_version = row.version
    session.flush()
    return article_out(session, article)


def roll_back(
    *, session: Session, article_id: int, to_version: int, by: str, scope: Scope = EVERYTHING
) -> schemas.ArticleOut:
    """Roll back to an earlier version: a new version equal to it, sent to the owner for review
    (history is never rewritten)."""
    article = find_article(session, article_id, scope)
    _not_archived(article)
    old = _version(article, to_version, "to_version")
    if _open_version(article) is not None:
        raise Conflict(
            f"article {article.id} has an unpublished version "
            f"{article.versions[-1].version}: publish or change it first",
            [Problem("open version", field="to_version")],
        )
    if to_version == article.published_version:
        raise Conflict(
            f"version {to_version} is the published one already",
            [Problem("already published", field="to_version")],
        )
    session.add(
        KbVersion(
            article_id=article.id,
            version=article.versions[-1].version + 1,
            title=old.title,
            body=old.body,
            search_text=old.search_text,
            note=f"rollback to version {to_version}",
            rollback_of=to_version,
            status="in_review",
            submitted_at=utcnow(),
            created_by=by,
        )
    )
    session.flush()
    session.refresh(article)
    return article_out(session, article)


def archive(
    *, session: Session, article_id: int, by: str, scope: Scope = EVERYTHING
) -> schemas.ArticleOut:
    """Archive an article: agents no longer find or read it; its history stays."""
    article = find_article(session, article_id, scope)
    _not_archived(article)
    article.archived_at = utcnow()
    article.archived_by = by
    published = _published(article)
    if published is not None:
        published.status = "archived"
    session.flush()
    return article_out(session, article)


def _text(v: KbVersion) -> list[str]:
    return [f"# {v.title}", "", *v.body.splitlines()]


def diff(
    *,
    session: Session,
    article_id: int,
    from_version: int,
    to_version: int,
    scope: Scope = EVERYTHING,
) -> schemas.DiffOut:
    """A unified diff of two versions (title and text, line by line)."""
    article = find_article(session, article_id, scope)
    a = _version(article, from_version, "from_version")
    b = _version(article, to_version, "to_version")
    raw = list(
        difflib.unified_diff(
            _text(a), _text(b), f"version {a.version}", f"version {b.version}", lineterm=""
        )
    )
    lines = [
        schemas.DiffLine(op="@" if line.startswith("@@") else line[0], text=line[1:])
        for line in raw[2:]
    ]
    return schemas.DiffOut(
        article_id=article.id,
        from_version=a.version,
        to_version=b.version,
        lines=lines,
        text="\n".join(raw),
    )


def _snippet(body: str, term: str, width: int = 120) -> str:
    at = normalise(body).find(term)
    start = max(0, at - width // 3) if at >= 0 else 0
    text = body[start : start + width].replace("\n", " ")
    return ("…" if start else "") + text + ("…" if start + width < len(body) else "")


def search(
    *,
    session: Session,
    text: str,
    scope: Scope = EVERYTHING,
    language: str | None = None,
    queue: str | None = None,
    limit: int = 50,
) -> list[schemas.SearchHit]:
    """Published articles in scope whose title or text contain every word of ``text``.

    Words are split on spaces; each matches anywhere (a Chinese phrase needs no spaces). Hits
    whose title matches come first, then the most recently published.
    """
    terms = normalise(text).split()
    if not terms:
        raise Invalid("search for at least one word", [Problem("empty", field="q")])
    query = (
        select(KbVersion, KbArticle)
        .join(KbArticle, KbArticle.id == KbVersion.article_id)
        .where(
            KbVersion.version == KbArticle.published_version,
            KbArticle.archived_at.is_(None),
            *(KbVersion.search_text.contains(t, autoescape=True) for t in terms),
        )
        .order_by(KbVersion.published_at.desc(), KbArticle.id)
    )
    if language:
        query = query.where(KbArticle.language == language)
    if queue:
        query = query.where(KbArticle.queue_id == queue_in_scope(session, scope, queue).id)
    hits: list[tuple[bool, schemas.SearchHit]] = []
    for version, article in session.execute(query):
        if not _in_scope(session, scope, article):
            continue
        title = normalise(version.title)
        hits.append(
            (
                not any(t in title for t in terms),
                schemas.SearchHit(
                    id=article.id,
                    title=version.title,
                    version=version.version,
                    language=article.language,
                    topic=article.topic,
                    queue=_queue_name(session, article.queue_id),
                    snippet=_snippet(version.body, terms[0]),
                ),
            )
        )
    hits.sort(key=lambda h: h[0])  # stable: title matches first, then by publication
    return [h for _, h in hits[:limit]]


# --- known-issue banners ----------------------------------------------------------------------


def _banner_out(session: Session, b: KbBanner, now: datetime) -> schemas.BannerOut:
    return schemas.BannerOut(
        id=b.id,
        queue=_queue_name(session, b.queue_id) or "",
        message=b.message,
        article_id=b.article_id,
        created_by=b.created_by,
        created_at=b.created_at,
        expires_at=b.expires_at,
        withdrawn_at=b.withdrawn_at,
        active=b.withdrawn_at is None and _aware(b.expires_at) > now,
        timezone=_queue_zone(session, b.queue_id),
    )


def _queue_zone(session: Session, queue_id: int | None) -> str:
    """The IANA zone of a queue's site (times on a banner are shown in it)."""
    queue = session.get(Queue, queue_id) if queue_id is not None else None
    return queue.site.timezone if queue is not None else "UTC"


def create_banner(
    *, session: Session, data: schemas.BannerIn, by: str, scope: Scope = EVERYTHING
) -> schemas.BannerOut:
    """Put up a known issue on a queue's agents' pages until it expires (at most 14 days)."""
    queue = queue_in_scope(session, scope, data.queue, field="queue")
    now = utcnow()
    expires = _aware(data.expires_at)
    if expires <= now:
        raise Invalid("the expiry is in the past", [Problem("in the past", field="expires_at")])
    if expires > now + timedelta(days=MAX_BANNER_DAYS):
        raise Invalid(
            f"a known issue expires within {MAX_BANNER_DAYS} days: make it an article instead",
            [Problem("too far ahead", field="expires_at")],
        )
    if data.article_id is not None:
        find_article(session, data.article_id, scope)
    banner = KbBanner(
        queue_id=queue.id,
        message=data.message,
        article_id=data.article_id,
        created_by=by,
        expires_at=expires,
    )
    session.add(banner)
    session.flush()
    return _banner_out(session, banner, now)


def list_banners(
    *, session: Session, scope: Scope = EVERYTHING, active_only: bool = True
) -> list[schemas.BannerOut]:
    """Banners of queues in scope, newest first (by default only those showing now)."""
    now = utcnow()
    query = (
        select(KbBanner, Queue.site_id)
        .join(Queue, Queue.id == KbBanner.queue_id)
        .order_by(KbBanner.created_at.desc(), KbBanner.id.desc())
    )
    if active_only:
        query = query.where(KbBanner.withdrawn_at.is_(None), KbBanner.expires_at > now)
    return [
        _banner_out(session, b, now)
        for b, site_id in session.execute(query)
        if scope.allows_site(site_id)
    ]


def withdraw_banner(
    *, session: Session, banner_id: int, scope: Scope = EVERYTHING
) -> schemas.BannerOut:
    """Take a banner down before it expires."""
    banner = session.get(KbBanner, banner_id)
    queue = session.get(Queue, banner.queue_id) if banner else None
    if banner is None or queue is None or not scope.allows_site(queue.site_id):
        raise NotFound(
            f"banner {banner_id} does not exist", [Problem("unknown", field="banner_id")]
        )
    if banner.withdrawn_at is None:
        banner.withdrawn_at = utcnow()
        session.flush()
    return _banner_out(session, banner, utcnow())


# --- process changes --------------------------------------------------------------------------


def _audience(change: ProcessChange) -> tuple[list[str], list[str]]:
    data = json.loads(change.audience_json)
    return list(data.get("teams", [])), list(data.get("roles", []))


def _change_out(
    change: ProcessChange, user_id: int | None, counted: list[ChangeRecipient]
) -> schemas.ChangeOut:
    teams, roles = _audience(change)
    mine = next((r for r in change.recipients if r.user_id == user_id), None)
    return schemas.ChangeOut(
        id=change.id,
        title=change.title,
        summary=change.summary,
        article_id=change.article_id,
        article_version=change.article_version,
        teams=teams,
        roles=roles,
        created_by=change.created_by,
        published_at=change.published_at,
        addressed=len(counted),
        acknowledged=sum(1 for r in counted if r.acknowledged_at is not None),
        mine="not addressed"
        if mine is None
        else ("acknowledged" if mine.acknowledged_at else "pending"),
        training=training.change_training_out(change.training),
    )


def _recipients_in_scope(
    session: Session, change: ProcessChange, scope: Scope
) -> list[tuple[ChangeRecipient, str]]:
    query = (
        select(ChangeRecipient, User.login)
        .join(User, User.id == ChangeRecipient.user_id)
        .outerjoin(Person, Person.id == User.person_id)
        .where(ChangeRecipient.change_id == change.id)
        .order_by(User.login)
    )
    if not scope.everything:
        query = query.where(scope.people_clause())
    return [(r, login) for r, login in session.execute(query)]


def create_change(
    *,
    session: Session,
    data: schemas.ChangeIn,
    by: str,
    scope: Scope = EVERYTHING,
    by_user_id: int | None = None,
) -> schemas.ChangeOut:
    """Publish a change to the teams and roles named: each addressed user gets a notification
    and acknowledges having read it."""
    if not data.teams and not data.roles:
        raise Invalid(
            "name who must know: at least one team or role", [Problem("required", field="teams")]
        )
    if Role.executive in data.roles:
        raise Invalid(
            "executives read only: they cannot be asked to acknowledge",
            [Problem("not addressable", field="roles")],
        )
    teams = [team_in_scope(session, scope, name, field="teams") for name in data.teams]
    version = None
    if data.article_id is not None:
        article = find_article(session, data.article_id, scope)
        version = article.published_version
    modules = training.change_links(session, data.training)
    team_ids = [t.id for t in teams]
    query = (
        select(User.id, Person.team_id)
        .outerjoin(Person, Person.id == User.person_id)
        .where(or_(Person.team_id.in_(team_ids), User.role.in_(list(data.roles))))
        .where(User.role != Role.executive)
        .order_by(User.id)
    )
    if not scope.everything:
        query = query.where(scope.people_clause())
    addressed = list(session.execute(query))
    if not addressed:
        raise Invalid(
            "nobody is addressed: the teams and roles named have no users in your scope",
            [Problem("nobody addressed", field="teams")],
        )
    change = ProcessChange(
        title=data.title,
        summary=data.summary,
        article_id=data.article_id,
        article_version=version,
        audience_json=json.dumps(
            {"teams": sorted(t.name for t in teams), "roles": sorted(r.value for r in data.roles)}
        ),
        created_by=by,
    )
    change.recipients = [ChangeRecipient(user_id=uid, team_id=tid) for uid, tid in addressed]
    change.training = modules
    session.add(change)
    session.flush()
    notifications.notify(
        session=session,
        user_ids=[uid for uid, _ in addressed],
        kind="process_change",
        subject=f"Change to acknowledge: {data.title}",
        body=data.summary[:1000],
        link=f"/changes/{change.id}",
    )
    return _change_out(change, by_user_id, list(change.recipients))


def _find_change(session: Session, change_id: int) -> ProcessChange:
    change = session.get(ProcessChange, change_id)
    if change is None:
        raise NotFound(
            f"change {change_id} does not exist", [Problem("unknown", field="change_id")]
        )
    return change


def list_changes(
    *, session: Session, user_id: int, scope: Scope = EVERYTHING, manage: bool = False
) -> list[schemas.ChangeOut]:
    """Changes newest first: those addressed to the user, and (``manage``) every change with a
    recipient in scope, counted over the recipients in scope."""
    out = []
    for change in session.scalars(select(ProcessChange).order_by(ProcessChange.id.desc())):
        mine = any(r.user_id == user_id for r in change.recipients)
        counted = [r for r, _ in _recipients_in_scope(session, change, scope)] if manage else []
        if mine or counted:
            out.append(_change_out(change, user_id, counted if manage else change.recipients))
    return out


def get_change(
    *, session: Session, change_id: int, user_id: int, scope: Scope = EVERYTHING, manage: bool
) -> schemas.ChangeOut:
    """One change addressed to the user (or, ``manage``, with recipients in scope)."""
    change = _find_change(session, change_id)
    counted = [r for r, _ in _recipients_in_scope(session, change, scope)] if manage else []
    if not counted and not any(r.user_id == user_id for r in change.recipients):
        raise NotFound(
            f"change {change_id} does not exist", [Problem("unknown", field="change_id")]
        )
    return _change_out(change, user_id, counted if manage else list(change.recipients))


def acknowledge(*, session: Session, change_id: int, user_id: int) -> schemas.ChangeOut:
    """Record that the user has read a change addressed to them (once; again changes nothing)."""
    change = _find_change(session, change_id)
    mine = next((r for r in change.recipients if r.user_id == user_id), None)
    if mine is None:
        raise Forbidden(
            f"change {change_id} is not addressed to you: only its recipients acknowledge it",
            [Problem("not addressed to you", field="change_id")],
        )
    if mine.acknowledged_at is None:
        mine.acknowledged_at = utcnow()
        session.flush()
    return _change_out(change, user_id, list(change.recipients))


def change_status(
    *, session: Session, change_id: int, user_id: int, scope: Scope = EVERYTHING
) -> schemas.ChangeStatusOut:
    """Who has and has not acknowledged a change, per team (recipients in scope)."""
    change = _find_change(session, change_id)
    rows = _recipients_in_scope(session, change, scope)
    if not rows:
        raise NotFound(
            f"change {change_id} does not exist", [Problem("unknown", field="change_id")]
        )
    names = {row.id: row.name for row in session.execute(select(Team.id, Team.name))}
    by_team: dict[str | None, list[tuple[ChangeRecipient, str]]] = defaultdict(list)
    for recipient, login in rows:
        by_team[names.get(recipient.team_id) if recipient.team_id else None].append(
            (recipient, login)
        )
    teams = [
        schemas.TeamAcks(
            team=team,
            addressed=len(members),
            acknowledged=sum(1 for r, _ in members if r.acknowledged_at is not None),
            missing=[login for r, login in members if r.acknowledged_at is None],
        )
        for team, members in sorted(by_team.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    ]
    return schemas.ChangeStatusOut(
        change=_change_out(change, user_id, [r for r, _ in rows]), teams=teams
    )


def remind(*, session: Session, change_id: int, scope: Scope = EVERYTHING) -> schemas.RemindOut:
    """Notify again everyone in scope who has not acknowledged the change yet."""
    change = _find_change(session, change_id)
    rows = _recipients_in_scope(session, change, scope)
    if not rows:
        raise NotFound(
            f"change {change_id} does not exist", [Problem("unknown", field="change_id")]
        )
    pending = [(r, login) for r, login in rows if r.acknowledged_at is None]
    now = utcnow()
    for recipient, _ in pending:
        recipient.reminded_at = now
    notifications.notify(
        session=session,
        user_ids=[r.user_id for r, _ in pending],
        kind="process_change",
        subject=f"Reminder: please acknowledge {change.title}",
        body=change.summary[:1000],
        link=f"/changes/{change.id}",
    )
    return schemas.RemindOut(
        change_id=change.id, reminded=len(pending), logins=[login for _, login in pending]
    )


def user_id_of(*, session: Session, login: str) -> int | None:
    """The id of the user ``login`` (None: no such user)."""
    return session.scalars(select(User.id).where(User.login == login)).one_or_none()
