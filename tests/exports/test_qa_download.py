"""The team QA summary downloads with the API's scores; executives still see teams only."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from ccops.enums import Role
from tests.factories.quality import ALL_TOP
from tests.factories.web import World
from tests.quality.test_routes import _body, _seed

PERIOD = {"first_day": "2026-11-02", "last_day": "2026-11-02"}


def test_qa_summary_workbook_and_csv_equal_the_api(world: World) -> None:
    seed = _seed(world)
    qa_client = world.client(Role.qa_analyst)
    for contact in seed["contacts"]["bob"]:
        qa_client.post("/api/v1/quality/evaluations", json=_body(seed, contact, ALL_TOP))
    manager = world.client(Role.manager)
    api = manager.get("/api/v1/quality/summary", params=PERIOD).json()
    page = manager.get("/quality/team", params=PERIOD)
    assert 'data-download="csv"' in page.text
    got = manager.get("/quality/team", params={**PERIOD, "format": "xlsx"})
    assert got.status_code == 200
    rows = list(load_workbook(io.BytesIO(got.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:6] == ("Team", "Site", "Person", "Login", "Evaluations", "QA score (0-100)")
    expected = []
    for team in api["teams"]:
        expected.append((team["team"], "(whole team)", team["score"]))
        expected.extend((team["team"], p["name"], p["score"]) for p in team["people"])
    assert [(r[0], r[2]) for r in rows[1:]] == [(t, n) for t, n, _ in expected]
    for row, (_team, _name, score) in zip(rows[1:], expected, strict=True):
        assert row[4:12] == (
            score["n"],
            score["mean_pct"],
            score["low_pct"],
            score["high_pct"],
            score["passes"],
            score["pass_rate"],
            score["pass_low"],
            score["pass_high"],
        )
    bob = next(r for r in rows if r[3] == "bob")
    assert bob[4] == 3 and type(bob[4]) is int and bob[5] == 100.0 and bob[12] == "no"
    text = manager.get("/quality/team", params={**PERIOD, "format": "csv"}).content
    table = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert len(table) == len(rows)
    executive = world.client(Role.executive).get(
        "/quality/team", params={**PERIOD, "format": "csv"}
    )
    people = [r[3] for r in csv.reader(io.StringIO(executive.content.decode("utf-8-sig")))][1:]
    assert people and all(p == "" for p in people)  # team rows only, as on the page


def test_the_qa_download_is_refused_to_an_agent(world: World) -> None:
    got = world.client(Role.agent).get("/quality/team", params={**PERIOD, "format": "xlsx"})
    assert got.status_code == 403
