"""Domain exceptions: what went wrong and where (file, row, field), for the web and the CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One precise complaint about an input: where it is and what is wrong."""

    message: str
    field: str | None = None
    row: int | None = None
    file: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field {self.field}")
        return f"{': '.join([', '.join(where), self.message]) if where else self.message}"


@dataclass
class CcopsError(Exception):
    """Base of every error a user can cause; carries one or more located problems."""

    message: str
    problems: list[Problem] = field(default_factory=list)
    status_code: int = 400
    exit_code: int = 1

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-ready body: the message and each problem's location."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "problems": [
                {"message": p.message, "field": p.field, "row": p.row, "file": p.file}
                for p in self.problems
            ],
        }


class Invalid(CcopsError):
    """The input breaks a rule (bad value, bad file, bad row)."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message, problems or [], 422, 2)


class NotFound(CcopsError):
    """A named thing does not exist."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message, problems or [], 404, 3)


class Conflict(CcopsError):
    """The input contradicts what is already stored."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message, problems or [], 409, 4)


class Forbidden(CcopsError):
    """The user's role or scope does not allow this."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message, problems or [], 403, 5)


class NotAuthenticated(CcopsError):
    """The request carries no valid sign-in (session cookie or API token)."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message, problems or [], 401, 7)


class NotMigrated(CcopsError):
    """The database schema is missing or older than this code (409: migrate, then retry)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [], 409, 6)


def no_such_file(path: Path) -> Invalid:
    """A missing input file, named as the user typed it and, if relative, where that led."""
    shown = str(path) if path.is_absolute() else f"{path} ({os.path.abspath(path)})"
    return Invalid(f"{shown}: no such file", [Problem("no such file", file=shown)])
