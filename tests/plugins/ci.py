"""Whether the suite runs under CI, and what a missing prerequisite does there.

On a laptop a test whose prerequisite is missing (PostgreSQL, Chromium, the real call log)
skips with the reason; under ``CI=true`` the same test fails, so a green CI run never hides a
tier that did not run.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str, *, what: str) -> NoReturn:
    """Skip with ``reason`` (fail under CI=true, naming ``what`` must run)."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: {what} must run)", pytrace=False)
    pytest.skip(reason)
