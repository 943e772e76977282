"""Errors of the scheduler: bad input, an infeasible week, no schedule within the time limit."""

from __future__ import annotations

from collections.abc import Sequence

# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------


class SchedulingInputError(ValueError):
    """Input a schedule cannot be built from; ``problems`` lists every problem found."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        found = (problems,) if isinstance(problems, str) else tuple(problems)
        self.problems: tuple[str, ...] = found
        if len(found) == 1:
            text = found[0]
        else:
            text = f"{len(found)} problems:\n" + "\n".join(f"- {p}" for p in found)
        super().__init__(text)


class ScheduleInfeasibleError(SchedulingInputError):
    """No schedule satisfies the rules; ``rules`` names a set of rules that conflict.

    Every rule listed is needed for the conflict: dropping any one of them (the others kept)
    makes the week feasible, as far as the solver could decide within its time limit.
    """

    def __init__(self, headline: str, rules: Sequence[str]) -> None:
        self.headline = headline
        self.rules: tuple[str, ...] = tuple(rules)
        super().__init__([headline, *self.rules])
        text = headline + ("; these rules conflict:\n" if self.rules else "")
        self.args = (text + "\n".join(f"- {r}" for r in self.rules),)

    def __str__(self) -> str:
        return str(self.args[0])


class ScheduleNotFoundError(RuntimeError):
    """The solver found no schedule within its time limit (it may still exist)."""
