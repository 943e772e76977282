"""`ccops swaps ...`: the open swap board from the command line: every post (planners), the
board a person sees, posting a shift, taking and withdrawing a post for a person."""

from __future__ import annotations

from typing import Annotated

import typer

from ccops.cli_support import console, handle_errors, print_json, print_table
from ccops.wfm.swapboard import schemas

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
swaps_app = typer.Typer(help="The open swap board: post, take, withdraw.", no_args_is_help=True)

COLUMNS = ["id", "person", "day", "kind", "status", "shift", "taker", "outcome"]


def _rows(posts: list[schemas.PostOut]) -> list[dict[str, object]]:
    return [
        {
            "id": p.id,
            "person": p.person,
            "day": p.day.isoformat(),
            "kind": p.kind,
            "status": p.status,
            "shift": p.shift,
            "taker": p.taker or "",
            "outcome": p.outcome,
        }
        for p in posts
    ]


def _show(out: schemas.PostOut, as_json: bool, said: str) -> None:
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(said)


@swaps_app.command("list")
@handle_errors
def list_posts(as_json: JsonOpt = False) -> None:
    """Every post on the board, newest first, with what became of it."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.swapboard import service

    with unit_of_work() as s:
        rows = service.posts(session=s)
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table("Swap board", _rows(rows), COLUMNS)


@swaps_app.command("board")
@handle_errors
def board(
    login: Annotated[str, typer.Argument(help="The person whose board to show")],
    as_json: JsonOpt = False,
) -> None:
    """The open posts LOGIN may take (skills, contract, rest kept), then their own posts."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work
    from ccops.wfm.swapboard import service

    with unit_of_work() as s:
        person = org_service.get_person(session=s, login=login)
        rows = service.board(session=s, person_id=person.id)
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(f"Swap board of {login}", _rows(rows), COLUMNS)


@swaps_app.command("post")
@handle_errors
def post(
    login: Annotated[str, typer.Argument(help="The person who posts their shift")],
    day: Annotated[str, typer.Option(help="The day of the shift (YYYY-MM-DD)")],
    kind: Annotated[str, typer.Option(help="give (away) or trade")] = "give",
    note: Annotated[str, typer.Option(help="A note for colleagues")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Post LOGIN's published shift on a day; colleagues who may take it are told."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work
    from ccops.wfm.swapboard import service

    data = schemas.PostIn.model_validate({"day": day, "kind": kind, "note": note})
    with unit_of_work() as s:
        person = org_service.get_person(session=s, login=login)
        out = service.create(session=s, person_id=person.id, data=data)
    _show(out, as_json, f"post {out.id}: {login} {out.kind}s {out.shift}")


@swaps_app.command("take")
@handle_errors
def take(
    post_id: Annotated[int, typer.Argument(help="Post id")],
    login: Annotated[str, typer.Argument(help="The person who takes the shift")],
    as_json: JsonOpt = False,
) -> None:
    """Take a post for LOGIN: published at once when the rules allow, else to the planner."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work
    from ccops.wfm.swapboard import service

    with unit_of_work() as s:
        person = org_service.get_person(session=s, login=login)
        out = service.take(session=s, post_id=post_id, person_id=person.id)
    _show(out, as_json, f"post {out.id}: {out.status}. {out.outcome}".strip())


@swaps_app.command("withdraw")
@handle_errors
def withdraw(
    post_id: Annotated[int, typer.Argument(help="Post id")],
    login: Annotated[str, typer.Argument(help="The person who posted it")],
    as_json: JsonOpt = False,
) -> None:
    """Take LOGIN's own open post off the board."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work
    from ccops.wfm.swapboard import service

    with unit_of_work() as s:
        person = org_service.get_person(session=s, login=login)
        out = service.withdraw(session=s, post_id=post_id, person_id=person.id)
    _show(out, as_json, f"post {out.id}: {out.status}")
