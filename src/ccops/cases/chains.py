"""Escalation chains: who a case goes up to, level by level, and after how many business hours.

Without a chain of its own a case follows the built-in one: the owning team's leader on the
first breach, then the managers reaching its site on the next. A centre may set a chain per case
type and severity (or per type, for every severity without its own): levels in order, each a
role (``team_leader``, ``manager``, ``executive``) or a named person, reached when the case's
resolution clock (business time, paused time left out) has run the level's hours. The sweep
raises a case to every level it has reached; a breach raises it one level sooner. A case never
goes down a level.

Chains live in the cases settings document (``workflow.load`` / ``workflow.save``, table
``case_setting``) under ``chains``, keyed ``type:severity`` (``type:*`` for every severity).
Services flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.cases import schemas, workflow
from ccops.errors import Invalid, NotFound, Problem
from ccops.org.models import Person
from ccops.org.service import EVERYTHING, Scope

ANY = "*"
BUILTIN: tuple[schemas.ChainLevelOut, ...] = (
    schemas.ChainLevelOut(level=1, role="team_leader", person=None, after_h=None),
    schemas.ChainLevelOut(level=2, role="manager", person=None, after_h=None),
)


@dataclass(frozen=True)
class Level:
    """A level of a stored chain (1 is the first above the owner)."""

    number: int
    role: str | None
    person: str | None
    after_s: float

    @property
    def who(self) -> str:
        """The level in words: ``team_leader`` or ``person jdoe``."""
        return self.role or f"person {self.person}"


def _key(case_type: str, severity: str | None) -> str:
    return f"{case_type}:{severity or ANY}"


def _stored(session: Session) -> dict[str, list[dict[str, Any]]]:
    chains = workflow.load(session).get("chains", {})
    return chains if isinstance(chains, dict) else {}


def chain_for(session: Session, case_type: str, severity: str) -> list[Level] | None:
    """The chain of a type and severity (its own, else its type's), or None: the built-in."""
    chains = _stored(session)
    levels = chains.get(_key(case_type, severity)) or chains.get(_key(case_type, None))
    if not levels:
        return None
    return [
        Level(n, lv.get("role"), lv.get("person"), float(lv["after_h"]) * 3600.0)
        for n, lv in enumerate(levels, start=1)
    ]


def _out(key: str, levels: list[dict[str, Any]]) -> schemas.ChainOut:
    case_type, _sep, severity = key.partition(":")
    return schemas.ChainOut(
        case_type=case_type,
        severity=None if severity == ANY else severity,
        levels=[
            schemas.ChainLevelOut(
                level=n, role=lv.get("role"), person=lv.get("person"), after_h=lv["after_h"]
            )
            for n, lv in enumerate(levels, start=1)
        ],
    )


def list_chains(*, session: Session) -> schemas.ChainsOut:
    """The built-in chain and every chain the centre set, by type and severity."""
    order = {t: i for i, t in enumerate(schemas.CASE_TYPES)}
    ranks = {s: i for i, s in enumerate(schemas.SEVERITIES)} | {ANY: -1}

    def rank(key: str) -> tuple[int, int]:
        case_type, _sep, severity = key.partition(":")
        return order.get(case_type, 99), ranks.get(severity, 99)

    chains = _stored(session)
    return schemas.ChainsOut(
        builtin=list(BUILTIN), chains=[_out(k, chains[k]) for k in sorted(chains, key=rank)]
    )


def check(session: Session, data: schemas.ChainIn, scope: Scope = EVERYTHING) -> None:
    """Refuse a chain that cannot work, naming every problem: no level, a level naming neither
    a role nor a person (or both), a person unknown (or out of scope), hours that do not
    increase from one level to the next."""
    problems: list[Problem] = []
    if not data.levels:
        problems.append(Problem("a chain needs at least one level", field="levels"))
    previous: float | None = None
    for i, level in enumerate(data.levels):
        n, where = i + 1, f"levels.{i}"
        if level.role is None and level.person is None:
            problems.append(Problem(f"level {n} names no role nor person", field=where))
        elif level.role is not None and level.person is not None:
            problems.append(
                Problem(f"level {n} names a role and a person: one of them", field=where)
            )
        if level.person is not None:
            found = session.scalars(
                select(Person.id).where(Person.login == level.person, scope.people_clause())
            ).first()
            if found is None:
                problems.append(
                    Problem(
                        f"level {n}: person {level.person!r} does not exist",
                        field=f"{where}.person",
                    )
                )
        if previous is not None and level.after_h <= previous:
            problems.append(
                Problem(
                    f"level {n} is reached after {level.after_h:g} business hours, not after "
                    f"level {n - 1}'s {previous:g}: hours must increase",
                    field=f"{where}.after_h",
                )
            )
        previous = level.after_h
    if problems:
        raise Invalid(
            f"{len(problems)} problem(s) in the escalation chain; nothing stored: "
            + "; ".join(p.message for p in problems),
            problems,
        )


def set_chain(
    *, session: Session, data: schemas.ChainIn, scope: Scope = EVERYTHING
) -> schemas.ChainOut:
    """Set (or replace) the escalation chain of a type and severity; a bad chain is refused
    with every problem named, nothing stored. Open cases follow it from the next sweep."""
    check(session, data, scope)
    key = _key(data.case_type, data.severity)
    levels = [lv.model_dump(mode="json", exclude_none=True) for lv in data.levels]
    settings = workflow.load(session)
    chains = dict(settings.get("chains", {}))
    chains[key] = levels
    settings["chains"] = chains
    workflow.save(session, settings)
    return _out(key, levels)


def remove_chain(*, session: Session, case_type: str, severity: str | None) -> schemas.ChainsOut:
    """Remove the chain of a type and severity (its cases follow the type's chain, else the
    built-in one)."""
    settings = workflow.load(session)
    chains = dict(settings.get("chains", {}))
    key = _key(case_type, severity)
    if key not in chains:
        raise NotFound(
            f"no escalation chain for {case_type} cases of "
            + (f"severity {severity}" if severity else "any severity"),
            [Problem("unknown", field="severity" if severity else "case_type")],
        )
    del chains[key]
    settings["chains"] = chains
    workflow.save(session, settings)
    return list_chains(session=session)


# --- the text form (pages and CLI) ------------------------------------------------------------


def parse_levels(lines: list[str]) -> list[dict[str, Any]]:
    """Levels from their text form, one a line: ``team_leader 2``, ``person:jdoe 4``,
    ``manager 8`` (who, then business hours; blank lines skipped); a bad line is named with its
    number."""
    levels: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for n, raw in enumerate(lines, start=1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        words = text.split()
        hours: float | None = None
        if len(words) == 2:
            try:
                hours = float(words[1].removesuffix("h"))
            except ValueError:
                hours = None
        who = words[0]
        if hours is None:
            problems.append(
                Problem(
                    f"line {n} ({text!r}): write who, then the business hours "
                    "(e.g. team_leader 2 or person:jdoe 4)",
                    field="levels",
                    row=n,
                )
            )
            continue
        if who.startswith("person:"):
            levels.append({"person": who.removeprefix("person:"), "after_h": hours})
        elif who in schemas.CHAIN_ROLES:
            levels.append({"role": who, "after_h": hours})
        else:
            problems.append(
                Problem(
                    f"line {n}: {who!r} is no role (team_leader, manager, executive) nor a "
                    "person (person:login)",
                    field="levels",
                    row=n,
                )
            )
    if problems:
        raise Invalid("; ".join(p.message for p in problems) + "; nothing stored", problems)
    return levels


def chain_input(case_type: str, severity: str | None, lines: list[str]) -> schemas.ChainIn:
    """A chain from its text form; shapes checked (bad hours, unknown type) with every problem
    named."""
    try:
        return schemas.ChainIn.model_validate(
            {"case_type": case_type, "severity": severity or None, "levels": parse_levels(lines)}
        )
    except ValueError as exc:
        raise Invalid(
            f"the chain is not valid: {exc}", [Problem(str(exc), field="levels")]
        ) from None


def level_lines(chain: schemas.ChainOut) -> str:
    """A chain's levels in their text form, one a line."""
    return "\n".join(
        f"{lv.role or 'person:' + (lv.person or '')} {lv.after_h:g}" for lv in chain.levels
    )
