"""Email notifications: users' opt-in, the queue of emails and their delivery by a job.

``notify`` calls :func:`queue_for` in the request's transaction: it only stores pending
``EmailMessage`` rows and submits a job (kind ``notifications.email``); the job runner sends
them over SMTP with no transaction open, each attempt counted first and its outcome recorded
after (sent, or retried with back-off doubling from ``email_retry_base_s``, failed with the
reason after ``email_max_attempts``). A daily digest (kind ``notifications.email_digest``)
queues one email per digest user with all of one day's notifications.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage as MimeMessage
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.enums import Language
from ccops.errors import Invalid, Problem
from ccops.notifications.models import EmailMessage, EmailPreference, Notification
from ccops.org.models import User
from ccops.settings import Settings, get_settings
from ccops.web.i18n import translations

JOB_KIND = "notifications.email"
DIGEST_KIND = "notifications.email_digest"
ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
KIND = re.compile(r"^[a-z0-9_.*-]{1,64}$")


def _language(user: User | None) -> Language:
    try:
        return Language(user.locale) if user is not None and user.locale else Language.en
    except ValueError:
        return Language.en


def _gettext(user: User | None) -> Any:
    return translations(_language(user)).gettext


def get_preference(*, session: Session, user_id: int) -> dict[str, object]:
    """The user's email settings (address empty: no email)."""
    pref = session.get(EmailPreference, user_id)
    if pref is None:
        return {"address": "", "kinds": [], "digest": False}
    return {"address": pref.address, "kinds": _kinds(pref.kinds), "digest": pref.digest}


def _kinds(text: str) -> list[str]:
    return [k for k in text.split(",") if k]


def set_preference(
    *, session: Session, user_id: int, address: str, kinds: Iterable[str], digest: bool
) -> dict[str, object]:
    """Save the user's email settings; an empty address turns email off."""
    address = address.strip()
    wanted = sorted({k.strip() for k in kinds if k.strip()})
    problems = []
    if address and not ADDRESS.match(address):
        problems.append(
            Problem(f"address: {address!r} is not an email address (name@example.com)", "address")
        )
    bad = [k for k in wanted if not KIND.match(k)]
    if bad:
        problems.append(Problem(f"kinds: {', '.join(bad)} is not a notification kind", "kinds"))
    if problems:
        raise Invalid("; ".join(p.message for p in problems), problems)
    pref = session.get(EmailPreference, user_id)
    if not address:
        if pref is not None:
            session.delete(pref)
        session.flush()
        return get_preference(session=session, user_id=user_id)
    if pref is None:
        pref = EmailPreference(user_id=user_id)
        session.add(pref)
    pref.address, pref.kinds, pref.digest = address, ",".join(wanted), digest
    session.flush()
    return get_preference(session=session, user_id=user_id)


def _link(link: str) -> str:
    """A link of the app as an email gives it: after the ``public_url`` setting when set."""
    base = get_settings().public_url.rstrip("/")
    return base + link if base and link.startswith("/") else link


def wants_email(*, session: Session, user_id: int, kind: str) -> bool:
    """Whether a notification of ``kind`` goes to the user by email at once (not in a digest)."""
    pref = session.get(EmailPreference, user_id)
    if pref is None or pref.digest:
        return False
    kinds = _kinds(pref.kinds)
    return "*" in kinds or kind in kinds


def queue_for(*, session: Session, notifications: list[Notification]) -> list[int]:
    """Queue one email per notification whose user opted in to its kind (not digest users)."""
    queued: list[int] = []
    for n in notifications:
        if not wants_email(session=session, user_id=n.user_id, kind=n.kind):
            continue
        pref = session.get_one(EmailPreference, n.user_id)
        _ = _gettext(session.get(User, n.user_id))
        subject = f"{_('Notifications')}: {_(n.subject)}"
        body = _(n.body) + (f"\n\n{_link(n.link)}" if n.link else "")
        msg = EmailMessage(
            user_id=n.user_id, address=pref.address, subject=subject[:300], body=body
        )
        session.add(msg)
        session.flush()
        queued.append(msg.id)
    return queued


def queue_digests(*, session: Session, day: date) -> list[int]:
    """Queue one digest email per digest user with notifications on ``day`` (UTC)."""
    start = datetime.combine(day, time(0), tzinfo=UTC)
    end = start + timedelta(days=1)
    queued: list[int] = []
    for pref in session.scalars(select(EmailPreference).where(EmailPreference.digest.is_(True))):
        rows = list(
            session.scalars(
                select(Notification)
                .where(
                    Notification.user_id == pref.user_id,
                    Notification.created_at >= start,
                    Notification.created_at < end,
                )
                .order_by(Notification.id)
            )
        )
        if not rows:
            continue
        _ = _gettext(session.get(User, pref.user_id))
        subject = _("[ccops] %(count)s notifications on %(day)s") % {
            "count": len(rows),
            "day": day.isoformat(),
        }
        body = "\n\n".join(f"* {_(n.subject)}\n{_(n.body)}" for n in rows)
        msg = EmailMessage(user_id=pref.user_id, address=pref.address, subject=subject, body=body)
        session.add(msg)
        session.flush()
        queued.append(msg.id)
    return queued


def start_attempt(*, session: Session, message_id: int, now: datetime) -> EmailMessage | None:
    """Count an attempt at a pending email that is due; None when not (sent, failed, waiting)."""
    msg = session.get(EmailMessage, message_id)
    if msg is None or msg.status != "pending":
        return None
    if msg.next_attempt_at is not None and msg.next_attempt_at > now:
        return None
    msg.attempts += 1
    session.flush()
    session.expunge(msg)
    return msg


def end_attempt(
    *, session: Session, message_id: int, error: str | None, now: datetime, settings: Settings
) -> str:
    """Record an attempt: ``sent``; ``failed`` with the reason after the last attempt; else
    ``retrying`` after ``email_retry_base_s`` doubled per attempt made."""
    msg = session.get(EmailMessage, message_id)
    assert msg is not None
    msg.error = error[:500] if error else None
    if error is None:
        msg.status, msg.sent_at, msg.next_attempt_at = "sent", now, None
    elif msg.attempts >= settings.email_max_attempts:
        msg.status, msg.next_attempt_at = "failed", None
    else:
        wait = settings.email_retry_base_s * 2 ** max(msg.attempts - 1, 0)
        msg.next_attempt_at = now + timedelta(seconds=wait)
        session.flush()
        return "retrying"
    session.flush()
    return msg.status


def next_retry(*, session: Session, message_ids: list[int]) -> datetime | None:
    """When the earliest of these emails still pending is due (None: none pending)."""
    return session.scalar(
        select(func.min(EmailMessage.next_attempt_at)).where(
            EmailMessage.id.in_(message_ids), EmailMessage.status == "pending"
        )
    )


def send(msg: EmailMessage, settings: Settings) -> str | None:
    """Send one email over SMTP; None when accepted, else the reason it was not."""
    if not settings.smtp_host:
        return "email is off: no smtp_host in the settings"
    mime = MimeMessage()
    mime["From"], mime["To"], mime["Subject"] = settings.smtp_from, msg.address, msg.subject
    mime.set_content(msg.body)
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(mime)
    except (OSError, smtplib.SMTPException) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None
