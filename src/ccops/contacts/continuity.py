"""What carries from one telephony import to the next: calls still open at the end of a file
(``pending_call``, completed by the next file of the same source) and the other names a log
uses for a person (``agent_alias``: ``Agent/1127``, ``Local/1127@callback-agent`` → ``dana``).

An agent map file is CSV with a header ``alias,login`` (``interface`` is accepted for ``alias``):
each alias is stored lower-cased and matched case-insensitively; an alias already stored for
another person is refused (row and field named), one stored for the same person is left alone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ccops.contacts import schemas
from ccops.contacts.importers.asterisk import PendingCall as OpenCall
from ccops.contacts.importers.base import require_text_file
from ccops.contacts.models import AgentAlias, Contact, PendingCall
from ccops.errors import Forbidden, Invalid, NotFound, Problem
from ccops.org.models import Person

ALIAS_COLUMNS = ("alias", "interface")
MAX_ALIAS = 200


def read_agent_map(path: Path) -> list[tuple[int, str, str]]:
    """Return (row, alias, login) of an agent map file; refuse it naming every bad row."""
    label = path.name
    require_text_file(path, label)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        reader.fieldnames = header
        alias_column = next((c for c in ALIAS_COLUMNS if c in header), None)
        if alias_column is None or "login" not in header:
            raise Invalid(
                f"{label}: an agent map has the columns alias,login (found {', '.join(header)})",
                [Problem("expected the columns alias,login", file=label, row=1)],
            )
        rows: list[tuple[int, str, str]] = []
        problems: list[Problem] = []
        seen: dict[str, tuple[int, str]] = {}
        for number, record in enumerate(reader, start=2):
            alias = (record.get(alias_column) or "").strip()
            login = (record.get("login") or "").strip()
            if not alias and not login:
                continue
            if not alias or len(alias) > MAX_ALIAS:
                problems.append(
                    Problem(f"alias is 1–{MAX_ALIAS} characters", alias_column, number, label)
                )
                continue
            if not login:
                problems.append(Problem("login is missing", "login", number, label))
                continue
            key = alias.lower()
            if key in seen and seen[key][1] != login:
                first_row, first_login = seen[key]
                problems.append(
                    Problem(
                        f"alias {alias!r} is mapped to {first_login!r} on row {first_row} and "
                        f"to {login!r} here",
                        alias_column,
                        number,
                        label,
                    )
                )
                continue
            seen[key] = (number, login)
            rows.append((number, key, login))
    if problems:
        raise Invalid(f"{label}: {len(problems)} bad row(s) in the agent map", problems)
    return rows


def store_aliases(
    *,
    session: Session,
    rows: Iterable[tuple[int, str, str]],
    label: str,
    allowed_site_ids: frozenset[int] | None = None,
) -> int:
    """Store the aliases of an agent map; return how many were new. Refuses (nothing stored)
    unknown logins, people outside the caller's scope and aliases of another person."""
    rows = list(rows)
    logins = {login for _, _, login in rows}
    people = {p.login: p for p in session.scalars(select(Person).where(Person.login.in_(logins)))}
    stored = {
        a.alias: a
        for a in session.scalars(
            select(AgentAlias).where(AgentAlias.alias.in_([alias for _, alias, _ in rows]))
        )
    }
    problems: list[Problem] = []
    new: list[AgentAlias] = []
    for row, alias, login in rows:
        person = people.get(login)
        if person is None:
            problems.append(Problem(f"unknown agent {login!r}", "login", row, label))
            continue
        if allowed_site_ids is not None and person.site_id not in allowed_site_ids:
            raise Forbidden(
                f"{label}: row {row}: agent {login!r} is outside your scope",
                [Problem(f"agent {login!r} is outside your scope", "login", row, label)],
            )
        found = stored.get(alias)
        if found is None:
            new.append(AgentAlias(alias=alias, person_id=person.id))
        elif found.person_id != person.id:
            other = session.get(Person, found.person_id)
            problems.append(
                Problem(
                    f"alias {alias!r} already belongs to {other.login if other else '?'!r}",
                    "alias",
                    row,
                    label,
                )
            )
    if problems:
        error = NotFound if all(p.field == "login" for p in problems) else Invalid
        raise error(f"{label}: the agent map was not stored: {problems[0]}", problems)
    session.add_all(new)
    session.flush()
    return len(new)


def alias_names(session: Session) -> dict[str, str]:
    """Every stored alias (lower-cased) → the login of its person."""
    rows = session.execute(
        select(AgentAlias.alias, Person.login).join(Person, Person.id == AgentAlias.person_id)
    )
    return {str(alias): str(login) for alias, login in rows}


def list_aliases(
    *, session: Session, allowed_site_ids: frozenset[int] | None = None
) -> list[schemas.AgentAliasOut]:
    """The stored aliases (of the caller's sites' people), by login then alias."""
    query = select(AgentAlias.alias, Person.login).join(Person, Person.id == AgentAlias.person_id)
    if allowed_site_ids is not None:
        query = query.where(Person.site_id.in_(allowed_site_ids))
    rows = session.execute(query.order_by(Person.login, AgentAlias.alias))
    return [schemas.AgentAliasOut(alias=alias, login=login) for alias, login in rows]


def load_pending(session: Session, source: str) -> list[OpenCall]:
    """The calls left open by the previous import of ``source``."""
    rows = session.scalars(
        select(PendingCall).where(PendingCall.source == source).order_by(PendingCall.id)
    )
    return [
        OpenCall(
            callid=r.callid,
            queue=r.queue,
            entry=r.entry,
            line=r.line,
            arrival=r.arrival_epoch_s,
            last=r.last_epoch_s,
            answered=r.answered_epoch_s,
            agent=r.agent,
            customer=r.customer_key,
            raw=r.raw,
        )
        for r in rows
    ]


def save_pending(
    *,
    session: Session,
    source: str,
    still_open: list[OpenCall],
    file_name: str,
    batch_id: int | None,
) -> int:
    """Replace the pending calls of ``source`` by ``still_open`` (less those whose contact is
    already stored complete: a file imported again after its successor); return how many."""
    session.execute(delete(PendingCall).where(PendingCall.source == source))
    ids = [c.external_id for c in still_open]
    done: set[str] = set()
    for start in range(0, len(ids), 500):
        done.update(
            session.scalars(
                select(Contact.external_id).where(
                    Contact.source == source,
                    Contact.external_id.in_(ids[start : start + 500]),
                    Contact.ended_at.is_not(None),
                )
            )
        )
    kept = [c for c in still_open if c.external_id not in done]
    session.add_all(
        PendingCall(
            source=source,
            callid=c.callid,
            queue=c.queue,
            entry=c.entry,
            line=c.line,
            arrival_epoch_s=c.arrival,
            last_epoch_s=c.last,
            answered_epoch_s=c.answered,
            agent=c.agent,
            customer_key=c.customer,
            raw=c.raw,
            file_name=file_name,
            batch_id=batch_id,
        )
        for c in kept
    )
    session.flush()
    return len(kept)


def list_pending(*, session: Session, source: str | None = None) -> list[schemas.PendingCallOut]:
    """The calls still open at the end of the last import of each source (or of ``source``)."""
    query = select(PendingCall)
    if source is not None:
        query = query.where(PendingCall.source == source)
    rows = session.scalars(query.order_by(PendingCall.source, PendingCall.arrival_epoch_s))
    return [
        schemas.PendingCallOut(
            source=r.source,
            external_id=f"{r.callid}:{r.queue}:{r.entry}",
            queue=r.queue,
            arrival_epoch_s=r.arrival_epoch_s,
            answered=r.answered_epoch_s is not None,
            agent=r.agent,
            file=r.file_name,
            line=r.line,
        )
        for r in rows
    ]
