"""The adherence page downloads the day's figures per person, the same as the service's."""

from __future__ import annotations

import io
from datetime import UTC

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.org.models import Site
from ccops.wfm.intraday import adherence as adherence_service
from ccops.wfm.intraday import pages as intraday_pages
from ccops.wfm.schedules import schemas as ss
from tests.factories.intraday import DAY
from tests.wfm.intraday.test_adherence_page import (
    _first_shift,
    _lunch_instead_of_work,
    published,
)

__all__ = ["published"]


def test_the_adherence_workbook_has_the_day_per_person(
    admin_client: TestClient,
    session: Session,
    published: ss.ScheduleDetailOut,  # noqa: F811 - the fixture, imported
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shift = _first_shift(published)
    _lunch_at, now = _lunch_instead_of_work(session, shift)
    session.commit()
    monkeypatch.setattr(intraday_pages, "_now", lambda: now.astimezone(UTC))
    page = admin_client.get("/intraday/adherence", params={"site": "Main"})
    assert 'data-download="xlsx"' in page.text
    got = admin_client.get("/intraday/adherence", params={"site": "Main", "format": "xlsx"})
    assert got.status_code == 200
    assert "adherence_Main_" in got.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(got.content)).worksheets[0].iter_rows(values_only=True))
    site = session.scalars(select(Site).where(Site.name == "Main")).one()
    floor = adherence_service.floor(session=session, site_id=site.id, day=DAY, now=now)
    assert [r[1] for r in rows[1:]] == [f.login for f in floor]
    for row, f in zip(rows[1:], floor, strict=True):
        assert row[3:9] == (
            f.day.scheduled_min,
            f.day.in_adherence_min,
            f.day.adherence,
            f.day.planned_work_min,
            f.day.worked_min,
            f.day.conformance,
        )
        assert row[12] == len(f.alerts)
    out = next(r for r in rows if r[1] == shift.login)
    assert out[10] == 20 and out[12] == 1
    assert "planned work, actual lunch" in out[11]
    csv_text = admin_client.get(
        "/intraday/adherence", params={"site": "Main", "format": "csv"}
    ).content.decode("utf-8-sig")
    assert len(csv_text.splitlines()) == len(rows)
