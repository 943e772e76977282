"""`ccops audit list` (the audit trail) and `ccops retention purge` (delete what is too old)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from ccops.cli_support import console, handle_errors, print_json, print_table, who
from ccops.errors import Invalid, Problem
from ccops.settings import get_settings

audit_app = typer.Typer(help="The audit trail of changes (read-only).", no_args_is_help=True)
retention_app = typer.Typer(help="Retention: delete data older than kept.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _when(value: str | None, option: str) -> datetime | None:
    """An ISO date or date-time (UTC when it has no offset), or None."""
    if not value:
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(
            f"{option}: {value!r} is no ISO date or date-time (like 2026-12-01 or "
            "2026-12-01T08:00)",
            [Problem("not an ISO date", field=option)],
        ) from None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


@audit_app.command("list")
@handle_errors
def list_entries(
    entity: Annotated[
        str | None, typer.Option(help="Only this entity kind (user, queue...)")
    ] = None,
    entity_id: Annotated[int | None, typer.Option(help="Only this record's id")] = None,
    actor: Annotated[str | None, typer.Option(help="Only changes by this actor")] = None,
    since: Annotated[str | None, typer.Option(help="From this ISO date/time (UTC)")] = None,
    until: Annotated[str | None, typer.Option(help="Before this ISO date/time (UTC)")] = None,
    page: Annotated[int, typer.Option(help="Page number, newest first")] = 1,
    per_page: Annotated[int, typer.Option(help="Entries per page (at most 200)")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """List audit entries, newest first: who changed what, when, before and after."""
    from ccops.audit import service as audit_service
    from ccops.runtime import unit_of_work

    with unit_of_work(get_settings()) as session:
        found = audit_service.list_entries(
            session=session,
            entity=entity,
            entity_id=entity_id,
            actor=actor,
            since=_when(since, "--since"),
            until=_when(until, "--until"),
            page=page,
            per_page=per_page,
        )
    if as_json:
        print_json(found)
        return
    rows = [
        {
            "id": e.id,
            "at": f"{e.at:%Y-%m-%d %H:%M:%S}",
            "actor": e.actor,
            "origin": e.origin,
            "entity": f"{e.entity_kind} {e.entity_id if e.entity_id is not None else ''}",
            "action": e.action,
            "changes": json.dumps(e.changes, ensure_ascii=False),
        }
        for e in found.entries
    ]
    print_table(
        f"audit trail, page {found.page}" + (" (more: --page)" if found.has_more else ""),
        rows,
        ["id", "at", "actor", "origin", "entity", "action", "changes"],
    )


@retention_app.command("purge")
@handle_errors
def purge(
    dry_run: Annotated[bool, typer.Option(help="Count what would go; delete nothing")] = False,
    as_job: Annotated[
        bool, typer.Option("--as-job", help="Queue it for the job runner instead")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete contacts, agent states, intake log and audit entries older than their retention."""
    from ccops.audit import retention
    from ccops.runtime import unit_of_work

    settings = get_settings()
    if as_job:
        from ccops.audit import jobs as audit_jobs

        with unit_of_work(settings) as session:
            job = audit_jobs.submit_purge(session=session, dry_run=dry_run, created_by=who())
        if as_json:
            print_json(job)
        else:
            console.print(f"queued job {job.id} ({job.kind}): `ccops jobs show {job.id}`")
        return
    with unit_of_work(settings) as session:
        found = retention.purge(session=session, settings=settings, dry_run=dry_run)
    if as_json:
        print_json(found)
        return
    rows = [
        {
            "kind": k.kind,
            "retention": f"{k.retention_days} d" if k.retention_days else "forever",
            "older than": f"{k.cutoff:%Y-%m-%d %H:%M}" if k.cutoff else "",
            "would delete" if dry_run else "deleted": k.rows,
        }
        for k in found.kinds
    ]
    verb = "would delete" if dry_run else "deleted"
    print_table(
        "retention purge (dry run: nothing deleted)" if dry_run else "retention purge",
        rows,
        ["kind", "retention", "older than", verb],
    )
    if all(k.retention_days == 0 for k in found.kinds):
        console.print(
            "every retention is 0 (keep forever): set CCOPS_RETENTION_*_DAYS to purge",
            highlight=False,
        )
