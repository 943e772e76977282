"""Knowledge base and process changes: the pages under /kb and /changes (API in ``routes``).

Agents search and read the published answers on any screen (known issues of their queues on
top) and acknowledge the changes addressed to them; authors write, send for review, compare
and publish versions; owners review; planners and managers put up known issues and publish
changes; team leaders see who has not acknowledged and remind them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from ccops import bounds
from ccops.contacts import context as contacts_context
from ccops.db import attempt
from ccops.enums import Role
from ccops.errors import CcopsError, Invalid, NotFound, Problem
from ccops.ids import RowId
from ccops.knowledge import repeat_rates, schemas, service, training
from ccops.org.scoped import queue_choices
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep
from ccops.web.i18n import N_
from ccops.web.render import ROLE_LABELS, gettext_for, redirect, render

pages = APIRouter(prefix="/kb", include_in_schema=False)
change_pages = APIRouter(prefix="/changes", include_in_schema=False)

STATUS_LABELS = {
    "draft": N_("draft"),
    "in_review": N_("in review"),
    "approved": N_("approved"),
    "published": N_("published"),
    "superseded": N_("superseded"),
    "archived": N_("archived"),
}
"""A version's state as the pages show it."""

Reader = Annotated[Principal, Depends(require(*permissions.KB_READ))]
Writer = Annotated[Principal, Depends(require(*permissions.KB_WRITE, write=True))]
WriterReader = Annotated[Principal, Depends(require(*permissions.KB_WRITE))]
BannerWriter = Annotated[Principal, Depends(require(*permissions.KB_BANNER, write=True))]
BannerReader = Annotated[Principal, Depends(require(*permissions.KB_BANNER))]
ChangeReader = Annotated[Principal, Depends(require(*permissions.CHANGES_ACK))]
Acknowledger = Annotated[Principal, Depends(require(*permissions.CHANGES_ACK, write=True))]
ChangeWriter = Annotated[Principal, Depends(require(*permissions.CHANGES_WRITE, write=True))]
Reminder = Annotated[Principal, Depends(require(*permissions.CHANGES_TRACK, write=True))]
RepeatReader = Annotated[Principal, Depends(require(*permissions.KB_REPEATS))]

REPEAT_WEEKS = 12
"""Weeks the repeats page shows when no range is asked for."""


def _writes(user: Principal) -> bool:
    return user.role in permissions.KB_WRITE


def _int(form: Any, name: str) -> int:
    raw = form.get(name)
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    raise Invalid("choose a version", [Problem("required", field=name)])


@pages.get("", response_class=HTMLResponse)
def kb_home(request: Request, user: Reader, session: SessionDep) -> HTMLResponse:
    """Search the published answers; the known issues of your queues are on top."""
    _ = gettext_for(request, user)
    q = (request.query_params.get("q") or "").strip()[:200]
    problem = None
    hits: list[schemas.SearchHit] = []
    if q:
        try:
            hits = service.search(session=session, text=q, scope=user.scope)
        except CcopsError as exc:
            problem = exc.message
    articles = (
        [] if q else service.list_articles(session=session, scope=user.scope, published_only=True)
    )
    return render(
        request,
        "knowledge/search.html",
        {
            "q": q,
            "hits": hits,
            "articles": articles,
            "banners": service.list_banners(session=session, scope=user.scope),
            "problem": _(problem) if problem else None,
            "writes": _writes(user),
            "banner_writer": user.role in permissions.KB_BANNER,
            "repeats_reader": user.role in permissions.KB_REPEATS,
            "recent": contacts_context.recent_of_person(session=session, person_id=user.person_id)
            if user.person_id is not None and user.role in permissions.CONTACTS_CONTEXT
            else None,
        },
        principal=user,
        active="kb",
    )


def _repeat_chart(topic: schemas.RepeatTopicOut, _: Any) -> dict[str, Any]:
    """Weekly repeat rate per version of one topic, and where each version was published."""
    weeks = sorted({w.week for v in topic.versions for w in v.weeks})
    labels = [w.isoformat() for w in weeks]
    series = []
    markers = []
    for v in topic.versions:
        name = f"v{v.version}" if v.article_id is not None else _("No answer recorded")
        if v.article_id is not None and v.title:
            name = f"{v.title} · v{v.version}"
        by_week = {w.week: w for w in v.weeks}
        series.append(
            {
                "name": name,
                "points": [
                    {
                        "rate": by_week[w].rate,
                        "low": by_week[w].low,
                        "high": by_week[w].high,
                        "n": by_week[w].contacts,
                    }
                    if w in by_week
                    else None
                    for w in weeks
                ],
            }
        )
        if v.published_at is not None:
            day = v.published_at.date()
            week = (day - timedelta(days=day.weekday())).isoformat()
            if week in labels:
                markers.append({"week": week, "label": _("v%(n)s published") % {"n": v.version}})
    return {
        "labels": labels,
        "series": series,
        "markers": markers,
        "y": _("Repeat rate, %"),
        "contacts": _("contacts"),
        "interval": _("95%% interval") % {},
    }


@pages.get("/repeats", response_class=HTMLResponse)
def repeats_page(request: Request, user: RepeatReader, session: SessionDep) -> HTMLResponse:
    """Repeat contacts per topic and standard-answer version: does an answer settle the matter?"""
    _ = gettext_for(request, user)
    params = request.query_params
    problem = None
    report = None
    days_text = (params.get("days") or "7").strip()
    topic = (params.get("topic") or "").strip()[:100] or None
    try:
        first = bounds.parse_day(params.get("from"), "from")
        last = bounds.parse_day(params.get("to"), "to")
        days = int(days_text) if days_text.isdigit() else 0
        first, last = repeat_rates.default_range(
            session=session, scope=user.scope, first=first, last=last, weeks=REPEAT_WEEKS
        )
        report = repeat_rates.repeat_rates(
            session=session, scope=user.scope, first=first, last=last, days=days, topic=topic
        )
    except CcopsError as exc:
        problem = _(exc.message)
    charts = {t.topic: _repeat_chart(t, _) for t in report.topics} if report else {}
    return render(
        request,
        "knowledge/repeats.html",
        {
            "report": report,
            "charts": charts,
            "first": params.get("from") or (report.first.isoformat() if report else ""),
            "last": params.get("to") or (report.last.isoformat() if report else ""),
            "days": days_text,
            "topic": topic or "",
            "problem": problem,
        },
        principal=user,
        status_code=422 if problem else 200,
        active="kb",
    )


def _article_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    article_id: int,
    *,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    article = service.get_article(
        session=session, article_id=article_id, scope=user.scope, published_only=not _writes(user)
    )
    return render(
        request,
        "knowledge/article.html",
        {
            "article": article,
            "banners": service.list_banners(session=session, scope=user.scope),
            "writes": _writes(user),
            "owner": user.login == article.owner,
            "labels": STATUS_LABELS,
            "problem": problem,
            "open": next((v for v in article.versions if v.status in service.OPEN), None),
        },
        principal=user,
        status_code=status_code,
        active="kb",
    )


@pages.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    article_id: RowId, request: Request, user: Reader, session: SessionDep
) -> HTMLResponse:
    """Read an article; authors also see its history and what they may do next."""
    return _article_page(request, user, session, article_id)


@pages.get("/articles/{article_id}/diff", response_class=HTMLResponse)
def diff_page(
    article_id: RowId, request: Request, user: WriterReader, session: SessionDep
) -> HTMLResponse:
    """What changed between two versions of an article."""
    article = service.get_article(session=session, article_id=article_id, scope=user.scope)
    last = article.versions[-1].version
    try:
        first = int(request.query_params.get("from") or max(1, last - 1))
        second = int(request.query_params.get("to") or last)
    except ValueError:
        first, second = max(1, last - 1), last
    out = service.diff(
        session=session,
        article_id=article_id,
        from_version=first,
        to_version=second,
        scope=user.scope,
    )
    return render(
        request,
        "knowledge/diff.html",
        {"article": article, "diff": out},
        principal=user,
        active="kb",
    )


def _act(
    request: Request,
    user: Principal,
    session: SessionDep,
    article_id: int,
    action: Any,
    done: str,
) -> Response:
    """Run one change of an article; a refused one comes back on the article page with its
    status code (409, 422) and the reason, and nothing is changed."""
    _ = gettext_for(request, user)
    try:
        with attempt(session):
            action()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return _article_page(request, user, session, article_id, problem=problems, status_code=422)
    except CcopsError as exc:
        if isinstance(exc, NotFound) and exc.problems[:1] == [Problem("unknown", "article_id")]:
            raise
        return _article_page(
            request, user, session, article_id, problem=exc.message, status_code=exc.status_code
        )
    return redirect(request, f"/kb/articles/{article_id}", flash=("success", _(done)))


@pages.get("/manage", response_class=HTMLResponse)
def manage_page(request: Request, user: WriterReader, session: SessionDep) -> HTMLResponse:
    """Every article in scope with its state, and the form to write a new one."""
    return _manage(request, user, session)


def _manage(
    request: Request,
    user: Principal,
    session: SessionDep,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request, user)
    return render(
        request,
        "knowledge/manage.html",
        {
            "articles": service.list_articles(session=session, scope=user.scope),
            "labels": STATUS_LABELS,
            "queue_options": [
                ("", _("Every queue")),
                *queue_choices(session, user.scope),
            ],
            "state": state
            or forms.FormState(
                values={
                    "topic": "",
                    "title": "",
                    "body": "",
                    "language": "en",
                    "queue": "",
                    "owner": user.login,
                }
            ),
        },
        principal=user,
        status_code=status_code,
        active="kb",
    )


@pages.post("/articles", response_class=HTMLResponse)
def create_article(
    request: Request, user: Writer, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Write a new article (version 1, a draft)."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, ("topic", "title", "body", "language", "queue", "owner"))
    state = forms.FormState(values=values)
    data = forms.validate(
        schemas.ArticleIn,
        {
            **values,
            "queue": values["queue"] or None,
            "owner": values["owner"] or None,
            "language": values["language"] or "en",
        },
        state,
        _,
    )
    if data is not None:
        try:
            with attempt(session):
                out = service.create_article(
                    session=session, data=data, by=user.login, scope=user.scope
                )
            return redirect(
                request,
                f"/kb/articles/{out.id}",
                flash=("success", _("Draft saved: send it for review when it is ready.")),
            )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    return _manage(request, user, session, state, 422)


@pages.post("/articles/{article_id}/edit", response_class=HTMLResponse)
def edit_article(
    article_id: RowId, request: Request, user: Writer, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Save a change as a draft version (the published text stays until the next publish)."""
    values = forms.text_values(form, ("title", "body", "note"))
    return _act(
        request,
        user,
        session,
        article_id,
        lambda: service.edit_article(
            session=session,
            article_id=article_id,
            data=schemas.EditIn.model_validate(values),
            by=user.login,
            scope=user.scope,
        ),
        N_("Draft saved."),
    )


@pages.post("/articles/{article_id}/submit", response_class=HTMLResponse)
def submit_article(
    article_id: RowId, request: Request, user: Writer, session: SessionDep
) -> Response:
    """Send the draft to the owner for review."""
    return _act(
        request,
        user,
        session,
        article_id,
        lambda: service.submit(
            session=session, article_id=article_id, by=user.login, scope=user.scope
        ),
        N_("Sent to the owner for review."),
    )


@pages.post("/articles/{article_id}/review", response_class=HTMLResponse)
def review_article(
    article_id: RowId, request: Request, user: Writer, session: SessionDep, form: forms.PostedForm
) -> Response:
    """As the owner, approve the version in review or send it back."""
    values = forms.text_values(form, ("decision", "comment"))

    def act() -> None:
        service.review(
            session=session,
            article_id=article_id,
            version=_int(form, "version"),
            data=schemas.ReviewIn.model_validate(values),
            by=user.login,
            scope=user.scope,
        )

    return _act(request, user, session, article_id, act, N_("Review recorded."))


@pages.post("/articles/{article_id}/publish", response_class=HTMLResponse)
def publish_article(
    article_id: RowId, request: Request, user: Writer, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Publish the approved version: agents read it from now on."""

    def act() -> None:
        service.publish(
            session=session,
            article_id=article_id,
            version=_int(form, "version"),
            by=user.login,
            scope=user.scope,
        )

    return _act(request, user, session, article_id, act, N_("Published."))


@pages.post("/articles/{article_id}/rollback", response_class=HTMLResponse)
def rollback_article(
    article_id: RowId, request: Request, user: Writer, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Roll back to an earlier version (a new version for the owner to review)."""

    def act() -> None:
        service.roll_back(
            session=session,
            article_id=article_id,
            to_version=_int(form, "version"),
            by=user.login,
            scope=user.scope,
        )

    return _act(
        request, user, session, article_id, act, N_("Rollback sent to the owner for review.")
    )


@pages.post("/articles/{article_id}/archive", response_class=HTMLResponse)
def archive_article(
    article_id: RowId, request: Request, user: Writer, session: SessionDep
) -> Response:
    """Archive the article."""
    return _act(
        request,
        user,
        session,
        article_id,
        lambda: service.archive(
            session=session, article_id=article_id, by=user.login, scope=user.scope
        ),
        N_("Archived."),
    )


@pages.get("/banners", response_class=HTMLResponse)
def banners_page(request: Request, user: BannerReader, session: SessionDep) -> HTMLResponse:
    """Known issues of queues in scope (showing and past), and the form to put one up."""
    return _banners(request, user, session)


def _banners(
    request: Request,
    user: Principal,
    session: SessionDep,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "knowledge/banners.html",
        {
            "banners": service.list_banners(session=session, scope=user.scope, active_only=False),
            "queue_options": [("", "—"), *queue_choices(session, user.scope)],
            "state": state or forms.FormState(values={"queue": "", "message": "", "hours": "8"}),
        },
        principal=user,
        status_code=status_code,
        active="kb",
    )


@pages.post("/banners", response_class=HTMLResponse)
def create_banner(
    request: Request, user: BannerWriter, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Put up a known issue on a queue for some hours."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, ("queue", "message", "hours"))
    state = forms.FormState(values=values)
    try:
        hours = float(values["hours"])
    except ValueError:
        hours = 0.0
    if not 0 < hours <= 24 * service.MAX_BANNER_DAYS:
        state.add("hours", _("Between 1 and 336 hours."))
    data = forms.validate(
        schemas.BannerIn,
        {
            "queue": values["queue"],
            "message": values["message"],
            "expires_at": datetime.now(UTC) + timedelta(hours=hours if state.ok else 1),
        },
        state,
        _,
    )
    if data is not None and state.ok:
        try:
            with attempt(session):
                service.create_banner(session=session, data=data, by=user.login, scope=user.scope)
            return redirect(request, "/kb/banners", flash=("success", _("The known issue shows.")))
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    return _banners(request, user, session, state, 422)


@pages.post("/banners/{banner_id}/withdraw", response_class=HTMLResponse)
def withdraw_banner(
    banner_id: RowId, request: Request, user: BannerWriter, session: SessionDep
) -> Response:
    """Take a known issue down."""
    _ = gettext_for(request, user)
    service.withdraw_banner(session=session, banner_id=banner_id, scope=user.scope)
    return redirect(request, "/kb/banners", flash=("success", _("Withdrawn.")))


# --- process changes --------------------------------------------------------------------------


def _tracks(user: Principal) -> bool:
    return user.role in permissions.CHANGES_TRACK


@change_pages.get("", response_class=HTMLResponse)
def changes_page(request: Request, user: ChangeReader, session: SessionDep) -> HTMLResponse:
    """The changes addressed to you (to acknowledge), and those you follow up."""
    return _changes(request, user, session)


def _changes(
    request: Request,
    user: Principal,
    session: SessionDep,
    state: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _ = gettext_for(request, user)
    rows = service.list_changes(
        session=session, user_id=user.user_id, scope=user.scope, manage=_tracks(user)
    )
    return render(
        request,
        "knowledge/changes.html",
        {
            "mine": [c for c in rows if c.mine != "not addressed"],
            "followed": [c for c in rows if c.mine == "not addressed"],
            "tracks": _tracks(user),
            "writes": user.role in permissions.CHANGES_WRITE,
            "roles": [(r.value, _(ROLE_LABELS[r])) for r in Role if r != Role.executive],
            "modules": [
                (
                    str(t.id),
                    _("%(title)s (version %(n)s)") % {"title": t.title, "n": t.current_version},
                )
                for t in training.list_modules(session=session)
            ],
            "state": state
            or forms.FormState(
                values={"title": "", "summary": "", "teams": "", "roles": [], "training": []}
            ),
        },
        principal=user,
        status_code=status_code,
        active="changes",
    )


@change_pages.post("", response_class=HTMLResponse)
def create_change(
    request: Request, user: ChangeWriter, session: SessionDep, form: forms.PostedForm
) -> Response:
    """Publish a change to teams (comma-separated) and roles."""
    _ = gettext_for(request, user)
    values = forms.text_values(form, ("title", "summary", "teams"), lists=("roles", "training"))
    state = forms.FormState(values=values)
    data = forms.validate(
        schemas.ChangeIn,
        {
            "title": values["title"],
            "summary": values["summary"],
            "teams": [t.strip() for t in values["teams"].split(",") if t.strip()],
            "roles": values["roles"],
            "training": [{"module_id": m} for m in values["training"]],
        },
        state,
        _,
    )
    if data is not None:
        try:
            with attempt(session):
                out = service.create_change(
                    session=session,
                    data=data,
                    by=user.login,
                    scope=user.scope,
                    by_user_id=user.user_id,
                )
            return redirect(
                request,
                f"/changes/{out.id}",
                flash=(
                    "success",
                    _("Published: %(n)s people are asked to acknowledge it.")
                    % {"n": out.addressed},
                ),
            )
        except CcopsError as exc:
            forms.domain_problems(exc, state, _)
    return _changes(request, user, session, state, 422)


@change_pages.get("/{change_id}", response_class=HTMLResponse)
def change_page(
    change_id: RowId, request: Request, user: ChangeReader, session: SessionDep
) -> HTMLResponse:
    """A change: acknowledge it; team leaders and managers see who has not, per team."""
    change = service.get_change(
        session=session,
        change_id=change_id,
        user_id=user.user_id,
        scope=user.scope,
        manage=_tracks(user),
    )
    status = None
    if _tracks(user) and change.addressed:
        status = service.change_status(
            session=session, change_id=change_id, user_id=user.user_id, scope=user.scope
        )
    return render(
        request,
        "knowledge/change.html",
        {"change": change, "status": status, "tracks": _tracks(user)},
        principal=user,
        active="changes",
    )


@change_pages.post("/{change_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(
    change_id: RowId, request: Request, user: Acknowledger, session: SessionDep
) -> Response:
    """Acknowledge having read a change addressed to you."""
    _ = gettext_for(request, user)
    service.acknowledge(session=session, change_id=change_id, user_id=user.user_id)
    return redirect(request, f"/changes/{change_id}", flash=("success", _("Acknowledged.")))


@change_pages.post("/{change_id}/remind", response_class=HTMLResponse)
def remind(change_id: RowId, request: Request, user: Reminder, session: SessionDep) -> Response:
    """Remind those in scope who have not acknowledged."""
    _ = gettext_for(request, user)
    out = service.remind(session=session, change_id=change_id, scope=user.scope)
    return redirect(
        request,
        f"/changes/{change_id}",
        flash=("success", _("Reminded %(n)s people.") % {"n": out.reminded}),
    )


routers: tuple[APIRouter, ...] = (pages, change_pages)
"""Every router of this module, for the app to include."""
