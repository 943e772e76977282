"""Fixtures of the contact-data tests: the organisations the sample files refer to."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from tests.factories import make_org
from tests.factories.contacts import make_bank, table_counts


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
