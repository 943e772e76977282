"""Knowledge base and process changes: the JSON API under /api/v1/kb and /api/v1/changes.

Roles: everyone searches and reads published articles and the known issues of the queues in
scope; team leaders, QA analysts, planners, managers and admins write articles (owners review
their versions); planners and managers put up known-issue banners; planners and managers
publish process changes, team leaders follow up who has not acknowledged; each addressed user
acknowledges.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from ccops import bounds
from ccops.ids import RowId
from ccops.knowledge import improvements as pdca
from ccops.knowledge import repeat_rates, schemas, service, training
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"])
changes = APIRouter(prefix="/api/v1/changes", tags=["process changes"])
improvements = APIRouter(prefix="/api/v1/improvements", tags=["improvement cycles"])
training_api = APIRouter(prefix="/api/v1/training", tags=["new-hire training"])

Reader = Annotated[Principal, Depends(require(*permissions.KB_READ))]
Writer = Annotated[Principal, Depends(require(*permissions.KB_WRITE, write=True))]
WriterReader = Annotated[Principal, Depends(require(*permissions.KB_WRITE))]
BannerWriter = Annotated[Principal, Depends(require(*permissions.KB_BANNER, write=True))]
Acknowledger = Annotated[Principal, Depends(require(*permissions.CHANGES_ACK, write=True))]
ChangeReader = Annotated[Principal, Depends(require(*permissions.CHANGES_ACK))]
ChangeWriter = Annotated[Principal, Depends(require(*permissions.CHANGES_WRITE, write=True))]
Tracker = Annotated[Principal, Depends(require(*permissions.CHANGES_TRACK))]
ImproveReader = Annotated[Principal, Depends(require(*permissions.IMPROVE_READ))]
ImproveWriter = Annotated[Principal, Depends(require(*permissions.IMPROVE_WRITE, write=True))]
Reminder = Annotated[Principal, Depends(require(*permissions.CHANGES_TRACK, write=True))]
RepeatReader = Annotated[Principal, Depends(require(*permissions.KB_REPEATS))]
TrainingReader = Annotated[Principal, Depends(require(*permissions.TRAINING_READ))]
TrainingWriter = Annotated[Principal, Depends(require(*permissions.TRAINING_WRITE, write=True))]
Follower = Annotated[Principal, Depends(require(*permissions.TRAINING_FOLLOW))]
Trainer = Annotated[Principal, Depends(require(*permissions.TRAINING_FOLLOW, write=True))]


def _writes(user: Principal) -> bool:
    return user.role in permissions.KB_WRITE


@router.get("/search", response_model=list[schemas.SearchHit])
def search(
    session: SessionDep,
    user: Reader,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    language: str | None = None,
    queue: str | None = None,
) -> list[schemas.SearchHit]:
    """Published articles whose title or text contain every word of ``q`` (CJK text too)."""
    return service.search(session=session, text=q, scope=user.scope, language=language, queue=queue)


@router.get("/articles", response_model=list[schemas.ArticleOut])
def list_articles(session: SessionDep, user: Reader) -> list[schemas.ArticleOut]:
    """Articles in scope (authors: every state; others: published ones)."""
    return service.list_articles(
        session=session, scope=user.scope, published_only=not _writes(user)
    )


@router.post("/articles", response_model=schemas.ArticleOut, status_code=status.HTTP_201_CREATED)
def create_article(
    data: schemas.ArticleIn, session: SessionDep, user: Writer
) -> schemas.ArticleOut:
    """Write a new article (version 1, a draft)."""
    return service.create_article(session=session, data=data, by=user.login, scope=user.scope)


@router.get("/articles/{article_id}", response_model=schemas.ArticleOut)
def get_article(article_id: RowId, session: SessionDep, user: Reader) -> schemas.ArticleOut:
    """An article: authors see every version, others the published text."""
    return service.get_article(
        session=session, article_id=article_id, scope=user.scope, published_only=not _writes(user)
    )


@router.post("/articles/{article_id}/edit", response_model=schemas.ArticleOut)
def edit_article(
    article_id: RowId, data: schemas.EditIn, session: SessionDep, user: Writer
) -> schemas.ArticleOut:
    """Change the text: a new draft version (the published text stays until the next publish)."""
    return service.edit_article(
        session=session, article_id=article_id, data=data, by=user.login, scope=user.scope
    )


@router.post("/articles/{article_id}/submit", response_model=schemas.ArticleOut)
def submit(article_id: RowId, session: SessionDep, user: Writer) -> schemas.ArticleOut:
    """Send the draft to the article's owner for review."""
    return service.submit(session=session, article_id=article_id, by=user.login, scope=user.scope)


@router.post("/articles/{article_id}/versions/{version}/review", response_model=schemas.ArticleOut)
def review(
    article_id: RowId,
    version: RowId,
    data: schemas.ReviewIn,
    session: SessionDep,
    user: Writer,
) -> schemas.ArticleOut:
    """The owner approves a version in review or sends it back to draft."""
    return service.review(
        session=session,
        article_id=article_id,
        version=version,
        data=data,
        by=user.login,
        scope=user.scope,
    )


@router.post("/articles/{article_id}/versions/{version}/publish", response_model=schemas.ArticleOut)
def publish(
    article_id: RowId, version: RowId, session: SessionDep, user: Writer
) -> schemas.ArticleOut:
    """Publish an approved version (409 when the owner has not approved it)."""
    return service.publish(
        session=session, article_id=article_id, version=version, by=user.login, scope=user.scope
    )


@router.post("/articles/{article_id}/rollback/{to_version}", response_model=schemas.ArticleOut)
def roll_back(
    article_id: RowId, to_version: RowId, session: SessionDep, user: Writer
) -> schemas.ArticleOut:
    """A new version equal to an old one, sent to the owner for review (404: no such version)."""
    return service.roll_back(
        session=session,
        article_id=article_id,
        to_version=to_version,
        by=user.login,
        scope=user.scope,
    )


@router.post("/articles/{article_id}/archive", response_model=schemas.ArticleOut)
def archive(article_id: RowId, session: SessionDep, user: Writer) -> schemas.ArticleOut:
    """Archive an article: no longer found or read by agents."""
    return service.archive(session=session, article_id=article_id, by=user.login, scope=user.scope)


@router.get("/articles/{article_id}/diff", response_model=schemas.DiffOut)
def diff(
    article_id: RowId,
    session: SessionDep,
    _user: WriterReader,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> schemas.DiffOut:
    """What changed between two versions (a unified diff)."""
    return service.diff(
        session=session,
        article_id=article_id,
        from_version=from_version,
        to_version=to_version,
        scope=_user.scope,
    )


@router.get("/repeats", response_model=schemas.RepeatReportOut)
def repeats(
    session: SessionDep,
    user: RepeatReader,
    first: Annotated[bounds.Day, Query(alias="from", description="First local date")],
    last: Annotated[bounds.Day, Query(alias="to", description="Last local date, inclusive")],
    days: Annotated[int, Query(ge=1, le=90, description="Repeat window, days")] = 7,
    topic: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> schemas.RepeatReportOut:
    """Repeat contacts per topic and standard-answer version, with Wilson intervals and version
    comparisons (queues of the sites in scope): the same customer again on the same topic
    within ``days`` days; contacts whose window is not over yet are counted apart."""
    return repeat_rates.repeat_rates(
        session=session, scope=user.scope, first=first, last=last, days=days, topic=topic
    )


@router.get("/banners", response_model=list[schemas.BannerOut])
def list_banners(
    session: SessionDep, user: Reader, include_expired: bool = False
) -> list[schemas.BannerOut]:
    """Known issues of queues in scope showing now (or every one, newest first)."""
    return service.list_banners(session=session, scope=user.scope, active_only=not include_expired)


@router.post("/banners", response_model=schemas.BannerOut, status_code=status.HTTP_201_CREATED)
def create_banner(
    data: schemas.BannerIn, session: SessionDep, user: BannerWriter
) -> schemas.BannerOut:
    """Put up a known issue for a queue until it expires (at most 14 days ahead)."""
    return service.create_banner(session=session, data=data, by=user.login, scope=user.scope)


@router.post("/banners/{banner_id}/withdraw", response_model=schemas.BannerOut)
def withdraw_banner(banner_id: RowId, session: SessionDep, user: BannerWriter) -> schemas.BannerOut:
    """Take a banner down before it expires."""
    return service.withdraw_banner(session=session, banner_id=banner_id, scope=user.scope)


@changes.get("", response_model=list[schemas.ChangeOut])
def list_changes(session: SessionDep, user: ChangeReader) -> list[schemas.ChangeOut]:
    """Changes addressed to you (and, to those who follow up, every change with recipients in
    scope), newest first."""
    return service.list_changes(
        session=session,
        user_id=user.user_id,
        scope=user.scope,
        manage=user.role in permissions.CHANGES_TRACK,
    )


@changes.post("", response_model=schemas.ChangeOut, status_code=status.HTTP_201_CREATED)
def create_change(
    data: schemas.ChangeIn, session: SessionDep, user: ChangeWriter
) -> schemas.ChangeOut:
    """Publish a change to teams and roles in scope; each addressed user is notified."""
    return service.create_change(
        session=session, data=data, by=user.login, scope=user.scope, by_user_id=user.user_id
    )


@changes.get("/{change_id}", response_model=schemas.ChangeOut)
def get_change(change_id: RowId, session: SessionDep, user: ChangeReader) -> schemas.ChangeOut:
    """A change addressed to you (or with recipients in your scope)."""
    return service.get_change(
        session=session,
        change_id=change_id,
        user_id=user.user_id,
        scope=user.scope,
        manage=user.role in permissions.CHANGES_TRACK,
    )


@changes.post("/{change_id}/acknowledge", response_model=schemas.ChangeOut)
def acknowledge(change_id: RowId, session: SessionDep, user: Acknowledger) -> schemas.ChangeOut:
    """Acknowledge having read a change addressed to you (403 when it is not)."""
    return service.acknowledge(session=session, change_id=change_id, user_id=user.user_id)


@changes.get("/{change_id}/status", response_model=schemas.ChangeStatusOut)
def change_status(change_id: RowId, session: SessionDep, user: Tracker) -> schemas.ChangeStatusOut:
    """Who has and has not acknowledged, per team in scope."""
    return service.change_status(
        session=session, change_id=change_id, user_id=user.user_id, scope=user.scope
    )


@changes.post("/{change_id}/remind", response_model=schemas.RemindOut)
def remind(change_id: RowId, session: SessionDep, user: Reminder) -> schemas.RemindOut:
    """Notify again those in scope who have not acknowledged."""
    return service.remind(session=session, change_id=change_id, scope=user.scope)


@improvements.get("", response_model=list[schemas.ImprovementOut])
def list_improvements(session: SessionDep, user: ImproveReader) -> list[schemas.ImprovementOut]:
    """Improvement records in scope, newest first."""
    return pdca.list_records(session=session, scope=user.scope)


@improvements.post("", response_model=schemas.ImprovementOut, status_code=201)
def create_improvement(
    data: schemas.ImprovementIn, session: SessionDep, user: ImproveWriter
) -> schemas.ImprovementOut:
    """Open an improvement record: the problem (a KPI in a period) and its root causes."""
    return pdca.create(session=session, data=data, by=user.login, scope=user.scope)


@improvements.get("/{improvement_id}", response_model=schemas.ImprovementOut)
def get_improvement(
    improvement_id: RowId, session: SessionDep, user: ImproveReader
) -> schemas.ImprovementOut:
    """One improvement record with its actions, check and standard."""
    return pdca.get(session=session, record_id=improvement_id, scope=user.scope)


@improvements.post("/{improvement_id}/actions", response_model=schemas.ImprovementOut)
def add_action(
    improvement_id: RowId, data: schemas.ActionIn, session: SessionDep, user: ImproveWriter
) -> schemas.ImprovementOut:
    """Add an action with its owner and due date."""
    return pdca.add_action(session=session, record_id=improvement_id, data=data, scope=user.scope)


@improvements.put("/{improvement_id}", response_model=schemas.ImprovementOut)
def update_improvement(
    improvement_id: RowId, data: schemas.ImprovementIn, session: SessionDep, user: ImproveWriter
) -> schemas.ImprovementOut:
    """Change the plan; a check of another KPI or queue is cleared (409 once standardised)."""
    return pdca.update(session=session, record_id=improvement_id, data=data, scope=user.scope)


@improvements.post(
    "/{improvement_id}/actions/{action_id}/done", response_model=schemas.ImprovementOut
)
def complete_action(
    improvement_id: RowId, action_id: RowId, session: SessionDep, user: ImproveWriter
) -> schemas.ImprovementOut:
    """Mark an action done (404: no such action on the record)."""
    return pdca.complete_action(
        session=session, record_id=improvement_id, action_id=action_id, scope=user.scope
    )


@improvements.post("/{improvement_id}/check", response_model=schemas.ImprovementOut)
def check_improvement(
    improvement_id: RowId, data: schemas.CheckIn, session: SessionDep, user: ImproveWriter
) -> schemas.ImprovementOut:
    """Record the KPI before vs after with intervals and the verdict."""
    return pdca.check(
        session=session, record_id=improvement_id, data=data, by=user.login, scope=user.scope
    )


@improvements.post("/{improvement_id}/check/contacts", response_model=schemas.ImprovementOut)
def check_improvement_from_contacts(
    improvement_id: RowId, data: schemas.ContactCheckIn, session: SessionDep, user: ImproveWriter
) -> schemas.ImprovementOut:
    """Check a record from the stored contacts of its queue (a topic's repeat rate
    ``repeat_rate:TOPIC``, or service_level, abandon_rate, repeat_contact_rate, aht_s, asa_s):
    the KPI before vs after with intervals and the verdict (409 for another KPI; 422 for
    periods out of order or without contacts, or aht_s without higher_is_better)."""
    return pdca.check_from_contacts(
        session=session, record_id=improvement_id, data=data, by=user.login, scope=user.scope
    )


@improvements.post(
    "/{improvement_id}/standardise/{article_id}", response_model=schemas.ImprovementOut
)
def standardise(
    improvement_id: RowId, article_id: RowId, session: SessionDep, user: ImproveWriter
) -> schemas.ImprovementOut:
    """Link the article that makes the improvement standard (409 unless it improved)."""
    return pdca.standardise(
        session=session, record_id=improvement_id, article_id=article_id, scope=user.scope
    )


@training_api.get("/modules", response_model=list[schemas.TrainingModuleOut])
def list_modules(session: SessionDep, user: TrainingReader) -> list[schemas.TrainingModuleOut]:
    """The new-hire training modules with their versions, by title."""
    return training.list_modules(session=session)


@training_api.post(
    "/modules", response_model=schemas.TrainingModuleOut, status_code=status.HTTP_201_CREATED
)
def create_module(
    data: schemas.TrainingModuleIn, session: SessionDep, user: TrainingWriter
) -> schemas.TrainingModuleOut:
    """Write a training module and publish its version 1 (409: the title exists)."""
    return training.create_module(session=session, data=data, by=user.login, scope=user.scope)


@training_api.get("/modules/{module_id}", response_model=schemas.TrainingModuleOut)
def get_module(
    module_id: RowId, session: SessionDep, user: TrainingReader
) -> schemas.TrainingModuleOut:
    """A training module with every version, the last the current one."""
    return training.get_module(session=session, module_id=module_id)


@training_api.post(
    "/modules/{module_id}/versions",
    response_model=schemas.TrainingModuleOut,
    status_code=status.HTTP_201_CREATED,
)
def add_version(
    module_id: RowId, data: schemas.TrainingVersionIn, session: SessionDep, user: TrainingWriter
) -> schemas.TrainingModuleOut:
    """Publish a new version (422: a number not above the current one)."""
    return training.add_version(session=session, module_id=module_id, data=data, by=user.login)


@training_api.get("/new-hires", response_model=list[schemas.NewHireOut])
def new_hires(session: SessionDep, user: Follower) -> list[schemas.NewHireOut]:
    """The people in scope hired recently or with training recorded, with their counts."""
    return training.new_hires(session=session, scope=user.scope)


@training_api.get("/checklists/{login}", response_model=schemas.ChecklistOut)
def checklist(login: str, session: SessionDep, user: TrainingReader) -> schemas.ChecklistOut:
    """A person's checklist: each module that applies, its current version and the one they
    completed (agents: their own only; 404 out of scope)."""
    return training.checklist(session=session, login=login, scope=user.scope)


@training_api.post("/checklists/{login}/completions", response_model=schemas.ChecklistOut)
def complete(
    login: str, data: schemas.CompletionIn, session: SessionDep, user: Trainer
) -> schemas.ChecklistOut:
    """Mark a module's current version completed by a person in scope (404: no such module or
    version; 422: a superseded version, or a module that does not apply to them)."""
    return training.complete(
        session=session, login=login, data=data, by=user.login, scope=user.scope
    )


routers: tuple[APIRouter, ...] = (router, changes, improvements, training_api)
"""Every router of this module, for the app to include."""
