"""A schedule's coverage and shifts download with the API's numbers, in the site's local time."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from ccops.wfm.schedules import build as schedule_build
from tests.factories.schedules import FAST, make_small_site

ZONE = "Europe/London"


def test_coverage_and_shifts_download_as_on_the_page(
    admin_client: TestClient, session: Session
) -> None:
    make_small_site(session, timezone=ZONE)
    built = schedule_build.build_schedule(
        session=session, site="Main", week="2026-W48", created_by="planner", options=FAST
    )
    session.commit()
    page = admin_client.get(f"/schedules/{built.id}")
    assert f"/schedules/{built.id}?table=shifts&amp;format=xlsx" in page.text
    api = admin_client.get(f"/api/v1/schedules/{built.id}").json()
    zone = ZoneInfo(ZONE)
    got = admin_client.get(f"/schedules/{built.id}", params={"format": "xlsx"})
    assert got.status_code == 200
    rows = list(load_workbook(io.BytesIO(got.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == (
        "Queue",
        f"Interval start ({ZONE})",
        "Required",
        "Scheduled",
        "Predicted service level",
    )
    assert len(rows) - 1 == len(api["intervals"])
    for row, r in zip(rows[1:], api["intervals"], strict=True):
        local = datetime.fromisoformat(r["interval_start"]).astimezone(zone).replace(tzinfo=None)
        assert row == (
            r["queue"],
            local,
            r["required"],
            r["scheduled"],
            r["predicted_service_level"],
        )
    shifts = admin_client.get(
        f"/schedules/{built.id}", params={"format": "xlsx", "table": "shifts"}
    )
    sheet = load_workbook(io.BytesIO(shifts.content)).worksheets[0]
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:4] == ("Person", "Login", "Day", f"Start ({ZONE})")
    assert len(table) - 1 == len(api["shift_rows"])
    first = min(api["shift_rows"], key=lambda s: (s["login"], s["start"]))
    start = datetime.fromisoformat(first["start"]).astimezone(zone)
    assert table[1][1:5] == (
        first["login"],
        datetime.combine(start.date(), datetime.min.time()),  # openpyxl reads a date back so
        start.replace(tzinfo=None),
        datetime.fromisoformat(first["end"]).astimezone(zone).replace(tzinfo=None),
    )
    assert sheet["C2"].number_format == "yyyy-mm-dd"
    assert table[1][7] == first["paid_h"]
    text = admin_client.get(
        f"/schedules/{built.id}", params={"format": "csv", "table": "shifts"}
    ).content.decode("utf-8-sig")
    assert text.splitlines()[1].split(",")[2] == start.date().isoformat()


def test_an_unknown_schedule_table_is_refused(admin_client: TestClient, session: Session) -> None:
    got = admin_client.get("/schedules/1", params={"format": "csv", "table": "people"})
    assert got.status_code == 422 and "choose coverage or shifts" in got.text
