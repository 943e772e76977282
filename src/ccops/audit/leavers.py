"""Erase the personal data of a person who has left, keeping what pay and statistics need.

Erased: the name and login (both become a pseudonym, ``leaver-<id>``), the sign-ins' logins and
passwords (disabled), API tokens, calendar feeds and notifications, the free text of coaching
sessions, recognitions, development notes, schedule requests, change requests and disputes the
person raised, and the person's name and logins wherever the audit trail or a "by whom" column
holds them. Kept, linked to the pseudonym: performance reviews and QA evaluations with their
scores (pay-relevant), contacts, agent states, schedules and every aggregate computed from them,
the hire and termination dates and the reason category (attrition reports count them).
"""

from __future__ import annotations

import json
import secrets
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session

from ccops.audit import capture, guard, service
from ccops.audit.models import AuditEntry
from ccops.audit.schemas import LeaverErasureOut
from ccops.contacts.models import AgentAlias
from ccops.db import utcnow
from ccops.errors import Conflict, NotFound, Problem
from ccops.model_registry import Base
from ccops.notifications.models import Notification
from ccops.org.models import ApiToken, Person, User
from ccops.performance.models import CoachingSession, DevelopmentNote, Recognition
from ccops.quality.models import Dispute
from ccops.wfm.requests.models import ScheduleRequest
from ccops.wfm.schedules.models import CalendarFeed, ChangeRequest

ERASED = "[erased]"
PREFIX = "leaver-"
BY_WHOM_COLUMNS = frozenset(
    {
        "created_by",
        "coach",
        "reviewer",
        "given_by",
        "written_by",
        "evaluator",
        "scored_by",
        "raised_by",
        "decided_by",
        "published_by",
    }
)
"""Columns that hold the login of whoever did something; a leaver's login there is replaced."""

KEPT = [
    "performance reviews (pay-relevant)",
    "QA evaluations and their scores (pay-relevant)",
    "contacts, agent states, schedules and the statistics computed from them",
    "hire and termination dates and the termination reason (attrition reports)",
]


def _pseudonym(session: Session, person: Person) -> str:
    base = f"{PREFIX}{person.id}"
    name, n = base, 1
    while session.scalar(select(Person.id).where(Person.login == name, Person.id != person.id)):
        n += 1
        name = f"{base}-{n}"
    return name


def _refuse_unless_left(person: Person, today: date) -> None:
    if person.login.startswith(PREFIX) and person.name == person.login:
        raise Conflict(
            f"person {person.login!r} is already erased",
            [Problem("already erased", field="login")],
        )
    if person.termination_date is None:
        raise Conflict(
            f"{person.login!r} has not left: record their leaving (termination date) first; "
            "only a leaver's personal data can be erased",
            [Problem("not a leaver", field="login")],
        )
    if person.termination_date > today:
        raise Conflict(
            f"{person.login!r} leaves on {person.termination_date.isoformat()}: erase their "
            "personal data once they have left",
            [Problem("has not left yet", field="login")],
        )


def _erase_text(session: Session, person_id: int, old_logins: set[str]) -> int:
    """Blank the free text written about or by the person; return how many records."""
    erased = 0
    statements: list[Any] = [
        update(CoachingSession)
        .where(CoachingSession.person_id == person_id)
        .values(
            monitoring_points=ERASED,
            gap=ERASED,
            analysis=ERASED,
            action_plan=ERASED,
            outcome=None,
            reference=None,
        ),
        update(Recognition).where(Recognition.person_id == person_id).values(text=ERASED),
        update(DevelopmentNote).where(DevelopmentNote.person_id == person_id).values(text=ERASED),
        update(ScheduleRequest)
        .where(ScheduleRequest.person_id == person_id)
        .values(reason="", decision_note=""),
        update(ChangeRequest).where(ChangeRequest.person_id == person_id).values(message=ERASED),
        update(Dispute).where(Dispute.raised_by.in_(sorted(old_logins))).values(reason=ERASED),
    ]
    for statement in statements:
        result = session.execute(statement.execution_options(synchronize_session=False))
        erased += int(getattr(result, "rowcount", 0) or 0)
    return erased


def _replace_by_whom(session: Session, replacements: dict[str, str]) -> None:
    for table in Base.metadata.sorted_tables:
        if table.name == AuditEntry.__tablename__:
            continue
        for column in table.columns:
            if column.name not in BY_WHOM_COLUMNS:
                continue
            for old, new in replacements.items():
                session.execute(update(table).where(column == old).values({column.name: new}))


def _scrub(value: Any, secrets_: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets_:
            value = value.replace(secret, ERASED)
        return value
    if isinstance(value, list):
        return [_scrub(v, secrets_) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, secrets_) for k, v in value.items()}
    return value


PERSONAL_COLUMNS = frozenset({"name", "login"})
"""Columns of the person's and their sign-ins' own entries whose every value is erased."""


def _own_entries(session: Session, person_id: int, user_ids: list[int]) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(
                or_(
                    (AuditEntry.entity_kind == "person") & (AuditEntry.entity_id == person_id),
                    (AuditEntry.entity_kind == "user") & AuditEntry.entity_id.in_(user_ids or [-1]),
                )
            )
        )
    )


def _earlier_values(entries: list[AuditEntry]) -> set[str]:
    """Every name and login the person or their sign-ins had, as the trail remembers them."""
    found: set[str] = set()
    for entry in entries:
        for column, change in json.loads(entry.changes_json or "{}").items():
            if column in PERSONAL_COLUMNS and isinstance(change, list):
                found.update(v for v in change if isinstance(v, str) and v.strip())
    return found


def _redact_trail(
    session: Session, person_id: int, user_ids: list[int], replacements: dict[str, str]
) -> int:
    """Redact the erased values from earlier audit entries; return how many entries changed.

    The person's and their sign-ins' own entries lose every name and login value; any entry
    that mentions one of those values (or was made by one of the logins) has it replaced."""
    own = _own_entries(session, person_id, user_ids)
    own_ids = {e.id for e in own}
    erased = _earlier_values(own) | set(replacements)
    originals = sorted(erased, key=len, reverse=True)
    condition: ColumnElement[bool] = or_(
        AuditEntry.id.in_(sorted(own_ids) or [-1]),
        AuditEntry.actor.in_(originals),
        *[AuditEntry.changes_json.contains(o, autoescape=True) for o in originals],
    )
    redacted = 0
    with guard.opened(session, "leaver erasure"):
        for entry in session.scalars(select(AuditEntry).where(condition)).all():
            changes = json.loads(entry.changes_json or "{}")
            if entry.id in own_ids:
                changes = {
                    k: [None if v is None else ERASED for v in c]
                    if k in PERSONAL_COLUMNS and isinstance(c, list)
                    else c
                    for k, c in changes.items()
                }
            changes_json = json.dumps(
                _scrub(changes, originals), sort_keys=True, ensure_ascii=False
            )
            actor = replacements.get(entry.actor, ERASED if entry.actor in erased else entry.actor)
            if changes_json == entry.changes_json and actor == entry.actor:
                continue
            session.execute(
                update(AuditEntry)
                .where(AuditEntry.id == entry.id)
                .values(changes_json=changes_json, actor=actor)
                .execution_options(synchronize_session=False)
            )
            redacted += 1
    session.expire_all()
    return redacted


def erase_leaver(*, session: Session, login: str, today: date | None = None) -> LeaverErasureOut:
    """Erase the personal data of the person ``login``, who must have left (see module)."""
    person = session.scalars(select(Person).where(Person.login == login)).one_or_none()
    if person is None:
        raise NotFound(f"person {login!r} does not exist", [Problem("unknown", field="login")])
    _refuse_unless_left(person, today or utcnow().date())
    pseudonym = _pseudonym(session, person)
    users = list(session.scalars(select(User).where(User.person_id == person.id)))
    replacements = {person.login: pseudonym}
    if person.name.strip():
        replacements[person.name] = pseudonym
    now = utcnow()
    with capture.suppressed(session):
        for n, user in enumerate(users, start=1):
            new_login = pseudonym if n == 1 else f"{pseudonym}.{n}"
            replacements.setdefault(user.login, new_login)
            user.login = new_login
            user.password_hash = "!erased:" + secrets.token_hex(16)
            user.locale = None
            user.totp_secret = None
            user.totp_last_step = None
            user.session_version += 1
            if user.disabled_at is None:
                user.disabled_at = now
            user.disabled_reason = "erased"
        person.name = pseudonym
        person.login = pseudonym
        session.flush()
        user_ids = [u.id for u in users]
        tokens = session.execute(
            delete(ApiToken)
            .where(ApiToken.user_id.in_(user_ids or [-1]))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(Notification)
            .where(Notification.user_id.in_(user_ids or [-1]))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(CalendarFeed)
            .where(CalendarFeed.person_id == person.id)
            .execution_options(synchronize_session=False)
        )
        # the other names telephony logs used for them (interfaces, extensions) go too
        session.execute(
            delete(AgentAlias)
            .where(AgentAlias.person_id == person.id)
            .execution_options(synchronize_session=False)
        )
        notes = _erase_text(session, person.id, set(replacements))
        _replace_by_whom(session, replacements)
    redacted = _redact_trail(session, person.id, user_ids, replacements)
    out = LeaverErasureOut(
        person_id=person.id,
        pseudonym=pseudonym,
        users_disabled=len(users),
        tokens_deleted=int(getattr(tokens, "rowcount", 0) or 0),
        notes_erased=notes,
        audit_entries_redacted=redacted,
        kept=KEPT,
    )
    service.record_operation(
        session=session,
        entity_kind="person",
        entity_id=person.id,
        action="erase",
        site_id=person.site_id,
        detail={
            "erased": [
                "name",
                "login",
                "sign-ins (disabled)",
                "API tokens",
                "calendar feeds",
                "notifications",
                "free-text notes",
            ],
            "pseudonym": pseudonym,
            "kept": KEPT,
            "audit_entries_redacted": redacted,
        },
    )
    return out
