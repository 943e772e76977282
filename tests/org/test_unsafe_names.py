"""Names with control, text-direction or invisible characters are refused everywhere a name is
typed (API, pages, CLI, import), naming the field; nothing is stored."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from ccops.cli import app
from ccops.enums import Role
from ccops.names import name_problem
from ccops.settings import Settings
from tests.factories.web import World, sign_in

RLO = "\u202e"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (f"Eve{RLO}txt.exe", "contains an invisible text-direction character (U+202E)"),
        ("Eve\u2066x\u2069", "contains an invisible text-direction character (U+2066)"),
        ("Eve\u200f", "contains an invisible text-direction character (U+200F)"),
        ("Eve\u061c", "contains an invisible text-direction character (U+061C)"),
        ("Eve\rBob", "contains a control character (U+000D)"),
        ("Eve\x07", "contains a control character (U+0007)"),
        ("Eve\u2028Bob", "contains a control character (U+2028)"),
        ("Eve\u200bBob", "contains an invisible formatting character (U+200B)"),
        ("\ufeffEve", "contains an invisible formatting character (U+FEFF)"),
    ],
)
def test_the_problem_names_the_character(text: str, problem: str) -> None:
    assert name_problem(text) == problem


@pytest.mark.parametrize(
    "text", ["Zoë O'Brien", "王小明", "کتاب\u200cها", "👩\u200d💻 Dev", '=HYPERLINK("x")']
)
def test_real_names_pass(text: str) -> None:
    assert name_problem(text) is None


def _names(world: World, what: str) -> list[str]:
    return [row["name"] for row in world.client(Role.admin).get(f"/api/v1/{what}").json()]


def test_the_api_refuses_them_naming_the_field_and_stores_nothing(world: World) -> None:
    admin = world.client(Role.admin)
    person = admin.post(
        "/api/v1/people", json={"name": f"Eve{RLO}txt.exe", "login": "eve", "site": "Main"}
    )
    assert person.status_code == 422
    [problem] = person.json()["problems"]
    assert problem["field"] == "name"
    assert problem["message"] == (
        "Value error, name contains an invisible text-direction character (U+202E)"
    )
    login = admin.post("/api/v1/people", json={"name": "Eve", "login": "eve\x07", "site": "Main"})
    assert login.status_code == 422
    assert login.json()["problems"][0]["field"] == "login"
    assert "control character (U+0007)" in login.json()["problems"][0]["message"]
    team = admin.post("/api/v1/teams", json={"name": "Night\rShift", "site": "Main"})
    assert team.status_code == 422 and team.json()["problems"][0]["field"] == "name"
    renamed = admin.patch("/api/v1/sites/Main", json={"name": f"Main{RLO}"})
    assert renamed.status_code == 422 and renamed.json()["problems"][0]["field"] == "name"
    assert "eve" not in [p["login"] for p in admin.get("/api/v1/people").json()]
    assert sorted(_names(world, "sites")) == ["Main", "Other"]
    assert sorted(_names(world, "teams")) == ["Team A", "Team B", "Team C"]
    joined = admin.post(
        "/api/v1/people", json={"name": "کتاب\u200cها", "login": "ketab", "site": "Main"}
    )
    assert joined.status_code == 201 and joined.json()["name"] == "کتاب\u200cها"


def test_the_form_marks_the_field_with_a_translated_message(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-admin")
    bad = client.post(
        "/admin/sites", data={"name": f"North{RLO}", "timezone": "UTC", "csrf_token": csrf}
    )
    assert bad.status_code == 422
    assert re.search(r'id="f-name"[^>]*aria-invalid="true"', bad.text)
    assert "Contains an invisible character that reverses how text is shown (U+202E)" in bad.text
    client.cookies.set("ccops_lang", "zh_Hans")
    zh = client.post(
        "/admin/sites", data={"name": "North\x1b", "timezone": "UTC", "csrf_token": csrf}
    )
    assert zh.status_code == 422 and "包含控制字符（U+001B）" in zh.text
    assert sorted(_names(world, "sites")) == ["Main", "Other"]


def test_the_cli_refuses_them_naming_the_field(cli: CliRunner, settings: Settings) -> None:
    refused = cli.invoke(app, ["sites", "create", f"Eve{RLO}", "--timezone", "UTC"])
    assert refused.exit_code == 2
    assert "name: Value error, name contains an invisible text-direction character (U+202E)" in (
        refused.output.replace("\n", "")
    )
    made = cli.invoke(app, ["sites", "create", "Eve", "--timezone", "UTC"])
    assert made.exit_code == 0, made.output
