"""Fixtures of the contact-data tests: the organisations the sample files refer to."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.contacts.models import AgentStateEvent, Contact, Erasure, ImportBatch, IntervalReport
from ccops.org import schemas
from ccops.org import service as org_service
from ccops.org.models import Channel, Person, Queue, Site
from tests.factories import make_org

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


@pytest.fixture
def counts(session: Session) -> Callable[[], dict[str, int]]:
    """Count the rows of every table an import may touch (to prove a refusal changed nothing)."""
    return lambda: table_counts(session)


@pytest.fixture
def main_org(session: Session) -> Session:
    """Site Main (Europe/London), channel voice, queues Sales and Support, agents alice and bob:
    what the Asterisk, CSV, DST, agent-state and interval samples refer to."""
    make_org(session, queues=("Sales", "Support"))
    return session


@pytest.fixture
def bank(session: Session) -> Session:
    """Site Bank (Asia/Jerusalem) with the queues PS, NW, PE and agents ALICE, BOB of
    tests/data/technion_sample.tsv."""
    make_bank(session)
    return session


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
