"""HTML forms: read submitted values, validate with the domain's schemas, mark fields in error.

A form that fails comes back with the user's input kept and each field's problem beside it;
problems without a field go to the top of the form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from ccops.errors import CcopsError
from ccops.org import passwords

M = TypeVar("M", bound=BaseModel)
Gettext = Callable[[str], str]


@dataclass
class FormState:
    """Values to show in a form and the problems to mark."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the form has no problem."""
        return not self.errors and not self.general

    def add(self, name: str | None, message: str) -> None:
        """Mark ``name`` (or the whole form) with ``message``; the first problem of a field wins."""
        if name and name in self.values:
            self.errors.setdefault(name, message)
        elif message not in self.general:
            self.general.append(message)


def optional_date(text: str | None) -> date | None:
    """A date query parameter (ISO), or None when it is missing or not a valid date."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def local_datetimes(
    values: dict[str, Any], names: Iterable[str], zone: tzinfo, state: FormState, _: Gettext
) -> dict[str, Any]:
    """``values`` with each ``datetime-local`` field of ``names`` read as a time in ``zone`` (a
    site's), marking the fields that are not a date and time."""
    data = dict(values)
    for name in names:
        try:
            data[name] = datetime.fromisoformat(values[name]).replace(tzinfo=zone)
        except ValueError:
            state.add(name, _("Enter a date and time."))
    return data


def text_values(form: FormData, names: Iterable[str], lists: Iterable[str] = ()) -> dict[str, Any]:
    """Return the submitted text of ``names`` (stripped) and the lists of ``lists``."""
    values: dict[str, Any] = {}
    for name in names:
        raw = form.get(name)
        values[name] = raw.strip() if isinstance(raw, str) else ""
    for name in lists:
        values[name] = [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]
    return values


def upload(form: FormData, name: str) -> UploadFile | None:
    """Return the file uploaded as ``name``, or None when none was chosen."""
    value = form.get(name)
    if isinstance(value, UploadFile) and value.filename:
        return value
    return None


def _message(error: Any, _: Gettext) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("Required.")
    if kind == "string_too_short":
        return _("At least %(n)s characters.") % {"n": ctx.get("min_length")}
    if kind == "string_too_long":
        return _("At most %(n)s characters.") % {"n": ctx.get("max_length")}
    if kind == "string_pattern_mismatch":
        return _("Not in the expected form (no spaces at the start or end).")
    if kind == "greater_than":
        return _("Must be more than %(n)s.") % {"n": ctx.get("gt")}
    if kind == "greater_than_equal":
        return _("Must be at least %(n)s.") % {"n": ctx.get("ge")}
    if kind == "less_than":
        return _("Must be less than %(n)s.") % {"n": ctx.get("lt")}
    if kind == "less_than_equal":
        return _("Must be at most %(n)s.") % {"n": ctx.get("le")}
    if kind in ("float_parsing", "float_type", "finite_number"):
        return _("Enter a number.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind.startswith("date"):
        return _("Enter a date (YYYY-MM-DD).")
    if kind in ("enum", "literal_error"):
        return _("Choose one of the options.")
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return translate_problem(message, _)


UNSAFE_NAME = re.compile(
    r"\S+ contains an? (control|invisible text-direction|invisible formatting) character "
    r"\((U\+[0-9A-F]{4,6})\)"
)


def _unsafe_name(kind: str, code: str, _: Gettext) -> str:
    """The form message for a name refused by ``ccops.names`` (the field is marked already)."""
    if kind == "control":
        text = _("Contains a control character (%(code)s): retype it without it.")
    elif kind == "invisible text-direction":
        text = _(
            "Contains an invisible character that reverses how text is shown (%(code)s): "
            "retype it without it."
        )
    else:
        text = _("Contains an invisible formatting character (%(code)s): retype it without it.")
    return text % {"code": code}


def translate_problem(message: str, _: Gettext) -> str:
    """Translate the domain's usual problem messages; others are shown as written."""
    unsafe = UNSAFE_NAME.fullmatch(message)
    if unsafe:
        return _unsafe_name(unsafe.group(1), unsafe.group(2), _)
    if message.startswith("unknown time zone"):
        return _("Unknown time zone: use an IANA name such as Europe/London.")
    known = {
        "duplicate": _("Already exists."),
        "Required.": _("Required."),
        "outside your scope": _("Outside your scope."),
        "wider than your own scope": _("Wider than your own scope: grant only what it reaches."),
        "not allowed for your role": _(
            "Your role may not create queues and agents: a manager or administrator can."
        ),
        "the two new passwords differ": _("The two new passwords differ."),
        "the new password is the current one": _("The new password is the current one."),
        "the current password is wrong": _("The current password is wrong."),
        "must be 1 for voice": _("A voice channel handles one contact at a time: 1."),
        "team of another site": _("This team is at another site."),
        "the site has contact data": _(
            "The site already has contact data whose local times were computed in this time "
            "zone: it cannot change."
        ),
        "the last active administrator": _(
            "This is the last active administrator: make another user an administrator first."
        ),
        "this person has left": _("This person has left."),
        "the person has left": _(
            "The person has left: undo the leaver record to re-enable this sign-in."
        ),
        "a reason needs a termination date": _("A reason needs a termination date."),
        "before the hire date": _("Before the hire date."),
    }
    if message in known:
        return known[message]
    password = _password_problem(message, _)
    if password is not None:
        return password
    if message.startswith("unknown "):
        return _("Unknown: create it first.")
    return message


def _password_problem(message: str, _: Gettext) -> str | None:
    """Translate a refusal of the password policy (`ccops.org.passwords`), or None."""
    if message == passwords.TOO_SHORT:
        return _("Too short: at least %(n)s characters.") % {"n": passwords.MIN_LENGTH}
    if message == passwords.TOO_LONG:
        return _("Too long: at most %(n)s characters.") % {"n": passwords.MAX_LENGTH}
    if message == passwords.TOO_COMMON:
        return _("Too common: it is among the most used passwords. Choose a few uncommon words.")
    if message == passwords.HAS_OWN_NAME:
        return _("Too easy to guess: it is built on your login or name.")
    if not message.startswith(passwords.GUESSABLE):
        return None
    why = message.removeprefix(passwords.GUESSABLE)
    # zxcvbn's warnings (English in the library), each translated here
    warnings = {
        passwords.ADD_WORDS: _("Add another word or two; uncommon words are better."),
        "Straight rows of keys are easy to guess.": _("Straight rows of keys are easy to guess."),
        "Short keyboard patterns are easy to guess.": _(
            "Short keyboard patterns are easy to guess."
        ),
        'Repeats like "aaa" are easy to guess.': _('Repeats like "aaa" are easy to guess.'),
        'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _(
            'Repeats like "abcabcabc" are only slightly harder to guess than "abc".'
        ),
        'Sequences like "abc" or "6543" are easy to guess.': _(
            'Sequences like "abc" or "6543" are easy to guess.'
        ),
        "Recent years are easy to guess.": _("Recent years are easy to guess."),
        "Dates are often easy to guess.": _("Dates are often easy to guess."),
        "This is similar to a commonly used password.": _(
            "This is similar to a commonly used password."
        ),
        "A word by itself is easy to guess.": _("A word by itself is easy to guess."),
        "Names and surnames by themselves are easy to guess.": _(
            "Names and surnames by themselves are easy to guess."
        ),
        "Common names and surnames are easy to guess.": _(
            "Common names and surnames are easy to guess."
        ),
    }
    return _("Too easy to guess: %(why)s") % {"why": warnings.get(why, why)}


def validate(model: type[M], data: dict[str, Any], state: FormState, _: Gettext) -> M | None:
    """Build ``model`` from ``data``; on failure mark ``state`` and return None.

    A model-level problem is put on the field its message starts with (``scope 'teams' needs
    at least one team`` marks ``scope``), else at the top of the form.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error.get("loc") or ()
            name = str(loc[0]) if loc else None
            message = _message(error, _)
            if name is None:
                first = message.split(" ", 1)[0]
                name = first if first in state.values else None
            state.add(name, message)
        return None


def domain_problems(
    exc: CcopsError, state: FormState, _: Gettext, *, fallback: bool = True
) -> None:
    """Mark ``state`` with the located problems of a domain error.

    With ``fallback`` a problem that names no field of the form puts the error's message at
    the top of the form (off where the page shows the error elsewhere, as the import report).
    """
    placed = False
    for problem in exc.problems:
        if problem.field and problem.field in state.values:
            state.add(problem.field, translate_problem(problem.message, _))
            placed = True
    if not placed and fallback:
        state.add(None, exc.message)


async def posted_form(request: Request) -> FormData:
    """Read the submitted form on the event loop (reading a body is I/O, not blocking work).

    Handlers are plain ``def`` functions run in a worker thread, so their database and password
    work never blocks the loop; they take the form read here. The form is closed when the
    request ends (see ``ccops.web.auth.submitted_csrf``, which reads the same cached form).
    """
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]


async def posted_body(request: Request) -> bytes:
    """Read a raw request body on the event loop, for a plain ``def`` handler (see posted_form)."""
    return await request.body()


PostedBody = Annotated[bytes, Depends(posted_body)]
