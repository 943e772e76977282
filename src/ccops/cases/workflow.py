"""A centre's case settings: its status workflow (which statuses pause the clock, which end the
case, which moves are allowed), its next-update targets and its serious-case rules (cases that
go to senior management at once).

The built-in workflow (``schemas.STATUSES``, ``PAUSING``, ``CLOSING``, ``NEXT``) is the default.
A centre's own settings are one JSON document in ``case_setting`` (read by every case change;
``load`` and ``save`` are the only code that knows where it lives). Services flush, never
commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.cases import schemas
from ccops.cases.models import Case, CaseSetting
from ccops.errors import Conflict, Invalid, Problem

SETTINGS = "settings"
"""The name of the settings document in ``case_setting``."""


# --- the settings document --------------------------------------------------------------------


def load(session: Session) -> dict[str, Any]:
    """The centre's cases settings; empty when it never set any."""
    row = session.get(CaseSetting, SETTINGS)
    if row is None:
        return {}
    value = json.loads(row.value_json)
    return value if isinstance(value, dict) else {}


def save(session: Session, settings: dict[str, Any]) -> None:
    """Store the centre's cases settings: the whole document."""
    row = session.get(CaseSetting, SETTINGS)
    if row is None:
        row = CaseSetting(name=SETTINGS)
        session.add(row)
    row.value_json = json.dumps(settings, sort_keys=True)
    session.flush()


# --- the workflow -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Workflow:
    """The statuses in order (the first is a new case's), and what each one does."""

    order: tuple[str, ...]
    labels: dict[str, str]
    pausing: frozenset[str]
    closing: frozenset[str]
    next: dict[str, frozenset[str]]
    builtin: bool

    @property
    def initial(self) -> str:
        return self.order[0]

    def is_final(self, status: str) -> bool:
        """A closing status that leads nowhere: the case is closed for good."""
        return status in self.closing and not self.next.get(status)

    def allowed(self, status: str) -> list[str]:
        """The statuses a case in ``status`` may move to, in workflow order."""
        nexts = self.next.get(status, frozenset())
        return [s for s in self.order if s in nexts]

    def out(self) -> schemas.WorkflowOut:
        return schemas.WorkflowOut(
            builtin=self.builtin,
            initial=self.initial,
            statuses=[
                schemas.StatusOut(
                    name=s,
                    label=self.labels.get(s, ""),
                    pauses=s in self.pausing,
                    closes=s in self.closing,
                    final=self.is_final(s),
                    next=self.allowed(s),
                )
                for s in self.order
            ],
        )


BUILTIN = Workflow(
    order=schemas.STATUSES,
    labels={},
    pausing=schemas.PAUSING,
    closing=schemas.CLOSING,
    next=dict(schemas.NEXT),
    builtin=True,
)


def _from_input(data: schemas.WorkflowIn) -> Workflow:
    return Workflow(
        order=tuple(s.name for s in data.statuses),
        labels={s.name: s.label for s in data.statuses if s.label},
        pausing=frozenset(s.name for s in data.statuses if s.pauses),
        closing=frozenset(s.name for s in data.statuses if s.closes),
        next={s.name: frozenset(s.next) for s in data.statuses},
        builtin=False,
    )


def check(data: schemas.WorkflowIn) -> None:
    """Refuse a workflow that cannot work, naming every problem: a name given twice, a move to
    an unknown status or to itself, a status both pausing and closing, no closing status, a
    new case that starts closed or paused, a status a new case can never reach."""
    problems: list[Problem] = []
    names = [s.name for s in data.statuses]
    seen: set[str] = set()
    for i, status in enumerate(data.statuses):
        where = f"statuses.{i}"
        if status.name in seen:
            problems.append(Problem(f"{status.name!r} is given twice", field=f"{where}.name"))
        seen.add(status.name)
        for target in status.next:
            if target not in names:
                problems.append(
                    Problem(f"{status.name} → {target}: unknown status", field=f"{where}.next")
                )
            elif target == status.name:
                problems.append(
                    Problem(f"{status.name} → {target}: a move to itself", field=f"{where}.next")
                )
        if status.pauses and status.closes:
            problems.append(
                Problem(f"{status.name!r} cannot both pause and close", field=f"{where}.closes")
            )
    first = data.statuses[0]
    if first.pauses or first.closes:
        problems.append(
            Problem(
                f"a new case starts in {first.name!r}: it cannot pause or close",
                field="statuses.0",
            )
        )
    if not any(s.closes for s in data.statuses):
        problems.append(Problem("no status closes a case", field="statuses"))
    if not problems:
        reached = {first.name}
        todo = [first.name]
        nexts = {s.name: s.next for s in data.statuses}
        while todo:
            for target in nexts[todo.pop()]:
                if target not in reached:
                    reached.add(target)
                    todo.append(target)
        for i, name in enumerate(names):
            if name not in reached:
                problems.append(
                    Problem(
                        f"{name!r} cannot be reached from {first.name!r}", field=f"statuses.{i}"
                    )
                )
        if not reached & {s.name for s in data.statuses if s.closes}:
            problems.append(Problem("no closing status can be reached", field="statuses"))
    if problems:
        raise Invalid(
            f"{len(problems)} problem(s) in the workflow; nothing stored: "
            + "; ".join(p.message for p in problems),
            problems,
        )


def get(session: Session) -> Workflow:
    """The centre's workflow (the built-in one unless it set its own)."""
    stored = load(session).get("workflow")
    if not stored:
        return BUILTIN
    return _from_input(schemas.WorkflowIn.model_validate(stored))


def _in_use(session: Session, keep: set[str]) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Case.status, func.count()).group_by(Case.status).order_by(Case.status)
    )
    return [(status, n) for status, n in rows if status not in keep]


def set_workflow(*, session: Session, data: schemas.WorkflowIn) -> schemas.WorkflowOut:
    """Replace the centre's workflow; refused (nothing stored) when it is unworkable or would
    drop a status some case is in."""
    check(data)
    _refuse_dropping(session, {s.name for s in data.statuses})
    settings = load(session)
    settings["workflow"] = data.model_dump(mode="json")
    save(session, settings)
    return get(session).out()


def reset_workflow(*, session: Session) -> schemas.WorkflowOut:
    """Go back to the built-in workflow (refused when a case is in a status it lacks)."""
    _refuse_dropping(session, set(BUILTIN.order))
    settings = load(session)
    settings.pop("workflow", None)
    save(session, settings)
    return BUILTIN.out()


def _refuse_dropping(session: Session, keep: set[str]) -> None:
    dropped = _in_use(session, keep)
    if dropped:
        listed = ", ".join(f"{s} ({n} case(s))" for s, n in dropped)
        raise Conflict(
            f"cases are in statuses the workflow drops: {listed}; move them first",
            [Problem(f"{s} is in use", field="statuses") for s, _n in dropped],
        )


def builtin_input() -> schemas.WorkflowIn:
    """The built-in workflow as an input document (a starting point to edit)."""
    return schemas.WorkflowIn(
        statuses=[
            schemas.StatusIn(
                name=s,
                pauses=s in BUILTIN.pausing,
                closes=s in BUILTIN.closing,
                next=BUILTIN.allowed(s),
            )
            for s in BUILTIN.order
        ]
    )


# --- next-update targets ----------------------------------------------------------------------


def next_update_s(session: Session, case_type: str, severity: str) -> float | None:
    """Business seconds between updates to the customer for a type and severity, or None."""
    value = load(session).get("next_update", {}).get(f"{case_type}:{severity}")
    return float(value) if value else None


def set_next_update_s(
    session: Session, case_type: str, severity: str, seconds: float | None
) -> None:
    """Set (or, with None, remove) the next-update target of a type and severity."""
    settings = load(session)
    targets = dict(settings.get("next_update", {}))
    key = f"{case_type}:{severity}"
    if targets.get(key) == seconds:
        return
    if seconds is None:
        targets.pop(key, None)
    else:
        targets[key] = seconds
    settings["next_update"] = targets
    save(session, settings)


# --- the text form (pages and CLI) ------------------------------------------------------------


def to_lines(flow: Workflow) -> str:
    """The workflow one status a line: ``name [pauses] [closes] -> next, next``."""
    lines = []
    for s in flow.order:
        flags = [
            f for f, on in (("pauses", s in flow.pausing), ("closes", s in flow.closing)) if on
        ]
        nexts = flow.allowed(s)
        lines.append(" ".join([s, *flags]) + (" -> " + ", ".join(nexts) if nexts else ""))
    return "\n".join(lines)


def parse_lines(text: str) -> schemas.WorkflowIn:
    """A workflow from its text form (blank lines and ``#`` comments skipped); every bad line is
    named with its number."""
    problems: list[Problem] = []
    statuses: list[dict[str, Any]] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        head, _arrow, tail = line.partition("->")
        words = head.split()
        if not words:
            problems.append(Problem("no status name before ->", field="statuses", row=n))
            continue
        flags = set(words[1:])
        unknown = flags - {"pauses", "closes"}
        if unknown:
            problems.append(
                Problem(
                    f"{words[0]}: unknown word(s) {', '.join(sorted(unknown))} (pauses or closes)",
                    field="statuses",
                    row=n,
                )
            )
        statuses.append(
            {
                "name": words[0],
                "pauses": "pauses" in flags,
                "closes": "closes" in flags,
                "next": [t.strip() for t in tail.split(",") if t.strip()],
            }
        )
    if problems:
        raise Invalid(
            f"{len(problems)} problem(s) in the workflow; nothing stored: "
            + "; ".join(f"line {p.row}: {p.message}" for p in problems),
            problems,
        )
    try:
        return schemas.WorkflowIn.model_validate({"statuses": statuses})
    except ValueError as exc:
        raise Invalid(
            f"the workflow is not valid: {exc}", [Problem(str(exc), field="statuses")]
        ) from None


# --- serious cases ----------------------------------------------------------------------------

BUILTIN_SENIOR = (schemas.SeniorRule(case_type="complaint", severity="critical"),)
"""By default a critical complaint goes to senior management at once."""


def senior_rules(session: Session) -> schemas.SeniorRulesOut:
    """The centre's serious-case rules (the built-in one unless it set its own)."""
    stored = load(session).get("senior")
    if stored is None:
        return schemas.SeniorRulesOut(builtin=True, rules=list(BUILTIN_SENIOR))
    return schemas.SeniorRulesOut(
        builtin=False, rules=schemas.SeniorRulesIn.model_validate({"rules": stored}).rules
    )


def set_senior_rules(*, session: Session, data: schemas.SeniorRulesIn) -> schemas.SeniorRulesOut:
    """Replace the serious-case rules; a rule naming nothing (it would match every case) is
    refused, nothing stored."""
    problems = [
        Problem("name a case type, severity or category", field=f"rules.{i}")
        for i, rule in enumerate(data.rules)
        if rule.case_type is None and rule.severity is None and rule.category is None
    ]
    if problems:
        raise Invalid(
            f"{len(problems)} rule(s) name nothing and would send every case to senior "
            "management; nothing stored",
            problems,
        )
    settings = load(session)
    settings["senior"] = [r.model_dump(mode="json", exclude_none=True) for r in data.rules]
    save(session, settings)
    return senior_rules(session)


def reset_senior_rules(*, session: Session) -> schemas.SeniorRulesOut:
    """Go back to the built-in serious-case rule (critical complaints)."""
    settings = load(session)
    settings.pop("senior", None)
    save(session, settings)
    return senior_rules(session)


def senior_rule_for(
    session: Session, case_type: str, severity: str, category: str
) -> schemas.SeniorRule | None:
    """The first serious-case rule a case matches (category: case-insensitive), or None."""
    for rule in senior_rules(session).rules:
        if rule.case_type is not None and rule.case_type != case_type:
            continue
        if rule.severity is not None and rule.severity != severity:
            continue
        if rule.category is not None and rule.category.casefold() != category.casefold():
            continue
        return rule
    return None


def describe_rule(rule: schemas.SeniorRule) -> str:
    """A rule in words: ``complaint, critical, category Legal``."""
    parts: list[str] = [rule.case_type or "any type", rule.severity or "any severity"]
    if rule.category is not None:
        parts.append(f"category {rule.category}")
    return ", ".join(parts)


SENIOR_KEYS = {"type": "case_type", "severity": "severity", "category": "category"}


def parse_senior(lines: list[str]) -> schemas.SeniorRulesIn:
    """Serious-case rules from their text form, one rule each: ``type=complaint,
    severity=critical`` or ``category=Legal threat`` (blank lines skipped); a bad part is named
    with its rule's number."""
    parsed: list[dict[str, str]] = []
    problems: list[Problem] = []
    for n, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        rule: dict[str, str] = {}
        for part in text.split(","):
            key, sep, value = part.partition("=")
            if not sep or key.strip() not in SENIOR_KEYS or not value.strip():
                problems.append(
                    Problem(
                        f"rule {n} ({text.strip()!r}): write type=…, severity=… or category=…",
                        field="rules",
                        row=n,
                    )
                )
                break
            rule[SENIOR_KEYS[key.strip()]] = value.strip()
        parsed.append(rule)
    if problems:
        raise Invalid("; ".join(p.message for p in problems) + "; nothing stored", problems)
    try:
        return schemas.SeniorRulesIn.model_validate({"rules": parsed})
    except ValueError as exc:
        raise Invalid(
            f"the rules are not valid: {exc}", [Problem(str(exc), field="rules")]
        ) from None


def senior_lines(out: schemas.SeniorRulesOut) -> str:
    """The rules in their text form, one a line."""
    names = {v: k for k, v in SENIOR_KEYS.items()}
    return "\n".join(
        ", ".join(f"{names[k]}={v}" for k, v in r.model_dump(exclude_none=True).items())
        for r in out.rules
    )
