"""The audit trail is append-only: database triggers refuse UPDATE and DELETE of its rows.

Only two operations may change it, each inside its own transaction: the retention purge (deletes
entries older than the retention) and a leaver's erasure (redacts the leaver's personal values).
They open the trail with :func:`opened`: on PostgreSQL a transaction-local setting
(``ccops.audit_maintenance``), on SQLite a row in ``audit_maintenance`` that is removed before
the transaction commits. Whoever can run SQL of their own on the database can do the same: the
triggers stop the application and mistakes, not the database's owner.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from ccops.audit.models import AuditMaintenance

REFUSED = "the audit trail cannot be changed"
"""The start of the database's error message when a change of an audit entry is refused."""


@contextmanager
def opened(session: Session, reason: str) -> Iterator[Session]:
    """Let this transaction update or delete audit entries until the block ends.

    An error inside the block leaves the opening to the transaction's rollback (the edge rolls
    back on every error), so the trail is never left open by a commit."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('ccops.audit_maintenance', 'on', true)"))
        yield session
        session.execute(text("SELECT set_config('ccops.audit_maintenance', 'off', true)"))
        return
    marker = AuditMaintenance(reason=reason[:32])
    session.add(marker)
    session.flush()
    yield session
    session.delete(marker)
    session.flush()
