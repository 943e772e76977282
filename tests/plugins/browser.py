"""A real browser on the real app: Debian's Chromium driven by Playwright, headless.

The app runs in a thread (uvicorn) on a free loopback port against a private copy of the demo
centre, once per test worker. Playwright never downloads a browser: it drives /usr/bin/chromium.
Without Chromium (or without the front-end assets of `make assets`) the tests skip with the
reason on a laptop, and fail under CI=true. Each test keeps screenshots of the pages it walks in
artifacts/screenshots/ (git-ignored), and fails on any JavaScript error or refused resource.
Every test under tests/browser/ carries the ``browser`` marker (added at collection), so
``pytest -m browser`` (``make test-browser``) runs them all.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ccops.runtime import dispose_engines
from ccops.settings import Settings
from tests.factories.web import served
from tests.plugins.ci import unavailable

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "src" / "ccops" / "web" / "static" / "vendor"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
BROWSER_TESTS = ROOT / "tests" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser/ ``browser`` (before ``-m`` selects)."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    unavailable(reason, what="the browser tests")


@pytest.fixture(scope="session")
def browser_ready() -> None:
    """Check what the browser tests need: Chromium, Playwright, the vendored assets."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium (or run .ci/run)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is missing: make install-dev")
    for asset in ("htmx.min.js", "echarts.min.js"):
        if not (VENDOR / asset).exists():
            _unavailable(f"{VENDOR / asset} is missing: run `make assets` (npm ci)")


def submit(page: Any, control: Any) -> None:
    """Click a control that loads a new page, and wait until that page has loaded."""
    with page.expect_navigation():
        control.click()


def fill_moment(scope: Any, field_id: str, moment: str) -> None:
    """Type ``moment`` (``2026-12-03T14:30``) into a date-and-time field, which the page splits
    into a date field (``#field_id``) and a 24-hour time field (``#field_id-time``)."""
    day, clock = moment.split("T")
    scope.locator(f"#{field_id}").fill(day)
    scope.locator(f"#{field_id}-time").fill(clock[:5])


@dataclass
class LiveServer:
    """The app served on loopback: its base URL and settings (to reach its database)."""

    url: str
    settings: Settings


@pytest.fixture(scope="session")
def live_server(
    browser_ready: None, demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The web app on a copy of the demo centre, served by uvicorn in a thread."""
    folder = tmp_path_factory.mktemp("live")
    shutil.copy(demo_template, folder / "demo.sqlite")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'demo.sqlite'}",
        data_dir=folder / "var",
        secret_key="demo-secret",
    )
    with served(settings) as url:
        yield LiveServer(url, settings)
    dispose_engines()


@pytest.fixture(scope="session")
def chromium(browser_ready: None) -> Iterator[Any]:
    """Debian's Chromium, headless, started once per worker."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class Browse:
    """One test's browser context: pages, sign-in, screenshots, and the errors seen."""

    server: LiveServer
    context: Any
    name: str
    errors: list[str] = field(default_factory=list)

    def page(self) -> Any:
        """A new tab that records console errors and failed loads."""
        page = self.context.new_page()
        page.set_default_timeout(15_000)
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"console {m.type}: {m.text}")
                if m.type == "error" and "status of 4" not in m.text
                else None
            ),
        )
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        return page

    def sign_in(self, page: Any, login: str, password: str | None = None) -> None:
        """Sign in through the form and wait for the home page."""
        page.goto(self.server.url + "/login")
        page.get_by_label("Login").fill(login)
        page.get_by_label("Password").fill(password or f"{login}-demo-pass")
        submit(page, page.get_by_role("button", name="Sign in"))
        page.wait_for_url(self.server.url + "/")

    def shot(self, page: Any, label: str, *, full_page: bool = False) -> Path:
        """Keep a screenshot of the page as a test artifact."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{label}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    def api(self, page: Any, path: str, **params: Any) -> Any:
        """GET a JSON API route with the page's session cookie."""
        response = page.request.get(self.server.url + path, params=params)
        assert response.status == 200, response.text()
        return response.json()


@pytest.fixture
def browse(
    request: pytest.FixtureRequest, live_server: LiveServer, chromium: Any
) -> Iterator[Browse]:
    """A fresh browser context at 1366×768 for one test (a phone with @pytest.mark.phone)."""
    viewport = PHONE if request.node.get_closest_marker("phone") else DESKTOP
    context = chromium.new_context(viewport=viewport, locale="en-GB")
    name = request.node.name.removeprefix("test_")
    session = Browse(live_server, context, name)
    yield session
    context.close()
    assert not session.errors, "the browser reported errors:\n" + "\n".join(session.errors)
