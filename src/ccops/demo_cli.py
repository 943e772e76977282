"""`ccops demo seed` — build the demo contact centre into an empty database."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ccops.cli_support import console, handle_errors
from ccops.errors import Conflict, Invalid
from ccops.settings import get_settings

demo_app = typer.Typer(help="The demo contact centre.", no_args_is_help=True)


@demo_app.command("seed")
@handle_errors
def seed(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing (exit 0) if the database has data")
    ] = False,
    end: Annotated[
        str | None, typer.Option(help="Last day of history (default: yesterday, UTC)")
    ] = None,
) -> None:
    """Build the demo centre: 2 sites, 5 queues, 100+ agents, 13 weeks of contacts."""
    from ccops import demo
    from ccops.org import demo as org_demo
    from ccops.runtime import unit_of_work

    settings = get_settings()
    try:
        last = date.fromisoformat(end) if end else None
    except ValueError:
        raise Invalid(f"--end {end!r} is not a date (YYYY-MM-DD)") from None
    with unit_of_work(settings) as session:
        if org_demo.has_data(session=session):
            if if_empty:
                console.print("database already has data: demo not seeded")
                if org_demo.is_demo(session=session):
                    print_demo_users()
                return
            raise Conflict("the database is not empty: the demo centre goes only into a new one")
        with console.status("simulating 13 weeks of contacts…"):
            made = demo.seed(session, secret_key=settings.resolved_secret_key(), end=last)
    console.print(
        f"demo centre: {made['contacts']:,} contacts from {made['first_day']} to "
        f"{made['last_day']}; launch Monday {made['launch_monday']} (+30% from 09:00)"
    )
    print_demo_users()


def print_demo_users() -> None:
    """Print the demo sign-ins (demo databases only)."""
    from ccops.org import demo as org_demo

    console.print("demo sign-ins (user / password):")
    for login, role, _ in org_demo.DEMO_USERS:
        console.print(f"  {role.value:<11} {login} / {org_demo.demo_password(login)}")
