"""`ccops overtime ...`: offer overtime or VTO slots, list offers, accept one for a person."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from ccops.cli_support import console, handle_errors, print_json, print_table, who
from ccops.wfm.overtime import schemas

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
overtime_app = typer.Typer(help="Overtime and VTO offers.", no_args_is_help=True)


@overtime_app.command("offer")
@handle_errors
def offer(
    site: Annotated[str, typer.Option(help="Site name")],
    queue: Annotated[str, typer.Option(help="Queue name")],
    start: Annotated[datetime, typer.Option(help="Start, ISO with time zone")],
    end: Annotated[datetime, typer.Option(help="End, ISO with time zone")],
    slots: Annotated[int, typer.Option(help="How many people")],
    template: Annotated[str, typer.Option(help="Shift template whose cost per hour applies")],
    kind: Annotated[str, typer.Option(help="overtime or vto")] = "overtime",
    premium: Annotated[float, typer.Option(help="Overtime pay multiplier")] = 1.5,
    note: Annotated[str, typer.Option(help="A note for the people")] = "",
    quote: Annotated[bool, typer.Option("--quote", help="Show the cost only")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Send an offer (or, with --quote, show its cost without sending it)."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.overtime import service

    data = schemas.OfferIn.model_validate(
        {
            "site": site,
            "queue": queue,
            "kind": kind,
            "start": start,
            "end": end,
            "slots": slots,
            "template": template,
            "premium": premium,
            "note": note,
        }
    )
    with unit_of_work() as s:
        if quote:
            cost = service.quote(session=s, data=data)
            if as_json:
                print_json(cost)
            else:
                console.print(
                    f"{cost['hours']:g} h; {cost['cost_per_slot']:g} per slot; "
                    f"{cost['total_cost']:g} in all"
                )
            return
        out = service.create(session=s, data=data, created_by=who())
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"offer {out.id}: {out.kind} {out.slots} slot(s), cost {out.total_cost:g}")


@overtime_app.command("list")
@handle_errors
def list_offers(as_json: JsonOpt = False) -> None:
    """Every offer, newest first."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.overtime import service

    with unit_of_work() as s:
        rows = service.offers(session=s, person_id=None, everything=True)
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Overtime and VTO offers",
        [
            {
                **r.model_dump(),
                "accepted_by": ", ".join(r.accepted_by),
                "start": f"{r.start:%Y-%m-%d %H:%M}",
            }
            for r in rows
        ],
        [
            "id",
            "kind",
            "site",
            "queue",
            "start",
            "hours",
            "slots",
            "taken",
            "total_cost",
            "status",
            "accepted_by",
        ],
    )


@overtime_app.command("accept")
@handle_errors
def accept(
    offer_id: Annotated[int, typer.Argument(help="Offer id")],
    login: Annotated[str, typer.Option(help="The person who accepts")],
    as_json: JsonOpt = False,
) -> None:
    """Accept a slot for a person: a new schedule version is published."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work
    from ccops.wfm.overtime import service

    with unit_of_work() as s:
        person = org_service.get_person(session=s, login=login)
        out = service.accept(session=s, offer_id=offer_id, person_id=person.id)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"{login} accepted offer {out.id}: {out.taken}/{out.slots} taken ({out.status})")
