"""`ccops people import FILE`: 300 people from one CSV or XLSX, validated whole, all or nothing."""

from __future__ import annotations

import io
import json
import re
import time
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.enums import Role
from ccops.org import schemas
from ccops.org import service as org_service
from tests.factories import make_org
from tests.factories.web import World, sign_in

HEADING = "login,name,site,team,position,skills,hire_date\n"


def _org(session: Session) -> None:
    make_org(session, queues=("Sales", "Billing"))
    org_service.create_team(session=session, data=schemas.TeamIn(name="Team A", site="Main"))
    session.commit()


def test_three_hundred_people_in_one_command(
    cli: CliRunner, session: Session, tmp_path: Path
) -> None:
    _org(session)
    lines = [
        f"agent{n:03d},Agent {n} 王,Main,{'Team A' if n % 2 else 'Team New'},agent,"
        f'"Sales:{1 + n % 10}, Billing",2025-{1 + n % 12:02d}-01\n'
        for n in range(300)
    ]
    path = tmp_path / "people.csv"
    path.write_text(HEADING + "".join(lines), encoding="utf-8-sig")
    started = time.perf_counter()
    result = cli.invoke(app, ["people", "import", str(path), "--create-teams", "--json"])
    took = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["created"] == 300 and body["teams_created"] == ["Team New"]
    assert took < 60
    people = {p.login: p for p in org_service.list_people(session=session)}
    assert len(people) == 302  # alice and bob of make_org
    seven = people["agent007"]
    assert (seven.name, seven.team, seven.hire_date) == ("Agent 7 王", "Team A", date(2025, 8, 1))
    assert {(s.queue, s.level) for s in seven.skills} == {("Sales", 8), ("Billing", 5)}


def test_every_bad_row_is_named_and_nothing_is_stored(
    cli: CliRunner, session: Session, tmp_path: Path
) -> None:
    _org(session)
    rows = (
        HEADING
        + "ok1,Ok One,Main,Team A,agent,Sales,2025-01-01\n"  # row 2: good
        + "alice,Dup Alice,Main,,agent,,\n"  # row 3: login exists
        + "ok4,Bad Date,Main,,agent,,2025-13-01\n"  # row 4: bad date
        + "ok5,No Site,Nowhere,,agent,,\n"  # row 5: unknown site
        + "ok6,Bad Position,Main,,pilot,,\n"  # row 6: unknown position
        + "ok1,Twice,Main,,agent,,\n"  # row 7: login twice in the file
        + "ok8,No Queue,Main,,agent,Fishing:3,\n"  # row 8: unknown queue
        + "ok9,No Team,Main,Team Z,agent,,\n"  # row 9: unknown team (not created)
        + ",,Main,,agent,,\n"  # row 10: login and name missing
    )
    path = tmp_path / "bad.csv"
    path.write_text(rows, encoding="utf-8")
    result = cli.invoke(app, ["people", "import", str(path), "--json"])
    assert result.exit_code == 2, result.output
    body = json.loads(result.stdout)
    assert "nothing was stored" in body["message"]
    named = {(p["row"], p["field"]) for p in body["problems"]}
    assert {p["file"] for p in body["problems"]} == {"bad.csv"}
    assert {3, 4, 5, 6, 7, 8, 9, 10} == {row for row, _ in named}
    assert (3, "login") in named and (4, "hire_date") in named and (6, "position") in named
    assert (7, "login") in named
    assert (10, "login") in named and (10, "name") in named and (9, "team") in named
    assert 2 not in {row for row, _ in named}
    assert {p.login for p in org_service.list_people(session=session)} == {"alice", "bob"}
    text = cli.invoke(app, ["people", "import", str(path)])
    assert "bad.csv, row 6, field position: unknown position 'pilot'" in text.output


def test_an_excel_file_loads_with_date_cells(
    cli: CliRunner, session: Session, tmp_path: Path
) -> None:
    _org(session)
    book = Workbook()
    sheet = book.active
    sheet.append(["Login", "Name", "Site", "Team", "Role", "Skills", "Hire date"])
    sheet.append(["x1", "Xu Yi", "Main", "Team A", "supervisor", "Billing:9", date(2024, 2, 29)])
    sheet.append([None] * 7)
    sheet.append([1002, "Number Login", "Main", None, None, None, None])
    handle = io.BytesIO()
    book.save(handle)
    path = tmp_path / "people.xlsx"
    path.write_bytes(handle.getvalue())
    result = cli.invoke(app, ["people", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "people.xlsx: 2 people created." in result.output
    people = {p.login: p for p in org_service.list_people(session=session)}
    assert people["x1"].role.value == "supervisor" and people["x1"].hire_date == date(2024, 2, 29)
    assert "1002" in people


def test_a_file_that_is_not_a_people_file_is_refused(
    cli: CliRunner, session: Session, tmp_path: Path
) -> None:
    _org(session)
    path = tmp_path / "calls.csv"
    path.write_text("external_id,queue,arrival\n1,Sales,2024-01-01\n", encoding="utf-8")
    result = cli.invoke(app, ["people", "import", str(path), "--json"])
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    fields = {(p["row"], p["field"]) for p in problems}
    assert (1, "external_id") in fields and (1, "login") in fields and (1, "name") in fields
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADING + "z1,Zoë,Main,,,,\n").encode("latin-1"))
    refused = cli.invoke(app, ["people", "import", str(latin)])
    assert refused.exit_code == 2 and "not UTF-8" in refused.output
    missing = cli.invoke(app, ["people", "import", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_the_people_page_takes_a_file_whole_or_lists_every_bad_row(world: World) -> None:
    client = world.client()
    csrf = sign_in(client, "u-manager")  # scope: the Main site
    page = client.get("/admin/people")
    assert 'action="/admin/people-import"' in page.text
    bad = (
        HEADING
        + "p1,Person One,Main,Team A,agent,Sales:7,2025-01-01\n"
        + "p2,Person Two,Other,Team C,agent,,\n"  # row 3: a site outside the manager's scope
        + "p3,=HYPERLINK(1),Main,Team A,pilot,,\n"  # row 4: unknown position
    )
    refused = client.post(
        "/admin/people-import",
        data={"csrf_token": csrf},
        files={"file": ("team.csv", bad.encode(), "text/csv")},
    )
    assert refused.status_code == 422
    table = refused.text.split('id="people-file-problems"')[1].split("</table>")[0]
    assert re.findall(r'<td class="num">(\d+)</td>', table) == ["3", "4"]
    assert "unknown position" in table and "team.csv" in table
    admin = world.client(Role.admin)
    logins = {p["login"] for p in admin.get("/api/v1/people").json()}
    assert "p1" not in logins
    good = HEADING + "p1,Person One,Main,Team A,agent,Sales:7,2025-01-01\n"
    done = client.post(
        "/admin/people-import",
        data={"csrf_token": csrf},
        files={"file": ("team.csv", good.encode(), "text/csv")},
    )
    assert done.status_code == 303
    assert "team.csv: 1 people are added." in client.get("/admin/people").text
    assert "p1" in {p["login"] for p in admin.get("/api/v1/people").json()}
    nothing = client.post("/admin/people-import", data={"csrf_token": csrf})
    assert nothing.status_code == 422 and "Choose a file to import." in nothing.text
    agent = world.client(Role.agent).post(
        "/admin/people-import", files={"file": ("team.csv", good.encode(), "text/csv")}
    )
    assert agent.status_code == 403


def test_contracts_and_sign_ins_come_from_the_same_file(
    cli: CliRunner, session: Session, tmp_path: Path
) -> None:
    from ccops.auth_hash import verify_password
    from ccops.org.models import User
    from ccops.wfm.schedules import schemas as schedule_schemas
    from ccops.wfm.schedules import setup as schedule_setup
    from ccops.wfm.schedules.models import PersonContract, WorkContract

    _org(session)
    schedule_setup.create_contract(
        session=session,
        data=schedule_schemas.ContractIn(
            name="full-time 40h",
            weekly_min_h=32,
            weekly_max_h=40,
            days_min=4,
            days_max=5,
            max_consecutive_days=5,
            min_rest_h=11,
            max_nights=0,
            max_weekend_days=2,
        ),
    )
    session.commit()
    heading = "login,name,site,team,position,contract,sign_in,sign_in_scope\n"
    rows = (
        "a1,Agent One,Main,Team A,agent,full-time 40h,agent,\n"
        "t1,Leader One,Main,Team A,supervisor,,supervisor,teams\n"
        "a2,Agent Two,Main,Team A,agent,full-time 40h,,\n"
    )
    path = tmp_path / "people.csv"
    path.write_text(heading + rows, encoding="utf-8")
    result = cli.invoke(app, ["people", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["created"] == 3 and body["contracts"] == 2
    passwords = {s["login"]: s["temporary_password"] for s in body["sign_ins"]}
    assert set(passwords) == {"a1", "t1"}
    session.expire_all()
    users = {u.login: u for u in session.query(User).filter(User.login.in_(["a1", "t1", "a2"]))}
    assert set(users) == {"a1", "t1"}
    assert users["a1"].scope == "own" and users["t1"].scope == "teams"
    assert verify_password(users["a1"].password_hash, passwords["a1"])
    assert passwords["a1"] not in users["a1"].password_hash  # stored hashed, never clear
    contract_of = dict(
        session.query(PersonContract.person_id, WorkContract.name).join(WorkContract).all()
    )
    people = {p.login: p.id for p in org_service.list_people(session=session)}
    assert contract_of[people["a1"]] == contract_of[people["a2"]] == "full-time 40h"

    # an unknown contract, a bad sign-in role and a scope without a role: all named, nothing kept
    bad = (
        "b1,Bad One,Main,Team A,agent,part-time 99h,,\n"
        "b2,Bad Two,Main,Team A,agent,,pilot,\n"
        "b3,Bad Three,Main,Team A,agent,,,sites\n"
    )
    path.write_text(heading + bad, encoding="utf-8")
    refused = cli.invoke(app, ["people", "import", str(path), "--json"])
    assert refused.exit_code != 0
    problems = json.loads(refused.stdout)["problems"]
    assert [(p["row"], p["field"]) for p in problems] == [
        (2, "contract"),
        (3, "sign_in"),
        (4, "sign_in"),
    ]
    assert "contract 'part-time 99h' does not exist" in problems[0]["message"]
    session.expire_all()
    assert not {"b1", "b2", "b3"} & {p.login for p in org_service.list_people(session=session)}


def test_only_an_administrator_creates_sign_ins_from_a_file(world: World) -> None:
    heading = "login,name,site,team,position,sign_in\n"
    good = heading + "s1,Sign One,Main,Team A,agent,agent\n"
    manager = world.client()
    csrf = sign_in(manager, "u-manager")
    refused = manager.post(
        "/admin/people-import",
        data={"csrf_token": csrf},
        files={"file": ("team.csv", good.encode(), "text/csv")},
    )
    assert refused.status_code == 422
    assert "only an administrator creates sign-ins" in refused.text
    admin = world.client()
    csrf = sign_in(admin, "u-admin")
    done = admin.post(
        "/admin/people-import",
        data={"csrf_token": csrf},
        files={"file": ("team.csv", good.encode(), "text/csv")},
    )
    assert done.status_code == 200
    table = done.text.split('id="people-file-sign-ins"')[1].split("</table>")[0]
    assert "<td>s1</td>" in table and "<code>" in table
