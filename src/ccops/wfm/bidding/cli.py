"""`ccops bid open|show|rank|award|apply`: shift bidding from the terminal."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from ccops.cli_support import console, handle_errors, print_json, print_table, who
from ccops.wfm.bidding import schemas

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

bid_app = typer.Typer(
    help="Shift bidding: open a bid on lines, rank, award by a published rule.",
    no_args_is_help=True,
)


def _print(out: schemas.BidOut, as_json: bool) -> None:
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(
        f"Bid {out.id} {out.name} ({out.site}, {out.first_day} to {out.last_day}): rule "
        f"{out.rule}"
        + (f", seed {out.seed}" if out.rule == "lottery" else "")
        + f"; closes {out.closes_at:%Y-%m-%d %H:%M} UTC; {out.status}; {out.rankings} rankings"
    )
    print_table(
        "Lines",
        [
            {
                "id": str(x.id),
                "line": x.label,
                "queues": ", ".join(x.queues),
                "h/week": f"{x.weekly_h:g}",
            }
            for x in out.lines
        ],
        ["id", "line", "queues", "h/week"],
    )
    if out.awards:
        print_table(
            "Awards",
            [
                {
                    "position": str(a.position),
                    "login": a.login,
                    "line": a.line or "-",
                    "why": a.reason,
                }
                for a in out.awards
            ],
            ["position", "login", "line", "why"],
        )


@bid_app.command("open")
@handle_errors
def open_bid(
    site: Annotated[str, typer.Option(help="Site name")],
    name: Annotated[str, typer.Option(help="The bid's name")],
    first_day: Annotated[str, typer.Option(help="First day of the period (YYYY-MM-DD)")],
    last_day: Annotated[str, typer.Option(help="Last day of the period (YYYY-MM-DD)")],
    closes_at: Annotated[str, typer.Option(help="When rankings close (ISO time with zone)")],
    rule: Annotated[str, typer.Option(help="seniority, rotating or lottery")] = "seniority",
    seed: Annotated[
        int | None, typer.Option(help="The lottery's published seed (needed for a lottery)")
    ] = None,
    round_no: Annotated[int, typer.Option(help="Rotating priority's round")] = 0,
    schedule_id: Annotated[
        int | None, typer.Option("--schedule", help="Lines from this schedule's shifts")
    ] = None,
    lines: Annotated[
        str | None,
        typer.Option(help='Lines as JSON: [{"template":..,"start":"08:00","weekdays":[0,1]}]'),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Open a bid on shift lines for a period."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.bidding import service

    data = schemas.BidIn.model_validate(
        {
            "site": site,
            "name": name,
            "first_day": first_day,
            "last_day": last_day,
            "closes_at": datetime.fromisoformat(closes_at.replace("Z", "+00:00")),
            "rule": rule,
            "seed": seed,
            "round_no": round_no,
            "schedule_id": schedule_id,
            "lines": json.loads(lines) if lines else [],
        }
    )
    with unit_of_work() as s:
        out = service.open_bid(session=s, data=data, created_by=who())
    _print(out, as_json)


@bid_app.command("show")
@handle_errors
def show(bid_id: Annotated[int, typer.Argument(help="Bid id")], as_json: JsonOpt = False) -> None:
    """A bid: its lines, rule, and the awards with each agent's position and reason."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.bidding import service

    with unit_of_work() as s:
        out = service.get_bid(session=s, bid_id=bid_id)
    _print(out, as_json)


@bid_app.command("award")
@handle_errors
def award(bid_id: Annotated[int, typer.Argument(help="Bid id")], as_json: JsonOpt = False) -> None:
    """Award a closed bid by its published rule."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.bidding import service

    with unit_of_work() as s:
        out = service.award(session=s, bid_id=bid_id)
    _print(out, as_json)


@bid_app.command("apply")
@handle_errors
def apply(
    bid_id: Annotated[int, typer.Argument(help="Bid id (awarded)")],
    schedule_id: Annotated[int, typer.Argument(help="Schedule version of a week in the bid")],
    as_json: JsonOpt = False,
) -> None:
    """Apply an awarded bid's lines to a schedule version: prints the new draft version."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.bidding import service

    with unit_of_work() as s:
        out = service.apply_awards(
            session=s, bid_id=bid_id, schedule_id=schedule_id, applied_by=who()
        )
    if as_json:
        print_json(out.model_dump(mode="json"))
    else:
        console.print(
            f"schedule {out.id}: {out.site} {out.week} version {out.version} ({out.status}), "
            f"{out.people} people, {out.shifts} shifts, {out.paid_hours or 0:g} paid h"
        )
