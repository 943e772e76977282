"""Builders of the knowledge base tests: a session on the web tests' world, published articles."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import make_engine, make_session_factory
from ccops.enums import ScopeKind
from ccops.knowledge import schemas, service, training
from ccops.org.access import Scope
from ccops.org.models import Site
from tests.factories.web import World


@contextmanager
def world_session(world: World) -> Iterator[Session]:
    """A session on the world's database; committed when the block ends without an error."""
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        yield s
        s.commit()
    engine.dispose()


def site_scope(session: Session, site: str) -> Scope:
    """The scope of a user of one site."""
    site_id = session.scalars(select(Site.id).where(Site.name == site)).one()
    return Scope(kind=ScopeKind.sites, site_ids=frozenset({site_id}))


def published(
    session: Session,
    *,
    title: str,
    body: str,
    topic: str = "billing",
    language: str = "en",
    queue: str | None = None,
    owner: str = "u-qa",
) -> schemas.ArticleOut:
    """An article written, reviewed by its owner and published as version 1."""
    article = service.create_article(
        session=session,
        data=schemas.ArticleIn(
            topic=topic, title=title, body=body, language=language, queue=queue, owner=owner
        ),
        by="u-planner",
    )
    service.submit(session=session, article_id=article.id, by="u-planner")
    service.review(
        session=session,
        article_id=article.id,
        version=1,
        data=schemas.ReviewIn(decision="approve"),
        by=owner,
    )
    return service.publish(session=session, article_id=article.id, version=1, by=owner)


SCOPE_MODULE_ID = 1
"""The id of the training module ``seed_scope_objects`` writes (the first of its database)."""


def seed_scope_objects(session: Session, ids: dict[str, int]) -> None:
    """A published article, a known issue and a change of London (``*_in``: queue Sales, Team A
    and every role that may acknowledge) and of Shanghai (``*_out``: queue Support, Team C)."""
    from ccops.db import utcnow
    from ccops.enums import Role
    from ccops.org import schemas as org_schemas
    from ccops.org import service as org_service

    # a Shanghai agent who signs in, so that a change of Team C reaches somebody
    org_service.create_user(
        session=session,
        data=org_schemas.UserIn(
            login="carol-kb", password="correct-horse-9", role=Role.agent, person="carol"
        ),
    )

    from datetime import date

    from ccops.knowledge import improvements, training

    # a training module for everyone: the checklist routes' completions name it (id 1)
    ids["module"] = training.create_module(
        session=session,
        data=schemas.TrainingModuleIn(title="Welcome", owner="Training", summary="v1"),
        by="u-qa",
    ).id
    assert ids["module"] == SCOPE_MODULE_ID

    for side, queue, team in (("in", "Sales", "Team A"), ("out", "Support", "Team C")):
        ids[f"improvement_{side}"] = improvements.create(
            session=session,
            data=schemas.ImprovementIn(
                title=f"Repeats {side}",
                kpi="repeat_rate",
                queue=queue,
                problem_first=date(2026, 11, 2),
                problem_last=date(2026, 11, 8),
                problem="repeat contacts went up",
            ),
            by="u-manager",
        ).id
        ids[f"improvement_action_{side}"] = (
            improvements.add_action(
                session=session,
                record_id=ids[f"improvement_{side}"],
                data=schemas.ActionIn(text="brief the team", owner="u-qa", due=date(2026, 11, 9)),
            )
            .actions[0]
            .id
        )
        ids[f"article_{side}"] = published(
            session, title=f"Answer {side}", body="text", queue=queue
        ).id
        ids[f"banner_{side}"] = service.create_banner(
            session=session,
            data=schemas.BannerIn(
                queue=queue, message="known issue", expires_at=utcnow() + timedelta(hours=4)
            ),
            by="u-planner",
        ).id
        roles = [r for r in Role if r not in (Role.agent, Role.executive)] if side == "in" else []
        ids[f"change_{side}"] = service.create_change(
            session=session,
            data=schemas.ChangeIn(title=f"Change {side}", summary="s", teams=[team], roles=roles),
            by="u-manager",
        ).id


def training_modules(session: Session) -> dict[str, int]:
    """Sales basics (queue Sales), Company values (everyone), Support tools (Support, the other
    site's queue), each in version 1 by u-qa; their ids by key (sales, values, support)."""
    ids = {}
    for key, title, queue in (
        ("sales", "Sales basics", "Sales"),
        ("values", "Company values", None),
        ("support", "Support tools", "Support"),
    ):
        ids[key] = training.create_module(
            session=session,
            data=schemas.TrainingModuleIn(
                title=title, owner="Training", queue=queue, summary=f"{title} v1"
            ),
            by="u-qa",
        ).id
    return ids
