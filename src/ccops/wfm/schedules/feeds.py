"""The iCalendar feed of one's published schedule: secret tokens (stored hashed) and the RFC 5545
text."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.errors import NotFound
from ccops.wfm.schedules import common
from ccops.wfm.schedules.models import (
    CalendarFeed,
    Schedule,
    ScheduledActivity,
    ScheduledShift,
)


def _feed_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_feed(*, session: Session, person_id: int) -> str:
    """Create the person's secret feed token (revoking any earlier one); return the token."""
    revoke_feed(session=session, person_id=person_id)
    token = secrets.token_urlsafe(32)
    session.add(CalendarFeed(person_id=person_id, token_hash=_feed_hash(token)))
    session.flush()
    return token


def revoke_feed(*, session: Session, person_id: int) -> int:
    """Revoke the person's feed tokens; return how many were active."""
    active = session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.person_id == person_id, CalendarFeed.revoked_at.is_(None)
        )
    ).all()
    for feed in active:
        feed.revoked_at = utcnow()
    session.flush()
    return len(active)


def has_feed(*, session: Session, person_id: int) -> bool:
    """Whether the person has an active feed."""
    return (
        session.scalars(
            select(CalendarFeed.id).where(
                CalendarFeed.person_id == person_id, CalendarFeed.revoked_at.is_(None)
            )
        ).first()
        is not None
    )


def ics_text(value: str) -> str:
    """``value`` as an RFC 5545 TEXT value (3.3.11): backslash, semicolon and comma escaped, any
    line break (CRLF, CR or LF) as ``\\n``, other control characters dropped; no raw CR or LF
    survives to end the property early and start one of the sender's choosing."""
    one_break = value.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(ch for ch in one_break if ch in "\t\n" or unicodedata.category(ch) != "Cc")
    return kept.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    while data:
        limit = 75 if not parts else 74
        cut = min(limit, len(data))
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut -= 1
        parts.append(data[:cut].decode("utf-8"))
        data = data[cut:]
    return "\r\n ".join(parts)


def _ics_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_for_token(*, session: Session, token: str, now: datetime | None = None) -> str:
    """The RFC 5545 calendar of the feed's person: published shifts and activities only."""
    feed = session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == _feed_hash(token), CalendarFeed.revoked_at.is_(None)
        )
    ).first()
    if feed is None:
        raise NotFound("this calendar feed does not exist or was revoked")
    stamp = _ics_time(now or utcnow())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ccops//schedule//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:ccops schedule",
    ]
    shifts = session.execute(
        select(ScheduledShift, Schedule)
        .join(Schedule, Schedule.id == ScheduledShift.schedule_id)
        .where(Schedule.status == "published", ScheduledShift.person_id == feed.person_id)
        .order_by(ScheduledShift.start_at)
    ).all()
    for shift, schedule in shifts:
        acts = session.scalars(
            select(ScheduledActivity)
            .where(ScheduledActivity.shift_id == shift.id)
            .order_by(ScheduledActivity.start_at)
        ).all()
        parts = [
            f"{a.kind} {a.start_at:%H:%M}-{a.end_at:%H:%M} UTC"
            for a in acts
            if a.kind != common.WORK
        ]
        lines += [
            "BEGIN:VEVENT",
            f"UID:shift-{feed.person_id}-{_ics_time(shift.start_at)}@ccops",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ics_time(shift.start_at)}",
            f"DTEND:{_ics_time(shift.end_at)}",
            "SUMMARY:" + ics_text(f"Shift {shift.template} ({shift.queues})"),
            "DESCRIPTION:"
            + ics_text(f"week {schedule.week}, version {schedule.version}; " + "; ".join(parts)),
            "END:VEVENT",
        ]
        for a in acts:
            if a.kind in common.FIXED_KINDS:
                lines += [
                    "BEGIN:VEVENT",
                    f"UID:{a.kind}-{feed.person_id}-{_ics_time(a.start_at)}@ccops",
                    f"DTSTAMP:{stamp}",
                    f"DTSTART:{_ics_time(a.start_at)}",
                    f"DTEND:{_ics_time(a.end_at)}",
                    "SUMMARY:" + ics_text(a.kind.title()),
                    "END:VEVENT",
                ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
