"""Notify users in the app, list their notifications, mark them read."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.errors import NotFound, Problem
from ccops.jobs import service as jobs_service
from ccops.notifications import email, schemas
from ccops.notifications.models import Notification


def _out(n: Notification) -> schemas.NotificationOut:
    return schemas.NotificationOut(
        id=n.id,
        kind=n.kind,
        subject=n.subject,
        body=n.body,
        link=n.link,
        created_at=n.created_at,
        read_at=n.read_at,
    )


def notify(
    *,
    session: Session,
    user_ids: Iterable[int],
    kind: str,
    subject: str,
    body: str,
    link: str | None = None,
) -> int:
    """Store one notification per user (each user once); return how many were made."""
    made = 0
    rows = []
    for user_id in sorted(set(user_ids)):
        rows.append(
            Notification(
                user_id=user_id,
                kind=kind[:64],
                subject=subject[:300],
                body=body,
                link=link,
            )
        )
        session.add(rows[-1])
        made += 1
    session.flush()
    queued = email.queue_for(session=session, notifications=rows)
    if queued:
        jobs_service.submit(
            session=session,
            kind=email.JOB_KIND,
            params={"message_ids": queued},
            created_by="ccops",
        )
    return made


def list_own(
    *, session: Session, user_id: int, unread_only: bool = False, limit: int = 100
) -> list[schemas.NotificationOut]:
    """The user's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = session.scalars(query.order_by(Notification.id.desc()).limit(limit))
    return [_out(n) for n in rows]


def unread_count(*, session: Session, user_id: int) -> int:
    """How many of the user's notifications are unread."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(*, session: Session, user_id: int, notification_id: int) -> schemas.NotificationOut:
    """Mark one of the user's own notifications read (others' are 'not found')."""
    found = session.get(Notification, notification_id)
    if found is None or found.user_id != user_id:
        raise NotFound(
            f"notification {notification_id} does not exist",
            [Problem("unknown notification", field="notification_id")],
        )
    if found.read_at is None:
        found.read_at = utcnow()
        session.flush()
    return _out(found)
