"""Load many people at once from one CSV or Excel file: validated whole, stored whole or not at all.

Columns (the first row names them, any order, case and spaces ignored): ``login``, ``name``,
``site`` (required), ``team``, ``position`` (a role: agent, supervisor, ...; ``role`` is accepted
too), ``skills`` (``Billing:8, Sales`` — level 1-10, 5 when left out) and ``hire_date``
(YYYY-MM-DD, or a date cell), ``contract`` (a work contract's name) and ``sign_in`` with
``sign_in_scope`` (a sign-in for the person: its role, and own, teams, sites or all; teams and
sites are the row's own). Each sign-in gets a random temporary password, returned once with the
result to be handed over privately (an administrator's right: others get the row refused).
Every row goes through the same checks as one person created on
the People page (`service.create_person`: site, team of that site, queues, scope, unique login);
each problem is named by file, row (as the spreadsheet numbers it: the heading is row 1), field
and what is wrong. If any row is bad nothing is stored. Teams the file names that do not exist
are refused, or created at the row's site when asked (``create_teams``).
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from ccops.db import attempt
from ccops.enums import Role, ScopeKind
from ccops.errors import CcopsError, Conflict, Invalid, Problem
from ccops.org import schemas
from ccops.org import service as org_service
from ccops.org.service import EVERYTHING, Scope

COLUMNS = (
    "login",
    "name",
    "site",
    "team",
    "position",
    "skills",
    "hire_date",
    "contract",
    "sign_in",
    "sign_in_scope",
)
"""The columns a people file may have (``role`` is read as ``position``)."""
REQUIRED = ("login", "name", "site")
MAX_ROWS = 5000
"""A file of more people than this is refused (the whole centre is a few hundred)."""
MAX_BYTES = 10 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class PeopleImport:
    """What a people file stored: the people created and the teams made for them."""

    file: str
    people: list[schemas.PersonOut] = field(default_factory=list)
    teams_created: list[str] = field(default_factory=list)
    contracts: int = 0
    sign_ins: list[tuple[str, str]] = field(default_factory=list)
    """(login, temporary password) of each sign-in created: shown once, never stored clear."""


@dataclass(frozen=True)
class _Extras:
    """What a row asks for beyond the person: a contract and a sign-in."""

    contract: str
    sign_in: Role | None
    sign_in_scope: ScopeKind


def _header_key(text: object) -> str:
    key = str(text or "").strip().lower().replace(" ", "_").replace("-", "_")
    return "position" if key == "role" else key


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(file_name: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as (row number, column -> text), checked for shape.

    Raises:
        Invalid: not UTF-8 CSV or an Excel workbook, too big, no heading, an unknown or
            missing column, or too many rows.
    """
    if len(content) > MAX_BYTES:
        raise Invalid(
            f"{file_name}: the file is over {MAX_BYTES // (1024 * 1024)} MB",
            [Problem("file too big", file=file_name)],
        )
    if content.startswith(XLSX_MAGIC) or file_name.lower().endswith(".xlsx"):
        table = _xlsx_rows(file_name, content)
    else:
        table = _csv_rows(file_name, content)
    if not table or not any(_text(v) for v in table[0]):
        raise Invalid(
            f"{file_name}: the file is empty", [Problem("no heading row", file=file_name, row=1)]
        )
    heading = [_header_key(v) for v in table[0]]
    problems = [
        Problem(f"unknown column {name!r}", field=name, row=1, file=file_name)
        for name in heading
        if name and name not in COLUMNS
    ]
    problems += [
        Problem("missing column", field=name, row=1, file=file_name)
        for name in REQUIRED
        if name not in heading
    ]
    if problems:
        raise Invalid(f"{file_name}: the heading row is not a people file", problems)
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(table[1:], start=2):
        texts = [_text(v) for v in values]
        if not any(texts):
            continue
        rows.append((number, {h: t for h, t in zip(heading, texts, strict=False) if h}))
    if len(rows) > MAX_ROWS:
        raise Invalid(
            f"{file_name}: {len(rows)} people; at most {MAX_ROWS} in one file",
            [Problem("too many rows", file=file_name)],
        )
    return rows


def _csv_rows(file_name: str, content: bytes) -> list[list[object]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            f"{file_name}: not UTF-8 text (save the sheet as CSV UTF-8, or upload the .xlsx)",
            [Problem(f"not UTF-8 at byte {exc.start}", file=file_name)],
        ) from None
    if "\x00" in text:
        raise Invalid(f"{file_name}: not a text file", [Problem("binary data", file=file_name)])
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]


def _xlsx_rows(file_name: str, content: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same answer to the user
        raise Invalid(
            f"{file_name}: not an Excel workbook (.xlsx)",
            [Problem("unreadable workbook", file=file_name)],
        ) from None
    try:
        sheet = book.worksheets[0]
        rows: list[list[object]] = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(list(values))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def _skills(text: str) -> list[dict[str, Any]]:
    skills: list[dict[str, Any]] = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        queue, _, level = part.rpartition(":")
        if queue and level.strip().isdigit():
            skills.append({"queue": queue.strip(), "level": int(level)})
        else:
            skills.append({"queue": part, "level": 5})
    return skills


def _person(
    file_name: str, number: int, row: dict[str, str]
) -> tuple[schemas.PersonIn | None, list[Problem]]:
    position = row.get("position", "").lower().replace(" ", "_")
    roles = {r.value for r in Role}
    if position and position not in roles:
        return None, [
            Problem(
                f"unknown position {row['position']!r}: one of {', '.join(sorted(roles))}",
                field="position",
                row=number,
                file=file_name,
            )
        ]
    data = {
        "login": row.get("login", ""),
        "name": row.get("name", ""),
        "site": row.get("site", ""),
        "team": row.get("team") or None,
        "role": position or Role.agent.value,
        "skills": _skills(row.get("skills", "")),
        "hire_date": row.get("hire_date") or None,
    }
    try:
        return schemas.PersonIn.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            place = [str(p) for p in error["loc"]]
            name = {"role": "position"}.get(place[0], place[0]) if place else None
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(Problem(message, field=name, row=number, file=file_name))
        return None, problems


def _extras(file_name: str, number: int, row: dict[str, str]) -> tuple[_Extras, list[Problem]]:
    problems = []
    role_text = row.get("sign_in", "").lower().replace(" ", "_")
    roles = {r.value for r in Role}
    if role_text and role_text not in roles:
        problems.append(
            Problem(
                f"unknown sign-in role {row['sign_in']!r}: one of {', '.join(sorted(roles))}",
                field="sign_in",
                row=number,
                file=file_name,
            )
        )
    scope_text = row.get("sign_in_scope", "").lower()
    kinds = {k.value for k in ScopeKind}
    if scope_text and scope_text not in kinds:
        problems.append(
            Problem(
                f"unknown sign-in scope {row['sign_in_scope']!r}: "
                f"one of {', '.join(sorted(kinds))}",
                field="sign_in_scope",
                row=number,
                file=file_name,
            )
        )
    if scope_text and not role_text:
        problems.append(
            Problem(
                "a sign-in scope without a sign-in role: give sign_in too",
                field="sign_in",
                row=number,
                file=file_name,
            )
        )
    if scope_text == ScopeKind.teams.value and role_text and not row.get("team"):
        problems.append(
            Problem(
                "sign-in scope 'teams' needs the row's team",
                field="sign_in_scope",
                row=number,
                file=file_name,
            )
        )
    role = Role(role_text) if role_text in roles else None
    default = ScopeKind.own if role in (None, Role.agent) else ScopeKind.teams
    scope = ScopeKind(scope_text) if scope_text in kinds else default
    if scope == ScopeKind.teams and not row.get("team") and not scope_text:
        scope = ScopeKind.sites
    return _Extras(row.get("contract", ""), role, scope), problems


def import_people(
    *,
    session: Session,
    file_name: str,
    content: bytes,
    scope: Scope = EVERYTHING,
    create_teams: bool = False,
    may_create_sign_ins: bool = True,
) -> PeopleImport:
    """Create every person of a CSV or XLSX people file, with their contracts and sign-ins, or
    none (``may_create_sign_ins``: whether the importer may create sign-ins: administrators).

    Raises:
        Invalid: the file or any row is bad; every problem is listed (file, row, field, what)
            and nothing is stored.
    """
    rows = read_rows(file_name, content)
    problems: list[Problem] = []
    people: list[tuple[int, schemas.PersonIn]] = []
    extras: dict[int, _Extras] = {}
    first_row: dict[str, int] = {}
    for number, row in rows:
        person, found = _person(file_name, number, row)
        extra, more = _extras(file_name, number, row)
        problems += found + more
        if extra.sign_in is not None and not may_create_sign_ins:
            problems.append(
                Problem(
                    "only an administrator creates sign-ins: leave sign_in empty",
                    field="sign_in",
                    row=number,
                    file=file_name,
                )
            )
        extras[number] = extra
        if person is None:
            continue
        login = person.login.casefold()
        if login in first_row:
            problems.append(
                Problem(
                    f"login {person.login!r} is also on row {first_row[login]}",
                    field="login",
                    row=number,
                    file=file_name,
                )
            )
            continue
        first_row[login] = number
        people.append((number, person))
    if not rows:
        problems.append(Problem("no people in the file", file=file_name))
    result = PeopleImport(file=file_name)
    # one savepoint around everything: the Invalid raised inside it for any bad row undoes
    # the rows before it too
    with session.begin_nested():
        if create_teams and not problems:
            result.teams_created = _missing_teams(session, file_name, people, scope, problems)
        for number, person in people:
            try:
                with attempt(session):
                    result.people.append(
                        org_service.create_person(session=session, data=person, scope=scope)
                    )
            except CcopsError as exc:
                found = exc.problems or [Problem(exc.message)]
                for p in found:
                    # one problem: the error's own sentence says most ("team 'X' is at another
                    # site than 'Main'"); several: each its own
                    message = exc.message if len(found) == 1 else p.message
                    # the only conflict creating a person is a login already stored
                    where = "login" if isinstance(exc, Conflict) else p.field
                    problems.append(Problem(message, field=where, row=number, file=file_name))
                continue
            _contract_and_sign_in(
                session, file_name, number, person, extras[number], scope, result, problems
            )
        if problems:
            problems.sort(key=lambda p: p.row or 0)  # in the file's order, each row's together
            rows_bad = len({p.row for p in problems if p.row is not None})
            raise Invalid(
                f"{file_name}: {len(problems)} problem(s) in {rows_bad} row(s) of {len(rows)}; "
                "nothing was stored",
                problems,
            )
    return result


def _contract_and_sign_in(
    session: Session,
    file_name: str,
    number: int,
    person: schemas.PersonIn,
    extra: _Extras,
    scope: Scope,
    result: PeopleImport,
    problems: list[Problem],
) -> None:
    """Give the new person the row's contract and sign-in; each refusal is the row's problem."""
    from ccops.wfm.schedules import setup as schedule_setup

    if extra.contract:
        try:
            with attempt(session):
                schedule_setup.assign_contract(
                    session=session, login=person.login, contract=extra.contract, scope=scope
                )
            result.contracts += 1
        except CcopsError as exc:
            problems.append(Problem(exc.message, field="contract", row=number, file=file_name))
    if extra.sign_in is None:
        return
    password = secrets.token_urlsafe(12)
    try:
        data = schemas.UserIn(
            login=person.login,
            password=password,
            role=extra.sign_in,
            scope=extra.sign_in_scope,
            person=person.login,
            teams=[person.team] if extra.sign_in_scope == ScopeKind.teams and person.team else [],
            sites=[person.site] if extra.sign_in_scope == ScopeKind.sites else [],
        )
        with attempt(session):
            org_service.create_user(session=session, data=data, scope=scope)
        result.sign_ins.append((person.login, password))
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        problems.append(Problem(message, field="sign_in", row=number, file=file_name))
    except CcopsError as exc:
        problems.append(Problem(exc.message, field="sign_in", row=number, file=file_name))


def _missing_teams(
    session: Session,
    file_name: str,
    people: list[tuple[int, schemas.PersonIn]],
    scope: Scope,
    problems: list[Problem],
) -> list[str]:
    """Create the teams the file names that do not exist yet, at the site of their first row."""
    known = {t.name for t in org_service.list_teams(session=session)}
    created: list[str] = []
    for number, person in people:
        if person.team is None or person.team in known:
            continue
        try:
            with attempt(session):
                org_service.create_team(
                    session=session,
                    data=schemas.TeamIn(name=person.team, site=person.site),
                    scope=scope,
                )
        except (CcopsError, ValidationError) as exc:
            message = exc.message if isinstance(exc, CcopsError) else str(exc.errors()[0]["msg"])
            problems.append(Problem(message, field="team", row=number, file=file_name))
        else:
            created.append(person.team)
        known.add(person.team)
    return created
