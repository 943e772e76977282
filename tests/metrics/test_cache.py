"""The per-process KPI cache: keyed by the data version that database triggers keep current."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from ccops.contacts.models import Contact, IntervalReport
from ccops.enums import AgentState, Outcome
from ccops.metrics import cache
from ccops.metrics import service as kpi
from ccops.org.models import Person, Queue
from ccops.settings import Settings
from tests.factories import make_admin, make_org
from tests.factories.metrics import add_contact, add_state
from tests.plugins.data import TEST_DATA

AT = datetime(2024, 10, 27, 9, tzinfo=UTC)
DAY = "2024-10-27"  # the day of tests/data/contacts_dst_london.csv (London, clocks go back)
OFFERED_DAY = re.compile(r'<tr data-queue="Sales">.*?data-kpi="offered-day">([\d,]+)<', re.S)


def _version(settings: Settings) -> tuple[str, int]:
    found = cache.data_version(settings.resolved_database_url())
    assert found is not None
    return found


def _committed(session: Session, settings: Settings, step: Callable[[], Any]) -> tuple[str, int]:
    step()
    session.commit()
    return _version(settings)


def test_every_write_to_a_kpi_source_table_bumps_the_data_version(
    session: Session, settings: Settings
) -> None:
    """Insert, update and delete on each table KPIs read move the version; other tables do not."""
    report = IntervalReport(
        source="acd",
        queue_id=1,
        interval_start=AT,
        interval_local_min=0,
        utc_offset_min=0,
        interval_min=15,
        offered=1,
        answered=1,
        abandoned=0,
        content_hash="x",
    )
    steps: list[Callable[[], Any]] = [
        lambda: make_org(session),
        lambda: add_contact(
            session, ext="1", queue="Sales", arrival=AT, outcome=Outcome.answered, wait_s=5
        ),
        lambda: session.execute(update(Contact).values(wait_s=50)),
        lambda: session.execute(delete(Contact)),
        lambda: add_state(
            session,
            ext="s",
            login="alice",
            state=AgentState.available,
            start=AT,
            end=AT.replace(hour=10),
        ),
        lambda: session.execute(update(Queue).values(target_s=30)),
        lambda: session.execute(update(Person).where(Person.login == "bob").values(name="B")),
        lambda: session.add(report),
        lambda: session.execute(update(IntervalReport).values(offered=2)),
    ]
    seen = [_version(settings)] + [_committed(session, settings, step) for step in steps]
    assert len({epoch for epoch, _ in seen}) == 1, seen
    versions = [version for _, version in seen]
    assert all(b > a for a, b in zip(versions, versions[1:], strict=False)), versions
    make_admin(session, login="someone")  # users and API tokens are not KPI data
    assert _version(settings) == seen[-1]


def test_a_repeated_kpi_query_is_answered_from_the_cache(
    session: Session, settings: Settings
) -> None:
    make_org(session)
    add_contact(session, ext="1", queue="Sales", arrival=AT, outcome=Outcome.answered, wait_s=5)
    session.commit()
    day = date(2024, 10, 27)
    with kpi.source_for_database(settings.resolved_database_url()) as source:
        first = kpi.queue_interval_kpis(source=source, first=day, last=day, queues=["Sales"])
        hits = cache.stats()["hits"]
        again = kpi.queue_interval_kpis(source=source, first=day, last=day, queues=["Sales"])
        assert cache.stats()["hits"] == hits + 1 and again == first
        assert [r.offered for r in again] == [1]
        add_contact(
            session, ext="2", queue="Sales", arrival=AT, outcome=Outcome.abandoned, wait_s=50
        )
        session.commit()
        after = kpi.queue_interval_kpis(source=source, first=day, last=day, queues=["Sales"])
        assert [r.offered for r in after] == [2]
        assert [r.abandoned for r in after] == [1]


def test_a_new_import_changes_the_home_page_and_the_api(
    admin_client: TestClient, session: Session
) -> None:
    """The numbers shown follow an import at once, though the same page was just cached."""
    make_org(session)
    add_contact(session, ext="x1", queue="Sales", arrival=AT, outcome=Outcome.answered, wait_s=5)
    session.commit()
    params = {"from": DAY, "to": DAY}

    def shown() -> tuple[int, int]:
        page = admin_client.get("/", params={"day": DAY})
        assert page.status_code == 200
        found = OFFERED_DAY.search(page.text)
        assert found, "the home page has no offered count for Sales"
        rows = admin_client.get("/api/v1/kpi/intervals", params=params).json()
        return int(found[1].replace(",", "")), sum(r["offered"] for r in rows)

    assert shown() == (1, 1)
    assert shown() == (1, 1)  # from the cache now
    assert "data-as-of" not in admin_client.get("/", params={"day": DAY}).text
    response = admin_client.post(
        "/api/v1/imports/contacts",
        files={"file": ("calls.csv", (TEST_DATA / "contacts_dst_london.csv").read_bytes())},
        data={"format": "csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 5
    # whoever imported sees the new figures at once, on the API and on the pages
    assert shown() == (6, 6)
    assert "data-as-of" not in admin_client.get("/", params={"day": DAY}).text


def test_while_a_feed_writes_a_page_shows_its_last_figures_and_says_so(
    settings: Settings, session: Session
) -> None:
    """Writes by someone else (a telephony feed): a page computed seconds ago is answered once
    more with its figures and an "as of" notice, the API waits for the new figures, and the
    page has them as soon as the background refresh is done."""
    from tests.factories.web import signed_in_client

    make_org(session)
    add_contact(session, ext="f1", queue="Sales", arrival=AT, outcome=Outcome.answered, wait_s=5)
    session.commit()
    viewer = signed_in_client(settings)

    def page() -> tuple[int, bool]:
        text = viewer.get("/", params={"day": DAY}).text
        found = OFFERED_DAY.search(text)
        assert found, "the home page has no offered count for Sales"
        return int(found[1].replace(",", "")), "data-as-of" in text

    def panel() -> str:  # the dashboard's part that htmx swaps in: no page around it
        found = viewer.get(
            "/kpi/panel", params={"queue": "Sales", "date": DAY}, headers={"HX-Request": "true"}
        )
        assert found.status_code == 200
        return found.text

    assert page() == (1, False)
    assert "data-as-of" not in panel()
    add_contact(session, ext="f2", queue="Sales", arrival=AT, outcome=Outcome.abandoned, wait_s=9)
    session.commit()  # the feed's write, by another process
    assert page() == (1, True)
    assert "Figures as of" in viewer.get("/", params={"day": DAY}).text
    assert "Figures as of" in panel()  # a swapped-in part says so too
    api = viewer.get("/api/v1/kpi/intervals", params={"from": DAY, "to": DAY}).json()
    assert sum(r["offered"] for r in api) == 2
    cache.wait_for_refreshes()
    assert page() == (2, False)


def test_the_version_is_read_even_when_requests_hold_every_pooled_connection(
    session: Session, settings: Settings
) -> None:
    """Twenty concurrent requests each hold a session connection; the version read must not wait
    for one of them (it once did: a 30 s pool timeout under the page-load benchmark)."""
    from contextlib import ExitStack

    from ccops.runtime import engine_for

    make_org(session)
    session.commit()
    url = settings.resolved_database_url()
    engine = engine_for(url)
    with ExitStack() as held:
        for _ in range(engine.pool.size() + 10):  # type: ignore[attr-defined]  # QueuePool: size + overflow
            held.enter_context(engine.connect())
        assert cache.data_version(url) is not None


def test_concurrent_misses_compute_once_and_the_cache_stays_bounded() -> None:
    """Twenty requests missing one key at once wait for a single computation."""
    import threading
    import time

    calls = []

    def compute() -> list[int]:
        calls.append(1)
        time.sleep(0.05)
        return [1, 2, 3]

    key = ("test", "concurrent-misses", object())
    results: list[list[int]] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute(key, compute)))
        for _ in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and results == [[1, 2, 3]] * 20
    for i in range(cache.MAX_ENTRIES + 10):
        cache.get_or_compute(("test", "bound", i), lambda: [0] * 300)
    held = cache.stats()
    assert held["entries"] <= cache.MAX_ENTRIES and held["rows"] <= cache.MAX_TOTAL_ROWS
    too_big = cache.get_or_compute(("test", "big"), lambda: [0] * (cache.MAX_ROWS + 1))
    assert len(too_big) == cache.MAX_ROWS + 1
    assert cache.get_or_compute(("test", "big"), lambda: [1]) == [1]  # not kept


def test_the_unread_count_is_read_even_when_requests_hold_every_pooled_connection(
    session: Session, settings: Settings
) -> None:
    """Every page renders the navigation's unread count while its request holds a connection; with
    the main pool taken by twenty such requests the count must not wait for one of them (it did:
    the whole app hung for the pool's 30 s timeout with 20 users on the home page)."""
    from contextlib import ExitStack
    from types import SimpleNamespace

    from ccops.runtime import engine_for
    from ccops.web.render import unread_notifications

    make_org(session)
    session.commit()
    engine = engine_for(settings.resolved_database_url())
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=settings)))
    principal = SimpleNamespace(user_id=1)
    with ExitStack() as held:
        for _ in range(engine.pool.size() + 10):  # type: ignore[attr-defined]  # QueuePool: size + overflow
            held.enter_context(engine.connect())
        assert unread_notifications(request, principal) == 0  # type: ignore[arg-type]


def test_pages_may_get_the_last_result_while_the_api_never_does() -> None:
    """Within the page's limit an outrun result is served (and refreshed in the background);
    without the page's permission, or past the limit, the current one is computed first."""
    base = ("test", "stale", object())
    calls: list[str] = []

    def compute(label: str) -> Callable[[], list[str]]:
        return lambda: calls.append(label) or [label]  # type: ignore[func-returns-value]

    def refresh() -> tuple[cache.DataVersion | None, list[str]]:
        calls.append("refresh")
        return ("e", 3), ["v3 (refreshed)"]

    assert cache.shared(base, ("e", 1), compute("v1")) == ["v1"]
    # the API (no permission): the new version is computed before answering
    assert cache.shared(base, ("e", 2), compute("v2"), refresh) == ["v2"]
    assert calls == ["v1", "v2"]
    token = cache.accept_stale(60.0)
    try:
        assert cache.shared(base, ("e", 3), compute("v3"), refresh) == ["v2"]
        assert cache.served_as_of() is not None
        cache.wait_for_refreshes()
        assert calls == ["v1", "v2", "refresh"]
        # the refresh filed its own version: asked for it, the page gets it exactly
        assert cache.shared(base, ("e", 3), compute("never"), refresh) == ["v3 (refreshed)"]
    finally:
        cache.reset_stale(token)
    token = cache.accept_stale(0.0)  # past the limit: computed now
    try:
        assert cache.shared(base, ("e", 4), compute("v4"), refresh) == ["v4"]
    finally:
        cache.reset_stale(token)
    assert calls[-1] == "v4" and cache.served_as_of() is None


def test_a_result_computed_for_the_current_version_never_contains_an_older_one() -> None:
    """A page computing an outer result exactly must not build it from a stale inner one."""
    inner = ("test", "inner", object())
    outer = ("test", "outer", object())
    assert cache.shared(inner, ("e", 1), lambda: ["inner v1"]) == ["inner v1"]
    token = cache.accept_stale(60.0)
    try:
        got = cache.shared(
            outer,
            ("e", 2),
            lambda: [f"outer of {cache.shared(inner, ('e', 2), lambda: ['inner v2'])[0]}"],
            lambda: (("e", 2), ["unused"]),
        )
    finally:
        cache.reset_stale(token)
    assert got == ["outer of inner v2"]
