"""Tables of governance: the audit trail (append-only) and the marker that lets a purge through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ccops.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """One change to an audited record: who, when, what, and its columns before and after.

    Never changed once written: database triggers refuse UPDATE and DELETE unless the retention
    purge or a leaver's erasure opened the table for its own transaction (see
    :mod:`ccops.audit.guard`).
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_entity", "entity_kind", "entity_id"),
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_actor", "actor"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    """The login of the signed-in user, ``cli:<os user>``, or ``system``."""
    origin: Mapped[str] = mapped_column(String(100))
    """Where the change came from: ``web``, ``api``, ``cli``, ``job:<kind>#<id>``, ``system``."""
    entity_kind: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    """``create``, ``update``, ``delete``, or an operation (``erase``, ``purge``)."""
    site_id: Mapped[int | None] = mapped_column(Integer, index=True)
    """The site the record belongs to, when it has one (site-scoped admins see these)."""
    changes_json: Mapped[str] = mapped_column(Text, default="{}")
    """``{"column": [before, after], ...}``; secrets are ``"[redacted]"``."""


class AuditMaintenance(Base):
    """A row here, inside one transaction, lets that transaction change the audit trail (SQLite).

    The purge and the leaver erasure insert it, do their work and delete it before committing,
    so it is never seen by another connection. PostgreSQL uses a transaction-local setting.
    """

    __tablename__ = "audit_maintenance"
    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
