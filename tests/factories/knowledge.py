"""Builders of the knowledge base tests: a session on the web tests' world, published articles."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import make_engine, make_session_factory
from ccops.enums import ScopeKind
from ccops.knowledge import schemas, service
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
