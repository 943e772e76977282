"""Test data: the small samples in ``tests/data`` and the real files kept outside the repository.

The real Technion call log is too large for the repository; README and ``tests/data/README.md``
say to put it in ``../shared/data`` beside the checkout (``CCOPS_SHARED_DATA`` names another
folder). :func:`require_shared` is the one way a test reaches such a file: without it the test
skips with the reason on a plain clone and fails under ``CI=true``.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.plugins.ci import unavailable

ROOT = Path(__file__).resolve().parents[2]
"""The repository's root folder."""
TEST_DATA = ROOT / "tests" / "data"
SHARED_DATA = Path(os.environ.get("CCOPS_SHARED_DATA") or ROOT.parent / "shared" / "data")
TECHNION = "technion_anonymous_bank_1999-02-01_14.tsv"
"""The Technion bank's call log, 1999-02-01 to 1999-02-14 (two weeks)."""


def require_shared(name: str) -> Path:
    """The path of ``name`` in the shared data folder; skip (fail under CI=true) if missing."""
    path = SHARED_DATA / name
    if not path.is_file():
        unavailable(
            f"{name} is not in {SHARED_DATA} (put the shared data beside the checkout, "
            "or set CCOPS_SHARED_DATA)",
            what="the tests on the real call log",
        )
    return path
