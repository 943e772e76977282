"""`ccops events follow|send|ami`, `ccops intraday status|explain|rebuild`, `ccops exceptions ...`.

The services (and the database, numpy, the solvers they pull in) are imported inside the
commands, so that ``ccops --help`` stays quick."""

from __future__ import annotations

import getpass
import time
from pathlib import Path
from typing import Annotated

import typer

from ccops.cli_support import console, day_text, handle_errors, print_json, print_table
from ccops.errors import Invalid, Problem, no_such_file
from ccops.relative_days import DAY_HELP
from ccops.settings import get_settings
from ccops.wfm.intraday import schemas

events_app = typer.Typer(help="Live contact and agent-state events.", no_args_is_help=True)
intraday_app = typer.Typer(help="The intraday view and its explanations.", no_args_is_help=True)
exceptions_app = typer.Typer(help="Exception plans and exceptions.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x:.1%}"


def _num(x: float | None, digits: int = 1) -> str:
    return "" if x is None else f"{x:.{digits}f}"


@events_app.command("send")
@handle_errors
def send(
    path: Annotated[Path, typer.Argument(help="A file of JSON lines (one event per line)")],
    as_json: JsonOpt = False,
) -> None:
    """Send a file of JSON-line events through the intake (as POST /api/v1/events does)."""
    if not path.is_file():
        raise no_such_file(path)
    from ccops import flows
    from ccops.runtime import unit_of_work

    settings = get_settings()
    with unit_of_work() as session:
        out = flows.ingest_events(
            session=session,
            events=path.read_text(encoding="utf-8").splitlines(),
            secret_key=settings.resolved_secret_key(),
        )
    _print_intake(out, as_json)


def _print_intake(out: schemas.IntakeOut, as_json: bool) -> None:
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(
        f"{out.accepted} accepted, {out.duplicate} duplicate, {out.stale} stale, "
        f"{out.rejected} rejected "
        f"({out.seconds:.3f} s)"
    )
    for r in out.results:
        if r.status == "rejected":
            console.print(f"  line {r.line}: {r.id or ''} {r.detail}", highlight=False)


@events_app.command("follow")
@handle_errors
def follow(
    path: Annotated[Path, typer.Argument(help="A growing Asterisk queue_log or CSV call log")],
    format: Annotated[
        str, typer.Option("--format", help="asterisk-queue-log or csv")
    ] = "asterisk-queue-log",
    kind: Annotated[str, typer.Option(help="csv only: contacts or agent_states")] = "contacts",
    mapping: Annotated[Path | None, typer.Option(help="csv only: TOML column mapping")] = None,
    poll_s: Annotated[float, typer.Option(help="Seconds between looks at the file")] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="Send what is there, then stop")] = False,
    until_idle: Annotated[
        float | None, typer.Option(help="Stop after this many seconds without new events")
    ] = None,
    site: Annotated[
        str | None,
        typer.Option(
            help="The site the file belongs to: its queues are this site's (a queue of another "
            "site is refused), times without an offset are its wall clock"
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Tail a growing file and send its new contacts and agent states to the intake.

    Each row becomes an event whose id holds its content, so a row seen again is a duplicate
    and a row that changed (a call that ended, a span that closed) updates its record. A call
    still waiting is sent as an arrival, one answered as answered (no end yet); calls open
    when the file is rotated are completed from the new file.
    """
    if format not in ("asterisk-queue-log", "csv"):
        raise Invalid(
            f"--format {format!r}: use asterisk-queue-log or csv",
            [Problem("unknown format", field="format")],
        )
    from ccops import flows
    from ccops.runtime import unit_of_work
    from ccops.wfm.intraday.intake.follow import FollowState

    settings = get_settings()
    site_id: int | None = None
    if site is not None:
        with unit_of_work() as session:
            site_id = flows.feed_site_id(session=session, name=site)
    state = FollowState()
    sent = state.sent
    idle_since = time.monotonic()
    totals = {"accepted": 0, "duplicate": 0, "rejected": 0}
    while True:
        with unit_of_work() as session:
            out = flows.follow_file_once(
                session=session,
                path=path,
                fmt=format,
                secret_key=settings.resolved_secret_key(),
                sent=sent,
                kind=kind,
                mapping=mapping,
                state=state,
                site_id=site_id,
            )
        if out is not None:
            idle_since = time.monotonic()
            for key in totals:
                totals[key] += getattr(out, key)
            if not as_json:
                _print_intake(out, False)
        if once or (until_idle is not None and time.monotonic() - idle_since >= until_idle):
            break
        time.sleep(poll_s)
    if as_json:
        print_json(totals)


@events_app.command("ami")
@handle_errors
def ami(
    host: Annotated[str, typer.Option(help="The Asterisk server (AMI)")],
    username: Annotated[str, typer.Option(help="The AMI user (manager.conf)")],
    port: Annotated[int, typer.Option(help="The AMI port")] = 5038,
    secret_env: Annotated[
        str, typer.Option(help="The environment variable holding the AMI secret")
    ] = "CCOPS_AMI_SECRET",
    site: Annotated[
        str | None,
        typer.Option(
            help="The PBX's site: its queues are this site's (a queue of another site is "
            "refused), agents of other sites too"
        ),
    ] = None,
    queue_log: Annotated[
        Path | None,
        typer.Option(help="The server's queue_log, read again to fill a gap after a reconnect"),
    ] = None,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: until Ctrl-C)")
    ] = None,
    until_idle: Annotated[
        float | None, typer.Option(help="Stop after this many seconds without an AMI event")
    ] = None,
    backoff_max: Annotated[
        float, typer.Option(help="Longest wait between reconnection attempts (seconds)")
    ] = 60.0,
    max_failures: Annotated[
        int | None, typer.Option(help="Give up after this many failed connections in a row")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Receive Asterisk's queue events live over AMI and send them to the intake.

    QueueCallerJoin/Leave/Abandon and AgentConnect/Complete become contacts, QueueMemberStatus
    and QueueMemberPause agent states (see the planner's guide for the mapping). A lost
    connection is tried again with a growing delay; with --queue-log the gap is filled from the
    queue_log. Calls still open when it stops are kept and completed by the next run.
    """
    import asyncio
    import os

    secret = os.environ.get(secret_env)
    if not secret:
        raise Invalid(
            f"set the AMI secret in the environment variable {secret_env}",
            [Problem(f"{secret_env} is not set", field="secret_env")],
        )
    if queue_log is not None and not queue_log.is_file():
        raise no_such_file(queue_log)
    from ccops import flows
    from ccops.contacts.importers.asterisk import PendingCall
    from ccops.contacts.importers.asterisk_ami import AmiMapper
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work
    from ccops.wfm.intraday.intake import ami as ami_feed

    settings = get_settings()
    source = ami_feed.pending_source(site)
    allowed: frozenset[int] | None = None
    site_id: int | None = None
    with unit_of_work() as session:
        if site is not None:
            site_id = org_service.find_site(session=session, name=site).id
            allowed = frozenset({site_id})
        pending, aliases = flows.ami_start(session=session, source=source)
    origin = f"AMI {host}:{port}"

    def sink(
        events: list[dict[str, object]], open_calls: list[PendingCall]
    ) -> schemas.IntakeOut | None:
        with unit_of_work() as session:
            out = flows.ingest_ami_batch(
                session=session,
                events=events,
                open_calls=open_calls,
                source=source,
                origin=origin,
                secret_key=settings.resolved_secret_key(),
                allowed_site_ids=allowed,
                site_id=site_id,
            )
        if out is not None and not as_json:
            _print_intake(out, False)
        return out

    config = ami_feed.AmiConfig(
        host=host,
        port=port,
        username=username,
        secret=secret,
        backoff_max_s=backoff_max,
        max_failures=max_failures,
    )
    feed = ami_feed.AmiFeed(
        config,
        mapper=AmiMapper(aliases=aliases, pending=pending),
        sink=sink,
        queue_log=queue_log,
        aliases=aliases,
        resume_from=max((c.last for c in pending), default=None),
    )
    if not as_json:
        console.print(f"connecting to {origin} ({len(pending)} call(s) still open)")
    try:
        stats = asyncio.run(feed.run(duration_s=duration, until_idle_s=until_idle))
    except KeyboardInterrupt:
        stats = feed.stats
    summary = {
        "connections": stats.connections,
        "failed_connections": stats.failures,
        "ami_events": stats.ami_events,
        "accepted": stats.accepted,
        "duplicate": stats.duplicate,
        "stale": stats.stale,
        "rejected": stats.rejected,
        "backfills": stats.backfills,
        "open_calls": len(feed.mapper.open_calls()),
    }
    if as_json:
        print_json(summary)
    else:
        console.print(", ".join(f"{v} {k.replace('_', ' ')}" for k, v in summary.items()))


@intraday_app.command("status")
@handle_errors
def status(
    queue: Annotated[str, typer.Option(help="Queue name")],
    date: Annotated[str | None, typer.Option(help="Local date, default today: " + DAY_HELP)] = (
        None
    ),
    as_json: JsonOpt = False,
) -> None:
    """Forecast, actual, reforecast, required, scheduled and staffed per interval of a day."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.intraday import service as intraday_service

    with unit_of_work() as session:
        out = intraday_service.status(
            session=session, queue=queue, day=intraday_service.parse_day(day_text(date))
        )
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    rows = [
        {
            "interval": iv.local_start.strftime("%H:%M"),
            "forecast": _num(iv.forecast),
            "offered": iv.offered if iv.state != "future" else "",
            "reforecast": _num(iv.reforecast),
            "required": iv.required,
            "scheduled": _num(iv.scheduled),
            "staffed": _num(iv.staffed),
            "SL": _pct(iv.service_level),
            "abandon": _pct(iv.abandon_rate),
            "ASA s": _num(iv.asa_s),
            "occupancy": _pct(iv.occupancy),
        }
        for iv in out.intervals
        if iv.forecast or iv.offered or iv.staffed
    ]
    print_table(
        f"{out.queue} on {out.date} (as of {out.as_of:%H:%M} UTC; reforecast x"
        f"{out.reforecast_factor:.3f})",
        rows,
        list(rows[0]) if rows else ["interval"],
    )
    for note in out.notes:
        console.print(f"note: {note}", highlight=False)


@intraday_app.command("explain")
@handle_errors
def explain(
    date: Annotated[str, typer.Option(help="Local date: " + DAY_HELP)],
    queue: Annotated[str | None, typer.Option(help="Queue name (default every queue)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Split each queue's service-level shortfall into volume, handle time, staffing, schedule
    loss and other (service-level points), with a report in words."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.intraday import service as intraday_service

    day = intraday_service.parse_day(day_text(date))
    assert day is not None
    with unit_of_work() as session:
        out = intraday_service.explain(session=session, day=day, queue=queue)
    if as_json:
        print_json([o.model_dump(mode="json") for o in out])
        return
    for o in out:
        console.print(o.report, highlight=False)


@intraday_app.command("rebuild")
@handle_errors
def rebuild(
    queue: Annotated[str, typer.Option(help="Queue name")],
    date: Annotated[str, typer.Option(help="Local date: " + DAY_HELP)],
) -> None:
    """Recompute a queue-day's interval aggregates from stored records (after a file import)."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.intraday import service as intraday_service
    from ccops.wfm.intraday import totals

    day = intraday_service.parse_day(day_text(date))
    assert day is not None
    with unit_of_work() as session:
        n = totals.rebuild_queue_day(session=session, queue=queue, day=day)
    console.print(f"{n} intervals of {queue} on {day} rebuilt")


@exceptions_app.command("list")
@handle_errors
def list_exceptions(
    status: Annotated[
        str | None, typer.Option(help="open, acknowledged, actioned, closed or active")
    ] = None,
    queue: Annotated[str | None, typer.Option(help="Queue name")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List exceptions, newest first."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.intraday import exceptions as exception_service

    with unit_of_work() as session:
        out = exception_service.list_exceptions(session=session, status=status, queue=queue)
    if as_json:
        print_json([o.model_dump(mode="json") for o in out])
        return
    print_table(
        "Exceptions",
        [
            {
                "id": o.id,
                "queue": o.queue,
                "day": o.day,
                "tier": o.tier,
                "status": o.status,
                "extra agents": o.recommended_extra_agents,
                "summary": o.summary,
            }
            for o in out
        ],
        ["id", "queue", "day", "tier", "status", "extra agents", "summary"],
    )


def _step(exception_id: int, action: str, note: str) -> None:
    from ccops.runtime import unit_of_work
    from ccops.wfm.intraday import exceptions as exception_service

    with unit_of_work() as session:
        out = exception_service.step(
            session=session,
            exception_id=exception_id,
            action=action,
            actor=getpass.getuser(),
            note=note,
        )
    console.print(f"exception {out.id} is {out.status}")


@exceptions_app.command("acknowledge")
@handle_errors
def acknowledge(exception_id: Annotated[int, typer.Argument(help="Exception id")]) -> None:
    """Acknowledge an exception (recorded in its trail)."""
    _step(exception_id, "acknowledge", "")


@exceptions_app.command("action")
@handle_errors
def action(
    exception_id: Annotated[int, typer.Argument(help="Exception id")],
    note: Annotated[str, typer.Option(help="What was done")],
) -> None:
    """Record what was done about an exception."""
    _step(exception_id, "action", note)


@exceptions_app.command("close")
@handle_errors
def close(
    exception_id: Annotated[int, typer.Argument(help="Exception id")],
    note: Annotated[str, typer.Option(help="Closing note")] = "",
) -> None:
    """Close an exception."""
    _step(exception_id, "close", note)


@exceptions_app.command("plan")
@handle_errors
def plan(
    path: Annotated[Path, typer.Argument(help="A JSON file of an exception plan (PlanIn)")],
    as_json: JsonOpt = False,
) -> None:
    """Store an exception plan from a JSON file."""
    if not path.is_file():
        raise no_such_file(path)
    from ccops.runtime import unit_of_work
    from ccops.wfm.intraday import exceptions as exception_service

    data = schemas.PlanIn.model_validate_json(path.read_text(encoding="utf-8"))
    with unit_of_work() as session:
        out = exception_service.create_plan(
            session=session, data=data, created_by=getpass.getuser()
        )
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"exception plan {out.id} {out.name!r} stored with {len(out.rules)} rules")
