"""Helpers every CLI sub-app shares: JSON output, Rich tables, and errors as exit codes."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import Enum
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from rich.console import Console
from rich.table import Table

from ccops.errors import CcopsError, Invalid, Problem

P = ParamSpec("P")
R = TypeVar("R")

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def _default(value: object) -> object:
    from pydantic import BaseModel  # here: `ccops --help` does not need pydantic

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_json(data: object) -> None:
    """Print ``data`` as indented JSON on standard output."""
    sys.stdout.write(json.dumps(data, default=_default, indent=2, ensure_ascii=False) + "\n")


def print_table(
    title: str,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    *,
    footnotes: str | None = None,
) -> None:
    """Print ``rows`` as a Rich table with the given columns; in a narrow terminal a cell or
    heading wraps (folds) instead of being cut to ``que…``.

    ``footnotes`` names a column of long text (a note, a formula): its cells become ``[1]``,
    ``[2]``… and the texts are printed under the table, so one long note does not fold every
    other column to a few characters in an 80-column terminal."""
    notes: list[str] = []
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            text = "" if value is None else str(value)
            if column == footnotes and text:
                if text not in notes:
                    notes.append(text)
                text = f"[{notes.index(text) + 1}]"
            cells.append(text)
        table.add_row(*cells)
    console.print(table)
    for number, text in enumerate(notes, 1):
        console.print(f"[{number}] {text}", highlight=False, markup=False)


def _restates(problem: Problem, message: str) -> bool:
    """Whether ``problem`` says nothing the message does not: its text, and the file, row and
    field it names, all stand in the message already ("--from 'x' is not a date" over a problem
    "not a date" at field --from)."""
    if str(problem) in message:
        return True
    parts = [problem.message, problem.file, problem.field]
    parts.append(None if problem.row is None else f"row {problem.row}")
    return all(part is None or part in message for part in parts)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain and validation errors into the error's exit code and a message.

    The message is text on standard error or, with ``--json`` (a command's ``as_json``), the
    API's error body on standard output, so a script that reads JSON reads the failure too.
    """

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        as_json = bool(kwargs.get("as_json"))
        try:
            return func(*args, **kwargs)
        except CcopsError as exc:
            if as_json:
                print_json(exc.as_dict())
            else:
                err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False)
                # a lone problem that only restates the message is not printed again
                shown = [p for p in exc.problems if not _restates(p, exc.message)]
                for problem in shown[:50]:
                    err_console.print(f"  {problem}", highlight=False)
                if len(shown) > 50:
                    err_console.print(f"  … and {len(shown) - 50} more", highlight=False)
            raise SystemExit(exc.exit_code) from None
        except Exception as exc:
            from pydantic import ValidationError  # here: `ccops --help` does not need pydantic

            if not isinstance(exc, ValidationError):
                raise
            problems = [
                Problem(error["msg"], field=".".join(str(p) for p in error["loc"]) or None)
                for error in exc.errors()
            ]
            invalid = Invalid("the input is invalid", problems)
            if as_json:
                print_json(invalid.as_dict())
            else:
                for problem in problems:
                    where = problem.field or "input"
                    err_console.print(
                        f"[bold red]error:[/] {where}: {problem.message}", highlight=False
                    )
            raise SystemExit(invalid.exit_code) from None

    return wrapper


def who() -> str:
    """The login of the user running the command (``cli`` when the system cannot say)."""
    try:
        return getpass.getuser() or "cli"
    except (KeyError, OSError):
        return "cli"


def pct(x: float | None) -> str:
    """A fraction as a percentage with one decimal (empty for None)."""
    return "" if x is None else f"{x:.1%}"


def kpi_value(x: float | None, unit: str) -> str:
    """A KPI value in its unit as the pages print it: a fraction as a percentage, seconds with
    ``s``, anything else with two decimals ("—" for no value)."""
    if x is None:
        return "—"
    if unit == "fraction":
        return f"{x:.1%}"
    if unit == "seconds":
        return f"{x:,.0f} s"
    return f"{x:,.2f}"


def kpi_gap(x: float | None, unit: str) -> str:
    """A signed difference of two KPI values: percentage points for fractions ("+7.6 pts")."""
    if x is None:
        return ""
    if unit == "fraction":
        return f"{x * 100:+.1f} pts"
    if unit == "seconds":
        return f"{x:+,.0f} s"
    return f"{x:+,.2f}"


def num(x: float | None, fmt: str = ".3f") -> str:
    """A number in ``fmt`` (empty for None)."""
    return "" if x is None else format(x, fmt)


def _today() -> date:
    """Today by the clock the demo is seeded with (UTC)."""
    from datetime import UTC

    return datetime.now(UTC).date()


def _stored_launch() -> date:
    from ccops.runtime import unit_of_work
    from ccops.wfm.forecasts import special_days

    with unit_of_work() as session:
        return special_days.latest_launch(session=session, on_or_before=_today())


def day_text(text: str | None) -> str | None:
    """A day option as typed, with relative selectors (``yesterday``, ``launch+6``) made ISO."""
    from ccops.relative_days import resolve_day

    return None if text is None else resolve_day(text, today=_today(), launch=_stored_launch)


def week_text(text: str | None) -> str | None:
    """A week option as typed, with ``last``/``this``/``next``/``launch`` made an ISO week."""
    from ccops.relative_days import resolve_week

    return None if text is None else resolve_week(text, today=_today(), launch=_stored_launch)


def day_option(text: str | None, option: str) -> date | None:
    """A day option (a date or a relative day such as ``yesterday-6``) as a date; None when not
    given; Invalid naming the option when it is neither."""
    from ccops.relative_days import DAY_HELP

    if not text:
        return None
    try:
        return date.fromisoformat(day_text(text) or text)
    except ValueError:
        raise Invalid(
            f"{option} {text!r} is not a date ({DAY_HELP})", [Problem("not a date", field=option)]
        ) from None
