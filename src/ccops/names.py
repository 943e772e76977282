"""Names people give things (people, logins, sites, teams, queues, scorecards, rules, plans…)
must show as what they are: no control characters, no invisible text-direction controls.

A right-to-left override (U+202E) makes ``Alice\u202eSYS.exe`` display as something else in
every list, e-mail and export, and a control character (a carriage return, a bell) breaks the
files and feeds a name is written to. Every input schema's name field is `NameText`, so the
API, the pages' forms, the CLI and the importers (which build the same schemas) all refuse
them with the same message. Zero-width joiner and non-joiner stay allowed: Persian, the Indic
scripts and emoji sequences need them.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Arabic letter mark, LRM/RLM, the embeddings and overrides, and the isolates."""
JOINERS = frozenset("\u200c\u200d")
"""Invisible format characters that real names need (ZWNJ, ZWJ)."""


def unsafe_character(value: str) -> tuple[str, str] | None:
    """The first character a name must not hold and what kind it is, or None.

    Kinds: ``control`` (Cc, line and paragraph separators), ``direction`` (bidirectional
    controls), ``invisible`` (other format characters such as U+200B or U+FEFF, and lone
    surrogates).
    """
    for ch in value:
        if ch in BIDI_CONTROLS:
            return "direction", ch
        category = unicodedata.category(ch)
        if category in ("Cc", "Zl", "Zp"):
            return "control", ch
        if (category == "Cf" and ch not in JOINERS) or category == "Cs":
            return "invisible", ch
    return None


PROBLEMS = {
    "control": "contains a control character ({code})",
    "direction": "contains an invisible text-direction character ({code})",
    "invisible": "contains an invisible formatting character ({code})",
}


def name_problem(value: str) -> str | None:
    """What is wrong with ``value`` as a name (``contains … (U+202E)``), or None."""
    found = unsafe_character(value)
    if found is None:
        return None
    kind, ch = found
    return PROBLEMS[kind].format(code=f"U+{ord(ch):04X}")


def _check(value: str, info: ValidationInfo) -> str:
    """Refuse an unsafe name on input; output models (``…Out``, or read from stored rows)
    show a name stored before this check as it is, rather than failing the whole page."""
    config = info.config or {}
    if config.get("from_attributes") or str(config.get("title", "")).endswith("Out"):
        return value
    problem = name_problem(value)
    if problem is not None:
        raise ValueError(f"{info.field_name or 'name'} {problem}")
    return value


NameText = Annotated[str, AfterValidator(_check)]
"""A name (or login) as typed by a person: refused when it holds control or bidi characters."""
