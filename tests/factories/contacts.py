"""Builders of the contact-data tests: the Technion sample's bank, row counts of import tables."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.contacts.models import AgentStateEvent, Contact, Erasure, ImportBatch, IntervalReport
from ccops.org import schemas
from ccops.org import service as org_service
from ccops.org.models import Channel, Person, Queue, Site

TABLES = (
    Contact,
    AgentStateEvent,
    IntervalReport,
    ImportBatch,
    Erasure,
    Queue,
    Person,
    Site,
    Channel,
)


def table_counts(session: Session) -> dict[str, int]:
    """Return the number of rows of every table an import may touch."""
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in TABLES
    }


def make_bank(session: Session) -> None:
    """Create the Technion sample's site, queues and agents."""
    org_service.create_site(
        session=session, data=schemas.SiteIn(name="Bank", timezone="Asia/Jerusalem")
    )
    org_service.ensure_default_channel(session=session)
    for queue in ("PS", "NW", "PE"):
        org_service.create_queue(
            session=session, data=schemas.QueueIn(name=queue, channel="voice", site="Bank")
        )
    for login in ("ALICE", "BOB"):
        org_service.create_person(
            session=session, data=schemas.PersonIn(name=login.title(), login=login, site="Bank")
        )
    session.flush()
