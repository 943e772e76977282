"""A marker for user-facing text defined at import time and translated where it is shown."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark ``message`` for the gettext catalogs; it is translated where it is shown."""
    return message
