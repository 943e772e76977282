"""`ccops frontline ...`: put an executive on a queue for a shift, list the shifts with the
contacts handled, show one, cancel one that has not begun."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from ccops.cli_support import console, handle_errors, print_json, print_table, who
from ccops.wfm.frontline import schemas

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
frontline_app = typer.Typer(
    help="Executives' front-line shifts and the contacts handled on them.", no_args_is_help=True
)


@frontline_app.command("add")
@handle_errors
def add(
    login: str,
    queue: Annotated[str, typer.Option(help="Queue name")],
    start: Annotated[datetime, typer.Option(help="Start, ISO with time zone")],
    end: Annotated[datetime, typer.Option(help="End, ISO with time zone")],
    counts: Annotated[
        bool, typer.Option("--counts-as-coverage", help="Add the person to the queue's coverage")
    ] = False,
    note: Annotated[str, typer.Option(help="A note")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Schedule LOGIN (an executive or manager) on a queue for a 4- to 12-hour shift."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.frontline import service

    data = schemas.FrontlineIn.model_validate(
        {
            "login": login,
            "queue": queue,
            "start": start,
            "end": end,
            "counts_as_coverage": counts,
            "note": note,
        }
    )
    with unit_of_work() as s:
        out = service.schedule(session=s, data=data, by=who())
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    counted = "counted as coverage" if out.counts_as_coverage else "not counted as coverage"
    console.print(f"front-line shift {out.id}: {out.login} on {out.queue}, {counted}")


@frontline_app.command("list")
@handle_errors
def list_shifts(as_json: JsonOpt = False) -> None:
    """Every front-line shift, newest first, with the contacts handled on it."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.frontline import service

    with unit_of_work() as s:
        rows = service.shifts(session=s)
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Front-line shifts",
        [
            {
                "id": r.id,
                "login": r.login,
                "queue": r.queue,
                "start": r.start.isoformat(timespec="minutes"),
                "end": r.end.isoformat(timespec="minutes"),
                "coverage": "counted" if r.counts_as_coverage else "no",
                "handled": r.handled,
            }
            for r in rows
        ],
        ["id", "login", "queue", "start", "end", "coverage", "handled"],
    )


@frontline_app.command("show")
@handle_errors
def show(shift_id: int, as_json: JsonOpt = False) -> None:
    """One shift and the contacts handled on it."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.frontline import service

    with unit_of_work() as s:
        out = service.get(session=s, shift_id=shift_id)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    print_table(
        f"{out.login} on {out.queue}: {out.handled} contacts handled",
        [
            {
                "answered": c.answered_at.isoformat(timespec="seconds"),
                "queue": c.queue,
                "handle_s": round(c.handle_s),
                "outcome": c.outcome,
            }
            for c in out.contacts
        ],
        ["answered", "queue", "handle_s", "outcome"],
    )


@frontline_app.command("remove")
@handle_errors
def remove(shift_id: int) -> None:
    """Cancel a shift that has not begun."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.frontline import service

    with unit_of_work() as s:
        service.remove(session=s, shift_id=shift_id)
    console.print(f"front-line shift {shift_id} cancelled")
