"""Scorecards download with the API's numbers: rates as percentages, seconds as numbers."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from ccops.enums import Role
from tests.factories.performance import DAY
from tests.factories.web import World
from tests.performance.test_routes import KPIS, Q, _seed

UNROUNDED = ("actual", "low", "high", "target", "benchmark", "gap", "previous")
HEADINGS = {
    "low": "Interval low (95%)",
    "high": "Interval high (95%)",
    "previous": "Previous period",
}


def _scorecards(world: World) -> None:
    admin = world.client(Role.admin)
    for extra in (
        {"name": "Centre", "level": "centre"},
        {"name": "A", "level": "team", "team": "Team A", "parent": "Centre"},
    ):
        made = admin.post("/api/v1/performance/scorecards", json={**extra, "kpis": KPIS})
        assert made.status_code == 201, made.text


def _sheet_rows(content: bytes) -> tuple[Any, list[tuple[Any, ...]]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return sheet, list(sheet.iter_rows(values_only=True))


def _compare(rows: list[tuple[Any, ...]], api: dict[str, Any]) -> None:
    heading = rows[0]
    index = {name: heading.index(name) for name in ("KPI", "Actual", "n", "Target", "Gap")}
    assert len(rows) - 1 == len(api["values"]) > 0
    for row, value in zip(rows[1:], api["values"], strict=True):
        assert row[index["KPI"]] == value["label"]
        assert row[index["Actual"]] == value["actual"]
        assert row[index["Target"]] == value["target"]
        assert row[index["Gap"]] == value["gap"]
        assert row[index["n"]] == value["n"] and type(row[index["n"]]) is int
        for name in UNROUNDED:
            assert row[heading.index(HEADINGS.get(name, name.title()))] == value[name], name


def test_person_scorecard_workbook_equals_the_api(world: World) -> None:
    _seed(world)
    _scorecards(world)
    agent = world.client(Role.agent)  # alice
    api = agent.get(f"/api/v1/performance/people/alice/scorecard{Q}").json()
    page = agent.get(f"/performance/people/alice{Q}")
    assert page.status_code == 200 and 'data-download="xlsx"' in page.text
    got = agent.get(f"/performance/people/alice{Q}&format=xlsx")
    assert got.status_code == 200, got.text
    sheet, rows = _sheet_rows(got.content)
    _compare(rows, api)
    repeat = next(r for r in rows[1:] if r[0] == "Repeat-contact rate (FCR proxy)")
    assert repeat[2] == 0.2 and isinstance(repeat[2], float)
    actual = sheet.cell(row=rows.index(repeat) + 1, column=3)
    assert actual.number_format == "0.0%"
    for row, value in zip(rows[1:], api["values"], strict=True):
        weight = value["weight_pct"]
        assert row[12] == (None if weight is None else weight / 100)


def test_team_scorecard_csv_and_workbook_equal_the_api(world: World) -> None:
    _seed(world)
    _scorecards(world)
    supervisor = world.client(Role.supervisor)  # Team A
    api = supervisor.get(f"/api/v1/performance/teams/Team A/scorecard{Q}").json()
    got = supervisor.get(f"/performance/teams/Team A{Q}&format=xlsx")
    assert got.status_code == 200
    assert 'filename="scorecard_team_Team_A_' in got.headers["content-disposition"] or (
        "scorecard" in got.headers["content-disposition"]
    )
    sheet, rows = _sheet_rows(got.content)
    _compare(rows, api)
    assert rows[1][12] == 0.7 and sheet["M2"].number_format == "0%"
    text = supervisor.get(f"/performance/teams/Team A{Q}&format=csv").content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("KPI,Unit,Actual,")
    assert f"{DAY}" not in text.splitlines()[0]
    assert ",20%," in text  # the repeat rate 0.2 as Excel reads a percentage


def test_a_team_outside_the_scope_downloads_nothing(world: World) -> None:
    _seed(world)
    _scorecards(world)
    supervisor = world.client(Role.supervisor)  # Team A only
    refused = supervisor.get(f"/performance/teams/Team B{Q}&format=xlsx")
    assert refused.status_code == 404
    assert "spreadsheetml" not in refused.headers["content-type"]
    agent = world.client(Role.agent)
    assert agent.get(f"/performance/teams/Team A{Q}&format=csv").status_code == 403
    assert agent.get(f"/performance/people/bob{Q}&format=csv").status_code == 404
