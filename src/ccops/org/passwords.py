"""The password policy (NIST SP 800-63B): long enough, not too long, and not guessable.

No composition rules (a digit, a capital, a symbol): they make passwords harder to remember,
not harder to guess. Instead every new password is scored by zxcvbn, which knows the most used
passwords, dictionary words, names, keyboard patterns, dates and sequences, and is given the
user's login and name so that "alice2024" is refused for alice. A password is refused when it
is one of zxcvbn's common passwords (whatever its score) or scores below 3 of 4.

The module is pure: it answers with the reason (English, translated by the pages) or None.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MIN_LENGTH = 8
MAX_LENGTH = 200
MIN_SCORE = 3
"""zxcvbn's score: 0 too guessable … 4 very unguessable; 3 is "safely unguessable" (about
10^10 guesses, beyond an offline attack on a slow hash such as argon2)."""

TOO_SHORT = f"too short: at least {MIN_LENGTH} characters"
TOO_LONG = f"too long: at most {MAX_LENGTH} characters"
TOO_COMMON = "too common: it is among the most used passwords"
HAS_OWN_NAME = "too easy to guess: it is built on your login or name"
GUESSABLE = "too easy to guess: "
"""The prefix of a refusal for a low score; zxcvbn's warning follows (or ADD_WORDS)."""
ADD_WORDS = "add another word or two; uncommon words are better"

_lock = threading.Lock()
"""zxcvbn keeps the user inputs of a call in a module-level dictionary: calls must not overlap
(handlers run in a thread pool), or one user's login could be checked against another's."""


def _inputs(user_inputs: Iterable[str]) -> list[str]:
    """The user's login and name, and their parts (``tl.li`` → ``tl``, ``li``; "Li Wei" → ...)."""
    found: list[str] = []
    for text in user_inputs:
        text = text.strip().casefold()
        if not text:
            continue
        found.append(text)
        for part in text.replace(".", " ").replace("-", " ").replace("_", " ").split():
            if len(part) >= 3 and part not in found:
                found.append(part)
    return found


def _common(password: str, sequence: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the whole password is one entry of zxcvbn's common-password list (in any case,
    reversed or with l33t substitutions)."""
    return any(
        m.get("pattern") == "dictionary"
        and m.get("dictionary_name") == "passwords"
        and m.get("i") == 0
        and m.get("j") == len(password) - 1
        for m in sequence
    )


def problem(password: str, user_inputs: Iterable[str] = ()) -> str | None:
    """Return why ``password`` is refused, or None when the policy accepts it.

    Args:
        password: the new password, as typed (not stripped).
        user_inputs: what the user is known by (login, person's name): a password built on
            them is scored as easy to guess.
    """
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    from zxcvbn import zxcvbn  # its word lists take 0.4 s to load: only when a password is set

    with _lock:
        result = zxcvbn(password, user_inputs=_inputs(user_inputs), max_length=MAX_LENGTH)
    sequence: list[Mapping[str, Any]] = list(result.get("sequence", []))
    if _common(password, sequence):
        return TOO_COMMON
    if int(result["score"]) >= MIN_SCORE:
        return None
    if any(m.get("dictionary_name") == "user_inputs" for m in sequence):
        return HAS_OWN_NAME
    warning = str(result.get("feedback", {}).get("warning") or "")
    if warning in (
        "This is a top-10 common password.",
        "This is a top-100 common password.",
        "This is a very common password.",
    ):
        return TOO_COMMON
    return GUESSABLE + (warning or ADD_WORDS)
