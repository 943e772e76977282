"""The suite's own rules: the browser tier is selectable by its marker, nothing imports from a
conftest file, and no test or doc points at a file outside the repository except through
``tests/plugins/data.py: require_shared``."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.plugins.data import ROOT


def test_every_browser_test_carries_the_browser_marker() -> None:
    """`pytest -m browser` (make test-browser) selects every test under tests/browser/."""

    def collect(marker: str) -> list[str]:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "--collect-only",
                "-q",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:xdist",
                "-m",
                marker,
                "tests/browser",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        return [line for line in done.stdout.splitlines() if "::" in line]

    assert collect("browser"), "no browser test collected"
    assert collect("not browser") == []


def test_nothing_imports_from_a_conftest() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in (ROOT / "tests").rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.match(r"\s*from tests\S*conftest import|\s*import tests\S*conftest", line)
    ]
    assert found == []


def test_no_absolute_path_outside_the_repository() -> None:
    """Real data outside the repository is reached through require_shared only."""
    pattern = re.compile(r"/work/|\.\./shared|shared/data|parents\[3\]")
    allowed = {ROOT / "tests" / "plugins" / "data.py", ROOT / "tests" / "test_suite_layout.py"}
    files = list((ROOT / "tests").rglob("*.py"))
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in files
        if path not in allowed
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) and "require_shared" not in line
    ]
    assert found == []
