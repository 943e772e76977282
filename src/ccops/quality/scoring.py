"""Scoring of an evaluation (exact, in rational arithmetic, per the evaluation's own form version):

* an item earns the share of its weight its value gives on its scale (yes/no: 1 or 0;
  1-5: (v - 1)/4; 0-10: v/10);
* a section's score is sum(w_i f_i) / sum(w_i) over its applicable items: an item marked N/A
  gives its weight to the section's other items in proportion to their weights;
* the total is 100 sum(W_s S_s) / sum(W_s) over the sections with an applicable weighted item
  (a section wholly N/A gives its weight to the other sections the same way);
* a critical (fail-all) item answered "no" makes the total 0, whatever else scored;
* an evaluation passes when its total reaches the form version's pass mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ccops.errors import Invalid, Problem
from ccops.quality import schemas
from ccops.quality.schemas import SCALE_VALUES, Scale

# --- scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    """The result of scoring a set of answers on a form version."""

    score_pct: float
    critical_failed: bool
    earned_pct: dict[str, float | None]


def fraction(scale: Scale, value: float) -> Fraction:
    v = Fraction(value)
    if scale == Scale.yes_no:
        return v
    if scale == Scale.one_to_five:
        return (v - 1) / 4
    return v / 10


def score(definition: schemas.FormDefinition, answers: list[schemas.AnswerIn]) -> Scored:
    """Score ``answers`` on ``definition`` exactly (see the module's rules).

    Raises:
        Invalid: an unknown, repeated or missing item, a value off the item's scale, N/A on an
            item that does not allow it, or nothing applicable to score.
    """
    items = {i.key: (s, i) for s in definition.sections for i in s.items}
    problems: list[Problem] = []
    given: dict[str, schemas.AnswerIn] = {}
    for n, answer in enumerate(answers):
        where = f"answers[{n}]"
        if answer.item not in items:
            problems.append(Problem(f"item {answer.item!r} is not on this form", field=where))
            continue
        if answer.item in given:
            problems.append(Problem(f"item {answer.item!r} is scored twice", field=where))
            continue
        section, item = items[answer.item]
        if answer.na:
            if not item.allow_na:
                problems.append(
                    Problem(f"item {item.key!r} may not be marked N/A", field=f"{where}.na")
                )
            elif answer.value is not None:
                problems.append(
                    Problem(f"item {item.key!r} is N/A: give no value", field=f"{where}.value")
                )
        elif answer.value is None:
            problems.append(
                Problem(
                    f"item {item.key!r} has no score: give a value or mark it N/A",
                    field=f"{where}.value",
                )
            )
        elif answer.value not in SCALE_VALUES[item.scale]:
            allowed = ", ".join(str(v) for v in SCALE_VALUES[item.scale])
            problems.append(
                Problem(
                    f"item {item.key!r}: {answer.value:g} is not on its scale "
                    f"{item.scale.value} ({allowed})",
                    field=f"{where}.value",
                )
            )
        given[answer.item] = answer
    for key in items:
        if key not in given and not any(p.message.startswith(f"item {key!r}") for p in problems):
            problems.append(
                Problem(f"item {key!r} has no score: give a value or mark it N/A", field="answers")
            )
    if problems:
        raise Invalid(
            "the scores are not valid: " + "; ".join(p.message for p in problems[:5]), problems
        )
    critical_failed = False
    section_scores: list[tuple[Fraction, Fraction, list[tuple[str, Fraction, Fraction]]]] = []
    earned: dict[str, float | None] = {}
    for section in definition.sections:
        parts: list[tuple[str, Fraction, Fraction]] = []
        for item in section.items:
            answer = given[item.key]
            if answer.na or answer.value is None:
                earned[item.key] = None
                continue
            f = fraction(item.scale, answer.value)
            if item.critical and f == 0:
                critical_failed = True
            parts.append((item.key, Fraction(item.weight_pct), f))
        weight = sum((w for _, w, _ in parts), Fraction(0))
        if weight > 0:
            section_scores.append((Fraction(section.weight_pct), weight, parts))
        else:
            for key, _, _ in parts:
                earned[key] = 0.0
    total_weight = sum((ws for ws, _, _ in section_scores), Fraction(0))
    if total_weight == 0:
        raise Invalid(
            "every weighted item is N/A: there is nothing to score",
            [Problem("nothing applicable to score", field="answers")],
        )
    total = Fraction(0)
    for ws, wi_sum, parts in section_scores:
        for key, w, f in parts:
            points = 100 * ws / total_weight * w / wi_sum * f
            earned[key] = float(points)
            total += points
    return Scored(
        score_pct=0.0 if critical_failed else float(total),
        critical_failed=critical_failed,
        earned_pct=earned,
    )
