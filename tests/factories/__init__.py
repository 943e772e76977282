"""Small organisations for tests, built through the services as a user would."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ccops.enums import ChannelKind, ServiceLevelVariant
from ccops.org import schemas
from ccops.org import service as org_service


def make_org(
    session: Session,
    *,
    timezone: str = "Europe/London",
    queues: tuple[str, ...] = ("Sales",),
    agents: tuple[str, ...] = ("alice", "bob"),
    target_s: float = 20.0,
    short_abandon_s: float = 5.0,
    variant: ServiceLevelVariant = ServiceLevelVariant.exclude_short_abandons,
) -> None:
    """Create one site, a voice channel, the queues and agents skilled on all of them."""
    org_service.create_site(session=session, data=schemas.SiteIn(name="Main", timezone=timezone))
    org_service.create_channel(
        session=session, data=schemas.ChannelIn(name="voice", kind=ChannelKind.voice)
    )
    for name in queues:
        org_service.create_queue(
            session=session,
            data=schemas.QueueIn(
                name=name,
                channel="voice",
                site="Main",
                target_s=target_s,
                short_abandon_s=short_abandon_s,
                service_level_variant=variant,
            ),
        )
    for login in agents:
        org_service.create_person(
            session=session,
            data=schemas.PersonIn(
                name=login.title(),
                login=login,
                site="Main",
                skills=[schemas.SkillIn(queue=q) for q in queues],
            ),
        )
    session.flush()


def make_token(session: Session, *, login: str, name: str = "tests") -> str:
    """Create an API token for ``login`` (commits) and return the secret to send."""
    _out, secret = org_service.create_token(session=session, login=login, name=name)
    session.commit()
    return secret


def make_admin(session: Session, *, login: str = "root", password: str = "root-pass-123") -> str:
    """Create an administrator with an API token (commits); return the token."""
    org_service.create_admin(session=session, login=login, password=password)
    session.commit()
    return make_token(session, login=login)
