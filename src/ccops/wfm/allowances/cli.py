"""`ccops timeoff balance|planner|policy|policies`: time-off allowances from the terminal."""

from __future__ import annotations

from typing import Annotated

import typer

from ccops.cli_support import console, handle_errors, print_json, print_table, who
from ccops.wfm.allowances import schemas

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

timeoff_app = typer.Typer(
    help="Time-off allowances: balances, the vacation planner, leave policies.",
    no_args_is_help=True,
)


@timeoff_app.command("balance")
@handle_errors
def balance(
    login: Annotated[str, typer.Argument(help="The person's login")],
    year: Annotated[int | None, typer.Option(help="Calendar year (default: this year)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A person's time-off balance: allowance, taken, planned and remaining hours."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.allowances import service

    with unit_of_work() as s:
        out = service.balance(session=s, login=login, year=year)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    print_table(
        f"Time off of {out.name} ({out.login}), {out.year}, contract {out.contract or '-'}",
        [
            {k: f"{v:g}" for k, v in out.model_dump().items() if k.endswith("_h")},
        ],
        [
            "allowance_h",
            "accrued_h",
            "taken_h",
            "planned_h",
            "pending_h",
            "remaining_h",
            "bookable_h",
        ],
    )


@timeoff_app.command("planner")
@handle_errors
def planner(
    team: Annotated[str, typer.Option(help="Team name")],
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2026-W48")],
    as_json: JsonOpt = False,
) -> None:
    """A team's week: open time-off slots per day, who is off and who waits."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.allowances import service

    with unit_of_work() as s:
        out = service.planner(session=s, team=team, week=week)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    print_table(
        f"Vacation planner: {out.team} ({out.site}), {out.week}; queues {', '.join(out.queues)}",
        [
            {
                "day": f"{d.day:%a %Y-%m-%d}",
                "slots open": str(d.slots_open),
                "off": ", ".join(d.off),
                "waiting": ", ".join(d.waiting),
                "note": d.note,
            }
            for d in out.days
        ],
        ["day", "slots open", "off", "waiting", "note"],
    )


@timeoff_app.command("policy")
@handle_errors
def policy(
    contract: Annotated[str, typer.Option(help="Work contract name")],
    annual_h: Annotated[float, typer.Option(help="Hours of time off per calendar year")],
    accrual: Annotated[str, typer.Option(help="upfront or monthly")] = "upfront",
    hours_per_day: Annotated[
        float, typer.Option(help="Hours a day off books when no shift measures it")
    ] = 8.0,
    auto_grant: Annotated[
        bool, typer.Option(help="Grant requests inside the open slots and the balance")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Set a work contract's time-off allowance."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.allowances import service

    data = schemas.PolicyIn.model_validate(
        {
            "contract": contract,
            "annual_h": annual_h,
            "accrual": accrual,
            "hours_per_day": hours_per_day,
            "auto_grant": auto_grant,
        }
    )
    with unit_of_work() as s:
        out = service.set_policy(session=s, data=data, updated_by=who())
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(
        f"Contract {out.contract}: {out.annual_h:g} h a year ({out.accrual}), "
        f"{out.hours_per_day:g} h a day, automatic grants {'on' if out.auto_grant else 'off'}."
    )


@timeoff_app.command("policies")
@handle_errors
def policies(as_json: JsonOpt = False) -> None:
    """Every work contract's time-off allowance."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.allowances import service

    with unit_of_work() as s:
        out = service.list_policies(session=s)
    if as_json:
        print_json([p.model_dump(mode="json") for p in out])
        return
    print_table(
        "Leave policies",
        [
            {
                "contract": p.contract,
                "annual_h": f"{p.annual_h:g}",
                "accrual": p.accrual,
                "hours_per_day": f"{p.hours_per_day:g}",
                "auto_grant": "yes" if p.auto_grant else "no",
            }
            for p in out
        ],
        ["contract", "annual_h", "accrual", "hours_per_day", "auto_grant"],
    )
